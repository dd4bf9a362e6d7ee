"""What every scenario shares: the world, the event stream's random numbers, per-session lookup tables."""
from __future__ import annotations

import random

from ..event_parts import crb_reason, rb_reason
from ..goformat import rfc3339
from ..world import RV0, Actor, World, user_agent


class SessionBase:
    def __init__(self, world: World, rng: random.Random):
        self.w = w = world
        self.r = rng.random
        self.rv = RV0
        self._event_pools = {}
        self._exec_pods = [p for ns in ("prod", "staging", "team-a", "team-c", "team-d") for p in w.pods_by_ns[ns]]
        self._secret_get = {"opaque": "secret_get_opaque", "tls": "secret_get_tls", "docker": "secret_get_docker"}
        start = w.start_us / 1e6
        self._leader_actors, self._leader_vals = {}, {}
        for comp, actors in (("kube-scheduler", w.scheduler), ("kube-controller-manager", w.kcm)):
            reason = actors[0].reason if comp == "kube-scheduler" else rb_reason(
                "system::leader-locking-kube-controller-manager", "kube-system", "Role",
                "system::leader-locking-kube-controller-manager", "User", "system:kube-controller-manager")
            self._leader_actors[comp] = [Actor(a.name, a.user, a.ip, user_agent(comp, "/leader-election"), reason)
                                         for a in actors]
            self._leader_vals[comp] = {"name": comp, "ns": "kube-system", "uid": w.leader_uids[comp],
                                       "ts": rfc3339(start - 86400 * 150), "holder": w.leader_ids[comp],
                                       "acquired": w.leader_acquired.replace("Z", ".000000Z"), "manager": comp}
        self._node_index = {n["name"]: i for i, n in enumerate(w.nodes)}
        self._hpa = [x for x in w.apps if x["kind"] == "Deployment" and x["ns"] in ("prod", "team-a", "team-b", "team-d")]
        self._rsp = [x for x in w.workload_pods if x["okind"] == "ReplicaSet"]
        self._sts = [x for x in w.workload_pods if x["okind"] == "StatefulSet"]
        self._ci_deploys = [d for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") for d in w.deploy_pool[ns]]
        self._ci_cms = [c for ns in ("prod", "staging", "team-a", "team-b", "team-c", "team-d") for c in w.cm_pool[ns]]

    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def lat(self, lo, hi):
        return lo + int(self.r() * self.r() * (hi - lo))

    def node_of(self, p):
        return self.w.nodes[self._node_index[p["node"]]]

    def anonymous(self, ip, ua, reason=""):
        return Actor("system:anonymous", self.w.anonymous, ip, ua, reason)

    def _human_reason(self, user, ns, res):
        if user.startswith("alice"):
            return crb_reason("platform-admins", "cluster-admin", "Group", "platform-admins")
        if ns == "team-b":
            return rb_reason("team-b-developers", "team-b", "ClusterRole", "edit", "Group", "team-b-developers")
        return crb_reason("developers-view", "view", "Group", "developers")
