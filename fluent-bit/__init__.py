"""The Kubernetes manifests of the shipper, installed as the data package `auditc.manifests`.

This directory is their only copy: `kubectl apply -k fluent-bit/` applies it in
a clone, and `auditc init DIR` copies it into a new rules repository (as
`fluent-bit/`, next to the build output `lua/`). kubectl reads only the
kustomizations and manifests here.
"""
