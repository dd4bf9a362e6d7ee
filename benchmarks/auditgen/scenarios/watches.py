"""Informers and reflectors (re)opening watches: kubelets, kube-proxy, CoreDNS, controllers, operators."""
from __future__ import annotations

from ..event_parts import COMPLETE, M, RR, S200, S_WATCH_CLOSED, STARTED, authz, object_ref, request
from ..goformat import go_duration
from .base import SessionBase


class WatchScenarios(SessionBase):
    def wq(self, sel=""):
        """watch query string (Go sorts query keys)."""
        to = 300 + int(self.r() * 300)
        rv = self.rv - int(self.r() * 40000)
        return (f"?allowWatchBookmarks=true{sel}\\u0026resourceVersion={rv}\\u0026timeout={go_duration(to)}"
                f"\\u0026timeoutSeconds={to}\\u0026watch=true", to)

    def watch(self, actor, base, oref, sel="", tier=M):
        q, to = self.wq(sel)
        if self.r() < 0.5:
            stage, status, lat = STARTED, S200, self.lat(400, 6000)
        else:
            stage, lat = COMPLETE, to * 1_000_000 + self.lat(100, 900_000)
            status = S_WATCH_CLOSED if self.r() < 0.3 else S200
        return request(verb="watch", uri=base + q, actor=actor, oref=oref, status=status,
                       annotations=authz("allow", actor.reason), latency=lat, stage=stage, tier=tier)

    def s_watch_kubelet_configmap(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        name = "kube-root-ca.crt" if self.r() < 0.5 else p["app"] + "-config"
        return self.watch(nd["actor"], f"/api/v1/namespaces/{p['ns']}/configmaps",
                          object_ref("configmaps", p["ns"], name), f"\\u0026fieldSelector=metadata.name%3D{name}")

    def s_watch_kubelet_secret(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        name = p["app"] + ("-tls" if self.r() < 0.5 else "-db-credentials")
        return self.watch(nd["actor"], f"/api/v1/namespaces/{p['ns']}/secrets",
                          object_ref("secrets", p["ns"], name), f"\\u0026fieldSelector=metadata.name%3D{name}", tier=RR)

    def s_watch_kubelet_pods(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/pods", object_ref("pods"), f"\\u0026fieldSelector=spec.nodeName%3D{nd['name']}")

    def s_watch_kubelet_node(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/nodes", object_ref("nodes", name=nd["name"]),
                          f"\\u0026fieldSelector=metadata.name%3D{nd['name']}")

    def s_watch_kubelet_services(self):
        nd = self.pick(self.w.nodes)
        return self.watch(nd["actor"], "/api/v1/services", object_ref("services"))

    def s_watch_kube_proxy(self):
        a = self.pick(self.w.kube_proxy_actors)
        if self.r() < 0.55:
            return self.watch(a, "/apis/discovery.k8s.io/v1/endpointslices",
                              object_ref("endpointslices", group="discovery.k8s.io"),
                              "\\u0026labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name")
        return self.watch(a, "/api/v1/services", object_ref("services"),
                          "\\u0026labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name")

    def s_watch_coredns(self):
        a = self.pick(self.w.coredns_actors)
        x = self.r()
        if x < 0.45:
            return self.watch(a, "/apis/discovery.k8s.io/v1/endpointslices", object_ref("endpointslices", group="discovery.k8s.io"))
        if x < 0.85:
            return self.watch(a, "/api/v1/services", object_ref("services"))
        return self.watch(a, "/api/v1/namespaces", object_ref("namespaces"))

    _KCM_WATCH = [("/api/v1/pods", "pods", ""), ("/api/v1/nodes", "nodes", ""), ("/api/v1/services", "services", ""),
                  ("/api/v1/configmaps", "configmaps", ""), ("/apis/apps/v1/deployments", "deployments", "apps"),
                  ("/apis/apps/v1/replicasets", "replicasets", "apps"), ("/apis/apps/v1/statefulsets", "statefulsets", "apps"),
                  ("/apis/apps/v1/daemonsets", "daemonsets", "apps"),
                  ("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io"),
                  ("/api/v1/serviceaccounts", "serviceaccounts", ""), ("/api/v1/namespaces", "namespaces", ""),
                  ("/apis/batch/v1/jobs", "jobs", "batch"), ("/api/v1/persistentvolumeclaims", "persistentvolumeclaims", "")]

    def s_watch_controller_manager(self):
        path, res, grp = self.pick(self._KCM_WATCH)
        return self.watch(self.w.kcm[0], path, object_ref(res, group=grp))

    _SCHED_WATCH = [("/api/v1/pods", "pods", "", "\\u0026fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"),
                    ("/api/v1/nodes", "nodes", "", ""), ("/apis/storage.k8s.io/v1/csinodes", "csinodes", "storage.k8s.io", ""),
                    ("/api/v1/persistentvolumes", "persistentvolumes", "", ""),
                    ("/apis/policy/v1/poddisruptionbudgets", "poddisruptionbudgets", "policy", "")]

    def s_watch_scheduler(self):
        path, res, grp, sel = self.pick(self._SCHED_WATCH)
        return self.watch(self.w.scheduler[0], path, object_ref(res, group=grp), sel)

    def s_watch_operators(self):
        if self.r() < 0.45:
            a = self.pick(self.w.promop_actors)
            res = "secrets" if self.r() < 0.5 else "configmaps"
            return self.watch(a, f"/api/v1/namespaces/monitoring/{res}", object_ref(res, "monitoring"),
                              "\\u0026labelSelector=managed-by%3Dprometheus-operator", tier=RR if res == "secrets" else M)
        a = self.pick(self.w.ksm_actors)
        path, res, grp = self.pick(self._KCM_WATCH)
        return self.watch(a, path, object_ref(res, group=grp))
