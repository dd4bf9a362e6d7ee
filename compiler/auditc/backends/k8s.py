"""Kubernetes artifacts of `auditc build`: the ConfigMap (as a manifest and
as a kustomize generator) and the apiserver side of webhook mode. The audit
policy is generated from the rules by auditc.policy (policy/profile.py)."""

from __future__ import annotations

import hashlib
import json

from auditc.artifacts import header

CONFIGMAP_NAME = "auditc-fluent-bit"
HEADER = header("yaml")


def content_hash(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return h.hexdigest()


def _block(text: str, indent: str) -> str:
    # YAML literal block; every line of our files is printable text
    return "\n".join((indent + line) if line else "" for line in text.rstrip("\n").split("\n"))


def configmap(files: dict[str, str]) -> str:
    """A plain manifest for `kubectl apply -f`. Its content hash is in an
    annotation; the kustomization (kustomization.yaml next to it) puts the
    hash in the name instead, which is what makes the DaemonSet roll."""
    lines = [HEADER,
             "# The ConfigMap the Fluent Bit DaemonSet mounts at /fluent-bit/etc. Prefer `kubectl apply -k fluent-bit/`:",
             "# kustomize names it auditc-fluent-bit-<hash>, so a rule change rolls the DaemonSet.",
             "apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {CONFIGMAP_NAME}",
             "  labels:", "    app.kubernetes.io/name: auditc-fluent-bit", "    app.kubernetes.io/part-of: auditc",
             "  annotations:", f"    auditc.dev/content-sha256: {content_hash(files)}", "data:"]
    for name in sorted(files):
        lines.append(f"  {json.dumps(name)}: |")
        lines.append(_block(files[name], "    "))
    return "\n".join(lines) + "\n"


def kustomization(files: dict[str, str]) -> str:
    names = "\n".join(f"      - {name}" for name in sorted(files))
    return (f"{HEADER}\n"
            "# A kustomize base holding the ConfigMap; fluent-bit/kustomization.yaml includes it.\n"
            "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            "kind: Kustomization\n"
            "configMapGenerator:\n"
            f"  - name: {CONFIGMAP_NAME}\n"
            "    options:\n"
            "      labels:\n"
            "        app.kubernetes.io/name: auditc-fluent-bit\n"
            "        app.kubernetes.io/part-of: auditc\n"
            "    files:\n"
            f"{names}\n")


WEBHOOK_PKI = "/etc/kubernetes/pki/auditc-webhook"


def webhook_kubeconfig(port: int) -> str:
    """The kubeconfig kube-apiserver's --audit-webhook-config-file points at.

    The server is the webhook DaemonSet's loopback listener on the same
    control-plane node (hostNetwork): no Service, no DNS and no other node in
    the path, so auditing never depends on the cluster it audits. The path is
    `/`: in_http would take a tag from any other path after replacing every
    character but [A-Za-z0-9_.] with '_' (plugins/in_http/http_prot.c), so
    /kube-audit would arrive as `kube_audit` and miss the filter; `/` keeps
    the input's configured Tag."""
    return f"""{HEADER}
# kube-apiserver --audit-webhook-config-file: where audit EventList batches go.
# Certificates (create them with your PKI; paths are on the control-plane host):
#   {WEBHOOK_PKI}/ca.crt       CA that signed Fluent Bit's serving certificate
#   {WEBHOOK_PKI}/client.crt   client certificate the apiserver presents
#   {WEBHOOK_PKI}/client.key
apiVersion: v1
kind: Config
clusters:
  - name: auditc-fluent-bit
    cluster:
      server: https://127.0.0.1:{port}/
      certificate-authority: {WEBHOOK_PKI}/ca.crt
users:
  - name: kube-apiserver
    user:
      client-certificate: {WEBHOOK_PKI}/client.crt
      client-key: {WEBHOOK_PKI}/client.key
contexts:
  - name: auditc
    context:
      cluster: auditc-fluent-bit
      user: kube-apiserver
current-context: auditc
"""


def webhook_flags(batch_max_size: int) -> list[str]:
    """Batch mode: the apiserver buffers events (--audit-webhook-batch-buffer-size)
    while the backend is slow or down, and drops them when the buffer is full:
    the webhook loses events in a long outage, the log file does not."""
    return [
        "audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        "audit-webhook-config-file=/etc/kubernetes/audit-webhook-kubeconfig.yaml",
        "audit-webhook-mode=batch",
        f"audit-webhook-batch-max-size={batch_max_size}",
        "audit-webhook-batch-max-wait=5s",
        "audit-webhook-batch-buffer-size=10000",
        "audit-webhook-initial-backoff=10s",
    ]


def webhook_kubeadm_patch(batch_max_size: int) -> str:
    flags = "\n".join(f"        - --{f}" for f in webhook_flags(batch_max_size))
    return f"""{HEADER}
# kubeadm: strategic-merge patch for the kube-apiserver static pod adding the
# audit webhook (keep --audit-log-path too: the file is the primary, see docs/deployment.md).
# Copy audit-webhook-kubeconfig.yaml and audit-policy.yaml to /etc/kubernetes/ first.
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
    - name: kube-apiserver
      command:
        - kube-apiserver
{flags}
      volumeMounts:
        - name: audit-webhook-kubeconfig
          mountPath: /etc/kubernetes/audit-webhook-kubeconfig.yaml
          readOnly: true
        - name: audit-webhook-pki
          mountPath: {WEBHOOK_PKI}
          readOnly: true
  volumes:
    - name: audit-webhook-kubeconfig
      hostPath:
        path: /etc/kubernetes/audit-webhook-kubeconfig.yaml
        type: File
    - name: audit-webhook-pki
      hostPath:
        path: {WEBHOOK_PKI}
        type: Directory
"""


def webhook_k3s_config(batch_max_size: int) -> str:
    flags = "\n".join(f'  - "{f}"' for f in webhook_flags(batch_max_size))
    flags = flags.replace("/etc/kubernetes/audit-policy.yaml", "/var/lib/rancher/k3s/server/audit-policy.yaml")
    flags = flags.replace("/etc/kubernetes/audit-webhook-kubeconfig.yaml",
                          "/var/lib/rancher/k3s/server/audit-webhook-kubeconfig.yaml")
    return f"""{HEADER}
# k3s: add to /etc/rancher/k3s/config.yaml on every server node (next to the
# audit-log-* flags), copy the kubeconfig and policy to /var/lib/rancher/k3s/server/,
# then `systemctl restart k3s`. k3s runs the apiserver in-process: paths are host paths.
kube-apiserver-arg:
{flags}
"""
