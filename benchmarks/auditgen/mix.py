"""Tunables: the event mix (percent of all events) and, inside each class, the relative
weights of its scenarios (weights need not sum to anything); the levels and body sizes."""

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
