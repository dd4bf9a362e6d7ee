"""Rare, security-relevant events (< 1 %): secrets, RBAC, exec, privileged pods, forbidden requests."""
from __future__ import annotations

from ..event_parts import (M, R, RR, S101, S200, S201, authz, authz_annotations, crb_reason, failure_status,
                           object_ref, rb_reason, request)
from ..goformat import rfc3339
from ..world import HUMANS
from .base import SessionBase


class RareScenarios(SessionBase):
    def s_rare_secret_get_human(self):
        h = self.w.humans["alice@example.com"]
        s = self.pick(self.w.secret_pool["prod"])
        kind = self.pick(("opaque", "opaque", "tls", "docker"))
        name = {"opaque": s["sname"], "tls": s["app"] + "-tls", "docker": "regcred"}[kind]
        return request(verb="get", uri=f"/api/v1/namespaces/prod/secrets/{name}", actor=h,
                       oref=object_ref("secrets", "prod", name), status=S200,
                       annotations=authz("allow", self._human_reason(h.name, "prod", "secrets")),
                       latency=self.lat(600, 5000), tier=RR, body=self._secret_get[kind], body_values=s)

    def s_rare_secret_list_human(self):
        h = self.w.humans["bob@example.com"]
        pool = self.w.secret_pool["team-b"]
        family = "secret_table" if self.r() < 0.5 else "secret_list"
        uri = "/api/v1/namespaces/team-b/secrets?limit=500"
        return request(verb="list", uri=uri, actor=h, oref=object_ref("secrets", "team-b"), status=S200,
                       annotations=authz("allow", self._human_reason(h.name, "team-b", "secrets")),
                       latency=self.lat(1500, 12000), tier=RR, body=family,
                       body_values={"_pool": pool})

    def s_rare_secret_list_all_namespaces(self):
        if self.r() < 0.5:
            h = self.w.humans["alice@example.com"]
            lat = self.lat(150000, 1400000)
            ann = authz_annotations("allow", self._human_reason(h.name, "", "secrets"), self._latency_ann(lat))
            return request(verb="list", uri="/api/v1/secrets?limit=500", actor=h, oref=object_ref("secrets"),
                           status=S200, annotations=ann, latency=lat, tier=RR,
                           body="secret_list", body_values={"_pool": self.w.all_secrets})
        act, a = self.pick(self.w.app_sa_actors)
        msg = f'secrets is forbidden: User "{act.name}" cannot list resource "secrets" in API group "" at the cluster scope'
        st = failure_status(403, "Forbidden", msg, {"kind": "secrets"})
        return request(verb="list", uri="/api/v1/secrets?limit=500", actor=act, oref=object_ref("secrets"), status=st,
                       annotations=authz("forbid", ""), latency=self.lat(300, 2500), tier=RR,
                       body="status", body_values={"_status": self._status_obj(st)})

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
        return request(verb="create",
                       uri="/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create"
                           "\\u0026fieldValidation=Strict",
                       actor=h, oref=object_ref("clusterrolebindings", name=subj[3], group="rbac.authorization.k8s.io"),
                       status=S201, annotations=authz("allow", self._human_reason(h.name, "", "clusterrolebindings")),
                       latency=self.lat(3000, 20000), tier=RR, body="crb", body_values=ex)

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
        return request(verb="get", uri=uri, actor=h, oref=object_ref("pods", p["ns"], p["name"], sub="exec"),
                       status=S101, annotations=authz("allow", self._human_reason(h.name, p["ns"], "pods")),
                       latency=self.lat(2_000_000, 600_000_000))

    def s_rare_port_forward(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        ns = "team-b" if h.name.startswith("bob") else self.pick(("prod", "staging"))
        p = self.pick(self.w.pods_by_ns[ns])
        return request(verb="get", uri=f"/api/v1/namespaces/{ns}/pods/{p['name']}/portforward", actor=h,
                       oref=object_ref("pods", ns, p["name"], sub="portforward"), status=S101,
                       annotations=authz("allow", self._human_reason(h.name, ns, "pods")),
                       latency=self.lat(5_000_000, 900_000_000))

    def s_rare_privileged_pod(self):
        h = self.w.humans["bob@example.com"]
        nd = self.pick(self.w.workers)
        name = "node-debugger-" + nd["name"]
        reason = rb_reason("default-editors", "default", "ClusterRole", "edit", "Group", "developers")
        ann = authz_annotations("allow", reason, {
            "pod-security.kubernetes.io/audit-violations":
                'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), '
                f'privileged (container "{name}" must not set securityContext.privileged=true), '
                'hostPath volumes (volume "host-root")',
            "pod-security.kubernetes.io/enforce-policy": "privileged:latest"})
        ex = {"podname": name, "node": nd["name"], "ns": "default", "uid": nd["uid"]}
        return request(verb="create", uri="/api/v1/namespaces/default/pods?fieldManager=kubectl-run", actor=h,
                       oref=object_ref("pods", "default", name), status=S201, annotations=ann,
                       latency=self.lat(5000, 40000), tier=R, body="privileged_pod", body_values=ex)

    def s_rare_webhook_patch(self):
        act = self.w.ci if self.r() < 0.6 else self.w.humans["alice@example.com"]
        reason = act.reason or self._human_reason(act.name, "", "mutatingwebhookconfigurations")
        return request(verb="patch",
                       uri="/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/pod-defaults-webhook"
                           "?fieldManager=kubectl-client-side-apply\\u0026fieldValidation=Strict",
                       actor=act, oref=object_ref("mutatingwebhookconfigurations", name="pod-defaults-webhook",
                                                  group="admissionregistration.k8s.io"),
                       status=S200, annotations=authz("allow", reason), latency=self.lat(4000, 30000), tier=R,
                       body="webhook_patch", body_values={"uid": self.w.webhook_uid,
                                                   "ts": rfc3339(self.w.start_us / 1e6 - 86400 * 200)})

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
        st = failure_status(403, "Forbidden", msg, det)
        ip = self.pick(("203.0.113.77", "198.51.100.23", "203.0.113.190"))
        ua = self.pick(("curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "Mozilla/5.0 zgrab/0.x"))
        return request(verb=verb, uri=uri, actor=self.anonymous(ip, ua), oref=object_ref(res, ns, name, group=grp),
                       status=st, annotations=authz("forbid", ""), latency=self.lat(200, 2000),
                       tier=RR if res == "secrets" else M, body="status", body_values={"_status": self._status_obj(st)})

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
        st = failure_status(403, "Forbidden", msg, {"name": name, "kind": res} if name else {"kind": res})
        return request(verb=verb, uri=uri, actor=act, oref=object_ref(res, ns, name), status=st,
                       annotations=authz("forbid", ""), latency=self.lat(200, 2000), tier=RR if res == "secrets" else M,
                       body="status", body_values={"_status": self._status_obj(st)})

    def s_rare_csr_create(self):
        h = self.w.humans[self.pick(("alice@example.com", "bob@example.com"))]
        name = h.name.split("@")[0] + "-client-" + ("admin" if self.r() < 0.5 else "2026")
        grp = HUMANS[h.name]["groups"][0]
        reason = (self._human_reason(h.name, "", "certificatesigningrequests") if h.name.startswith("alice")
                  else crb_reason("csr-requesters", "csr-requester", "Group", "developers"))
        ex = {"csr": name, "user": h.name, "group": grp, "uid": self.w.crb_uids[4 + int(self.r() * 4)]}
        return request(verb="create",
                       uri="/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldManager=kubectl-client-side-apply"
                           "\\u0026fieldValidation=Strict",
                       actor=h, oref=object_ref("certificatesigningrequests", name=name, group="certificates.k8s.io"),
                       status=S201, annotations=authz("allow", reason), latency=self.lat(2000, 15000), tier=RR,
                       body="csr", body_values=ex)
