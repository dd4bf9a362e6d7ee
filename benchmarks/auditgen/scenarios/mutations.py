"""Writes: pods, bindings, status patches, events, CI patches; kubelet TokenRequests."""
from __future__ import annotations

from ..event_parts import ANN_NODE, R, RR, S200, S201, authz, authz_annotations, object_ref, request
from ..goformat import rfc3339
from .base import SessionBase


class MutationScenarios(SessionBase):
    _PSA: dict = {}

    def _psa(self, reason):
        """Annotations of a pod write that PodSecurity admission checked against the enforced "baseline" level."""
        a = self._PSA.get(reason)
        if a is None:
            a = self._PSA[reason] = authz_annotations("allow", reason,
                                                      {"pod-security.kubernetes.io/enforce-policy": "baseline:latest"})
        return a

    def s_pod_create_replicaset(self):
        p = self.pick(self.w.workload_pods)
        if p["okind"] == "StatefulSet":
            act = self.w.controllers["statefulset-controller"][0]
        else:
            act = self.w.controllers["replicaset-controller"][0]
        return request(verb="create", uri=f"/api/v1/namespaces/{p['ns']}/pods", actor=act,
                       oref=object_ref("pods", p["ns"]), status=S201, annotations=self._psa(act.reason),
                       latency=self.lat(4000, 40000), tier=R, body="pod_create", body_values=p)

    def s_pod_binding_scheduler(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.scheduler[0]
        return request(verb="create", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}/binding", actor=act,
                       oref=object_ref("pods", p["ns"], p["name"], p["uid"], sub="binding"), status=S201,
                       annotations=authz("allow", act.reason), latency=self.lat(2000, 20000), tier=R,
                       body="pod_binding", body_values=p)

    def s_pod_status_patch_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        return request(verb="patch", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}/status", actor=nd["actor"],
                       oref=object_ref("pods", p["ns"], p["name"], sub="status"), status=S200, annotations=ANN_NODE,
                       latency=self.lat(2000, 25000), tier=R, body="pod_status_patch", body_values=p)

    def s_pod_patch_replicaset(self):
        p = self.pick(self._rsp)
        act = self.w.controllers["replicaset-controller"][0]
        return request(verb="patch", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", actor=act,
                       oref=object_ref("pods", p["ns"], p["name"]), status=S200, annotations=authz("allow", act.reason),
                       latency=self.lat(2000, 15000), tier=R, body="pod_patch", body_values=p)

    def s_pod_update_statefulset(self):
        p = self.pick(self._sts)
        act = self.w.controllers["statefulset-controller"][0]
        return request(verb="update", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", actor=act,
                       oref=object_ref("pods", p["ns"], p["name"], p["uid"], rv=p["rv"]), status=S200,
                       annotations=self._psa(act.reason), latency=self.lat(3000, 30000), tier=R,
                       body="pod_update", body_values=p)

    def s_pod_delete(self):
        p = self.pick(self.w.workload_pods)
        if self.r() < 0.6:
            nd = self.node_of(p)
            act, ann = nd["actor"], ANN_NODE
        else:
            act = self.w.controllers["replicaset-controller"][0]
            ann = authz("allow", act.reason)
        return request(verb="delete", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", actor=act,
                       oref=object_ref("pods", p["ns"], p["name"]), status=S200, annotations=ann,
                       latency=self.lat(3000, 30000), tier=R, body="pod_delete", body_values=p)

    def s_node_status_patch_kubelet(self):
        nd = self.pick(self.w.nodes)
        return request(verb="patch", uri=f"/api/v1/nodes/{nd['name']}/status?timeout=10s", actor=nd["actor"],
                       oref=object_ref("nodes", name=nd["name"], sub="status"), status=S200, annotations=ANN_NODE,
                       latency=self.lat(3000, 30000), tier=R, body="node_status_patch", body_values=nd["vals"])

    def _ev_extra(self):
        j = int(self.r() * 64)
        return {"evid": self.w.event_ids[j], "evuid": self.w.event_uids[j]}

    def s_event_create_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = self._ev_extra()
        return request(verb="create", uri=f"/api/v1/namespaces/{p['ns']}/events", actor=nd["actor"],
                       oref=object_ref("events", p["ns"], p["name"] + "." + ex["evid"]), status=S201,
                       annotations=ANN_NODE, latency=self.lat(1500, 12000),
                       body="event_kubelet", body_values=p, body_extra=ex)

    def s_event_create_scheduler(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.scheduler[0]
        ex = self._ev_extra()
        return request(verb="create", uri=f"/apis/events.k8s.io/v1/namespaces/{p['ns']}/events", actor=act,
                       oref=object_ref("events", p["ns"], p["name"] + "." + ex["evid"], group="events.k8s.io"),
                       status=S201, annotations=authz("allow", act.reason), latency=self.lat(1500, 12000),
                       body="event_scheduler", body_values=p, body_extra=ex)

    def s_event_create_controller(self):
        p = self.pick(self.w.workload_pods)
        act = self.w.controllers["replicaset-controller" if p["okind"] == "ReplicaSet" else "statefulset-controller"][0]
        ex = self._ev_extra()
        return request(verb="create", uri=f"/api/v1/namespaces/{p['ns']}/events", actor=act,
                       oref=object_ref("events", p["ns"], p["owner"] + "." + ex["evid"]), status=S201,
                       annotations=authz("allow", act.reason), latency=self.lat(1500, 12000),
                       body="event_controller", body_values=p, body_extra=ex)

    def s_event_patch_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = self._ev_extra()
        name = p["name"] + "." + ex["evid"]
        return request(verb="patch", uri=f"/api/v1/namespaces/{p['ns']}/events/{name}", actor=nd["actor"],
                       oref=object_ref("events", p["ns"], name), status=S200, annotations=ANN_NODE,
                       latency=self.lat(1500, 12000), body="event_patch", body_values=p, body_extra=ex)

    def s_deployment_patch_ci(self):
        d = self.pick(self._ci_deploys)
        return request(verb="patch",
                       uri=f"/apis/apps/v1/namespaces/{d['ns']}/deployments/{d['name']}?fieldManager=kubectl-client-side-apply"
                           "\\u0026fieldValidation=Strict",
                       actor=self.w.ci, oref=object_ref("deployments", d["ns"], d["name"], group="apps"), status=S200,
                       annotations=authz("allow", self.w.ci.reason), latency=self.lat(5000, 40000), tier=R,
                       body="deploy_patch", body_values=d)

    def s_configmap_patch_ci(self):
        d = self.pick(self._ci_cms)
        return request(verb="patch",
                       uri=f"/api/v1/namespaces/{d['ns']}/configmaps/{d['name']}?fieldManager=kubectl-client-side-apply"
                           "\\u0026fieldValidation=Strict",
                       actor=self.w.ci, oref=object_ref("configmaps", d["ns"], d["name"]), status=S200,
                       annotations=authz("allow", self.w.ci.reason), latency=self.lat(3000, 25000), tier=R,
                       body="cm_patch", body_values=d)

    # ---- tokens
    def s_token_kubelet(self):
        p = self.pick(self.w.pods)
        nd = self.node_of(p)
        ex = {"token": self.pick(self.w.tokens), "exp": rfc3339(self.w.start_us / 1e6 + 3607 + int(self.r() * 86400))}
        return request(verb="create", uri=f"/api/v1/namespaces/{p['ns']}/serviceaccounts/{p['sa']}/token",
                       actor=nd["actor"], oref=object_ref("serviceaccounts", p["ns"], p["sa"], sub="token"),
                       status=S201, annotations=ANN_NODE, latency=self.lat(2000, 15000), tier=RR,
                       body="token", body_values=p, body_extra=ex)
