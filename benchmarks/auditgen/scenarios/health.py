"""Health probes and metrics scrapes of the apiserver."""
from __future__ import annotations

from ..event_parts import S200, authz, crb_reason, request
from ..world import Actor
from .base import SessionBase


class HealthScenarios(SessionBase):
    _PUBLIC_INFO = crb_reason("system:public-info-viewer", "system:public-info-viewer", "Group", "system:unauthenticated")
    _PUBLIC_INFO_AUTHENTICATED = crb_reason("system:public-info-viewer", "system:public-info-viewer", "Group",
                                            "system:authenticated")

    def __init__(self, world, rng):
        super().__init__(world, rng)
        # built once: probes are 10% of all events, too many for a new Actor each
        self._kube_probes = [self.anonymous(cp["ip"], "kube-probe/1.30", self._PUBLIC_INFO) for cp in world.cps]
        self._lb_checks = [self.anonymous(ip, "ELB-HealthChecker/2.0", self._PUBLIC_INFO)
                           for ip in ("10.0.0.2", "10.0.0.3")]
        self._kubelet_probes = [Actor(cp["actor"].name, cp["user"], cp["ip"], cp["ua"], self._PUBLIC_INFO_AUTHENTICATED)
                                for cp in world.cps]
        self._verbose_probe = self.anonymous("10.244.5.31", "Go-http-client/1.1", self._PUBLIC_INFO)

    def _health(self, uri, actor, lat):
        return request(verb="get", uri=uri, actor=actor, oref="", status=S200,
                       annotations=authz("allow", actor.reason), latency=lat)

    def s_health_kube_probe(self):
        actor = self.pick(self._kube_probes)
        uri = "/livez" if self.r() < 0.5 else "/readyz"
        return self._health(uri, actor, self.lat(200, 3000))

    def s_health_load_balancer(self):
        uri = "/readyz" if self.r() < 0.7 else "/healthz"
        return self._health(uri, self.pick(self._lb_checks), self.lat(200, 2500))

    def s_health_metrics_scrape(self):
        return self._health("/metrics", self.pick(self.w.prom_actors), self.lat(15000, 140000))

    def s_health_kubelet(self):
        return self._health("/healthz", self.pick(self._kubelet_probes), self.lat(200, 2000))

    def s_health_readyz_verbose(self):
        return self._health("/readyz?verbose", self._verbose_probe, self.lat(500, 5000))
