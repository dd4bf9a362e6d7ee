"""get/list calls: kubelets, controllers, operators, humans, CI; endpoints and events reads."""
from __future__ import annotations

from ..event_parts import ANN_NODE, S200, authz, failure_status, object_ref, request
from ..world import NAMESPACES
from .base import SessionBase


class ReadScenarios(SessionBase):
    def s_read_kubelet_node(self):
        nd = self.pick(self.w.nodes)
        return request(verb="get", uri=f"/api/v1/nodes/{nd['name']}?resourceVersion=0\\u0026timeout=10s",
                       actor=nd["actor"], oref=object_ref("nodes", name=nd["name"]), status=S200, annotations=ANN_NODE,
                       latency=self.lat(300, 4000), body="node_get", body_values=nd["vals"])

    def s_read_kubelet_pod(self):
        p = self.pick(self.w.workload_pods)
        nd = self.node_of(p)
        return request(verb="get", uri=f"/api/v1/namespaces/{p['ns']}/pods/{p['name']}", actor=nd["actor"],
                       oref=object_ref("pods", p["ns"], p["name"]), status=S200, annotations=ANN_NODE,
                       latency=self.lat(400, 5000), body="pod_get", body_values=p)

    def s_read_hpa_scale(self):
        a = self.pick(self._hpa)
        act = self.w.controllers["horizontal-pod-autoscaler"][0]
        return request(verb="get", uri=f"/apis/apps/v1/namespaces/{a['ns']}/deployments/{a['app']}/scale", actor=act,
                       oref=object_ref("deployments", a["ns"], a["app"], group="apps", sub="scale"), status=S200,
                       annotations=authz("allow", act.reason), latency=self.lat(800, 7000),
                       body="scale_get", body_values=a)

    def s_read_app_configmap(self):
        act, a = self.pick(self.w.app_sa_actors)
        name = a["app"] + "-config"
        if self.r() < 0.04:    # optional override configmap that does not exist
            name = a["app"] + "-overrides"
            st = self._notfound("configmaps", name)
            return request(verb="get", uri=f"/api/v1/namespaces/{a['ns']}/configmaps/{name}", actor=act,
                           oref=object_ref("configmaps", a["ns"], name), status=st,
                           annotations=authz("allow", act.reason), latency=self.lat(500, 4000))
        return request(verb="get", uri=f"/api/v1/namespaces/{a['ns']}/configmaps/{name}", actor=act,
                       oref=object_ref("configmaps", a["ns"], name), status=S200,
                       annotations=authz("allow", act.reason), latency=self.lat(500, 5000),
                       body="cm_get", body_values=self.w.cm_pool[a["ns"]][self._app_index(a)])

    _NF: dict = {}

    def _notfound(self, res, name):
        key = (res, name)
        s = self._NF.get(key)
        if s is None:
            s = self._NF[key] = failure_status(404, "NotFound", f'{res} "{name}" not found', {"name": name, "kind": res})
        return s

    def _app_index(self, a):
        return [x["app"] for x in self.w.apps if x["ns"] == a["ns"]].index(a["app"])

    def s_read_operator(self):
        a = self.pick(self.w.promop_actors)
        if self.r() < 0.5:
            ns = "monitoring"
            return request(verb="list", uri=f"/api/v1/namespaces/{ns}/configmaps?labelSelector=prometheus-name%3Dk8s",
                           actor=a, oref=object_ref("configmaps", ns), status=S200,
                           annotations=authz("allow", a.reason), latency=self.lat(1000, 9000),
                           body="cm_list", body_values={"_pool": self.w.cm_pool[ns]})
        ns = self.pick(NAMESPACES)
        pool = self.w.svc_pool[ns]
        if not pool:
            ns, pool = "prod", self.w.svc_pool["prod"]
        it = self.pick(pool)
        return request(verb="get", uri=f"/api/v1/namespaces/{ns}/services/{it['name']}", actor=a,
                       oref=object_ref("services", ns, it["name"]), status=S200, annotations=authz("allow", a.reason),
                       latency=self.lat(400, 4000), body="svc_get", body_values=it)

    def s_read_initial_list(self):
        a = self.pick(self.w.ksm_actors)
        x = self.r()
        if x < 0.35:
            return request(verb="list", uri="/api/v1/pods?limit=500\\u0026resourceVersion=0", actor=a,
                           oref=object_ref("pods"), status=S200, annotations=authz("allow", a.reason),
                           latency=self.lat(20000, 400000), body="pod_list", body_values={"_pool": self.w.all_pod_vals})
        if x < 0.6:
            return request(verb="list", uri="/api/v1/nodes?limit=500\\u0026resourceVersion=0", actor=a,
                           oref=object_ref("nodes"), status=S200, annotations=authz("allow", a.reason),
                           latency=self.lat(5000, 90000), body="node_list", body_values={"_pool": self.w.node_vals})
        if x < 0.8:
            pool = [d for ns in NAMESPACES for d in self.w.deploy_pool[ns]]
            return request(verb="list", uri="/apis/apps/v1/deployments?limit=500\\u0026resourceVersion=0", actor=a,
                           oref=object_ref("deployments", group="apps"), status=S200,
                           annotations=authz("allow", a.reason), latency=self.lat(5000, 90000),
                           body="deploy_list", body_values={"_pool": pool})
        pool = [s for ns in NAMESPACES for s in self.w.svc_pool[ns]]
        return request(verb="list", uri="/api/v1/services?limit=500\\u0026resourceVersion=0", actor=a,
                       oref=object_ref("services"), status=S200, annotations=authz("allow", a.reason),
                       latency=self.lat(3000, 40000), body="svc_list", body_values={"_pool": pool})

    def s_read_human(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com", "bob@example.com"))]
        ns = "team-b" if (h.name.startswith("bob") and self.r() < 0.6) else self.pick(NAMESPACES)
        reason = self._human_reason(h.name, ns, "pods")
        ann = authz("allow", reason)
        x = self.r()
        if x < 0.35:
            return request(verb="list", uri=f"/api/v1/namespaces/{ns}/pods?limit=500", actor=h,
                           oref=object_ref("pods", ns), status=S200, annotations=ann, latency=self.lat(2000, 30000),
                           body="pod_table", body_values={"_pool": self.w.pods_by_ns[ns]})
        if x < 0.55:
            pods = self.w.pods_by_ns[ns]
            p = self.pick(pods)
            if self.r() < 0.05:
                name = p["owner"] + "-" + "x7k2q"
                return request(verb="get", uri=f"/api/v1/namespaces/{ns}/pods/{name}", actor=h,
                               oref=object_ref("pods", ns, name), status=self._notfound("pods", name), annotations=ann,
                               latency=self.lat(500, 4000))
            return request(verb="get", uri=f"/api/v1/namespaces/{ns}/pods/{p['name']}", actor=h,
                           oref=object_ref("pods", ns, p["name"]), status=S200, annotations=ann,
                           latency=self.lat(600, 6000), body="pod_get", body_values=p)
        if x < 0.7:
            pool = self.w.deploy_pool[ns] or self.w.deploy_pool["prod"]
            ns = pool[0]["ns"]
            return request(verb="list", uri=f"/apis/apps/v1/namespaces/{ns}/deployments?limit=500", actor=h,
                           oref=object_ref("deployments", ns, group="apps"), status=S200,
                           annotations=authz("allow", self._human_reason(h.name, ns, "deployments")),
                           latency=self.lat(1500, 15000), body="deploy_list", body_values={"_pool": pool})
        if x < 0.82:
            return request(verb="list", uri="/api/v1/nodes?limit=500", actor=h, oref=object_ref("nodes"), status=S200,
                           annotations=authz("allow", self._human_reason(h.name, "", "nodes")),
                           latency=self.lat(3000, 40000), body="node_list", body_values={"_pool": self.w.node_vals})
        pool = self.w.svc_pool[ns] or self.w.svc_pool["prod"]
        ns = pool[0]["ns"]
        return request(verb="list", uri=f"/api/v1/namespaces/{ns}/services?limit=500", actor=h,
                       oref=object_ref("services", ns), status=S200,
                       annotations=authz("allow", self._human_reason(h.name, ns, "services")),
                       latency=self.lat(1000, 9000), body="svc_list", body_values={"_pool": pool})

    def s_read_ci(self):
        pool = self.pick([self.w.deploy_pool[ns] for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d")])
        d = self.pick(pool)
        return request(verb="get", uri=f"/apis/apps/v1/namespaces/{d['ns']}/deployments/{d['name']}", actor=self.w.ci,
                       oref=object_ref("deployments", d["ns"], d["name"], group="apps"), status=S200,
                       annotations=authz("allow", self.w.ci.reason), latency=self.lat(600, 6000),
                       body="deploy_get", body_values=d)

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
        return request(verb="list", uri=uri, actor=h, oref=object_ref("events", ns), status=S200,
                       annotations=authz("allow", self._human_reason(h.name, ns, "events")),
                       latency=self.lat(1500, 20000), body="event_list", body_values={"_pool": self._event_pool(pool)})

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
        return request(verb="get", uri=f"/api/v1/namespaces/{it['ns']}/endpoints/{it['name']}", actor=act,
                       oref=object_ref("endpoints", it["ns"], it["name"]), status=S200,
                       annotations=authz("allow", act.reason), latency=self.lat(300, 3000),
                       body="ep_get", body_values=it)

    def s_read_prometheus_endpoints(self):
        a = self.pick(self.w.prom_actors)
        ns = self.pick(NAMESPACES)
        pool = self.w.svc_pool[ns] or self.w.svc_pool["prod"]
        ns = pool[0]["ns"]
        return request(verb="list", uri=f"/api/v1/namespaces/{ns}/endpoints?limit=500\\u0026resourceVersion=0", actor=a,
                       oref=object_ref("endpoints", ns), status=S200, annotations=authz("allow", a.reason),
                       latency=self.lat(1000, 12000), body="ep_list", body_values={"_pool": pool})

    def s_read_event_exporter(self):
        a = self.pick(self.w.exporter_actors)
        return request(verb="list", uri="/api/v1/events?limit=500\\u0026resourceVersion=0", actor=a,
                       oref=object_ref("events"), status=S200, annotations=authz("allow", a.reason),
                       latency=self.lat(5000, 120000),
                       body="event_list", body_values={"_pool": self._event_pool(self.w.workload_pods)})
