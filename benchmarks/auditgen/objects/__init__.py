"""Kubernetes objects for the request/response bodies, as plain dicts with @@placeholders@@.

They are built once (seed independent), in size variants (the k argument: more
containers, env vars, labels, data ...); bodies.py turns them into templates
and fills in the placeholders per event.
"""
