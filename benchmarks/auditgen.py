#!/usr/bin/env python3
"""Realistic Kubernetes audit-log generator for benchmarks (stdlib only).

Writes JSON lines the way kube-apiserver 1.29-1.31 does with
``--audit-log-format=json``: compact JSON, the audit.k8s.io/v1 Event fields in
the apiserver's order (Go struct order; Go maps such as labels, annotations and
``user.extra`` with sorted keys), ``&``/``<``/``>`` escaped as ``\\u0026`` etc.
like Go's encoder, microsecond RFC3339 timestamps, and the event mix of a busy
cluster: mostly watches, lease renewals, health probes and reads, a fraction of
mutations, and rare security-relevant events.

Everything is deterministic: the same arguments give byte-identical output. The
event stream (auditIDs, users, verbs, timestamps) does not depend on ``level``;
the level only decides the ``level`` field and which bodies are attached, so
the same seed at two levels gives the same events with and without bodies.

    python benchmarks/auditgen.py -n 100000 --level metadata --seed 1 -o audit.log
    python benchmarks/auditgen.py -n 100000 --level mix --gzip -o audit.log.gz
    python benchmarks/auditgen.py -n 100000 --rotate 4 -o logs/    # lumberjack names

Sizes (seed 1, 100k events; ``--stats`` prints them): a Metadata line is
0.7-1.6 KB, ~1.0 KB on average, not the 200-500 bytes sometimes quoted: a
kubelet lease renewal alone (node user, objectRef with uid/resourceVersion,
authorization annotations) is ~0.9 KB in a real cluster, and service-account
users carry pod-bound token claims in user.extra. Bodies follow the tiers:
Request lines with a requestObject average ~1.9 KB (1-5 KB targets),
RequestResponse lines with bodies ~9 KB (5-50 KB targets); objects that are
small by nature (Leases, Bindings, TokenRequests, Events) keep their natural
size. Averages over all lines: metadata ~1.0 KB, mix ~1.25 KB, request
~1.3 KB, requestresponse ~6 KB.
"""
from __future__ import annotations

import argparse
import bisect
import base64
import gzip
import json
import math
import os
import random
import re
import sys
import time
from datetime import datetime, timezone
from typing import Iterator

# =============================================================================
# Tunables: the event mix (percent of all events) and, inside each class, the
# relative weights of its scenarios. Weights need not sum to anything.
# =============================================================================

EVENT_MIX = {
    "watch": 30.0,              # informers/reflectors (re)opening watches
    "lease": 20.0,              # kubelet heartbeats, leader election
    "health": 10.0,             # /healthz /livez /readyz /metrics
    "read": 18.2,               # get/list of configmaps, pods, nodes, services, deployments
    "endpoints-events-read": 5.0,
    "mutation": 12.0,           # pods, bindings, status patches, events, CI patches
    "token": 4.0,               # kubelet TokenRequests for projected SA tokens
    "rare": 0.8,                # security-relevant events (< 1 %)
}

WATCH_MIX = {
    "watch-kubelet-configmap": 6.0,     # per-object watches of mounted configmaps
    "watch-kubelet-secret": 3.0,        # per-object watches of mounted secrets (namespaced)
    "watch-kubelet-pods": 2.0,          # fieldSelector=spec.nodeName=<node>
    "watch-kubelet-node": 1.5,
    "watch-kubelet-services": 1.0,
    "watch-kube-proxy": 4.5,            # endpointslices, services
    "watch-coredns": 2.5,               # endpointslices, services, namespaces
    "watch-controller-manager": 4.0,    # shared informers, cluster-wide
    "watch-scheduler": 2.0,
    "watch-operators": 3.5,             # prometheus-operator (namespaced secrets/configmaps), kube-state-metrics
}

LEASE_MIX = {
    "lease-kubelet-update": 12.0,
    "lease-kubelet-get": 0.5,
    "lease-scheduler-leader": 3.0,      # get + update by the leader
    "lease-controller-manager-leader": 3.0,
    "lease-standby-get": 1.5,           # non-leaders polling the lock
    "lease-apiserver-identity": 1.5,    # kube-apiserver-<hash> leases by system:apiserver
}

HEALTH_MIX = {
    "health-kube-probe": 5.0,           # kubelet liveness/readiness probes of the apiserver (anonymous)
    "health-load-balancer": 2.5,        # anonymous LB checks
    "health-metrics-scrape": 1.5,       # Prometheus /metrics
    "health-kubelet": 0.5,              # authenticated /healthz from control-plane kubelets
    "health-readyz-verbose": 0.5,
}

READ_MIX = {
    "read-kubelet-node": 3.0,
    "read-kubelet-pod": 2.0,
    "read-hpa-scale": 1.5,
    "read-app-configmap": 2.5,
    "read-operator": 2.0,
    "read-initial-list": 1.5,
    "read-human": 3.0,
    "read-ci": 1.0,
}

ENDPOINTS_EVENTS_MIX = {
    "read-human-events": 1.5,
    "read-endpoint-controller": 1.0,
    "read-prometheus-endpoints": 1.5,
    "read-event-exporter": 1.0,
}

MUTATION_MIX = {
    "pod-create-replicaset": 1.2,
    "pod-binding-scheduler": 1.2,
    "pod-status-patch-kubelet": 2.8,
    "pod-patch-replicaset": 0.3,
    "pod-update-statefulset": 0.3,
    "pod-delete": 1.0,
    "node-status-patch-kubelet": 2.2,
    "event-create-kubelet": 1.5,
    "event-create-scheduler": 0.6,
    "event-create-controller": 0.6,
    "event-patch-kubelet": 0.3,
    "deployment-patch-ci": 0.35,
    "configmap-patch-ci": 0.25,
}

TOKEN_MIX = {
    "token-kubelet": 1.0,
}

RARE_MIX = {
    "rare-secret-get-human": 1.0,
    "rare-secret-list-human": 1.0,
    "rare-secret-list-all-namespaces": 1.0,
    "rare-clusterrolebinding-create": 1.0,
    "rare-exec": 1.0,
    "rare-port-forward": 1.0,
    "rare-privileged-pod": 1.0,
    "rare-webhook-patch": 1.0,
    "rare-anonymous-forbidden": 1.0,
    "rare-serviceaccount-forbidden": 1.0,
    "rare-csr-create": 1.0,
}

CLASS_SCENARIOS = {
    "watch": WATCH_MIX,
    "lease": LEASE_MIX,
    "health": HEALTH_MIX,
    "read": READ_MIX,
    "endpoints-events-read": ENDPOINTS_EVENTS_MIX,
    "mutation": MUTATION_MIX,
    "token": TOKEN_MIX,
    "rare": RARE_MIX,
}

# Target line sizes (bytes) for events that carry bodies, drawn log-uniformly;
# bodies are picked from pre-built size variants nearest to the target.
REQUEST_LINE_BYTES = (1_200, 4_800)
REQUESTRESPONSE_LINE_BYTES = (6_000, 45_000)

LEVELS = ("metadata", "request", "requestresponse", "mix")

# The simulated cluster.
K8S_VERSION, K8S_COMMIT = "v1.30.6", "00f20d4"
K8S_OLD_VERSION, K8S_OLD_COMMIT = "v1.29.10", "0fa26ae"      # version skew on a few workers
WORKERS = 12
CONTROL_PLANE = 3
NAMESPACES = ["default", "kube-system", "prod", "staging", "monitoring", "team-a", "team-b", "team-c", "team-d"]
# namespace -> [(app, replicas, kind)]; kind: Deployment or StatefulSet
APPS = {
    "default": [("nginx-demo", 1, "Deployment")],
    "kube-system": [("coredns", 2, "Deployment"), ("metrics-server", 1, "Deployment")],
    "prod": [("web", 6, "Deployment"), ("api", 4, "Deployment"), ("worker", 3, "Deployment"),
             ("payments", 3, "Deployment"), ("postgres", 2, "StatefulSet")],
    "staging": [("web", 2, "Deployment"), ("api", 2, "Deployment"), ("worker", 1, "Deployment"),
                ("redis", 1, "StatefulSet")],
    "monitoring": [("grafana", 1, "Deployment"), ("kube-state-metrics", 1, "Deployment"),
                   ("prometheus-operator", 1, "Deployment"), ("event-exporter", 1, "Deployment"),
                   ("prometheus-k8s", 2, "StatefulSet"), ("alertmanager-main", 2, "StatefulSet")],
    "team-a": [("checkout", 3, "Deployment"), ("cart", 2, "Deployment")],
    "team-b": [("search", 3, "Deployment"), ("indexer", 2, "Deployment")],
    "team-c": [("billing", 2, "Deployment"), ("invoices", 2, "Deployment")],
    "team-d": [("ml-serving", 2, "Deployment"), ("feature-store", 2, "Deployment")],
}
HUMANS = {
    "alice@example.com": {"groups": ["platform-admins", "system:authenticated"], "ip": "192.168.100.23",
                          "ua": "kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46"},
    "bob@example.com": {"groups": ["developers", "team-b-developers", "system:authenticated"], "ip": "192.168.100.57",
                        "ua": "kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9"},
}
CI_USER = "ci-deployer"
CI_UA = "kubectl/v1.30.6 (linux/amd64) kubernetes/00f20d4"
CI_IP = "10.20.5.14"

RV0 = 48_213_077     # resourceVersion at the start of the log

# =============================================================================
# Small helpers
# =============================================================================

_SEP = (",", ":")
_SAFE = "bcdfghjklmnpqrstvwxz2456789"        # k8s rand.String alphabet (pod name suffixes)


def _dumps(obj) -> str:
    """JSON as Go's encoding/json writes it: compact, HTML characters escaped."""
    return (json.dumps(obj, separators=_SEP, ensure_ascii=False)
            .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _uuid(r: random.Random) -> str:
    h = "%032x" % r.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _safe(r: random.Random, n: int) -> str:
    return "".join(_SAFE[int(r.random() * 27)] for _ in range(n))


def _hex(r: random.Random, n: int) -> str:
    return "%0*x" % (n, r.getrandbits(4 * n))


def _b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def _rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _parse_start(start: str) -> int:
    dt = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1_000_000))


def _ann(decision: str, reason: str, extra: dict | None = None) -> str:
    d = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": reason}
    if extra:
        d.update(extra)
    return _dumps(dict(sorted(d.items())))


def _crb(binding: str, role: str, kind: str, subject: str) -> str:
    return f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{role}" to {kind} "{subject}"'


def _rb(binding: str, ns: str, role_kind: str, role: str, kind: str, subject: str) -> str:
    return f'RBAC: allowed by RoleBinding "{binding}/{ns}" of {role_kind} "{role}" to {kind} "{subject}"'


def _oref(resource, ns="", name="", uid="", group="", version="v1", rv="", sub="") -> str:
    s = '{"resource":"' + resource + '"'
    if ns:
        s += ',"namespace":"' + ns + '"'
    if name:
        s += ',"name":"' + name + '"'
    if uid:
        s += ',"uid":"' + uid + '"'
    if group:
        s += ',"apiGroup":"' + group + '"'
    s += ',"apiVersion":"' + version + '"'
    if rv:
        s += ',"resourceVersion":"' + rv + '"'
    if sub:
        s += ',"subresource":"' + sub + '"'
    return s + "}"


def _status_fail(code: int, reason: str, message: str, details: dict | None) -> str:
    d = {"metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        d["details"] = details
    d["code"] = code
    return _dumps(d)


S200 = '{"metadata":{},"code":200}'
S201 = '{"metadata":{},"code":201}'
S101 = '{"metadata":{},"code":101}'
S_WATCH_CLOSED = '{"metadata":{},"status":"Success","message":"Connection closed early","code":200}'
STARTED, COMPLETE = "ResponseStarted", "ResponseComplete"
M, R, RR = "Metadata", "Request", "RequestResponse"    # tiers of the "mix" policy


def _go_duration(seconds: int) -> str:
    return f"{seconds // 60}m{seconds % 60}s"


# =============================================================================
# Body templates. Bodies are built once (seed independent) as real Kubernetes
# objects with @@placeholders@@, serialized, and turned into str.format_map
# templates; per event only the placeholders are filled in.
# =============================================================================

_PH = re.compile(r"@@(\w+)@@")


def _fmt(obj) -> str:
    s = _dumps(obj).replace("{", "{{").replace("}", "}}")
    return _PH.sub(r"{\1}", s)


_SAMPLE = None  # filled by _Bodies: typical placeholder values used to measure template sizes


def _fields_v1(obj, maps=("labels", "annotations", "data", "nodeSelector", "selector", "matchLabels",
                          "limits", "requests", "capacity", "allocatable")):
    """A managedFields fieldsV1 set for the fields present in obj."""
    out = {}
    for k, v in obj.items():
        key = "f:" + k
        if isinstance(v, dict):
            sub = _fields_v1(v)
            if k in maps:
                sub = {".": {}, **sub}
            out[key] = sub
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            items = {}
            for it in v:
                if "name" in it and isinstance(it["name"], str):
                    ik = 'k:{"name":"%s"}' % it["name"]
                elif "containerPort" in it:
                    ik = 'k:{"containerPort":%d,"protocol":"%s"}' % (it["containerPort"], it.get("protocol", "TCP"))
                elif "type" in it:
                    ik = 'k:{"type":"%s"}' % it["type"]
                elif "ip" in it:
                    ik = 'k:{"ip":"%s"}' % it["ip"]
                elif "key" in it:
                    ik = 'k:{"key":"%s","effect":"%s"}' % (it["key"], it.get("effect", ""))
                else:
                    continue
                items[ik] = {".": {}, **{f: s for f, s in _fields_v1(it).items()}}
            out[key] = items
        else:
            out[key] = {}
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != ".", kv[0])))


def _mf(manager, operation, api_version, time_ph, obj, subresource=None):
    e = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": time_ph,
         "fieldsType": "FieldsV1", "fieldsV1": _fields_v1(obj)}
    if subresource:
        e["subresource"] = subresource
    return e


# ---- realistic padding material -------------------------------------------------------------

_ENV_BASE = [
    ("LOG_LEVEL", "info"), ("LOG_FORMAT", "json"), ("PORT", "8080"), ("METRICS_PORT", "9090"),
    ("OTEL_SERVICE_NAME", "@@app@@"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring.svc.cluster.local:4317"),
    ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=@@ns@@,service.namespace=@@ns@@,k8s.cluster.name=prod-eu-1"),
    ("DATABASE_HOST", "@@app@@-postgres.@@ns@@.svc.cluster.local"), ("DATABASE_PORT", "5432"),
    ("DATABASE_NAME", "@@app@@"), ("DATABASE_SSLMODE", "require"), ("DATABASE_POOL_SIZE", "20"),
    ("REDIS_URL", "redis://redis-master.@@ns@@.svc.cluster.local:6379/0"),
    ("KAFKA_BROKERS", "kafka-0.kafka-headless.data.svc.cluster.local:9092,kafka-1.kafka-headless.data.svc.cluster.local:9092,kafka-2.kafka-headless.data.svc.cluster.local:9092"),
    ("KAFKA_CONSUMER_GROUP", "@@app@@-@@ns@@"), ("HTTP_READ_TIMEOUT", "30s"), ("HTTP_WRITE_TIMEOUT", "30s"),
    ("HTTP_IDLE_TIMEOUT", "120s"), ("GRPC_PORT", "9000"), ("TZ", "UTC"), ("AWS_REGION", "eu-west-1"),
    ("S3_BUCKET", "example-@@ns@@-@@app@@-artifacts"), ("CACHE_TTL_SECONDS", "300"),
    ("MAX_CONNECTIONS", "100"), ("RATE_LIMIT_RPS", "250"), ("SENTRY_ENVIRONMENT", "@@ns@@"),
    ("SENTRY_DSN", "https://4f1c2e9a7b3d4c58a0e6b2d9c1f7e3a5@sentry.example.com/42"),
    ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8"),
    ("GODEBUG", "madvdontneed=1"), ("UPSTREAM_TIMEOUT_MS", "2500"), ("CIRCUIT_BREAKER_THRESHOLD", "0.5"),
    ("TRACING_SAMPLE_RATIO", "0.05"), ("SESSION_COOKIE_SECURE", "true"), ("CORS_ALLOWED_ORIGINS", "https://www.example.com,https://app.example.com"),
]
_FEATURES = ["new-checkout", "search-v2", "async-invoices", "recommendations", "dark-mode", "grpc-gateway",
             "batch-export", "audit-trail", "multi-currency", "rate-limiter-v2", "edge-cache", "pdf-renderer",
             "webhooks-v3", "sso-okta", "inventory-sync", "fraud-scoring", "geo-routing", "bulk-import"]


def _env(n: int, with_refs: bool = True):
    env = []
    if with_refs:
        env += [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                {"name": "GOMEMLIMIT", "valueFrom": {"resourceFieldRef": {"containerName": "@@app@@", "divisor": "0", "resource": "limits.memory"}}},
                {"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password", "name": "@@app@@-db-credentials"}}}]
    i = 0
    while len(env) < n:
        if i < len(_ENV_BASE):
            name, value = _ENV_BASE[i]
        else:
            f = _FEATURES[(i - len(_ENV_BASE)) % len(_FEATURES)]
            rnd = (i - len(_ENV_BASE)) // len(_FEATURES)
            name = "FEATURE_" + f.upper().replace("-", "_") + ("_ROLLOUT_PERCENT" if rnd else "_ENABLED")
            value = str((i * 7) % 100) if rnd else ("true" if i % 3 else "false")
        env.append({"name": name, "value": value})
        i += 1
    return env


_EXTRA_LABELS = [("example.com/team", "@@ns@@"), ("example.com/cost-center", "cc-4711"),
                 ("example.com/tier", "backend"), ("example.com/data-classification", "internal"),
                 ("example.com/oncall", "@@ns@@-oncall"), ("example.com/backup-policy", "daily"),
                 ("example.com/slo", "99.9"), ("example.com/runtime", "go1.23"),
                 ("sidecar.istio.io/inject", "false"), ("example.com/release-channel", "stable"),
                 ("example.com/compliance", "pci-dss"), ("example.com/region", "eu-west-1"),
                 ("example.com/owner", "platform"), ("example.com/service-tier", "tier-2")]
_EXTRA_ANNOTATIONS = [
    ("prometheus.io/scrape", "true"), ("prometheus.io/port", "9090"), ("prometheus.io/path", "/metrics"),
    ("kubectl.kubernetes.io/default-container", "@@app@@"),
    ("checksum/config", "9b2cf1c3e5a4d8f7b6a1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9"),
    ("checksum/secret", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("cluster-autoscaler.kubernetes.io/safe-to-evict", "true"),
    ("example.com/runbook", "https://runbooks.example.com/@@ns@@/@@app@@"),
    ("example.com/dashboard", "https://grafana.example.com/d/@@app@@/overview?var-namespace=@@ns@@"),
    ("example.com/description", "Serves the @@app@@ API for the @@ns@@ environment; owned by the platform team, escalate via PagerDuty."),
    ("example.com/repository", "https://git.example.com/@@ns@@/@@app@@"),
    ("example.com/last-deployed-by", "ci-deployer"),
    ("example.com/git-commit", "4f9e2c1b7a3d5e8f0c2b4a6d8e0f1a3c5b7d9e2f"),
    ("fluentbit.io/parser", "json"),
]
_IMAGES = ["registry.k8s.io/kube-proxy", "registry.k8s.io/coredns/coredns", "registry.k8s.io/pause",
           "quay.io/prometheus/node-exporter", "quay.io/prometheus/prometheus", "grafana/grafana",
           "docker.io/library/nginx", "docker.io/library/postgres", "docker.io/library/redis",
           "registry.example.com/prod/web", "registry.example.com/prod/api", "registry.example.com/prod/worker",
           "registry.example.com/prod/payments", "registry.example.com/team-a/checkout",
           "registry.example.com/team-a/cart", "registry.example.com/team-b/search",
           "registry.example.com/team-b/indexer", "registry.example.com/team-c/billing",
           "registry.example.com/team-c/invoices", "registry.example.com/team-d/ml-serving",
           "registry.example.com/team-d/feature-store", "cr.fluentbit.io/fluent/fluent-bit",
           "quay.io/jetstack/cert-manager-controller", "registry.k8s.io/metrics-server/metrics-server",
           "registry.k8s.io/kube-state-metrics/kube-state-metrics", "ghcr.io/example/event-exporter",
           "quay.io/prometheus-operator/prometheus-config-reloader", "docker.io/envoyproxy/envoy",
           "quay.io/prometheus/alertmanager", "quay.io/prometheus-operator/prometheus-operator"]
_SIDECARS = [
    ("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", 2020),
    ("metrics-exporter", "quay.io/prometheus/statsd-exporter:v0.27.1", 9102),
    ("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.77.1", 8081),
    ("envoy", "docker.io/envoyproxy/envoy:v1.31.2", 15001),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", 4180),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0", 5432),
]


def _container(name, image, port, n_env, main=True, privileged=False):
    c = {"name": name, "image": image}
    if not main:
        c["args"] = ["--config=/etc/" + name + "/config.yaml", "--log-level=info"]
    c["ports"] = [{"name": "http" if main else "metrics", "containerPort": port, "protocol": "TCP"}]
    if main:
        c["ports"].append({"name": "metrics", "containerPort": 9090, "protocol": "TCP"})
        c["envFrom"] = [{"configMapRef": {"name": "@@app@@-config"}}]
    c["env"] = _env(n_env, with_refs=main)
    c["resources"] = {"limits": {"cpu": "1" if main else "200m", "memory": "1Gi" if main else "256Mi"},
                      "requests": {"cpu": "250m" if main else "50m", "memory": "512Mi" if main else "64Mi"}}
    c["volumeMounts"] = [{"name": "kube-api-access-@@kaa@@", "readOnly": True,
                          "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
    if main:
        c["volumeMounts"] = [{"name": "config", "readOnly": True, "mountPath": "/etc/@@app@@"},
                             {"name": "tls", "readOnly": True, "mountPath": "/etc/tls"}] + c["volumeMounts"]
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                              "initialDelaySeconds": 10, "timeoutSeconds": 1, "periodSeconds": 10,
                              "successThreshold": 1, "failureThreshold": 3}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                               "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3}
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = "IfNotPresent"
    if privileged:
        c["securityContext"] = {"privileged": True}
    else:
        c["securityContext"] = {"capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
                                "allowPrivilegeEscalation": False}
    return c


def _labels(k: int, base: dict) -> dict:
    d = dict(base)
    for name, value in _EXTRA_LABELS[:k]:
        d[name] = value
    return dict(sorted(d.items()))


def _annotations(k: int, base: dict | None = None) -> dict:
    d = dict(base or {})
    for name, value in _EXTRA_ANNOTATIONS[:k]:
        d[name] = value
    return dict(sorted(d.items()))


def _pod_spec(k: int, *, node: bool, defaults: bool, privileged: bool = False):
    n_side = min(len(_SIDECARS), k // 2)
    containers = [_container("@@app@@", "@@image@@", 8080, 6 + 3 * k, privileged=privileged)]
    for name, image, port in _SIDECARS[:n_side]:
        containers.append(_container(name, image, port, 3 + k // 2, main=False))
    vols = [{"name": "config", "configMap": {"name": "@@app@@-config", "defaultMode": 420}},
            {"name": "tls", "secret": {"secretName": "@@app@@-tls", "defaultMode": 420}}]
    for name, _, _ in _SIDECARS[:n_side]:
        vols.append({"name": name + "-config", "configMap": {"name": "@@app@@-" + name, "defaultMode": 420}})
    vols.append({"name": "kube-api-access-@@kaa@@", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
        "defaultMode": 420}})
    spec = {"volumes": vols, "containers": containers, "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "@@sa@@", "serviceAccount": "@@sa@@"}
    if node:
        spec["nodeName"] = "@@node@@"
    spec["securityContext"] = {} if privileged else {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                                                     "seccompProfile": {"type": "RuntimeDefault"}}
    spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}},
                                            "topologyKey": "kubernetes.io/hostname"}}]}}
    spec["schedulerName"] = "default-scheduler"
    spec["tolerations"] = [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 300},
                           {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 300}]
    if defaults:
        spec["priority"] = 0
        spec["enableServiceLinks"] = True
        spec["preemptionPolicy"] = "PreemptLowerPriority"
    if k >= 4:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": "ScheduleAnyway",
                                              "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}}}]
    return spec


def _pod_labels(k):
    return _labels(k, {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/instance": "@@app@@-@@ns@@",
                       "app.kubernetes.io/part-of": "@@ns@@", "app.kubernetes.io/version": "@@tag@@",
                       "pod-template-hash": "@@hash@@"})


def _pod_status(spec, running: bool):
    if not running:
        return {"phase": "Pending", "qosClass": "Burstable"}
    conds = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": "@@started@@"}
             for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    statuses = []
    for j, c in enumerate(spec["containers"]):
        statuses.append({"name": c["name"], "state": {"running": {"startedAt": "@@started@@"}}, "lastState": {},
                         "ready": True, "restartCount": 0, "image": c["image"],
                         "imageID": c["image"].split(":")[0] + "@sha256:@@digest@@",
                         "containerID": "containerd://@@cid@@%02x" % j, "started": True})
    return {"phase": "Running", "conditions": conds, "hostIP": "@@host_ip@@", "hostIPs": [{"ip": "@@host_ip@@"}],
            "podIP": "@@pod_ip@@", "podIPs": [{"ip": "@@pod_ip@@"}], "startTime": "@@started@@",
            "containerStatuses": statuses, "qosClass": "Burstable"}


def _owner(controller=True):
    o = {"apiVersion": "apps/v1", "kind": "@@okind@@", "name": "@@owner@@", "uid": "@@owner_uid@@"}
    if controller:
        o["controller"] = True
        o["blockOwnerDeletion"] = True
    return [o]


def _pod(k, *, stored: bool, running: bool, deleting: bool = False, managed: bool = True):
    """A Pod of the app. stored=False: as the ReplicaSet controller sends it (generateName, no uid)."""
    spec = _pod_spec(k, node=running, defaults=stored)
    meta = {}
    if stored:
        meta["name"] = "@@name@@"
    meta["generateName"] = "@@owner@@-"
    meta["namespace"] = "@@ns@@"
    if stored:
        meta["uid"] = "@@uid@@"
        meta["resourceVersion"] = "@@rv2@@"
        meta["creationTimestamp"] = "@@ts@@"
    else:
        meta["creationTimestamp"] = None
    if deleting:
        meta["deletionTimestamp"] = "@@now@@"
        meta["deletionGracePeriodSeconds"] = 0
    meta["labels"] = _pod_labels(k)
    meta["annotations"] = _annotations(3 + k // 2, {"kubectl.kubernetes.io/restartedAt": "2026-11-18T16:02:11Z"})
    meta["ownerReferences"] = _owner()
    status = _pod_status(spec, running) if stored else {}
    if stored and managed:
        mfs = [_mf("kube-controller-manager", "Update", "v1", "@@ts@@",
                   {"metadata": {k2: meta[k2] for k2 in ("generateName", "labels", "annotations", "ownerReferences")},
                    "spec": {k2: v for k2, v in spec.items() if k2 != "nodeName"}})]
        if running:
            mfs.append(_mf("kubelet", "Update", "v1", "@@started@@", {"status": {k2: v for k2, v in status.items()
                                                                             if k2 != "qosClass"}}, "status"))
        meta["managedFields"] = mfs
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}


def _strip_kind(obj):
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


# ---- other objects ---------------------------------------------------------------------------

def _node(k: int, *, managed=True):
    images = []
    for j in range(8 + 6 * k):
        name = _IMAGES[j % len(_IMAGES)]
        tag = "v1.%d.%d" % (20 + j % 11, j % 7)
        images.append({"names": [f"{name}@sha256:@@digest@@{j:02x}", f"{name}:{tag}"],
                       "sizeBytes": 9_000_000 + (j * 7_654_321) % 480_000_000})
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": "@@name@@", "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "m6i.2xlarge", "topology.kubernetes.io/region": "eu-west-1",
              "topology.kubernetes.io/zone": "eu-west-1@@zone@@", "node-role.kubernetes.io/worker": "",
              "example.com/pool": "general"}
    annotations = {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                   "node.alpha.kubernetes.io/ttl": "0",
                   "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                   "csi.volume.kubernetes.io/nodeid": '{"ebs.csi.aws.com":"i-0@@iid@@"}'}
    meta = {"name": "@@name@@", "uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@ts@@",
            "labels": dict(sorted(labels.items())), "annotations": dict(sorted(annotations.items()))}
    spec = {"podCIDR": "10.244.@@cidr@@.0/24", "podCIDRs": ["10.244.@@cidr@@.0/24"],
            "providerID": "aws:///eu-west-1@@zone@@/i-0@@iid@@"}
    conds = [("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
             ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
             ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
             ("Ready", "True", "KubeletReady", "kubelet is posting ready status")]
    status = {"capacity": {"cpu": "8", "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                           "memory": "32386544Ki", "pods": "110"},
              "allocatable": {"cpu": "7910m", "ephemeral-storage": "95551679124", "hugepages-1Gi": "0",
                              "hugepages-2Mi": "0", "memory": "31369712Ki", "pods": "110"},
              "conditions": [{"type": t, "status": s, "lastHeartbeatTime": "@@now@@", "lastTransitionTime": "@@ts@@",
                              "reason": rsn, "message": msg} for t, s, rsn, msg in conds],
              "addresses": [{"type": "InternalIP", "address": "@@host_ip@@"},
                            {"type": "InternalDNS", "address": "ip-@@dash_ip@@.eu-west-1.compute.internal"},
                            {"type": "Hostname", "address": "@@name@@"}],
              "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
              "nodeInfo": {"machineID": "ec2@@mid@@", "systemUUID": "ec2@@mid@@", "bootID": "@@boot@@",
                           "kernelVersion": "6.8.0-1017-aws", "osImage": "Ubuntu 24.04.1 LTS",
                           "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": "@@kver@@",
                           "kubeProxyVersion": "@@kver@@", "operatingSystem": "linux", "architecture": "amd64"},
              "images": images}
    if managed:
        meta["managedFields"] = [
            _mf("kubeadm", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": ""}}}),
            _mf("kube-controller-manager", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "node.alpha.kubernetes.io/ttl": ""}}, "spec": {"podCIDR": "", "podCIDRs": [""]}}),
            _mf("kubelet", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "volumes.kubernetes.io/controller-managed-attach-detach": ""}, "labels": labels},
                "spec": {"providerID": ""}}),
            _mf("kubelet", "Update", "v1", "@@now@@", {"status": {k2: v for k2, v in status.items() if k2 != "images"}},
                "status"),
        ]
    return {"kind": "Node", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}


def _node_status_patch():
    types = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    return {"status": {"$setElementOrder/conditions": [{"type": t} for t in types],
                       "conditions": [{"lastHeartbeatTime": "@@now@@", "type": t} for t in types]}}


def _lease(node_lease: bool):
    meta = {"name": "@@name@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@",
            "creationTimestamp": "@@ts@@"}
    if node_lease:
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": "@@name@@", "uid": "@@owner_uid@@"}]
        spec = {"holderIdentity": "@@name@@", "leaseDurationSeconds": 40, "renewTime": "@@nowus@@"}
        mgr = "kubelet"
    else:
        spec = {"holderIdentity": "@@holder@@", "leaseDurationSeconds": 15, "acquireTime": "@@acquired@@",
                "renewTime": "@@nowus@@", "leaseTransitions": 3}
        mgr = "@@manager@@"
    meta["managedFields"] = [_mf(mgr, "Update", "coordination.k8s.io/v1", "@@now@@", {"metadata": {
        k: v for k, v in meta.items() if k == "ownerReferences"}, "spec": spec})]
    return {"kind": "Lease", "apiVersion": "coordination.k8s.io/v1", "metadata": meta, "spec": spec}


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
         for i, f in enumerate(_FEATURES[: 6 + j])}, indent=2) + "\n"),
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
        for i, f in enumerate(_FEATURES[: 6 + 2 * j]))),
]


def _cm_data(k: int) -> dict:
    data = {"LOG_LEVEL": "info", "METRICS_ENABLED": "true", "REGION": "eu-west-1"}
    for j in range(k + 1):
        name, make = _CONFIG_FILES[j % len(_CONFIG_FILES)]
        key = name if j < len(_CONFIG_FILES) else name.replace(".", f"-{j // len(_CONFIG_FILES)}.", 1)
        data[key] = make(j // len(_CONFIG_FILES) + k // 3)
    return dict(sorted(data.items()))


def _configmap(k: int, *, stored=True, last_applied=False):
    meta = {"name": "@@app@@-config", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@ts@@"})
    meta["labels"] = _labels(min(k, 4), {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/managed-by": "ci-deployer"})
    data = _cm_data(k)
    if last_applied:
        applied = {"apiVersion": "v1", "data": data, "kind": "ConfigMap",
                   "metadata": {"annotations": {}, "labels": meta["labels"], "name": "@@app@@-config", "namespace": "@@ns@@"}}
        meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied, separators=_SEP) + "\n"}
    if stored:
        meta["managedFields"] = [_mf("kubectl-client-side-apply", "Update", "v1", "@@now@@",
                                     {"data": data, "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": ""},
                                                                 "labels": meta["labels"]}})]
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, "data": data}


def _pem(label: str, n_lines: int, seed: int) -> str:
    r = random.Random(seed)
    body = "\n".join(_b64(bytes(r.getrandbits(8) for _ in range(48))) for _ in range(n_lines))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _secret_data(k: int, kind: str) -> tuple[str, dict]:
    r = random.Random(1000 + k)
    pw = lambda: "".join(r.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(24))
    if kind == "tls":
        data = {"ca.crt": _pem("CERTIFICATE", 18 + 4 * k, 7), "tls.crt": _pem("CERTIFICATE", 22 + 8 * k, 11 + k),
                "tls.key": _pem("PRIVATE KEY", 26, 13 + k)}
        typ = "kubernetes.io/tls"
    elif kind == "docker":
        auths = {f"registry{i or ''}.example.com": {"username": "robot$ci", "password": pw(), "auth": _b64("robot$ci:" + pw())}
                 for i in range(1 + k)}
        data = {".dockerconfigjson": json.dumps({"auths": auths})}
        typ = "kubernetes.io/dockerconfigjson"
    else:
        user = "@@app@@"
        p = pw()
        data = {"username": user, "password": p, "host": "@@app@@-postgres.@@ns@@.svc.cluster.local",
                "database-url": f"postgres://{user}:{p}@@@app@@-postgres.@@ns@@.svc.cluster.local:5432/@@app@@?sslmode=require"}
        for i in range(k * 3):
            f = _FEATURES[i % len(_FEATURES)].replace("-", "_")
            data[f"{f}_api_key" + ("" if i < len(_FEATURES) else str(i))] = "sk_live_" + pw() + pw()
        if k >= 2:
            data["service-account.json"] = json.dumps({"type": "service_account", "project_id": "example-prod",
                                                       "private_key_id": "%040x" % r.getrandbits(160),
                                                       "private_key": _pem("PRIVATE KEY", 26, 99 + k),
                                                       "client_email": "@@app@@@example-prod.iam.gserviceaccount.com"}, indent=2)
        typ = "Opaque"
    # placeholders survive base64 only if we encode after substitution; we keep them readable
    # by base64-encoding a fixed rendering of the placeholders (they are identifiers only).
    enc = {key: _b64(v.replace("@@app@@", "app").replace("@@ns@@", "prod")) for key, v in data.items()}
    return typ, dict(sorted(enc.items()))


def _secret(k: int, kind: str):
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
    meta["managedFields"] = [_mf("external-secrets" if kind != "tls" else "cert-manager-certificates-issuing",
                                 "Update", "v1", "@@ts@@", {"data": data, "metadata": {"annotations": meta["annotations"],
                                                                                        "labels": meta["labels"]}, "type": ""})]
    return {"kind": "Secret", "apiVersion": "v1", "metadata": meta, "data": data, "type": typ}


def _deployment(k: int, *, last_applied: bool, stored: bool = True):
    tmpl_spec = _pod_spec(k, node=False, defaults=stored)
    labels = _labels(min(k, len(_EXTRA_LABELS)), {"app.kubernetes.io/name": "@@app@@",
                                                  "app.kubernetes.io/instance": "@@app@@-@@ns@@",
                                                  "app.kubernetes.io/version": "@@tag@@"})
    tmpl_labels = {key: v for key, v in labels.items()}
    tmpl = {"metadata": {"creationTimestamp": None, "labels": tmpl_labels,
                         "annotations": _annotations(3 + k // 2, {"kubectl.kubernetes.io/restartedAt": "2026-11-18T16:02:11Z"})},
            "spec": tmpl_spec}
    spec = {"replicas": 3, "selector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}}, "template": tmpl,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
    meta = {"name": "@@app@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "generation": 42, "creationTimestamp": "@@ts@@"})
    meta["labels"] = labels
    ann = {"deployment.kubernetes.io/revision": "41"} if stored else {}
    if last_applied:
        applied = {"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"annotations": {}, "labels": labels, "name": "@@app@@", "namespace": "@@ns@@"},
                   "spec": {"replicas": 3, "selector": spec["selector"],
                            "template": {"metadata": {"annotations": tmpl["metadata"]["annotations"], "labels": tmpl_labels},
                                         "spec": {key: v for key, v in _pod_spec(k, node=False, defaults=False).items()
                                                  if key not in ("serviceAccount",)}}}}
        ann["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(applied, separators=_SEP, sort_keys=True) + "\n"
    if ann:
        meta["annotations"] = dict(sorted(ann.items()))
    obj = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": meta, "spec": spec}
    if stored:
        status = {"observedGeneration": 42, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                  "conditions": [
                      {"type": "Available", "status": "True", "lastUpdateTime": "@@ts@@", "lastTransitionTime": "@@ts@@",
                       "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                      {"type": "Progressing", "status": "True", "lastUpdateTime": "@@now@@", "lastTransitionTime": "@@ts@@",
                       "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "@@app@@-@@hash@@" has successfully progressed.'}]}
        obj["status"] = status
        meta["managedFields"] = [
            _mf("kubectl-client-side-apply", "Update", "apps/v1", "@@now@@", {"metadata": {"annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": ""}, "labels": labels}, "spec": spec}),
            _mf("kube-controller-manager", "Update", "apps/v1", "@@now@@", {"metadata": {"annotations": {
                "deployment.kubernetes.io/revision": ""}}, "status": status}, "status")]
    return obj


def _service():
    return {"kind": "Service", "apiVersion": "v1", "metadata": {
        "name": "@@app@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
        "labels": {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/part-of": "@@ns@@"},
        "annotations": {"prometheus.io/port": "9090", "prometheus.io/scrape": "true"}},
        "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"},
                           {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9090}],
                 "selector": {"app.kubernetes.io/name": "@@app@@"}, "clusterIP": "10.96.@@svc_ip@@",
                 "clusterIPs": ["10.96.@@svc_ip@@"], "type": "ClusterIP", "sessionAffinity": "None",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"},
        "status": {"loadBalancer": {}}}


def _endpoints(n_addr: int):
    addrs = [{"ip": "10.244.%d.%d" % (1 + a % 12, 10 + 7 * a % 240), "nodeName": "worker-%d" % (1 + a % 12),
              "targetRef": {"kind": "Pod", "namespace": "@@ns@@", "name": "@@app@@-@@hash@@-%s" % ("bcdfghjklmnpqrst"[a % 15] * 5),
                            "uid": "@@uid@@"}} for a in range(n_addr)]
    return {"kind": "Endpoints", "apiVersion": "v1", "metadata": {
        "name": "@@app@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
        "labels": {"app.kubernetes.io/name": "@@app@@", "endpoints.kubernetes.io/managed-by": "endpoint-controller"},
        "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "@@now@@"}},
        "subsets": [{"addresses": addrs, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                                                   {"name": "metrics", "port": 9090, "protocol": "TCP"}]}]}


_EVENT_REASONS = [
    ("Pulled", 'Container image "@@image@@" already present on machine', "spec.containers{@@app@@}"),
    ("Created", "Created container @@app@@", "spec.containers{@@app@@}"),
    ("Started", "Started container @@app@@", "spec.containers{@@app@@}"),
    ("Killing", "Stopping container @@app@@", "spec.containers{@@app@@}"),
    ("Unhealthy", "Readiness probe failed: Get \"http://@@pod_ip@@:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "spec.containers{@@app@@}"),
    ("BackOff", "Back-off restarting failed container @@app@@ in pod @@name@@_@@ns@@(@@uid@@)", "spec.containers{@@app@@}"),
]


def _core_event(variant: int, *, stored: bool, controller: bool = False):
    reason, msg, path = _EVENT_REASONS[variant % len(_EVENT_REASONS)]
    meta = {"name": "@@name@@.@@evid@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@evuid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    inv = {"kind": "Pod", "namespace": "@@ns@@", "name": "@@name@@", "uid": "@@uid@@", "apiVersion": "v1",
           "resourceVersion": "@@rv@@"}
    if controller:
        reason, msg = "SuccessfulCreate", "Created pod: @@name@@"
        inv = {"kind": "ReplicaSet", "namespace": "@@ns@@", "name": "@@owner@@", "uid": "@@owner_uid@@",
               "apiVersion": "apps/v1", "resourceVersion": "@@rv@@"}
        meta["name"] = "@@owner@@.@@evid@@"
        src = {"component": "replicaset-controller"}
    else:
        inv["fieldPath"] = path
        src = {"component": "kubelet", "host": "@@node@@"}
    ev = {"kind": "Event", "apiVersion": "v1", "metadata": meta, "involvedObject": inv, "reason": reason, "message": msg,
          "source": src, "firstTimestamp": "@@now@@", "lastTimestamp": "@@now@@", "count": 1,
          "type": "Warning" if reason in ("Unhealthy", "BackOff") else "Normal", "eventTime": None,
          "reportingComponent": src["component"], "reportingInstance": src.get("host", "")}
    if stored:
        meta["managedFields"] = [_mf(src["component"], "Update", "v1", "@@now@@",
                                     {k: v for k, v in ev.items() if k not in ("kind", "apiVersion", "metadata")})]
    return ev


def _scheduler_event(*, stored: bool):
    meta = {"name": "@@name@@.@@evid@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@evuid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    ev = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": meta, "eventTime": "@@nowus@@",
          "reportingController": "default-scheduler", "reportingInstance": "default-scheduler-cp-1", "action": "Binding",
          "reason": "Scheduled", "regarding": {"kind": "Pod", "namespace": "@@ns@@", "name": "@@name@@", "uid": "@@uid@@",
                                               "apiVersion": "v1", "resourceVersion": "@@rv@@"},
          "note": "Successfully assigned @@ns@@/@@name@@ to @@node@@", "type": "Normal", "deprecatedSource": {},
          "deprecatedFirstTimestamp": None, "deprecatedLastTimestamp": None}
    if stored:
        meta["managedFields"] = [_mf("kube-scheduler", "Update", "events.k8s.io/v1", "@@now@@",
                                     {k: v for k, v in ev.items() if k not in ("kind", "apiVersion", "metadata",
                                                                               "deprecatedSource")})]
    return ev


def _token_request(stored: bool):
    meta = {"name": "@@sa@@", "namespace": "@@ns@@", "creationTimestamp": None} if stored else {"creationTimestamp": None}
    spec = {"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": 3607,
            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "@@name@@", "uid": "@@uid@@"}}
    status = {"token": "@@token@@", "expirationTimestamp": "@@exp@@"} if stored else {"token": "", "expirationTimestamp": None}
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": meta, "spec": spec, "status": status}


def _crb_obj(stored: bool):
    meta = {"name": "@@crb@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    obj = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta,
           "subjects": [{"kind": "@@skind@@", "apiGroup": "rbac.authorization.k8s.io", "name": "@@subject@@"}],
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "@@role@@"}}
    if stored:
        meta["managedFields"] = [_mf("kubectl-create", "Update", "rbac.authorization.k8s.io/v1", "@@now@@",
                                     {"roleRef": {}, "subjects": {}})]
    return obj


def _csr(stored: bool):
    csr_pem = _pem("CERTIFICATE REQUEST", 12, 4242)
    meta = {"name": "@@csr@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    spec = {"request": _b64(csr_pem), "signerName": "kubernetes.io/kube-apiserver-client", "expirationSeconds": 86400,
            "usages": ["client auth"]}
    if stored:
        spec.update({"username": "@@user@@", "groups": ["@@group@@", "system:authenticated"]})
    obj = {"kind": "CertificateSigningRequest", "apiVersion": "certificates.k8s.io/v1", "metadata": meta, "spec": spec,
           "status": {}}
    if stored:
        meta["managedFields"] = [_mf("kubectl-client-side-apply", "Update", "certificates.k8s.io/v1", "@@now@@",
                                     {"spec": {"expirationSeconds": 0, "request": "", "signerName": "", "usages": []}})]
    return obj


def _webhook_cfg(k: int, stored: bool):
    ca = _b64(_pem("CERTIFICATE", 18, 77))
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


def _privileged_pod(stored: bool):
    spec = {"volumes": [{"name": "host-root", "hostPath": {"path": "/", "type": ""}}],
            "containers": [{"name": "@@podname@@", "image": "docker.io/library/ubuntu:24.04", "command": ["nsenter"],
                            "args": ["--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--", "bash", "-l"],
                            "resources": {}, "volumeMounts": [{"name": "host-root", "mountPath": "/host"}],
                            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent", "securityContext": {"privileged": True},
                            "stdin": True, "stdinOnce": True, "tty": True}],
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "nodeName": "@@node@@", "hostNetwork": True, "hostPID": True, "hostIPC": True, "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [{"operator": "Exists"}]}
    meta = {"name": "@@podname@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
        spec.update({"serviceAccountName": "default", "serviceAccount": "default", "priority": 0,
                     "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"})
    else:
        meta["creationTimestamp"] = None
    meta["labels"] = {"run": "@@podname@@"}
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
           "status": {"phase": "Pending", "qosClass": "BestEffort"} if stored else {}}
    if stored:
        meta["managedFields"] = [_mf("kubectl-run", "Update", "v1", "@@now@@",
                                     {"metadata": {"labels": meta["labels"]}, "spec": {k: v for k, v in spec.items()
                                                                                       if k not in ("serviceAccount", "serviceAccountName")}})]
    return obj


_NAME_DESC = ("Name must be unique within a namespace. Is required when creating resources, although some resources "
              "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
              "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
              "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_AGE_DESC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
             "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
             "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
             "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")


def _table(secret: bool):
    """columnDefinitions of the apiserver's Table for kubectl get pods / secrets."""
    if secret:
        cols = [("Name", "string", "name", _NAME_DESC), ("Type", "string", "", "The type of the secret"),
                ("Data", "integer", "", "The number of entries in the data"), ("Age", "string", "", _AGE_DESC)]
    else:
        cols = [("Name", "string", "name", _NAME_DESC),
                ("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
                ("Status", "string", "", "The aggregate status of the containers in this pod."),
                ("Restarts", "string", "", "The number of times the containers in this pod have been restarted and "
                                           "when the last container in this pod has restarted."),
                ("Age", "string", "", _AGE_DESC)]
    return [{"name": c, "type": t, "format": f, "description": d, "priority": 0} for c, t, f, d in cols]


# ---- families ---------------------------------------------------------------------------------

class _Family:
    """Size variants of (requestObject, responseObject) templates for one kind of call."""

    def __init__(self, variants):
        self.variants = []
        for req, resp in variants:
            rf = _fmt(req) if req is not None else None
            sf = _fmt(resp) if resp is not None else None
            rl = len(rf.format_map(_SAMPLE)) if rf else 0
            sl = len(sf.format_map(_SAMPLE)) if sf else 0
            self.variants.append((rf, sf, rl, sl))
        req_sorted = sorted((v[2], i) for i, v in enumerate(self.variants))
        rr_sorted = sorted((v[2] + v[3], i) for i, v in enumerate(self.variants))
        self.req_sizes = [s for s, _ in req_sorted]
        self.req_idx = [i for _, i in req_sorted]
        self.rr_sizes = [s for s, _ in rr_sorted]
        self.rr_idx = [i for _, i in rr_sorted]

    def pick(self, rr: bool, target: int):
        sizes, idx = (self.rr_sizes, self.rr_idx) if rr else (self.req_sizes, self.req_idx)
        j = bisect.bisect_left(sizes, target)
        if j == len(sizes) or (j > 0 and target - sizes[j - 1] < sizes[j] - target):
            j -= 1
        return self.variants[idx[j]]

    def render(self, rr: bool, vals, target: int):
        rf, sf, _, _ = self.pick(rr, target)
        return (rf.format_map(vals) if rf else None), (sf.format_map(vals) if rr and sf else None)


class _ListFamily:
    """List (or Table) responses: items rendered per object of the pool, sized by item variant and count."""

    def __init__(self, kind, api_version, item_variants, table_columns=None, table_cells=None):
        self.kind, self.api_version = kind, api_version
        self.items = [_fmt(_strip_kind(it) if table_columns is None else it) for it in item_variants]
        self.sizes = [len(f.format_map(_SAMPLE)) + 1 for f in self.items]
        self.table_columns = _dumps(table_columns) if table_columns else None
        self.table_cells = table_cells

    def render(self, rr: bool, vals, target: int):
        if not rr:
            return None, None
        pool = vals["_pool"]
        k = len(self.sizes) - 1
        while k > 0 and self.sizes[k] * len(pool) > target:
            k -= 1
        count = max(1, min(len(pool), round(target / self.sizes[k])))
        fmt = self.items[k]
        now, nowus = vals["now"], vals["nowus"]

        def item_vals(it):
            v = _Vals(it)
            v["now"], v["nowus"], v["rv2"] = now, nowus, it["rv"]
            return v

        if self.table_columns is None:
            body = ",".join(fmt.format_map(item_vals(it)) for it in pool[:count])
            return None, ('{"kind":"' + self.kind + '","apiVersion":"' + self.api_version
                          + '","metadata":{"resourceVersion":"' + vals["rv"] + '"},"items":[' + body + "]}")
        rows = ",".join('{"cells":' + _dumps(self.table_cells(it)) + ',"object":'
                        + fmt.format_map(item_vals(it)) + "}"
                        for it in pool[:count])
        return None, ('{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"' + vals["rv"]
                      + '"},"columnDefinitions":' + self.table_columns + ',"rows":[' + rows + "]}")


class _StatusBody:
    """responseObject of a failed request at RequestResponse level: the Status itself."""

    def render(self, rr: bool, vals, target: int):
        return None, (vals["_status"] if rr else None)


def _partial_meta(k: int, secret: bool):
    meta = {"name": "@@name@@" if not secret else "@@sname@@", "namespace": "@@ns@@", "uid": "@@uid@@",
            "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
            "labels": {"app.kubernetes.io/name": "@@app@@"} if secret else _pod_labels(k)}
    if not secret:
        meta["ownerReferences"] = _owner()
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}


class _Bodies:
    def __init__(self):
        global _SAMPLE
        _SAMPLE = _SampleVals()
        K = range(0, 15)
        pods_running = [_pod(k, stored=True, running=True) for k in K]
        self.pod_create = _Family([(_pod(k, stored=False, running=False), _pod(k, stored=True, running=False)) for k in K])
        self.pod_get = _Family([(None, p) for p in pods_running])
        self.pod_status_patch = _Family([({"metadata": {"uid": "@@uid@@"}, "status": {
            key: v for key, v in p["status"].items() if key != "qosClass"}}, p) for p in pods_running])
        self.pod_patch = _Family([({"metadata": {"labels": {"example.com/adopted": "true"}, "ownerReferences": _owner(),
                                                 "uid": "@@uid@@"}}, p) for p in pods_running])
        self.pod_update = _Family([(p, p) for p in pods_running])
        self.pod_delete = _Family([({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                     "preconditions": {"uid": "@@uid@@"}}, _pod(k, stored=True, running=True, deleting=True))
                                   for k in K])
        self.pod_binding = _Family([({"kind": "Binding", "apiVersion": "v1", "metadata": {
            "name": "@@name@@", "namespace": "@@ns@@", "uid": "@@uid@@", "creationTimestamp": None},
            "target": {"kind": "Node", "name": "@@node@@"}},
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})])
        self.pod_list = _ListFamily("PodList", "v1", [_pod(k, stored=True, running=True) for k in (0, 1, 2, 4, 6)])
        self.pod_table = _ListFamily("Table", "meta.k8s.io/v1", [_partial_meta(k, False) for k in (0, 4, 8, 14)],
                                     table_columns=_table(False),
                                     table_cells=lambda it: [it["name"], "1/1", "Running", 0, it["age"]])
        self.privileged_pod = _Family([(_privileged_pod(False), _privileged_pod(True))])
        nodes = [_node(k) for k in range(0, 16)]
        self.node_status_patch = _Family([(_node_status_patch(), n) for n in nodes])
        self.node_get = _Family([(None, n) for n in nodes])
        self.node_list = _ListFamily("NodeList", "v1", [_node(k) for k in (0, 1, 2, 4)])
        self.lease_node = _Family([(_lease(True), _lease(True))])
        self.lease_node_get = _Family([(None, _lease(True))])
        self.lease_leader = _Family([(_lease(False), _lease(False))])
        self.lease_leader_get = _Family([(None, _lease(False))])
        self.event_kubelet = _Family([(_core_event(v, stored=False), _core_event(v, stored=True)) for v in range(6)])
        self.event_controller = _Family([(_core_event(0, stored=False, controller=True),
                                          _core_event(0, stored=True, controller=True))])
        self.event_scheduler = _Family([(_scheduler_event(stored=False), _scheduler_event(stored=True))])
        self.event_patch = _Family([({"count": 2, "lastTimestamp": "@@now@@", "message": m},
                                     _core_event(v, stored=True)) for v, (_, m, _) in enumerate(_EVENT_REASONS)])
        self.event_list = _ListFamily("EventList", "v1", [_core_event(v, stored=True) for v in range(6)])
        cms = [_configmap(k, last_applied=True) for k in range(0, 14)]
        self.cm_get = _Family([(None, c) for c in cms])
        self.cm_list = _ListFamily("ConfigMapList", "v1", [_configmap(k, last_applied=True) for k in (0, 1, 2, 4, 7)])
        self.cm_patch = _Family([({"data": c["data"], "metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                c["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]}}}, c) for c in cms])
        for kind in ("opaque", "tls", "docker"):
            setattr(self, "secret_get_" + kind, _Family([(None, _secret(k, kind)) for k in range(0, 10)]))
        self.secret_list = _ListFamily("SecretList", "v1", [_secret(k, "opaque") for k in (0, 1, 2, 4, 6)])
        self.secret_table = _ListFamily("Table", "meta.k8s.io/v1", [_partial_meta(0, True)],
                                        table_columns=_table(True),
                                        table_cells=lambda it: [it["sname"], "Opaque", 4, it["age"]])
        deps = [_deployment(k, last_applied=True) for k in range(0, 15)]
        self.deploy_get = _Family([(None, d) for d in deps])
        self.deploy_list = _ListFamily("DeploymentList", "apps/v1", [_deployment(k, last_applied=True) for k in (0, 1, 2, 4)])
        self.deploy_patch = _Family([({"metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]}},
            "spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/version": "@@tag@@"}},
                                  "spec": {"$setElementOrder/containers": [{"name": c["name"]} for c in d["spec"]["template"]["spec"]["containers"]],
                                           "containers": [{"image": "@@image@@", "name": "@@app@@"}]}}}}, d) for d in deps])
        self.scale_get = _Family([(None, {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {
            "name": "@@app@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@",
            "creationTimestamp": "@@ts@@"}, "spec": {"replicas": 3},
            "status": {"replicas": 3, "selector": "app.kubernetes.io/name=@@app@@"}})])
        self.svc_get = _Family([(None, _service())])
        self.svc_list = _ListFamily("ServiceList", "v1", [_service()])
        self.ep_get = _Family([(None, _endpoints(n)) for n in (1, 3, 6, 12, 24, 48, 96)])
        self.ep_list = _ListFamily("EndpointsList", "v1", [_endpoints(n) for n in (1, 3, 6, 12)])
        self.token = _Family([(_token_request(False), _token_request(True))])
        self.crb = _Family([(_crb_obj(False), _crb_obj(True))])
        self.csr = _Family([(_csr(False), _csr(True))])
        webhooks = [(_webhook_cfg(k, False), _webhook_cfg(k, True)) for k in range(0, 4)]
        self.webhook_patch = _Family([({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                                                                       json.dumps(req, separators=_SEP, sort_keys=True) + "\n"}},
                                        "webhooks": [{"clientConfig": {"caBundle": h["clientConfig"]["caBundle"]},
                                                      "name": h["name"]} for h in req["webhooks"]]}, resp)
                                      for req, resp in webhooks])
        self.status = _StatusBody()


class _SampleVals(dict):
    """Typical placeholder values (for measuring template sizes)."""

    def __missing__(self, key):
        return {"uid": "x" * 36, "owner_uid": "x" * 36, "evuid": "x" * 36, "ts": "2026-11-01T08:12:44Z",
                "now": "2026-11-20T10:00:00Z", "nowus": "2026-11-20T10:00:00.000000Z", "started": "2026-11-01T08:12:49Z",
                "image": "registry.example.com/prod/web:1.14.2", "digest": "x" * 64, "cid": "x" * 62,
                "name": "web-7d9f8b6c4d-x2x5q", "owner": "web-7d9f8b6c4d", "token": "x" * 900}.get(key, "xxxxxxxxxx")


_BODIES: _Bodies | None = None


def _bodies() -> _Bodies:
    global _BODIES
    if _BODIES is None:
        _BODIES = _Bodies()
    return _BODIES


# =============================================================================
# The simulated cluster (deterministic per seed and start time)
# =============================================================================

class _Actor:
    """Who sends a request: user JSON, source IP, user agent, authorization reason."""
    __slots__ = ("user", "ip", "ua", "reason", "name")

    def __init__(self, name, user, ip, ua, reason=""):
        self.name, self.user, self.ip, self.ua, self.reason = name, user, ip, ua, reason


def _user_json(username, groups, uid=None, extra=None):
    d = {"username": username}
    if uid:
        d["uid"] = uid
    d["groups"] = groups
    if extra:
        d["extra"] = dict(sorted(extra.items()))
    return _dumps(d)


def _sa_user(ns, name, uid, jti, pod=None):
    extra = {"authentication.kubernetes.io/credential-id": ["JTI=" + jti]}
    if pod is not None:
        extra.update({"authentication.kubernetes.io/node-name": [pod["node"]],
                      "authentication.kubernetes.io/node-uid": [pod["node_uid"]],
                      "authentication.kubernetes.io/pod-name": [pod["name"]],
                      "authentication.kubernetes.io/pod-uid": [pod["uid"]]})
    return _user_json(f"system:serviceaccount:{ns}:{name}",
                      ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"], uid, extra)


def _ua(component, suffix=""):
    return f"{component}/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}{suffix}"


class _World:
    def __init__(self, seed: int, start_us: int):
        r = random.Random(f"auditgen-world:{seed}")
        start = start_us / 1e6
        self.start_us = start_us
        # --- nodes
        self.nodes, self.workers, self.cps = [], [], []
        for kind, count in (("cp", CONTROL_PLANE), ("worker", WORKERS)):
            for i in range(1, count + 1):
                name = f"{kind}-{i}"
                old = kind == "worker" and i > WORKERS - 3
                ver, commit = (K8S_OLD_VERSION, K8S_OLD_COMMIT) if old else (K8S_VERSION, K8S_COMMIT)
                ip = f"10.0.{0 if kind == 'cp' else 1}.{10 + i}"
                nd = {"name": name, "uid": _uuid(r), "lease_uid": _uuid(r), "ip": ip, "kver": ver,
                      "ua": f"kubelet/{ver} (linux/amd64) kubernetes/{commit}",
                      "user": _user_json(f"system:node:{name}", ["system:nodes", "system:authenticated"]),
                      "ts": _rfc3339(start - 86400 * (120 + r.randint(0, 60)) - r.randint(0, 86400))}
                nd["actor"] = _Actor(f"system:node:{name}", nd["user"], ip, nd["ua"])
                cidr = len(self.nodes) + 1
                nd["vals"] = {"name": name, "uid": nd["uid"], "rv": str(RV0 - r.randint(10, 500)), "ts": nd["ts"],
                              "zone": "abc"[i % 3], "iid": _hex(r, 16), "cidr": str(cidr), "host_ip": ip,
                              "dash_ip": ip.replace(".", "-"), "mid": _hex(r, 29), "boot": _uuid(r), "kver": ver,
                              "digest": _hex(r, 62)}
                nd["lease_vals"] = {"name": name, "ns": "kube-node-lease", "uid": nd["lease_uid"], "ts": nd["ts"],
                                    "owner_uid": nd["uid"]}
                self.nodes.append(nd)
                (self.cps if kind == "cp" else self.workers).append(nd)
        # --- pods
        self.pods, self.pods_by_ns, self.apps = [], {ns: [] for ns in NAMESPACES}, []
        svc_n = 10
        for ns in NAMESPACES:
            for app, replicas, kind in APPS[ns]:
                tag = f"1.{r.randint(2, 30)}.{r.randint(0, 9)}"
                image = self._image(ns, app, tag)
                h = _safe(r, 10)
                owner = f"{app}-{h}" if kind == "Deployment" else app
                owner_uid = _uuid(r)
                created = start - 86400 * r.uniform(0.5, 40)
                svc_n += 1
                a = {"ns": ns, "app": app, "kind": kind, "tag": tag, "image": image, "hash": h, "uid": _uuid(r),
                     "owner": owner, "owner_uid": owner_uid, "ts": _rfc3339(created), "rv": str(RV0 - r.randint(500, 90000)),
                     "svc_ip": f"{svc_n // 250}.{svc_n % 250}", "cm_uid": _uuid(r), "secret_uid": _uuid(r),
                     "sa": app if ns not in ("default",) else "default", "pods": []}
                self.apps.append(a)
                for j in range(replicas):
                    node = self.workers[r.randrange(len(self.workers))]
                    name = f"{owner}-{_safe(r, 5)}" if kind == "Deployment" else f"{app}-{j}"
                    p_created = created + r.uniform(0, 3600 * 12)
                    p = self._pod_vals(r, a, name, node, p_created)
                    self.pods.append(p)
                    self.pods_by_ns[ns].append(p)
                    a["pods"].append(p)
        # daemonsets: kube-proxy (kube-system) and node-exporter (monitoring) on every node
        self.kube_proxy = {}
        for ds_ns, app in (("kube-system", "kube-proxy"), ("monitoring", "node-exporter")):
            a = {"ns": ds_ns, "app": app, "kind": "DaemonSet", "tag": K8S_VERSION if app == "kube-proxy" else "v1.8.2",
                 "hash": _safe(r, 10), "uid": _uuid(r), "owner": app, "owner_uid": _uuid(r),
                 "ts": _rfc3339(start - 86400 * 90), "rv": str(RV0 - 99000), "svc_ip": "0.1", "cm_uid": _uuid(r),
                 "secret_uid": _uuid(r), "sa": app, "pods": []}
            a["image"] = self._image(ds_ns, app, a["tag"])
            for node in self.nodes:
                p = self._pod_vals(r, a, f"{app}-{_safe(r, 5)}", node, start - 86400 * r.uniform(1, 30))
                self.pods.append(p)
                self.pods_by_ns[ds_ns].append(p)
                a["pods"].append(p)
                if app == "kube-proxy":
                    self.kube_proxy[node["name"]] = p
        self.app_by = {(a["ns"], a["app"]): a for a in self.apps}
        self.workload_pods = [p for p in self.pods if p["okind"] != "DaemonSet"]
        # --- service-account actors (pod-bound tokens carry the pod and node in user.extra)
        sa_uids = {}

        def sa_actor(ns, sa, pod, reason, ua):
            key = (ns, sa)
            if key not in sa_uids:
                sa_uids[key] = (_uuid(r), _uuid(r))
            uid, _ = sa_uids[key]
            return _Actor(f"system:serviceaccount:{ns}:{sa}",
                          _sa_user(ns, sa, uid, _uuid(r), pod), pod["pod_ip"] if pod else "10.0.0.11", ua, reason)

        self.sa_actor = sa_actor
        # controller-manager controllers (--use-service-account-credentials): not pod bound
        self.controllers = {}
        for c in ("replicaset-controller", "statefulset-controller", "endpoint-controller", "horizontal-pod-autoscaler",
                  "deployment-controller", "generic-garbage-collector"):
            self.controllers[c] = [sa_actor("kube-system", c, None, _crb(f"system:controller:{c}", f"system:controller:{c}",
                                                                        "ServiceAccount", f"{c}/kube-system"),
                                            _ua("kube-controller-manager", f"/system:serviceaccount:kube-system:{c}"))]
        self.kube_proxy_actors = [sa_actor("kube-system", "kube-proxy", p,
                                           _crb("kubeadm:node-proxier", "system:node-proxier", "ServiceAccount", "kube-proxy/kube-system"),
                                           _ua("kube-proxy")) for p in self.kube_proxy.values()]
        for act, nd in zip(self.kube_proxy_actors, self.kube_proxy):
            act.ip = next(n["ip"] for n in self.nodes if n["name"] == nd)     # hostNetwork
        self.coredns_actors = [sa_actor("kube-system", "coredns", p, _crb("system:coredns", "system:coredns", "ServiceAccount",
                                                                          "coredns/kube-system"),
                                        "coredns/v0.0.0 (linux/amd64) kubernetes/$Format")
                               for p in self.app_by[("kube-system", "coredns")]["pods"]]

        def app_actors(ns, app, reason, ua):
            return [sa_actor(ns, self.app_by[(ns, app)]["sa"], p, reason, ua) for p in self.app_by[(ns, app)]["pods"]]

        self.ksm_actors = app_actors("monitoring", "kube-state-metrics",
                                     _crb("kube-state-metrics", "kube-state-metrics", "ServiceAccount", "kube-state-metrics/monitoring"),
                                     "kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format")
        self.promop_actors = app_actors("monitoring", "prometheus-operator",
                                        _crb("prometheus-operator", "prometheus-operator", "ServiceAccount",
                                             "prometheus-operator/monitoring"), "PrometheusOperator/0.77.1")
        self.prom_actors = app_actors("monitoring", "prometheus-k8s",
                                      _crb("prometheus-k8s", "prometheus-k8s", "ServiceAccount", "prometheus-k8s/monitoring"),
                                      "Prometheus/2.54.1")
        self.exporter_actors = app_actors("monitoring", "event-exporter",
                                          _crb("event-exporter", "view", "ServiceAccount", "event-exporter/monitoring"),
                                          "event-exporter/v0.0.0 (linux/amd64) kubernetes/$Format")
        self.app_sa_actors = []
        for a in self.apps:
            if a["ns"] in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") and a["kind"] == "Deployment":
                reason = _rb(f"{a['app']}-config-reader", a["ns"], "Role", f"{a['app']}-config-reader", "ServiceAccount",
                             f"{a['sa']}/{a['ns']}")
                ua = (f"{a['app']}/v0.0.0 (linux/amd64) kubernetes/$Format" if len(a["app"]) % 2
                      else "OpenAPI-Generator/31.0.0/python")
                for act, p in zip(app_actors(a["ns"], a["app"], reason, ua), a["pods"]):
                    self.app_sa_actors.append((act, a))
        # --- control plane identities
        self.scheduler = [_Actor("system:kube-scheduler", _user_json("system:kube-scheduler", ["system:authenticated"]),
                                 cp["ip"], _ua("kube-scheduler", "/scheduler"),
                                 _crb("system:kube-scheduler", "system:kube-scheduler", "User", "system:kube-scheduler"))
                          for cp in self.cps]
        self.kcm = [_Actor("system:kube-controller-manager", _user_json("system:kube-controller-manager", ["system:authenticated"]),
                           cp["ip"], _ua("kube-controller-manager", "/shared-informers"),
                           _crb("system:kube-controller-manager", "system:kube-controller-manager", "User",
                                "system:kube-controller-manager")) for cp in self.cps]
        self.apiserver = _Actor("system:apiserver", _user_json("system:apiserver", ["system:authenticated", "system:masters"],
                                                               _uuid(r)), "::1", _ua("kube-apiserver"))
        self.apiserver_leases = [(f"kube-apiserver-{_hex(r, 26)}", _uuid(r), cp) for cp in self.cps]
        self.leader_acquired = _rfc3339(start - 86400 * 3.2)
        self.leader_ids = {"kube-scheduler": f"cp-1_{_uuid(r)}", "kube-controller-manager": f"cp-1_{_uuid(r)}"}
        self.leader_uids = {"kube-scheduler": _uuid(r), "kube-controller-manager": _uuid(r)}
        self.humans = {u: _Actor(u, _user_json(u, h["groups"]), h["ip"], h["ua"]) for u, h in HUMANS.items()}
        self.ci = _Actor(CI_USER, _user_json(CI_USER, ["ci", "system:authenticated"]), CI_IP, CI_UA,
                         _crb(CI_USER, CI_USER, "User", CI_USER))
        self.anonymous = _user_json("system:anonymous", ["system:unauthenticated"])
        self.webhook_uid = _uuid(r)
        self.tokens = [self._jwt(r) for _ in range(32)]
        self.event_ids = [_hex(r, 16) for _ in range(64)]
        self.event_uids = [_uuid(r) for _ in range(64)]
        self.crb_uids = [_uuid(r) for _ in range(8)]
        # configmaps / secrets / pools for list bodies
        self.cm_pool = {ns: [] for ns in NAMESPACES}
        self.secret_pool = {ns: [] for ns in NAMESPACES}
        self.deploy_pool = {ns: [] for ns in NAMESPACES}
        self.svc_pool = {ns: [] for ns in NAMESPACES}
        for a in self.apps:
            base = {"app": a["app"], "ns": a["ns"], "ts": a["ts"], "rv": a["rv"], "tag": a["tag"], "image": a["image"],
                    "hash": a["hash"], "sa": a["sa"], "kaa": "abcde", "svc_ip": a["svc_ip"], "age": "12d"}
            self.cm_pool[a["ns"]].append({**base, "uid": a["cm_uid"], "name": a["app"] + "-config"})
            self.secret_pool[a["ns"]].append({**base, "uid": a["secret_uid"], "sname": a["app"] + "-db-credentials"})
            self.svc_pool[a["ns"]].append({**base, "uid": a["uid"], "name": a["app"]})
            if a["kind"] == "Deployment":
                self.deploy_pool[a["ns"]].append({**base, "uid": a["uid"], "name": a["app"]})
        self.all_secrets = [s for ns in NAMESPACES for s in self.secret_pool[ns]]
        self.all_pod_vals = self.pods
        self.node_vals = [n["vals"] for n in self.nodes]

    @staticmethod
    def _image(ns, app, tag):
        if ns in ("prod", "staging") or ns.startswith("team-"):
            return f"registry.example.com/{'prod' if ns in ('prod', 'staging') else ns}/{app}:{tag}"
        return {"coredns": "registry.k8s.io/coredns/coredns:v1.11.3", "metrics-server": "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
                "kube-proxy": f"registry.k8s.io/kube-proxy:{K8S_VERSION}", "node-exporter": "quay.io/prometheus/node-exporter:v1.8.2",
                "grafana": "docker.io/grafana/grafana:11.3.0", "prometheus-k8s": "quay.io/prometheus/prometheus:v2.54.1",
                "alertmanager-main": "quay.io/prometheus/alertmanager:v0.27.0",
                "kube-state-metrics": "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0",
                "prometheus-operator": "quay.io/prometheus-operator/prometheus-operator:v0.77.1",
                "event-exporter": "ghcr.io/example/event-exporter:v1.7.0", "nginx-demo": "docker.io/library/nginx:1.27.2"}.get(
            app, f"docker.io/library/{app}:{tag}")

    @staticmethod
    def _pod_vals(r, a, name, node, created):
        return {"name": name, "ns": a["ns"], "uid": _uuid(r), "rv": str(RV0 - r.randint(100, 50000)), "ts": _rfc3339(created),
                "started": _rfc3339(created + r.uniform(2, 40)), "app": a["app"], "image": a["image"], "tag": a["tag"],
                "hash": a["hash"], "owner": a["owner"], "owner_uid": a["owner_uid"],
                "okind": {"Deployment": "ReplicaSet"}.get(a["kind"], a["kind"]), "sa": a["sa"], "node": node["name"],
                "node_uid": node["uid"], "host_ip": node["ip"],
                "pod_ip": node["ip"] if a["kind"] == "DaemonSet" else f"10.244.{int(node['vals']['cidr'])}.{r.randint(2, 250)}",
                "cid": _hex(r, 62), "digest": _hex(r, 64), "kaa": _safe(r, 5), "age": f"{r.randint(1, 40)}d"}

    @staticmethod
    def _jwt(r):
        def seg(obj):
            return base64.urlsafe_b64encode(json.dumps(obj, separators=_SEP).encode()).decode().rstrip("=")
        head = seg({"alg": "RS256", "kid": "Xq3bV9n2LkTz8mW4cYp1sR6dF0gH7jK5aE2uQ9iO3vB"})
        body = seg({"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1795000000 + r.randint(0, 9999),
                    "iat": 1794996393, "iss": "https://kubernetes.default.svc.cluster.local", "jti": _uuid(r),
                    "kubernetes.io": {"namespace": "prod", "node": {"name": "worker-3", "uid": _uuid(r)},
                                      "pod": {"name": "web-7d9f8b6c4d-x2x5q", "uid": _uuid(r)},
                                      "serviceaccount": {"name": "web", "uid": _uuid(r)}, "warnafter": 1794999999},
                    "nbf": 1794996393, "sub": "system:serviceaccount:prod:web"})
        sig = base64.urlsafe_b64encode(bytes(r.getrandbits(8) for _ in range(256))).decode().rstrip("=")
        return f"{head}.{body}.{sig}"


_WORLDS: dict = {}


def _world(seed: int, start_us: int) -> _World:
    key = (seed, start_us)
    w = _WORLDS.get(key)
    if w is None:
        if len(_WORLDS) > 8:
            _WORLDS.clear()
        w = _WORLDS[key] = _World(seed, start_us)
    return w


# =============================================================================
# Scenarios: each returns one event's parts
#   (verb, requestURI, actor-or-(user, ip, ua), objectRef JSON or "", responseStatus JSON,
#    annotations JSON, latency µs, stage, mix tier, body or None)
# body = (family attribute name, base values dict, extra values dict or None)
# =============================================================================

_ANN_CACHE: dict = {}


def _ann_c(decision, reason):
    key = (decision, reason)
    a = _ANN_CACHE.get(key)
    if a is None:
        a = _ANN_CACHE[key] = _ann(decision, reason)
    return a


ANN_NODE = _ann("allow", "")


class _Session:
    def __init__(self, world: _World, rng: random.Random):
        self.w = world
        self.r = rng.random
        self.rv = RV0

    # ---- helpers
    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def lat(self, lo, hi):
        return lo + int(self.r() * self.r() * (hi - lo))

    def wq(self, sel=""):
        """watch query string (Go sorts query keys)."""
        to = 300 + int(self.r() * 300)
        rv = self.rv - int(self.r() * 40000)
        return (f"?allowWatchBookmarks=true{sel}\\u0026resourceVersion={rv}\\u0026timeout={_go_duration(to)}"
                f"\\u0026timeoutSeconds={to}\\u0026watch=true", to)

    def watch(self, actor, base, oref, sel="", tier=M):
        q, to = self.wq(sel)
        if self.r() < 0.5:
            stage, status, lat = STARTED, S200, self.lat(400, 6000)
        else:
            stage, lat = COMPLETE, to * 1_000_000 + self.lat(100, 900_000)
            status = S_WATCH_CLOSED if self.r() < 0.3 else S200
        return ("watch", base + q, actor, oref, status, _ann_c("allow", actor.reason), lat, stage, tier, None)

    # ---- watches
    def s_watch_kubelet_configmap(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        name = "kube-root-ca.crt" if self.r() < 0.5 else p["app"] + "-config"
        return self.watch(nd["actor"], f"/api/v1/namespaces/{p['ns']}/configmaps",
                          _oref("configmaps", p["ns"], name), f"\\u0026fieldSelector=metadata.name%3D{name}")

    def s_watch_kubelet_secret(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        name = p["app"] + ("-tls" if self.r() < 0.5 else "-db-credentials")
        return self.watch(nd["actor"], f"/api/v1/namespaces/{p['ns']}/secrets",
                          _oref("secrets", p["ns"], name), f"\\u0026fieldSelector=metadata.name%3D{name}", tier=RR)

    def s_watch_kubelet_pods(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/pods", _oref("pods"), f"\\u0026fieldSelector=spec.nodeName%3D{nd['name']}")

    def s_watch_kubelet_node(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/nodes", _oref("nodes", name=nd["name"]),
                          f"\\u0026fieldSelector=metadata.name%3D{nd['name']}")

    def s_watch_kubelet_services(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/services", _oref("services"))

    def s_watch_kube_proxy(self):
        a = self.pick(self.w.kube_proxy_actors)
        if self.r() < 0.55:
            return self.watch(a, "/apis/discovery.k8s.io/v1/endpointslices",
                              _oref("endpointslices", group="discovery.k8s.io"),
                              "\\u0026labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name")
        return self.watch(a, "/api/v1/services", _oref("services"),
                          "\\u0026labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name")

    def s_watch_coredns(self):
        a = self.pick(self.w.coredns_actors)
        x = self.r()
        if x < 0.45:
            return self.watch(a, "/apis/discovery.k8s.io/v1/endpointslices", _oref("endpointslices", group="discovery.k8s.io"))
        if x < 0.85:
            return self.watch(a, "/api/v1/services", _oref("services"))
        return self.watch(a, "/api/v1/namespaces", _oref("namespaces"))

    _KCM_WATCH = [("/api/v1/pods", "pods", ""), ("/api/v1/nodes", "nodes", ""), ("/api/v1/services", "services", ""),
                  ("/api/v1/configmaps", "configmaps", ""), ("/apis/apps/v1/deployments", "deployments", "apps"),
                  ("/apis/apps/v1/replicasets", "replicasets", "apps"), ("/apis/apps/v1/statefulsets", "statefulsets", "apps"),
                  ("/apis/apps/v1/daemonsets", "daemonsets", "apps"),
                  ("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io"),
                  ("/api/v1/serviceaccounts", "serviceaccounts", ""), ("/api/v1/namespaces", "namespaces", ""),
                  ("/apis/batch/v1/jobs", "jobs", "batch"), ("/api/v1/persistentvolumeclaims", "persistentvolumeclaims", "")]

    def s_watch_controller_manager(self):
        path, res, grp = self.pick(self._KCM_WATCH)
        return self.watch(self.w.kcm[0], path, _oref(res, group=grp))

    _SCHED_WATCH = [("/api/v1/pods", "pods", "", "\\u0026fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"),
                    ("/api/v1/nodes", "nodes", "", ""), ("/apis/storage.k8s.io/v1/csinodes", "csinodes", "storage.k8s.io", ""),
                    ("/api/v1/persistentvolumes", "persistentvolumes", "", ""),
                    ("/apis/policy/v1/poddisruptionbudgets", "poddisruptionbudgets", "policy", "")]

    def s_watch_scheduler(self):
        path, res, grp, sel = self.pick(self._SCHED_WATCH)
        return self.watch(self.w.scheduler[0], path, _oref(res, group=grp), sel)

    def s_watch_operators(self):
        if self.r() < 0.45:
            a = self.pick(self.w.promop_actors)
            res = "secrets" if self.r() < 0.5 else "configmaps"
            return self.watch(a, f"/api/v1/namespaces/monitoring/{res}", _oref(res, "monitoring"),
                              "\\u0026labelSelector=managed-by%3Dprometheus-operator", tier=RR if res == "secrets" else M)
        a = self.pick(self.w.ksm_actors)
        path, res, grp = self.pick(self._KCM_WATCH)
        return self.watch(a, path, _oref(res, group=grp))

    def node_of(self, p):
        return self.w.nodes[self._node_index[p["node"]]]

    # ---- leases
    def s_lease_kubelet_update(self):
        nd = self.pick(self.w.nodes)
        rv = str(self.rv)
        return ("update", f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{nd['name']}?timeout=10s",
                nd["actor"], _oref("leases", "kube-node-lease", nd["name"], nd["lease_uid"], "coordination.k8s.io", "v1", rv),
                S200, ANN_NODE, self.lat(1200, 12000), COMPLETE, M, ("lease_node", nd["lease_vals"], None))

    def s_lease_kubelet_get(self):
        nd = self.pick(self.w.nodes)
        return ("get", f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{nd['name']}?timeout=10s",
                nd["actor"], _oref("leases", "kube-node-lease", nd["name"], group="coordination.k8s.io"),
                S200, ANN_NODE, self.lat(500, 4000), COMPLETE, M, ("lease_node_get", nd["lease_vals"], None))

    def _leader(self, comp, cp_index, update):
        actor, vals = self._leader_actors[comp][cp_index], self._leader_vals[comp]
        uri = f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{comp}?timeout=5s"
        ann = _ann_c("allow", actor.reason)
        if update:
            oref = _oref("leases", "kube-system", comp, vals["uid"], "coordination.k8s.io", "v1", str(self.rv))
            return ("update", uri, actor, oref, S200, ann, self.lat(1500, 15000), COMPLETE, M, ("lease_leader", vals, None))
        return ("get", uri, actor, _oref("leases", "kube-system", comp, group="coordination.k8s.io"), S200,
                ann, self.lat(400, 5000), COMPLETE, M, ("lease_leader_get", vals, None))

    def s_lease_scheduler_leader(self):
        return self._leader("kube-scheduler", 0, self.r() < 0.5)

    def s_lease_controller_manager_leader(self):
        return self._leader("kube-controller-manager", 0, self.r() < 0.5)

    def s_lease_standby_get(self):
        comp = "kube-scheduler" if self.r() < 0.5 else "kube-controller-manager"
        return self._leader(comp, 1 + int(self.r() * (CONTROL_PLANE - 1)), False)

    def s_lease_apiserver_identity(self):
        name, uid, cp = self.pick(self.w.apiserver_leases)
        vals = {"name": name, "ns": "kube-system", "uid": uid, "ts": _rfc3339(self.w.start_us / 1e6 - 86400 * 3),
                "holder": name + "_" + uid, "acquired": self.w.leader_acquired.replace("Z", ".000000Z"), "manager": "kube-apiserver"}
        return ("update", f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}", self.w.apiserver,
                _oref("leases", "kube-system", name, uid, "coordination.k8s.io", "v1", str(self.rv)), S200, ANN_NODE,
                self.lat(1000, 9000), COMPLETE, M, ("lease_leader", vals, None))

    # ---- health
    _PUBLIC_INFO = _crb("system:public-info-viewer", "system:public-info-viewer", "Group", "system:unauthenticated")

    def _health(self, uri, user, ip, ua, reason, lat):
        return ("get", uri, (user, ip, ua), "", S200, _ann_c("allow", reason), lat, COMPLETE, M, None)

    def s_health_kube_probe(self):
        cp = self.pick(self.w.cps)
        uri = "/livez" if self.r() < 0.5 else "/readyz"
        return self._health(uri, self.w.anonymous, cp["ip"], "kube-probe/1.30", self._PUBLIC_INFO, self.lat(200, 3000))

    def s_health_load_balancer(self):
        return self._health("/readyz" if self.r() < 0.7 else "/healthz", self.w.anonymous, self.pick(("10.0.0.2", "10.0.0.3")),
                            "ELB-HealthChecker/2.0", self._PUBLIC_INFO, self.lat(200, 2500))

    def s_health_metrics_scrape(self):
        a = self.pick(self.w.prom_actors)
        return self._health("/metrics", a.user, a.ip, a.ua, a.reason, self.lat(15000, 140000))

    def s_health_kubelet(self):
        cp = self.pick(self.w.cps)
        return self._health("/healthz", cp["user"], cp["ip"], cp["ua"],
                            _crb("system:public-info-viewer", "system:public-info-viewer", "Group", "system:authenticated"),
                            self.lat(200, 2000))

    def s_health_readyz_verbose(self):
        return self._health("/readyz?verbose", self.w.anonymous, "10.244.5.31", "Go-http-client/1.1", self._PUBLIC_INFO,
                            self.lat(500, 5000))

    # ---- reads
    def s_read_kubelet_node(self):
        nd = self.pick(self.w.nodes)
        return ("get", f"/api/v1/nodes/{nd['name']}?resourceVersion=0\\u0026timeout=10s", nd["actor"],
                _oref("nodes", name=nd["name"]), S200, ANN_NODE, self.lat(300, 4000), COMPLETE, M,
                ("node_get", nd["vals"], None))

    def s_read_kubelet_pod(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        return ("get", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", nd["actor"], _oref("pods", p["ns"], p["name"]),
                S200, ANN_NODE, self.lat(400, 5000), COMPLETE, M, ("pod_get", p, None))

    def s_read_hpa_scale(self):
        a = self.pick(self._hpa)
        act = self.w.controllers["horizontal-pod-autoscaler"][0]
        return ("get", f"/apis/apps/v1/namespaces/{a['ns']}/deployments/{a['app']}/scale", act,
                _oref("deployments", a["ns"], a["app"], group="apps", sub="scale"), S200, _ann_c("allow", act.reason),
                self.lat(800, 7000), COMPLETE, M, ("scale_get", a, None))

    def s_read_app_configmap(self):
        act, a = self.pick(self.w.app_sa_actors)
        name = a["app"] + "-config"
        if self.r() < 0.04:    # optional override configmap that does not exist
            name = a["app"] + "-overrides"
            st = self._notfound("configmaps", name)
            return ("get", f"/api/v1/namespaces/{a['ns']}/configmaps/{name}", act, _oref("configmaps", a["ns"], name), st,
                    _ann_c("allow", act.reason), self.lat(500, 4000), COMPLETE, M, None)
        return ("get", f"/api/v1/namespaces/{a['ns']}/configmaps/{name}", act, _oref("configmaps", a["ns"], name), S200,
                _ann_c("allow", act.reason), self.lat(500, 5000), COMPLETE, M,
                ("cm_get", self.w.cm_pool[a["ns"]][self._app_index(a)], None))

    _NF: dict = {}

    def _notfound(self, res, name):
        key = (res, name)
        s = self._NF.get(key)
        if s is None:
            s = self._NF[key] = _status_fail(404, "NotFound", f'{res} "{name}" not found', {"name": name, "kind": res})
        return s

    def _app_index(self, a):
        return [x["app"] for x in self.w.apps if x["ns"] == a["ns"]].index(a["app"])

    def s_read_operator(self):
        a = self.pick(self.w.promop_actors)
        if self.r() < 0.5:
            ns = "monitoring"
            return ("list", f"/api/v1/namespaces/{ns}/configmaps?labelSelector=prometheus-name%3Dk8s", a,
                    _oref("configmaps", ns), S200, _ann_c("allow", a.reason), self.lat(1000, 9000), COMPLETE, M,
                    ("cm_list", {"_pool": self.w.cm_pool[ns]}, None))
        ns = self.pick(NAMESPACES)
        pool = self.w.svc_pool[ns]
        if not pool:
            ns, pool = "prod", self.w.svc_pool["prod"]
        it = self.pick(pool)
        return ("get", f"/api/v1/namespaces/{ns}/services/{it['name']}", a, _oref("services", ns, it["name"]), S200,
                _ann_c("allow", a.reason), self.lat(400, 4000), COMPLETE, M, ("svc_get", it, None))

    def s_read_initial_list(self):
        a = self.pick(self.w.ksm_actors)
        x = self.r()
        if x < 0.35:
            return ("list", "/api/v1/pods?limit=500\\u0026resourceVersion=0", a, _oref("pods"), S200,
                    _ann_c("allow", a.reason), self.lat(20000, 400000), COMPLETE, M,
                    ("pod_list", {"_pool": self.w.all_pod_vals}, None))
        if x < 0.6:
            return ("list", "/api/v1/nodes?limit=500\\u0026resourceVersion=0", a, _oref("nodes"), S200,
                    _ann_c("allow", a.reason), self.lat(5000, 90000), COMPLETE, M, ("node_list", {"_pool": self.w.node_vals}, None))
        if x < 0.8:
            pool = [d for ns in NAMESPACES for d in self.w.deploy_pool[ns]]
            return ("list", "/apis/apps/v1/deployments?limit=500\\u0026resourceVersion=0", a, _oref("deployments", group="apps"),
                    S200, _ann_c("allow", a.reason), self.lat(5000, 90000), COMPLETE, M, ("deploy_list", {"_pool": pool}, None))
        pool = [s for ns in NAMESPACES for s in self.w.svc_pool[ns]]
        return ("list", "/api/v1/services?limit=500\\u0026resourceVersion=0", a, _oref("services"), S200,
                _ann_c("allow", a.reason), self.lat(3000, 40000), COMPLETE, M, ("svc_list", {"_pool": pool}, None))

    def _human_reason(self, user, ns, res):
        if user.startswith("alice"):
            return _crb("platform-admins", "cluster-admin", "Group", "platform-admins")
        if ns == "team-b":
            return _rb("team-b-developers", "team-b", "ClusterRole", "edit", "Group", "team-b-developers")
        return _crb("developers-view", "view", "Group", "developers")

    def s_read_human(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com", "bob@example.com"))]
        ns = "team-b" if (h.name.startswith("bob") and self.r() < 0.6) else self.pick(NAMESPACES)
        reason = self._human_reason(h.name, ns, "pods")
        ann = _ann_c("allow", reason)
        x = self.r()
        if x < 0.35:
            return ("list", f"/api/v1/namespaces/{ns}/pods?limit=500", h, _oref("pods", ns), S200, ann, self.lat(2000, 30000),
                    COMPLETE, M, ("pod_table", {"_pool": self.w.pods_by_ns[ns]}, None))
        if x < 0.55:
            pods = self.w.pods_by_ns[ns]
            p = self.pick(pods)
            if self.r() < 0.05:
                name = p["owner"] + "-" + "x7k2q"
                return ("get", f"/api/v1/namespaces/{ns}/pods/{name}", h, _oref("pods", ns, name), self._notfound("pods", name),
                        ann, self.lat(500, 4000), COMPLETE, M, None)
            return ("get", f"/api/v1/namespaces/{ns}/pods/{p['name']}", h, _oref("pods", ns, p["name"]), S200, ann,
                    self.lat(600, 6000), COMPLETE, M, ("pod_get", p, None))
        if x < 0.7:
            pool = self.w.deploy_pool[ns] or self.w.deploy_pool["prod"]
            ns = pool[0]["ns"]
            return ("list", f"/apis/apps/v1/namespaces/{ns}/deployments?limit=500", h, _oref("deployments", ns, group="apps"),
                    S200, _ann_c("allow", self._human_reason(h.name, ns, "deployments")), self.lat(1500, 15000), COMPLETE, M,
                    ("deploy_list", {"_pool": pool}, None))
        if x < 0.82:
            return ("list", "/api/v1/nodes?limit=500", h, _oref("nodes"), S200,
                    _ann_c("allow", self._human_reason(h.name, "", "nodes")), self.lat(3000, 40000), COMPLETE, M,
                    ("node_list", {"_pool": self.w.node_vals}, None))
        pool = self.w.svc_pool[ns] or self.w.svc_pool["prod"]
        ns = pool[0]["ns"]
        return ("list", f"/api/v1/namespaces/{ns}/services?limit=500", h, _oref("services", ns), S200,
                _ann_c("allow", self._human_reason(h.name, ns, "services")), self.lat(1000, 9000), COMPLETE, M,
                ("svc_list", {"_pool": pool}, None))

    def s_read_ci(self):
        pool = self.pick([self.w.deploy_pool[ns] for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d")])
        d = self.pick(pool)
        return ("get", f"/apis/apps/v1/namespaces/{d['ns']}/deployments/{d['name']}", self.w.ci,
                _oref("deployments", d["ns"], d["name"], group="apps"), S200, _ann_c("allow", self.w.ci.reason),
                self.lat(600, 6000), COMPLETE, M, ("deploy_get", d, None))

    # ---- endpoints / events reads
    def s_read_human_events(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        ns = "team-b" if h.name.startswith("bob") else self.pick(NAMESPACES)
        pods = self.w.pods_by_ns[ns]
        p = self.pick(pods)
        if self.r() < 0.5:   # kubectl describe pod: the events of one object
            uri = (f"/api/v1/namespaces/{ns}/events?fieldSelector=involvedObject.name%3D{p['name']}%2CinvolvedObject.namespace%3D"
                   f"{ns}%2CinvolvedObject.uid%3D{p['uid']}\\u0026limit=500")
            pool = [p]
        else:
            uri = f"/api/v1/namespaces/{ns}/events?limit=500"
            pool = pods
        return ("list", uri, h, _oref("events", ns), S200, _ann_c("allow", self._human_reason(h.name, ns, "events")),
                self.lat(1500, 20000), COMPLETE, M, ("event_list", {"_pool": self._event_pool(pool)}, None))

    def _event_pool(self, pods):
        key = id(pods) if len(pods) > 1 else pods[0]["uid"]
        pool = self._event_pools.get(key)
        if pool is None:
            pool = self._event_pools[key] = [{**p, "evid": self.w.event_ids[j % 64], "evuid": self.w.event_uids[j % 64]}
                                             for j, p in enumerate(pods[:40])]
        return pool

    def s_read_endpoint_controller(self):
        act = self.w.controllers["endpoint-controller"][0]
        ns = self.pick(NAMESPACES)
        pool = self.w.svc_pool[ns] or self.w.svc_pool["prod"]
        it = self.pick(pool)
        return ("get", f"/api/v1/namespaces/{it['ns']}/endpoints/{it['name']}", act, _oref("endpoints", it["ns"], it["name"]),
                S200, _ann_c("allow", act.reason), self.lat(300, 3000), COMPLETE, M, ("ep_get", it, None))

    def s_read_prometheus_endpoints(self):
        a = self.pick(self.w.prom_actors)
        ns = self.pick(NAMESPACES)
        pool = self.w.svc_pool[ns] or self.w.svc_pool["prod"]
        ns = pool[0]["ns"]
        return ("list", f"/api/v1/namespaces/{ns}/endpoints?limit=500\\u0026resourceVersion=0", a, _oref("endpoints", ns),
                S200, _ann_c("allow", a.reason), self.lat(1000, 12000), COMPLETE, M, ("ep_list", {"_pool": pool}, None))

    def s_read_event_exporter(self):
        a = self.pick(self.w.exporter_actors)
        return ("list", "/api/v1/events?limit=500\\u0026resourceVersion=0", a, _oref("events"), S200,
                _ann_c("allow", a.reason), self.lat(5000, 120000), COMPLETE, M,
                ("event_list", {"_pool": self._event_pool(self.w.workload_pods)}, None))

    # ---- mutations
    def _psa(self, reason):
        key = ("psa", reason)
        a = _ANN_CACHE.get(key)
        if a is None:
            a = _ANN_CACHE[key] = _ann("allow", reason, {"pod-security.kubernetes.io/enforce-policy": "baseline:latest"})
        return a

    def s_pod_create_replicaset(self):
        p = self.pick(self.w.workload_pods)
        if p["okind"] == "StatefulSet":
            act = self.w.controllers["statefulset-controller"][0]
        else:
            act = self.w.controllers["replicaset-controller"][0]
        return ("create", f"/api/v1/namespaces/{p['ns']}/pods", act, _oref("pods", p["ns"]), S201, self._psa(act.reason),
                self.lat(4000, 40000), COMPLETE, R, ("pod_create", p, None))

    def s_pod_binding_scheduler(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.scheduler[0]
        return ("create", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}/binding", act,
                _oref("pods", p["ns"], p["name"], p["uid"], sub="binding"), S201, _ann_c("allow", act.reason),
                self.lat(2000, 20000), COMPLETE, R, ("pod_binding", p, None))

    def s_pod_status_patch_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        return ("patch", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}/status", nd["actor"],
                _oref("pods", p["ns"], p["name"], sub="status"), S200, ANN_NODE, self.lat(2000, 25000), COMPLETE, R,
                ("pod_status_patch", p, None))

    def s_pod_patch_replicaset(self):
        p = self.pick(self._rsp)
        act = self.w.controllers["replicaset-controller"][0]
        return ("patch", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", act, _oref("pods", p["ns"], p["name"]), S200,
                _ann_c("allow", act.reason), self.lat(2000, 15000), COMPLETE, R, ("pod_patch", p, None))

    def s_pod_update_statefulset(self):
        p = self.pick(self._sts)
        act = self.w.controllers["statefulset-controller"][0]
        return ("update", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", act,
                _oref("pods", p["ns"], p["name"], p["uid"], rv=p["rv"]), S200, self._psa(act.reason),
                self.lat(3000, 30000), COMPLETE, R, ("pod_update", p, None))

    def s_pod_delete(self):
        p = self.pick(self.w.workload_pods)
        if self.r() < 0.6:
            nd = self.node_of(p)
            act, ann = nd["actor"], ANN_NODE
        else:
            act = self.w.controllers["replicaset-controller"][0]
            ann = _ann_c("allow", act.reason)
        return ("delete", f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", act, _oref("pods", p["ns"], p["name"]), S200, ann,
                self.lat(3000, 30000), COMPLETE, R, ("pod_delete", p, None))

    def s_node_status_patch_kubelet(self):
        nd = self.pick(self.w.nodes)
        return ("patch", f"/api/v1/nodes/{nd['name']}/status?timeout=10s", nd["actor"],
                _oref("nodes", name=nd["name"], sub="status"), S200, ANN_NODE, self.lat(3000, 30000), COMPLETE, R,
                ("node_status_patch", nd["vals"], None))

    def _ev_extra(self):
        j = int(self.r() * 64)
        return {"evid": self.w.event_ids[j], "evuid": self.w.event_uids[j]}

    def s_event_create_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = self._ev_extra()
        return ("create", f"/api/v1/namespaces/{p['ns']}/events", nd["actor"],
                _oref("events", p["ns"], p["name"] + "." + ex["evid"]), S201, ANN_NODE, self.lat(1500, 12000), COMPLETE, M,
                ("event_kubelet", p, ex))

    def s_event_create_scheduler(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.scheduler[0]
        ex = self._ev_extra()
        return ("create", f"/apis/events.k8s.io/v1/namespaces/{p['ns']}/events", act,
                _oref("events", p["ns"], p["name"] + "." + ex["evid"], group="events.k8s.io"), S201,
                _ann_c("allow", act.reason), self.lat(1500, 12000), COMPLETE, M, ("event_scheduler", p, ex))

    def s_event_create_controller(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.controllers["replicaset-controller" if p["okind"] == "ReplicaSet" else "statefulset-controller"][0]
        ex = self._ev_extra()
        return ("create", f"/api/v1/namespaces/{p['ns']}/events", act,
                _oref("events", p["ns"], p["owner"] + "." + ex["evid"]), S201, _ann_c("allow", act.reason),
                self.lat(1500, 12000), COMPLETE, M, ("event_controller", p, ex))

    def s_event_patch_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = self._ev_extra()
        name = p["name"] + "." + ex["evid"]
        return ("patch", f"/api/v1/namespaces/{p['ns']}/events/{name}", nd["actor"], _oref("events", p["ns"], name), S200,
                ANN_NODE, self.lat(1500, 12000), COMPLETE, M, ("event_patch", p, ex))

    def s_deployment_patch_ci(self):
        d = self.pick(self._ci_deploys)
        return ("patch", f"/apis/apps/v1/namespaces/{d['ns']}/deployments/{d['name']}?fieldManager=kubectl-client-side-apply"
                         "\\u0026fieldValidation=Strict", self.w.ci, _oref("deployments", d["ns"], d["name"], group="apps"), S200,
                _ann_c("allow", self.w.ci.reason), self.lat(5000, 40000), COMPLETE, R, ("deploy_patch", d, None))

    def s_configmap_patch_ci(self):
        d = self.pick(self._ci_cms)
        return ("patch", f"/api/v1/namespaces/{d['ns']}/configmaps/{d['name']}?fieldManager=kubectl-client-side-apply"
                         "\\u0026fieldValidation=Strict", self.w.ci, _oref("configmaps", d["ns"], d["name"]), S200,
                _ann_c("allow", self.w.ci.reason), self.lat(3000, 25000), COMPLETE, R, ("cm_patch", d, None))

    # ---- tokens
    def s_token_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = {"token": self.pick(self.w.tokens), "exp": _rfc3339(self.w.start_us / 1e6 + 3607 + int(self.r() * 86400))}
        return ("create", f"/api/v1/namespaces/{p['ns']}/serviceaccounts/{p['sa']}/token", nd["actor"],
                _oref("serviceaccounts", p["ns"], p["sa"], sub="token"), S201, ANN_NODE, self.lat(2000, 15000), COMPLETE, RR,
                ("token", p, ex))

    # ---- rare, security relevant
    def s_rare_secret_get_human(self):
        h = self.w.humans["alice@example.com"]
        s = self.pick(self.w.secret_pool["prod"])
        kind = self.pick(("opaque", "opaque", "tls", "docker"))
        name = {"opaque": s["sname"], "tls": s["app"] + "-tls", "docker": "regcred"}[kind]
        return ("get", f"/api/v1/namespaces/prod/secrets/{name}", h, _oref("secrets", "prod", name), S200,
                _ann_c("allow", self._human_reason(h.name, "prod", "secrets")), self.lat(600, 5000), COMPLETE, RR,
                (self._secret_get[kind], s, None))

    def s_rare_secret_list_human(self):
        h = self.w.humans["bob@example.com"]
        pool = self.w.secret_pool["team-b"]
        body = ("secret_table", {"_pool": pool}, None) if self.r() < 0.5 else ("secret_list", {"_pool": pool}, None)
        uri = "/api/v1/namespaces/team-b/secrets?limit=500"
        return ("list", uri, h, _oref("secrets", "team-b"), S200, _ann_c("allow", self._human_reason(h.name, "team-b", "secrets")),
                self.lat(1500, 12000), COMPLETE, RR, body)

    def s_rare_secret_list_all_namespaces(self):
        if self.r() < 0.5:
            h = self.w.humans["alice@example.com"]
            lat = self.lat(150000, 1400000)
            ann = _ann("allow", self._human_reason(h.name, "", "secrets"), self._latency_ann(lat))
            return ("list", "/api/v1/secrets?limit=500", h, _oref("secrets"), S200, ann, lat, COMPLETE, RR,
                    ("secret_list", {"_pool": self.w.all_secrets}, None))
        act, a = self.pick(self.w.app_sa_actors)
        msg = f'secrets is forbidden: User "{act.name}" cannot list resource "secrets" in API group "" at the cluster scope'
        st = _status_fail(403, "Forbidden", msg, {"kind": "secrets"})
        return ("list", "/api/v1/secrets?limit=500", act, _oref("secrets"), st, _ann_c("forbid", ""), self.lat(300, 2500),
                COMPLETE, RR, ("status", {"_status": self._status_obj(st)}, None))

    @staticmethod
    def _latency_ann(lat):
        ms = lat / 1000
        return {"apiserver.latency.k8s.io/etcd": f"{ms * 0.71:.3f}ms", "apiserver.latency.k8s.io/response-write": f"{ms * 0.04:.3f}ms",
                "apiserver.latency.k8s.io/serialize-response-object": f"{ms * 0.21:.3f}ms",
                "apiserver.latency.k8s.io/total": f"{ms / 1000:.3f}s" if ms >= 1000 else f"{ms:.3f}ms",
                "apiserver.latency.k8s.io/transform-response-object": f"{ms * 0.01:.3f}ms"}

    @staticmethod
    def _status_obj(status_json):
        return '{"kind":"Status","apiVersion":"v1",' + status_json[1:]

    def s_rare_clusterrolebinding_create(self):
        h = self.w.humans["alice@example.com"]
        j = int(self.r() * 4)
        subj = [("User", "bob@example.com", "cluster-admin", "bob-cluster-admin"),
                ("Group", "developers", "cluster-admin", "developers-admin-tmp"),
                ("User", "ci-deployer", "admin", "ci-deployer-admin"),
                ("Group", "team-b-developers", "view", "team-b-view-all")][j]
        ex = {"skind": subj[0], "subject": subj[1], "role": subj[2], "crb": subj[3], "uid": self.w.crb_uids[j]}
        return ("create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create"
                          "\\u0026fieldValidation=Strict", h,
                _oref("clusterrolebindings", name=subj[3], group="rbac.authorization.k8s.io"), S201,
                _ann_c("allow", self._human_reason(h.name, "", "clusterrolebindings")), self.lat(3000, 20000), COMPLETE, RR,
                ("crb", {}, ex))

    _EXEC_CMDS = ["command=sh", "command=bash", "command=%2Fbin%2Fsh", "command=ls\\u0026command=-la\\u0026command=%2Fetc%2F@@app@@",
                  "command=cat\\u0026command=%2Fetc%2Fresolv.conf", "command=env",
                  "command=curl\\u0026command=-s\\u0026command=http%3A%2F%2Flocalhost%3A9090%2Fmetrics"]
    _PSQL = "command=psql\\u0026command=-U\\u0026command=postgres\\u0026command=-c\\u0026command=select+count%28%2A%29+from+pg_stat_activity"

    def s_rare_exec(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        p = self.pick(self.w.pods_by_ns["team-b"] if h.name.startswith("bob") else self._exec_pods)
        cmd = self._PSQL if p["app"] == "postgres" else self.pick(self._EXEC_CMDS).replace("@@app@@", p["app"])
        tty = "\\u0026stdin=true\\u0026stdout=true\\u0026tty=true" if "command=ls" not in cmd and "command=cat" not in cmd \
            else "\\u0026stderr=true\\u0026stdout=true"
        uri = f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}/exec?{cmd}\\u0026container={p['app']}{tty}"
        return ("get", uri, h, _oref("pods", p["ns"], p["name"], sub="exec"), S101,
                _ann_c("allow", self._human_reason(h.name, p["ns"], "pods")), self.lat(2_000_000, 600_000_000), COMPLETE, M, None)

    def s_rare_port_forward(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        ns = "team-b" if h.name.startswith("bob") else self.pick(("prod", "staging"))
        p = self.pick(self.w.pods_by_ns[ns])
        return ("get", f"/api/v1/namespaces/{ns}/pods/{p['name']}/portforward", h,
                _oref("pods", ns, p["name"], sub="portforward"), S101, _ann_c("allow", self._human_reason(h.name, ns, "pods")),
                self.lat(5_000_000, 900_000_000), COMPLETE, M, None)

    def s_rare_privileged_pod(self):
        h = self.w.humans["bob@example.com"]
        nd = self.pick(self.w.workers)
        name = "node-debugger-" + nd["name"]
        reason = _rb("default-editors", "default", "ClusterRole", "edit", "Group", "developers")
        ann = _ann("allow", reason, {
            "pod-security.kubernetes.io/audit-violations":
                'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), '
                f'privileged (container "{name}" must not set securityContext.privileged=true), '
                'hostPath volumes (volume "host-root")',
            "pod-security.kubernetes.io/enforce-policy": "privileged:latest"})
        ex = {"podname": name, "node": nd["name"], "ns": "default", "uid": nd["uid"]}
        return ("create", "/api/v1/namespaces/default/pods?fieldManager=kubectl-run", h, _oref("pods", "default", name), S201,
                ann, self.lat(5000, 40000), COMPLETE, R, ("privileged_pod", {}, ex))

    def s_rare_webhook_patch(self):
        act = self.w.ci if self.r() < 0.6 else self.w.humans["alice@example.com"]
        reason = act.reason or self._human_reason(act.name, "", "mutatingwebhookconfigurations")
        return ("patch", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/pod-defaults-webhook"
                         "?fieldManager=kubectl-client-side-apply\\u0026fieldValidation=Strict", act,
                _oref("mutatingwebhookconfigurations", name="pod-defaults-webhook", group="admissionregistration.k8s.io"),
                S200, _ann_c("allow", reason), self.lat(4000, 30000), COMPLETE, R,
                ("webhook_patch", {"uid": self.w.webhook_uid, "ts": _rfc3339(self.w.start_us / 1e6 - 86400 * 200)}, None))

    _ANON_TARGETS = [("/api/v1/namespaces/kube-system/secrets", "list", "secrets", "kube-system", "", ""),
                     ("/api/v1/pods", "list", "pods", "", "", ""),
                     ("/api/v1/namespaces/default/pods", "list", "pods", "default", "", ""),
                     ("/apis/apps/v1/deployments", "list", "deployments", "", "", "apps"),
                     ("/api/v1/nodes", "list", "nodes", "", "", ""),
                     ("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", "get", "configmaps", "kube-system", "kubeadm-config", "")]

    def s_rare_anonymous_forbidden(self):
        uri, verb, res, ns, name, grp = self.pick(self._ANON_TARGETS)
        scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
        msg = (f'{res} {"" if not name else chr(34) + name + chr(34) + " "}is forbidden: User "system:anonymous" cannot {verb} '
               f'resource "{res}" in API group "{grp}" {scope}')
        det = {"name": name, "kind": res} if name else {"kind": res}
        if grp:
            det = {**({"name": name} if name else {}), "group": grp, "kind": res}
        st = _status_fail(403, "Forbidden", msg, det)
        ip = self.pick(("203.0.113.77", "198.51.100.23", "203.0.113.190"))
        ua = self.pick(("curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "Mozilla/5.0 zgrab/0.x"))
        return (verb, uri, (self.w.anonymous, ip, ua), _oref(res, ns, name, group=grp), st, _ann_c("forbid", ""),
                self.lat(200, 2000), COMPLETE, RR if res == "secrets" else M, ("status", {"_status": self._status_obj(st)}, None))

    def s_rare_serviceaccount_forbidden(self):
        act, a = self.pick(self.w.app_sa_actors)
        x = self.r()
        if x < 0.5:
            res, verb, ns, uri = "secrets", "list", "kube-system", "/api/v1/namespaces/kube-system/secrets"
        elif x < 0.8:
            res, verb, ns, uri = "pods", "list", "kube-system", "/api/v1/namespaces/kube-system/pods"
        else:
            res, verb, ns, uri = "secrets", "get", a["ns"], f"/api/v1/namespaces/{a['ns']}/secrets/{a['app']}-db-credentials"
        name = f"{a['app']}-db-credentials" if verb == "get" else ""
        msg = (f'{res} {chr(34) + name + chr(34) + " " if name else ""}is forbidden: User "{act.name}" cannot {verb} resource '
               f'"{res}" in API group "" in the namespace "{ns}"')
        st = _status_fail(403, "Forbidden", msg, {"name": name, "kind": res} if name else {"kind": res})
        return (verb, uri, act, _oref(res, ns, name), st, _ann_c("forbid", ""), self.lat(200, 2000), COMPLETE,
                RR if res == "secrets" else M, ("status", {"_status": self._status_obj(st)}, None))

    def s_rare_csr_create(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        name = h.name.split("@")[0] + "-client-" + ("admin" if self.r() < 0.5 else "2026")
        grp = HUMANS[h.name]["groups"][0]
        reason = (self._human_reason(h.name, "", "certificatesigningrequests") if h.name.startswith("alice")
                  else _crb("csr-requesters", "csr-requester", "Group", "developers"))
        ex = {"csr": name, "user": h.name, "group": grp, "uid": self.w.crb_uids[4 + int(self.r() * 4)]}
        return ("create", "/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldManager=kubectl-client-side-apply"
                          "\\u0026fieldValidation=Strict", h,
                _oref("certificatesigningrequests", name=name, group="certificates.k8s.io"), S201, _ann_c("allow", reason),
                self.lat(2000, 15000), COMPLETE, RR, ("csr", {}, ex))


def _prepare_session(s: _Session):
    w = s.w
    s._event_pools = {}
    s._exec_pods = [p for ns in ("prod", "staging", "team-a", "team-c", "team-d") for p in w.pods_by_ns[ns]]
    s._secret_get = {"opaque": "secret_get_opaque", "tls": "secret_get_tls", "docker": "secret_get_docker"}
    start = w.start_us / 1e6
    s._leader_actors, s._leader_vals = {}, {}
    for comp, actors in (("kube-scheduler", w.scheduler), ("kube-controller-manager", w.kcm)):
        reason = actors[0].reason if comp == "kube-scheduler" else _rb(
            "system::leader-locking-kube-controller-manager", "kube-system", "Role",
            "system::leader-locking-kube-controller-manager", "User", "system:kube-controller-manager")
        s._leader_actors[comp] = [_Actor(a.name, a.user, a.ip, _ua(comp, "/leader-election"), reason) for a in actors]
        s._leader_vals[comp] = {"name": comp, "ns": "kube-system", "uid": w.leader_uids[comp],
                                "ts": _rfc3339(start - 86400 * 150), "holder": w.leader_ids[comp],
                                "acquired": w.leader_acquired.replace("Z", ".000000Z"), "manager": comp}
    s._node_index = {n["name"]: i for i, n in enumerate(w.nodes)}
    s._hpa = [x for x in w.apps if x["kind"] == "Deployment" and x["ns"] in ("prod", "team-a", "team-b", "team-d")]
    s._rsp = [x for x in w.workload_pods if x["okind"] == "ReplicaSet"]
    s._sts = [x for x in w.workload_pods if x["okind"] == "StatefulSet"]
    s._ci_deploys = [d for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") for d in w.deploy_pool[ns]]
    s._ci_cms = [c for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") for c in w.cm_pool[ns]]


def scenario_table() -> list[tuple[str, str, float]]:
    """(class, scenario, probability) for every scenario, in a fixed order."""
    total = sum(EVENT_MIX.values())
    out = []
    for cls, pct in EVENT_MIX.items():
        subs = CLASS_SCENARIOS[cls]
        sub_total = sum(subs.values())
        for name, w in subs.items():
            out.append((cls, name, pct / total * w / sub_total))
    return out


# =============================================================================
# The generator
# =============================================================================

_HEAD = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"'


def iter_events(n: int, *, seed: int = 1, level: str = "mix", start: str = "2026-11-20T10:00:00Z",
                rate: float = 200.0) -> Iterator[tuple[str, str, str]]:
    """Yield (class, scenario, JSON line) for n events; see generate()."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if rate <= 0:
        raise ValueError("rate must be > 0")
    start_us = _parse_start(start)
    world = _world(seed, start_us)
    rng = random.Random(seed)
    body_rng = random.Random(seed * 1_000_003 + 17)      # body sizes: independent of the event stream
    sess = _Session(world, rng)
    _prepare_session(sess)
    bodies = _bodies() if level != "metadata" else None

    table = scenario_table()
    cum, acc = [], 0.0
    fns, labels = [], []
    for cls, name, p in table:
        acc += p
        cum.append(acc)
        fns.append(getattr(sess, "s_" + name.replace("-", "_")))
        labels.append((cls, name))
    cum[-1] = 1.0 + 1e-9

    fixed = {"metadata": M, "request": R, "requestresponse": RR}.get(level)
    rand, bits = rng.random, rng.getrandbits
    log = math.log
    mean_us = 1_000_000.0 / rate
    t = start_us
    prefix_cache: dict = {}
    strftime, gmtime = time.strftime, time.gmtime
    lo_r, hi_r = math.log(REQUEST_LINE_BYTES[0]), math.log(REQUEST_LINE_BYTES[1])
    lo_rr, hi_rr = math.log(REQUESTRESPONSE_LINE_BYTES[0]), math.log(REQUESTRESPONSE_LINE_BYTES[1])
    bisect_right = bisect.bisect_right

    def ts(us):
        s, frac = divmod(us, 1_000_000)
        p = prefix_cache.get(s)
        if p is None:
            if len(prefix_cache) > 100_000:
                prefix_cache.clear()
            p = prefix_cache[s] = strftime("%Y-%m-%dT%H:%M:%S", gmtime(s))
        return f"{p}.{frac:06d}Z"

    for i in range(n):
        t += int(-log(1.0 - rand()) * mean_us) + 1
        sess.rv = RV0 + 2 * i
        k = bisect_right(cum, rand())
        verb, uri, actor, oref, status, ann, lat, stage, tier, body = fns[k]()
        h = "%032x" % bits(128)
        aid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
        if actor.__class__ is tuple:
            user, ip, ua = actor
        else:
            user, ip, ua = actor.user, actor.ip, actor.ua
        lvl = fixed or tier
        t1 = ts(t)
        t0 = ts(t - lat)
        extra = ""
        if body is not None and lvl != M:
            fam = getattr(bodies, body[0])
            rr = lvl == RR
            if rr:
                target = int(math.exp(lo_rr + body_rng.random() * (hi_rr - lo_rr))) - 900
            else:
                target = int(math.exp(lo_r + body_rng.random() * (hi_r - lo_r))) - 900
            vals = dict(body[1])
            if body[2]:
                vals.update(body[2])
            vals["rv"] = str(sess.rv)
            vals["rv2"] = str(sess.rv + 1)
            vals["now"] = t1[:19] + "Z"
            vals["nowus"] = t1
            if "kaa" not in vals:
                vals["kaa"] = "x7k2p"
            req, resp = fam.render(rr, _Vals(vals), target)
            if req is not None:
                extra += ',"requestObject":' + req
            if resp is not None:
                extra += ',"responseObject":' + resp
        line = (f'{_HEAD}{lvl}","auditID":"{aid}","stage":"{stage}","requestURI":"{uri}","verb":"{verb}","user":{user},'
                f'"sourceIPs":["{ip}"],"userAgent":"{ua}"'
                + (',"objectRef":' + oref if oref else "")
                + f',"responseStatus":{status}{extra},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}",'
                  f'"annotations":{ann}}}')
        yield labels[k][0], labels[k][1], line


class _Vals(dict):
    """Placeholder values; anything a template needs but the event did not set gets a neutral default."""

    def __missing__(self, key):
        return _DEFAULTS.get(key, "")


_DEFAULTS = {"app": "app", "ns": "default", "image": "registry.example.com/prod/app:1.0.0", "tag": "1.0.0",
             "sa": "default", "hash": "7d9f8b6c4d", "owner": "app-7d9f8b6c4d", "okind": "ReplicaSet", "age": "1d",
             "ts": "2026-11-01T08:12:44Z", "started": "2026-11-01T08:12:49Z", "digest": "0" * 64, "cid": "0" * 62}


def generate(n: int, *, seed: int = 1, level: str = "mix", start: str = "2026-11-20T10:00:00Z",
             rate: float = 200.0) -> Iterator[str]:
    """Yield n JSON lines (no trailing newline). level: "metadata" (every event at Metadata level, no bodies),
    "request", "requestresponse", or "mix" (per event class, as a tiered policy would: secrets/RBAC/token at
    RequestResponse, workload mutations/webhooks at Request, everything else at Metadata).
    rate: events per second of simulated time (timestamps advance accordingly, deterministic)."""
    for _, _, line in iter_events(n, seed=seed, level=level, start=start, rate=rate):
        yield line


# =============================================================================
# CLI
# =============================================================================

def _rotation_name(stage_ts: str) -> str:
    # lumberjack: <name>-<2006-01-02T15-04-05.000><ext>, the time the file was rotated (UTC)
    day, clock = stage_ts[:10], stage_ts[11:23]
    return f"audit-{day}T{clock[:8].replace(':', '-')}{clock[8:12]}.log"


def _write_lines(fh, lines):
    buf = []
    for line in lines:
        buf.append(line)
        if len(buf) >= 2048:
            fh.write(("\n".join(buf) + "\n").encode())
            buf.clear()
    if buf:
        fh.write(("\n".join(buf) + "\n").encode())


def _open_out(path: str | None, gz: bool):
    raw = open(path, "wb") if path and path != "-" else sys.stdout.buffer
    if gz:
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6), raw
    return raw, raw


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="number of events (default 100000)")
    ap.add_argument("--level", choices=LEVELS, default="mix")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-20T10:00:00Z", help="timestamp of the first event")
    ap.add_argument("--rate", type=float, default=200.0, help="events per second of simulated time")
    ap.add_argument("-o", "--output", help="output file (default stdout); with --rotate, a directory")
    ap.add_argument("--gzip", action="store_true",
                    help="gzip the output; with --rotate, compress the rotated backups (like --audit-log-compress)")
    ap.add_argument("--rotate", type=int, metavar="K",
                    help="split into K files named like the apiserver's: audit-<rotation time>.log backups and audit.log")
    ap.add_argument("--stats", action="store_true", help="print throughput and sizes to stderr")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("-n must be >= 0")
    t0 = time.perf_counter()
    nbytes = 0

    def counted(it):
        nonlocal nbytes
        for line in it:
            nbytes += len(line) + 1
            yield line

    lines = counted(generate(args.n, seed=args.seed, level=args.level, start=args.start, rate=args.rate))
    if args.rotate:
        if args.rotate < 1:
            ap.error("--rotate must be >= 1")
        if not args.output or args.output == "-":
            ap.error("--rotate needs -o DIRECTORY")
        os.makedirs(args.output, exist_ok=True)
        per = -(-args.n // args.rotate) if args.n else 0
        for f in range(args.rotate):
            chunk = [next(lines) for _ in range(min(per, args.n - f * per))] if per else []
            last = f == args.rotate - 1
            if last:
                path = os.path.join(args.output, "audit.log")
                with open(path, "wb") as fh:
                    _write_lines(fh, chunk)
                continue
            if chunk:
                stage = json.loads(chunk[-1])["stageTimestamp"]
            else:
                stage = args.start.replace("Z", "") + (".000000Z" if "." not in args.start else "Z")
            name = _rotation_name(stage)
            path = os.path.join(args.output, name + (".gz" if args.gzip else ""))
            fh, raw = _open_out(path, args.gzip)
            _write_lines(fh, chunk)
            fh.close()
            if raw is not fh:
                raw.close()
    else:
        fh, raw = _open_out(args.output, args.gzip)
        _write_lines(fh, lines)
        if fh is not raw:
            fh.close()
        if raw is not sys.stdout.buffer:
            raw.close()
        else:
            raw.flush()
    if args.stats:
        dt = time.perf_counter() - t0
        print(f"{args.n} events, {nbytes / 1e6:.1f} MB in {dt:.2f}s: {args.n / dt:,.0f} events/s, "
              f"{nbytes / 1e6 / dt:.1f} MB/s, {nbytes / max(args.n, 1):.0f} B/event", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
