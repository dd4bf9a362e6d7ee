"""Realistic padding material: env vars, labels, annotations, images, sidecars, PEM blocks.

Real objects are big because of this kind of content; the size variants of each
object take more or less of it."""
from __future__ import annotations

import random

from ..goformat import b64


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
FEATURES = ["new-checkout", "search-v2", "async-invoices", "recommendations", "dark-mode", "grpc-gateway",
             "batch-export", "audit-trail", "multi-currency", "rate-limiter-v2", "edge-cache", "pdf-renderer",
             "webhooks-v3", "sso-okta", "inventory-sync", "fraud-scoring", "geo-routing", "bulk-import"]


def env_vars(n: int, with_refs: bool = True):
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
            f = FEATURES[(i - len(_ENV_BASE)) % len(FEATURES)]
            rnd = (i - len(_ENV_BASE)) // len(FEATURES)
            name = "FEATURE_" + f.upper().replace("-", "_") + ("_ROLLOUT_PERCENT" if rnd else "_ENABLED")
            value = str((i * 7) % 100) if rnd else ("true" if i % 3 else "false")
        env.append({"name": name, "value": value})
        i += 1
    return env


EXTRA_LABELS = [("example.com/team", "@@ns@@"), ("example.com/cost-center", "cc-4711"),
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
IMAGES = ["registry.k8s.io/kube-proxy", "registry.k8s.io/coredns/coredns", "registry.k8s.io/pause",
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
SIDECARS = [
    ("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", 2020),
    ("metrics-exporter", "quay.io/prometheus/statsd-exporter:v0.27.1", 9102),
    ("config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.77.1", 8081),
    ("envoy", "docker.io/envoyproxy/envoy:v1.31.2", 15001),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", 4180),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0", 5432),
]


def labels(k: int, base: dict) -> dict:
    d = dict(base)
    for name, value in EXTRA_LABELS[:k]:
        d[name] = value
    return dict(sorted(d.items()))


def annotations(k: int, base: dict | None = None) -> dict:
    d = dict(base or {})
    for name, value in _EXTRA_ANNOTATIONS[:k]:
        d[name] = value
    return dict(sorted(d.items()))


def pem(label: str, n_lines: int, seed: int) -> str:
    r = random.Random(seed)
    body = "\n".join(b64(bytes(r.getrandbits(8) for _ in range(48))) for _ in range(n_lines))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
