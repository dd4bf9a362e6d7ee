"""Lease traffic: kubelet heartbeats, leader election, apiserver identity leases."""
from __future__ import annotations

from ..event_parts import ANN_NODE, S200, authz, object_ref, request
from ..goformat import rfc3339
from ..world import CONTROL_PLANE
from .base import SessionBase


class LeaseScenarios(SessionBase):
    def s_lease_kubelet_update(self):
        nd = self.pick(self.w.nodes)
        rv = str(self.rv)
        return request(verb="update",
                       uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{nd['name']}?timeout=10s",
                       actor=nd["actor"],
                       oref=object_ref("leases", "kube-node-lease", nd["name"], nd["lease_uid"], "coordination.k8s.io", "v1", rv),
                       status=S200, annotations=ANN_NODE, latency=self.lat(1200, 12000),
                       body="lease_node", body_values=nd["lease_vals"])

    def s_lease_kubelet_get(self):
        nd = self.pick(self.w.nodes)
        return request(verb="get",
                       uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{nd['name']}?timeout=10s",
                       actor=nd["actor"],
                       oref=object_ref("leases", "kube-node-lease", nd["name"], group="coordination.k8s.io"),
                       status=S200, annotations=ANN_NODE, latency=self.lat(500, 4000),
                       body="lease_node_get", body_values=nd["lease_vals"])

    def _leader(self, comp, cp_index, update):
        actor, vals = self._leader_actors[comp][cp_index], self._leader_vals[comp]
        uri = f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{comp}?timeout=5s"
        ann = authz("allow", actor.reason)
        if update:
            oref = object_ref("leases", "kube-system", comp, vals["uid"], "coordination.k8s.io", "v1", str(self.rv))
            return request(verb="update", uri=uri, actor=actor, oref=oref, status=S200, annotations=ann,
                           latency=self.lat(1500, 15000), body="lease_leader", body_values=vals)
        return request(verb="get", uri=uri, actor=actor,
                       oref=object_ref("leases", "kube-system", comp, group="coordination.k8s.io"), status=S200,
                       annotations=ann, latency=self.lat(400, 5000), body="lease_leader_get", body_values=vals)

    def s_lease_scheduler_leader(self):
        return self._leader("kube-scheduler", 0, self.r() < 0.5)

    def s_lease_controller_manager_leader(self):
        return self._leader("kube-controller-manager", 0, self.r() < 0.5)

    def s_lease_standby_get(self):
        comp = "kube-scheduler" if self.r() < 0.5 else "kube-controller-manager"
        return self._leader(comp, 1 + int(self.r() * (CONTROL_PLANE - 1)), False)

    def s_lease_apiserver_identity(self):
        name, uid, cp = self.pick(self.w.apiserver_leases)
        vals = {"name": name, "ns": "kube-system", "uid": uid, "ts": rfc3339(self.w.start_us / 1e6 - 86400 * 3),
                "holder": name + "_" + uid, "acquired": self.w.leader_acquired.replace("Z", ".000000Z"), "manager": "kube-apiserver"}
        return request(verb="update", uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}",
                       actor=self.w.apiserver,
                       oref=object_ref("leases", "kube-system", name, uid, "coordination.k8s.io", "v1", str(self.rv)),
                       status=S200, annotations=ANN_NODE, latency=self.lat(1000, 9000),
                       body="lease_leader", body_values=vals)
