"""ConfigMaps, Secrets and webhook configurations."""
from __future__ import annotations

import json
import random

from ..goformat import COMPACT, b64
from . import padding
from .managed_fields import managed_field


_CONFIG_FILES = [
    ("application.yaml", lambda j: (
        "server:\n  port: 8080\n  shutdown: graceful\n  compression:\n    enabled: true\n"
        "spring:\n  application:\n    name: @@app@@\n  datasource:\n    url: jdbc:postgresql://@@app@@-postgres.@@ns@@.svc.cluster.local:5432/@@app@@\n"
        "    hikari:\n      maximum-pool-size: 20\n      connection-timeout: 3000\n"
        "management:\n  endpoints:\n    web:\n      exposure:\n        include: health,info,prometheus\n"
        "logging:\n  level:\n    root: INFO\n    com.example.@@app@@: DEBUG\n")),
    ("nginx.conf", lambda j: (
        "worker_processes auto;\nevents { worker_connections 4096; }\nhttp {\n  server_tokens off;\n"
        "  log_format json escape=json '{\"time\":\"$time_iso8601\",\"status\":$status,\"uri\":\"$request_uri\"}';\n"
        "  access_log /dev/stdout json;\n" + "".join(
            f"  upstream backend_{u} {{ server @@app@@-{u}.@@ns@@.svc.cluster.local:8080 max_fails=3; keepalive 32; }}\n"
            f"  server {{ listen 80{u % 10}; location / {{ proxy_pass http://backend_{u}; proxy_read_timeout 30s; }} }}\n"
            for u in range(4 + j)) + "}\n")),
    ("feature-flags.json", lambda j: json.dumps(
        {f: {"enabled": i % 3 != 0, "rollout": (i * 17) % 100, "segments": ["beta", "internal"][: 1 + i % 2]}
         for i, f in enumerate(padding.FEATURES[: 6 + j])}, indent=2) + "\n"),
    ("prometheus-rules.yaml", lambda j: "groups:\n- name: @@app@@.rules\n  rules:\n" + "".join(
        f"  - alert: @@app@@HighErrorRate{i}\n    expr: sum(rate(http_requests_total{{job=\"@@app@@\",code=~\"5..\"}}[5m]))"
        f" / sum(rate(http_requests_total{{job=\"@@app@@\"}}[5m])) > 0.0{i + 1}\n    for: {5 + i}m\n"
        f"    labels:\n      severity: {'critical' if i % 2 else 'warning'}\n    annotations:\n"
        f"      summary: '@@app@@ error ratio above {i + 1}% in @@ns@@'\n" for i in range(3 + 2 * j))),
    ("logback.xml", lambda j: (
        "<configuration>\n  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
        "    <encoder class=\"net.logstash.logback.encoder.LogstashEncoder\"/>\n  </appender>\n" + "".join(
            f"  <logger name=\"com.example.@@app@@.module{i}\" level=\"{'DEBUG' if i % 4 == 0 else 'INFO'}\"/>\n"
            for i in range(4 + 2 * j)) + "  <root level=\"INFO\"><appender-ref ref=\"STDOUT\"/></root>\n</configuration>\n")),
    ("settings.properties", lambda j: "".join(
        f"app.{f.replace('-', '.')}.enabled={'true' if i % 2 else 'false'}\napp.{f.replace('-', '.')}.timeout-ms={250 * (i + 1)}\n"
        for i, f in enumerate(padding.FEATURES[: 6 + 2 * j]))),
]


def _cm_data(k: int) -> dict:
    data = {"LOG_LEVEL": "info", "METRICS_ENABLED": "true", "REGION": "eu-west-1"}
    for j in range(k + 1):
        name, make = _CONFIG_FILES[j % len(_CONFIG_FILES)]
        key = name if j < len(_CONFIG_FILES) else name.replace(".", f"-{j // len(_CONFIG_FILES)}.", 1)
        data[key] = make(j // len(_CONFIG_FILES) + k // 3)
    return dict(sorted(data.items()))


def configmap(k: int, *, stored=True, last_applied=False):
    meta = {"name": "@@app@@-config", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@ts@@"})
    meta["labels"] = padding.labels(min(k, 4), {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/managed-by": "ci-deployer"})
    data = _cm_data(k)
    if last_applied:
        applied = {"apiVersion": "v1", "data": data, "kind": "ConfigMap",
                   "metadata": {"annotations": {}, "labels": meta["labels"], "name": "@@app@@-config", "namespace": "@@ns@@"}}
        meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied, separators=COMPACT) + "\n"}
    if stored:
        meta["managedFields"] = [managed_field("kubectl-client-side-apply", "Update", "v1", "@@now@@",
                                     {"data": data, "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": ""},
                                                                 "labels": meta["labels"]}})]
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, "data": data}


def _secret_data(k: int, kind: str) -> tuple[str, dict]:
    r = random.Random(1000 + k)
    pw = lambda: "".join(r.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(24))
    if kind == "tls":
        data = {"ca.crt": padding.pem("CERTIFICATE", 18 + 4 * k, 7), "tls.crt": padding.pem("CERTIFICATE", 22 + 8 * k, 11 + k),
                "tls.key": padding.pem("PRIVATE KEY", 26, 13 + k)}
        typ = "kubernetes.io/tls"
    elif kind == "docker":
        auths = {f"registry{i or ''}.example.com": {"username": "robot$ci", "password": pw(), "auth": b64("robot$ci:" + pw())}
                 for i in range(1 + k)}
        data = {".dockerconfigjson": json.dumps({"auths": auths})}
        typ = "kubernetes.io/dockerconfigjson"
    else:
        user = "@@app@@"
        p = pw()
        data = {"username": user, "password": p, "host": "@@app@@-postgres.@@ns@@.svc.cluster.local",
                "database-url": f"postgres://{user}:{p}@@@app@@-postgres.@@ns@@.svc.cluster.local:5432/@@app@@?sslmode=require"}
        for i in range(k * 3):
            f = padding.FEATURES[i % len(padding.FEATURES)].replace("-", "_")
            data[f"{f}_api_key" + ("" if i < len(padding.FEATURES) else str(i))] = "sk_live_" + pw() + pw()
        if k >= 2:
            data["service-account.json"] = json.dumps({"type": "service_account", "project_id": "example-prod",
                                                       "private_key_id": "%040x" % r.getrandbits(160),
                                                       "private_key": padding.pem("PRIVATE KEY", 26, 99 + k),
                                                       "client_email": "@@app@@@example-prod.iam.gserviceaccount.com"}, indent=2)
        typ = "Opaque"
    # placeholders survive base64 only if we encode after substitution; we keep them readable
    # by base64-encoding a fixed rendering of the placeholders (they are identifiers only).
    enc = {key: b64(v.replace("@@app@@", "app").replace("@@ns@@", "prod")) for key, v in data.items()}
    return typ, dict(sorted(enc.items()))


def secret(k: int, kind: str):
    typ, data = _secret_data(k, kind)
    name = {"tls": "@@app@@-tls", "docker": "regcred"}.get(kind, "@@app@@-db-credentials")
    meta = {"name": name, "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@",
            "creationTimestamp": "@@ts@@",
            "labels": {"app.kubernetes.io/managed-by": "external-secrets", "app.kubernetes.io/name": "@@app@@"},
            "annotations": {"reconcile.external-secrets.io/data-hash": "4b9c3e1f0a2d8e7c6b5a4f3e2d1c0b9a"}}
    if kind == "tls":
        meta["annotations"] = {"cert-manager.io/alt-names": "@@app@@.@@ns@@.svc,@@app@@.example.com",
                               "cert-manager.io/certificate-name": "@@app@@", "cert-manager.io/common-name": "@@app@@.example.com",
                               "cert-manager.io/issuer-kind": "ClusterIssuer", "cert-manager.io/issuer-name": "letsencrypt-prod"}
        meta["labels"] = {"controller.cert-manager.io/fao": "true"}
    meta["managedFields"] = [managed_field("external-secrets" if kind != "tls" else "cert-manager-certificates-issuing",
                                 "Update", "v1", "@@ts@@", {"data": data, "metadata": {"annotations": meta["annotations"],
                                                                                        "labels": meta["labels"]}, "type": ""})]
    return {"kind": "Secret", "apiVersion": "v1", "metadata": meta, "data": data, "type": typ}


def webhook_configuration(k: int, stored: bool):
    ca = b64(padding.pem("CERTIFICATE", 18, 77))
    hooks = []
    for j in range(1 + k):
        hooks.append({"name": f"{['pods', 'deployments', 'services', 'configmaps'][j % 4]}.defaults.example.com",
                      "clientConfig": {"service": {"namespace": "kube-system", "name": "pod-defaults-webhook",
                                                   "path": f"/mutate-{j}", "port": 443}, "caBundle": ca},
                      "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["", "apps"], "apiVersions": ["v1"],
                                 "resources": ["pods", "deployments"], "scope": "Namespaced"}],
                      "failurePolicy": "Fail", "matchPolicy": "Equivalent",
                      "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                                  "values": ["kube-system", "kube-node-lease"]}]},
                      "objectSelector": {}, "sideEffects": "None", "timeoutSeconds": 10,
                      "admissionReviewVersions": ["v1"], "reinvocationPolicy": "Never"})
    meta = {"name": "pod-defaults-webhook"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "generation": 7, "creationTimestamp": "@@ts@@"})
    obj = {"kind": "MutatingWebhookConfiguration", "apiVersion": "admissionregistration.k8s.io/v1", "metadata": meta,
           "webhooks": hooks}
    return obj
