"""The simulated cluster: its shape, and the World (nodes, pods, identities, pools) built from it,
deterministic per seed and start time."""
from __future__ import annotations

import base64
import json
import random

from .event_parts import crb_reason, rb_reason
from .goformat import COMPACT, dumps, rand_hex, rand_string, rfc3339, uuid4


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


class Actor:
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
    return dumps(d)


def _sa_user(ns, name, uid, jti, pod=None):
    extra = {"authentication.kubernetes.io/credential-id": ["JTI=" + jti]}
    if pod is not None:
        extra.update({"authentication.kubernetes.io/node-name": [pod["node"]],
                      "authentication.kubernetes.io/node-uid": [pod["node_uid"]],
                      "authentication.kubernetes.io/pod-name": [pod["name"]],
                      "authentication.kubernetes.io/pod-uid": [pod["uid"]]})
    return _user_json(f"system:serviceaccount:{ns}:{name}",
                      ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"], uid, extra)


def user_agent(component, suffix=""):
    return f"{component}/{K8S_VERSION} (linux/amd64) kubernetes/{K8S_COMMIT}{suffix}"


class World:
    """Everything events refer to: nodes, pods, apps, identities (Actors), tokens, list pools."""

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
                nd = {"name": name, "uid": uuid4(r), "lease_uid": uuid4(r), "ip": ip, "kver": ver,
                      "ua": f"kubelet/{ver} (linux/amd64) kubernetes/{commit}",
                      "user": _user_json(f"system:node:{name}", ["system:nodes", "system:authenticated"]),
                      "ts": rfc3339(start - 86400 * (120 + r.randint(0, 60)) - r.randint(0, 86400))}
                nd["actor"] = Actor(f"system:node:{name}", nd["user"], ip, nd["ua"])
                cidr = len(self.nodes) + 1
                nd["vals"] = {"name": name, "uid": nd["uid"], "rv": str(RV0 - r.randint(10, 500)), "ts": nd["ts"],
                              "zone": "abc"[i % 3], "iid": rand_hex(r, 16), "cidr": str(cidr), "host_ip": ip,
                              "dash_ip": ip.replace(".", "-"), "mid": rand_hex(r, 29), "boot": uuid4(r), "kver": ver,
                              "digest": rand_hex(r, 62)}
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
                h = rand_string(r, 10)
                owner = f"{app}-{h}" if kind == "Deployment" else app
                owner_uid = uuid4(r)
                created = start - 86400 * r.uniform(0.5, 40)
                svc_n += 1
                a = {"ns": ns, "app": app, "kind": kind, "tag": tag, "image": image, "hash": h, "uid": uuid4(r),
                     "owner": owner, "owner_uid": owner_uid, "ts": rfc3339(created), "rv": str(RV0 - r.randint(500, 90000)),
                     "svc_ip": f"{svc_n // 250}.{svc_n % 250}", "cm_uid": uuid4(r), "secret_uid": uuid4(r),
                     "sa": app if ns not in ("default",) else "default", "pods": []}
                self.apps.append(a)
                for j in range(replicas):
                    node = self.workers[r.randrange(len(self.workers))]
                    name = f"{owner}-{rand_string(r, 5)}" if kind == "Deployment" else f"{app}-{j}"
                    p_created = created + r.uniform(0, 3600 * 12)
                    p = self._pod_vals(r, a, name, node, p_created)
                    self.pods.append(p)
                    self.pods_by_ns[ns].append(p)
                    a["pods"].append(p)
        # daemonsets: kube-proxy (kube-system) and node-exporter (monitoring) on every node
        self.kube_proxy = {}
        for ds_ns, app in (("kube-system", "kube-proxy"), ("monitoring", "node-exporter")):
            a = {"ns": ds_ns, "app": app, "kind": "DaemonSet", "tag": K8S_VERSION if app == "kube-proxy" else "v1.8.2",
                 "hash": rand_string(r, 10), "uid": uuid4(r), "owner": app, "owner_uid": uuid4(r),
                 "ts": rfc3339(start - 86400 * 90), "rv": str(RV0 - 99000), "svc_ip": "0.1", "cm_uid": uuid4(r),
                 "secret_uid": uuid4(r), "sa": app, "pods": []}
            a["image"] = self._image(ds_ns, app, a["tag"])
            for node in self.nodes:
                p = self._pod_vals(r, a, f"{app}-{rand_string(r, 5)}", node, start - 86400 * r.uniform(1, 30))
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
                sa_uids[key] = (uuid4(r), uuid4(r))
            uid, _ = sa_uids[key]
            return Actor(f"system:serviceaccount:{ns}:{sa}",
                         _sa_user(ns, sa, uid, uuid4(r), pod), pod["pod_ip"] if pod else "10.0.0.11", ua, reason)

        self.sa_actor = sa_actor
        # controller-manager controllers (--use-service-account-credentials): not pod bound
        self.controllers = {}
        for c in ("replicaset-controller", "statefulset-controller", "endpoint-controller", "horizontal-pod-autoscaler",
                  "deployment-controller", "generic-garbage-collector"):
            self.controllers[c] = [sa_actor("kube-system", c, None,
                                            crb_reason(f"system:controller:{c}", f"system:controller:{c}",
                                                       "ServiceAccount", f"{c}/kube-system"),
                                            user_agent("kube-controller-manager", f"/system:serviceaccount:kube-system:{c}"))]
        self.kube_proxy_actors = [sa_actor("kube-system", "kube-proxy", p,
                                           crb_reason("kubeadm:node-proxier", "system:node-proxier", "ServiceAccount",
                                                      "kube-proxy/kube-system"),
                                           user_agent("kube-proxy")) for p in self.kube_proxy.values()]
        for act, nd in zip(self.kube_proxy_actors, self.kube_proxy):
            act.ip = next(n["ip"] for n in self.nodes if n["name"] == nd)     # hostNetwork
        self.coredns_actors = [sa_actor("kube-system", "coredns", p,
                                        crb_reason("system:coredns", "system:coredns", "ServiceAccount", "coredns/kube-system"),
                                        "coredns/v0.0.0 (linux/amd64) kubernetes/$Format")
                               for p in self.app_by[("kube-system", "coredns")]["pods"]]

        def app_actors(ns, app, reason, ua):
            return [sa_actor(ns, self.app_by[(ns, app)]["sa"], p, reason, ua) for p in self.app_by[(ns, app)]["pods"]]

        self.ksm_actors = app_actors("monitoring", "kube-state-metrics",
                                     crb_reason("kube-state-metrics", "kube-state-metrics", "ServiceAccount",
                                                "kube-state-metrics/monitoring"),
                                     "kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format")
        self.promop_actors = app_actors("monitoring", "prometheus-operator",
                                        crb_reason("prometheus-operator", "prometheus-operator", "ServiceAccount",
                                                   "prometheus-operator/monitoring"), "PrometheusOperator/0.77.1")
        self.prom_actors = app_actors("monitoring", "prometheus-k8s",
                                      crb_reason("prometheus-k8s", "prometheus-k8s", "ServiceAccount", "prometheus-k8s/monitoring"),
                                      "Prometheus/2.54.1")
        self.exporter_actors = app_actors("monitoring", "event-exporter",
                                          crb_reason("event-exporter", "view", "ServiceAccount", "event-exporter/monitoring"),
                                          "event-exporter/v0.0.0 (linux/amd64) kubernetes/$Format")
        self.app_sa_actors = []
        for a in self.apps:
            if a["ns"] in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") and a["kind"] == "Deployment":
                reason = rb_reason(f"{a['app']}-config-reader", a["ns"], "Role", f"{a['app']}-config-reader",
                                   "ServiceAccount", f"{a['sa']}/{a['ns']}")
                ua = (f"{a['app']}/v0.0.0 (linux/amd64) kubernetes/$Format" if len(a["app"]) % 2
                      else "OpenAPI-Generator/31.0.0/python")
                for act, p in zip(app_actors(a["ns"], a["app"], reason, ua), a["pods"]):
                    self.app_sa_actors.append((act, a))
        # --- control plane identities
        self.scheduler = [Actor("system:kube-scheduler", _user_json("system:kube-scheduler", ["system:authenticated"]),
                                cp["ip"], user_agent("kube-scheduler", "/scheduler"),
                                crb_reason("system:kube-scheduler", "system:kube-scheduler", "User", "system:kube-scheduler"))
                          for cp in self.cps]
        self.kcm = [Actor("system:kube-controller-manager", _user_json("system:kube-controller-manager", ["system:authenticated"]),
                          cp["ip"], user_agent("kube-controller-manager", "/shared-informers"),
                          crb_reason("system:kube-controller-manager", "system:kube-controller-manager", "User",
                                     "system:kube-controller-manager")) for cp in self.cps]
        self.apiserver = Actor("system:apiserver", _user_json("system:apiserver", ["system:authenticated", "system:masters"],
                                                              uuid4(r)), "::1", user_agent("kube-apiserver"))
        self.apiserver_leases = [(f"kube-apiserver-{rand_hex(r, 26)}", uuid4(r), cp) for cp in self.cps]
        self.leader_acquired = rfc3339(start - 86400 * 3.2)
        self.leader_ids = {"kube-scheduler": f"cp-1_{uuid4(r)}", "kube-controller-manager": f"cp-1_{uuid4(r)}"}
        self.leader_uids = {"kube-scheduler": uuid4(r), "kube-controller-manager": uuid4(r)}
        self.humans = {u: Actor(u, _user_json(u, h["groups"]), h["ip"], h["ua"]) for u, h in HUMANS.items()}
        self.ci = Actor(CI_USER, _user_json(CI_USER, ["ci", "system:authenticated"]), CI_IP, CI_UA,
                        crb_reason(CI_USER, CI_USER, "User", CI_USER))
        self.anonymous = _user_json("system:anonymous", ["system:unauthenticated"])
        self.webhook_uid = uuid4(r)
        self.tokens = [self._jwt(r) for _ in range(32)]
        self.event_ids = [rand_hex(r, 16) for _ in range(64)]
        self.event_uids = [uuid4(r) for _ in range(64)]
        self.crb_uids = [uuid4(r) for _ in range(8)]
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
        return {"name": name, "ns": a["ns"], "uid": uuid4(r), "rv": str(RV0 - r.randint(100, 50000)), "ts": rfc3339(created),
                "started": rfc3339(created + r.uniform(2, 40)), "app": a["app"], "image": a["image"], "tag": a["tag"],
                "hash": a["hash"], "owner": a["owner"], "owner_uid": a["owner_uid"],
                "okind": {"Deployment": "ReplicaSet"}.get(a["kind"], a["kind"]), "sa": a["sa"], "node": node["name"],
                "node_uid": node["uid"], "host_ip": node["ip"],
                "pod_ip": node["ip"] if a["kind"] == "DaemonSet" else f"10.244.{int(node['vals']['cidr'])}.{r.randint(2, 250)}",
                "cid": rand_hex(r, 62), "digest": rand_hex(r, 64), "kaa": rand_string(r, 5), "age": f"{r.randint(1, 40)}d"}

    @staticmethod
    def _jwt(r):
        def seg(obj):
            return base64.urlsafe_b64encode(json.dumps(obj, separators=COMPACT).encode()).decode().rstrip("=")
        head = seg({"alg": "RS256", "kid": "Xq3bV9n2LkTz8mW4cYp1sR6dF0gH7jK5aE2uQ9iO3vB"})
        body = seg({"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1795000000 + r.randint(0, 9999),
                    "iat": 1794996393, "iss": "https://kubernetes.default.svc.cluster.local", "jti": uuid4(r),
                    "kubernetes.io": {"namespace": "prod", "node": {"name": "worker-3", "uid": uuid4(r)},
                                      "pod": {"name": "web-7d9f8b6c4d-x2x5q", "uid": uuid4(r)},
                                      "serviceaccount": {"name": "web", "uid": uuid4(r)}, "warnafter": 1794999999},
                    "nbf": 1794996393, "sub": "system:serviceaccount:prod:web"})
        sig = base64.urlsafe_b64encode(bytes(r.getrandbits(8) for _ in range(256))).decode().rstrip("=")
        return f"{head}.{body}.{sig}"


_WORLDS: dict = {}


def cached_world(seed: int, start_us: int) -> World:
    key = (seed, start_us)
    w = _WORLDS.get(key)
    if w is None:
        if len(_WORLDS) > 8:
            _WORLDS.clear()
        w = _WORLDS[key] = World(seed, start_us)
    return w
