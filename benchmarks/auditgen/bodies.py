"""Body templates: the objects/ dicts serialized once into str.format_map templates
(@@name@@ placeholders become {name}), grouped per kind of call in size variants;
per event only the placeholders are filled in."""
from __future__ import annotations

import bisect
import json
import re
from typing import NamedTuple

from .goformat import COMPACT, dumps
from .objects import cluster, config, tables, workloads


_PH = re.compile(r"@@(\w+)@@")


def _fmt(obj) -> str:
    s = dumps(obj).replace("{", "{{").replace("}", "}}")
    return _PH.sub(r"{\1}", s)


class _SampleVals(dict):
    """Typical placeholder values (for measuring template sizes)."""

    def __missing__(self, key):
        return {"uid": "x" * 36, "owner_uid": "x" * 36, "evuid": "x" * 36, "ts": "2026-11-01T08:12:44Z",
                "now": "2026-11-20T10:00:00Z", "nowus": "2026-11-20T10:00:00.000000Z", "started": "2026-11-01T08:12:49Z",
                "image": "registry.example.com/prod/web:1.14.2", "digest": "x" * 64, "cid": "x" * 62,
                "name": "web-7d9f8b6c4d-x2x5q", "owner": "web-7d9f8b6c4d", "token": "x" * 900}.get(key, "xxxxxxxxxx")


_SAMPLE = _SampleVals()


def _strip_kind(obj):
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


class _Variant(NamedTuple):
    request: str | None         # requestObject template
    response: str | None        # responseObject template
    request_len: int            # rendered with _SAMPLE
    response_len: int


class _Family:
    """Size variants of (requestObject, responseObject) templates for one kind of call."""

    def __init__(self, variants):
        self.variants = []
        for req, resp in variants:
            rf = _fmt(req) if req is not None else None
            sf = _fmt(resp) if resp is not None else None
            self.variants.append(_Variant(request=rf, response=sf,
                                          request_len=len(rf.format_map(_SAMPLE)) if rf else 0,
                                          response_len=len(sf.format_map(_SAMPLE)) if sf else 0))
        req_sorted = sorted((v.request_len, i) for i, v in enumerate(self.variants))
        rr_sorted = sorted((v.request_len + v.response_len, i) for i, v in enumerate(self.variants))
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
        v = self.pick(rr, target)
        return ((v.request.format_map(vals) if v.request else None),
                (v.response.format_map(vals) if rr and v.response else None))


class _ListFamily:
    """List (or Table) responses: items rendered per object of the pool, sized by item variant and count."""

    def __init__(self, kind, api_version, item_variants, table_columns=None, table_cells=None):
        self.kind, self.api_version = kind, api_version
        self.items = [_fmt(_strip_kind(it) if table_columns is None else it) for it in item_variants]
        self.sizes = [len(f.format_map(_SAMPLE)) + 1 for f in self.items]
        self.table_columns = dumps(table_columns) if table_columns else None
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
            v = Vals(it)
            v["now"], v["nowus"], v["rv2"] = now, nowus, it["rv"]
            return v

        if self.table_columns is None:
            body = ",".join(fmt.format_map(item_vals(it)) for it in pool[:count])
            return None, ('{"kind":"' + self.kind + '","apiVersion":"' + self.api_version
                          + '","metadata":{"resourceVersion":"' + vals["rv"] + '"},"items":[' + body + "]}")
        rows = ",".join('{"cells":' + dumps(self.table_cells(it)) + ',"object":'
                        + fmt.format_map(item_vals(it)) + "}"
                        for it in pool[:count])
        return None, ('{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"' + vals["rv"]
                      + '"},"columnDefinitions":' + self.table_columns + ',"rows":[' + rows + "]}")


class _StatusBody:
    """responseObject of a failed request at RequestResponse level: the Status itself."""

    def render(self, rr: bool, vals, target: int):
        return None, (vals["_status"] if rr else None)


class Bodies:
    """Every body family, by the name a Request's body gives; built once per process (body_templates())."""

    def __init__(self):
        K = range(0, 15)
        pods_running = [workloads.pod(k, stored=True, running=True) for k in K]
        self.pod_create = _Family([(workloads.pod(k, stored=False, running=False),
                                    workloads.pod(k, stored=True, running=False)) for k in K])
        self.pod_get = _Family([(None, p) for p in pods_running])
        self.pod_status_patch = _Family([({"metadata": {"uid": "@@uid@@"}, "status": {
            key: v for key, v in p["status"].items() if key != "qosClass"}}, p) for p in pods_running])
        self.pod_patch = _Family([({"metadata": {"labels": {"example.com/adopted": "true"},
                                                 "ownerReferences": workloads.owner_references(), "uid": "@@uid@@"}}, p)
                                  for p in pods_running])
        self.pod_update = _Family([(p, p) for p in pods_running])
        self.pod_delete = _Family([({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                     "preconditions": {"uid": "@@uid@@"}},
                                    workloads.pod(k, stored=True, running=True, deleting=True))
                                   for k in K])
        self.pod_binding = _Family([({"kind": "Binding", "apiVersion": "v1", "metadata": {
            "name": "@@name@@", "namespace": "@@ns@@", "uid": "@@uid@@", "creationTimestamp": None},
            "target": {"kind": "Node", "name": "@@node@@"}},
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})])
        self.pod_list = _ListFamily("PodList", "v1", [workloads.pod(k, stored=True, running=True) for k in (0, 1, 2, 4, 6)])
        self.pod_table = _ListFamily("Table", "meta.k8s.io/v1", [tables.partial_metadata(k, False) for k in (0, 4, 8, 14)],
                                     table_columns=tables.column_definitions(False),
                                     table_cells=lambda it: [it["name"], "1/1", "Running", 0, it["age"]])
        self.privileged_pod = _Family([(workloads.privileged_pod(False), workloads.privileged_pod(True))])
        nodes = [cluster.node(k) for k in range(0, 16)]
        self.node_status_patch = _Family([(cluster.node_status_patch(), n) for n in nodes])
        self.node_get = _Family([(None, n) for n in nodes])
        self.node_list = _ListFamily("NodeList", "v1", [cluster.node(k) for k in (0, 1, 2, 4)])
        self.lease_node = _Family([(cluster.lease(True), cluster.lease(True))])
        self.lease_node_get = _Family([(None, cluster.lease(True))])
        self.lease_leader = _Family([(cluster.lease(False), cluster.lease(False))])
        self.lease_leader_get = _Family([(None, cluster.lease(False))])
        self.event_kubelet = _Family([(cluster.core_event(v, stored=False), cluster.core_event(v, stored=True))
                                      for v in range(6)])
        self.event_controller = _Family([(cluster.core_event(0, stored=False, controller=True),
                                          cluster.core_event(0, stored=True, controller=True))])
        self.event_scheduler = _Family([(cluster.scheduler_event(stored=False), cluster.scheduler_event(stored=True))])
        self.event_patch = _Family([({"count": 2, "lastTimestamp": "@@now@@", "message": m},
                                     cluster.core_event(v, stored=True)) for v, (_, m, _) in enumerate(cluster.EVENT_REASONS)])
        self.event_list = _ListFamily("EventList", "v1", [cluster.core_event(v, stored=True) for v in range(6)])
        cms = [config.configmap(k, last_applied=True) for k in range(0, 14)]
        self.cm_get = _Family([(None, c) for c in cms])
        self.cm_list = _ListFamily("ConfigMapList", "v1", [config.configmap(k, last_applied=True) for k in (0, 1, 2, 4, 7)])
        self.cm_patch = _Family([({"data": c["data"], "metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                c["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]}}}, c) for c in cms])
        for kind in ("opaque", "tls", "docker"):
            setattr(self, "secret_get_" + kind, _Family([(None, config.secret(k, kind)) for k in range(0, 10)]))
        self.secret_list = _ListFamily("SecretList", "v1", [config.secret(k, "opaque") for k in (0, 1, 2, 4, 6)])
        self.secret_table = _ListFamily("Table", "meta.k8s.io/v1", [tables.partial_metadata(0, True)],
                                        table_columns=tables.column_definitions(True),
                                        table_cells=lambda it: [it["sname"], "Opaque", 4, it["age"]])
        deps = [workloads.deployment(k, last_applied=True) for k in range(0, 15)]
        self.deploy_get = _Family([(None, d) for d in deps])
        self.deploy_list = _ListFamily("DeploymentList", "apps/v1",
                                       [workloads.deployment(k, last_applied=True) for k in (0, 1, 2, 4)])
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
        self.svc_get = _Family([(None, cluster.service())])
        self.svc_list = _ListFamily("ServiceList", "v1", [cluster.service()])
        self.ep_get = _Family([(None, cluster.endpoints(n)) for n in (1, 3, 6, 12, 24, 48, 96)])
        self.ep_list = _ListFamily("EndpointsList", "v1", [cluster.endpoints(n) for n in (1, 3, 6, 12)])
        self.token = _Family([(cluster.token_request(False), cluster.token_request(True))])
        self.crb = _Family([(cluster.cluster_role_binding(False), cluster.cluster_role_binding(True))])
        self.csr = _Family([(cluster.csr(False), cluster.csr(True))])
        webhooks = [(config.webhook_configuration(k, False), config.webhook_configuration(k, True))
                    for k in range(0, 4)]
        self.webhook_patch = _Family([({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                                                                       json.dumps(req, separators=COMPACT, sort_keys=True) + "\n"}},
                                        "webhooks": [{"clientConfig": {"caBundle": h["clientConfig"]["caBundle"]},
                                                      "name": h["name"]} for h in req["webhooks"]]}, resp)
                                      for req, resp in webhooks])
        self.status = _StatusBody()


_BODIES: Bodies | None = None


def body_templates() -> Bodies:
    global _BODIES
    if _BODIES is None:
        _BODIES = Bodies()
    return _BODIES


class Vals(dict):
    """Placeholder values; anything a template needs but the event did not set gets a neutral default."""

    def __missing__(self, key):
        return _DEFAULTS.get(key, "")


_DEFAULTS = {"app": "app", "ns": "default", "image": "registry.example.com/prod/app:1.0.0", "tag": "1.0.0",
             "sa": "default", "hash": "7d9f8b6c4d", "owner": "app-7d9f8b6c4d", "okind": "ReplicaSet", "age": "1d",
             "ts": "2026-11-01T08:12:44Z", "started": "2026-11-01T08:12:49Z", "digest": "0" * 64, "cid": "0" * 62}
