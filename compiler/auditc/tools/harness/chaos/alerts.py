"""From a detection written to the audit log to its alert firing in Loki's
ruler and reaching an Alertmanager: the `latency-alert` scenario.

The ruler runs the generated groups (lua/loki-rules.yaml, optionally with
another group interval) and notifies a stand-in Alertmanager on 127.0.0.1
that notes when each alert arrives. Each trial is a cluster-wide secrets
list by its own user, so each fires its own alert series (the rules group
by user.username); trials are spread over more than one group interval so
they sample every phase of the evaluation schedule."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from auditc.runtime import FluentBitLua
from auditc.tools.harness.chaos.stack import Result, Stack, append, now_rfc3339
from auditc.tools.harness.loki import parse_duration_ns

RULE = "secrets-listed-all-namespaces"


class AlertReceiver(ThreadingHTTPServer):
    """A stand-in Alertmanager: records (arrival, labels) of every alert
    posted to /api/v2/alerts, as the Prometheus notifier in Loki's ruler sends them."""

    daemon_threads = True

    def __init__(self, port: int):
        super().__init__(("127.0.0.1", port), _ReceiverHandler)
        self.received: list[tuple[float, dict]] = []
        self.lock = threading.Lock()

    def first_arrival(self, **labels) -> float | None:
        with self.lock:
            return next((t for t, got in self.received if all(got.get(k) == v for k, v in labels.items())), None)


class _ReceiverHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        now = time.monotonic()
        try:
            alerts = json.loads(body or b"[]")
        except ValueError:
            alerts = []
        with self.server.lock:
            for alert in alerts if isinstance(alerts, list) else []:
                self.server.received.append((now, alert.get("labels") or {}))
        self.send_response(200)
        self.end_headers()


def group_interval(rules_text: str) -> str:
    m = re.search(r"(?m)^  interval: (\S+)$", rules_text)
    return m.group(1) if m else "1m"


def with_interval(rules_text: str, interval: str) -> str:
    return re.sub(r"(?m)^  interval: \S+$", f"  interval: {interval}", rules_text)


def trigger(run: str, k: int) -> tuple[str, str]:
    """A cluster-wide secrets list by its own user, as the apiserver logs it."""
    user = f"chaos-{run}-{k}"
    now = now_rfc3339()
    line = json.dumps({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"{run}-{k:06d}",
        "stage": "ResponseComplete", "requestURI": "/api/v1/secrets?limit=500", "verb": "list",
        "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["192.0.2.10"],
        "userAgent": "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
        "objectRef": {"resource": "secrets", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200}, "requestReceivedTimestamp": now, "stageTimestamp": now,
        "annotations": {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"ops\" of ClusterRole \"cluster-admin\" to User \"" + user + "\""}})
    return user, line


def check_trigger(lua_dir, line: str) -> None:
    """The trigger must fire RULE in the build under test, or the scenario measures nothing."""
    lua = FluentBitLua((lua_dir / "auditc.lua").read_text(), "auditc_filter", enable_flb_null=True)
    records = lua.filter([line]).records
    rules = (records[0].record.get("detection") or {}).get("rules", []) if records else []
    if RULE not in rules:
        raise RuntimeError(f"latency-alert: the trigger event does not fire {RULE} in this build (got {rules})")


def latency_alert(stack: Stack, receiver: AlertReceiver, interval: str, trials: int = 8) -> Result:
    res = Result(f"latency-alert-{interval}")
    every = parse_duration_ns(interval) / 1e9
    run = f"a{uuid.uuid4().hex[:8]}"
    check_trigger(stack.lua_dir, trigger(run, 0)[1])
    _wait_rules_loaded(stack)
    spacing = every * 1.13 / trials  # not a divisor of the interval: the trials land at spread phases
    written: dict[str, float] = {}
    for k in range(trials):
        user, line = trigger(run, k)
        append(stack.log, [line])
        written[user] = time.monotonic()
        time.sleep(spacing)
    deadline = time.monotonic() + 3 * every + 60
    arrivals: dict[str, float] = {}
    while time.monotonic() < deadline and len(arrivals) < trials:
        for user in written:
            if user not in arrivals:
                t = receiver.first_arrival(auditc_rule=RULE, user_username=user)
                if t is not None:
                    arrivals[user] = t
        time.sleep(0.2)
    res.sent, res.arrived = trials, len(arrivals)
    res.lost = trials - len(arrivals)
    res.latency = [arrivals[u] - written[u] for u in arrivals]
    res.figures.update(group_interval=interval, alert_latency_seconds=[round(x, 1) for x in sorted(res.latency)],
                       group_evaluation_seconds=_evaluation_seconds(stack))
    res.notes.append(f"detection line -> alert at the Alertmanager; ruler group interval {interval}, "
                     f"for 0m; {trials} trials {spacing:.1f}s apart")
    return res


def _evaluation_seconds(stack: Stack) -> float | None:
    """How long the ruler's last evaluation of the whole group took (it must
    stay well under the interval)."""
    try:
        groups = stack.loki.rule_groups().get("groups", [])
    except RuntimeError:
        return None
    took = next((g.get("evaluationTime") for g in groups if g.get("name") == "auditc-detections"), None)
    return round(float(took), 3) if isinstance(took, (int, float)) else None


def _wait_rules_loaded(stack: Stack, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if any(g.get("name") == "auditc-detections" for g in stack.loki.rule_groups().get("groups", [])):
                return
        except RuntimeError:
            pass
        time.sleep(1.0)
    raise RuntimeError(f"Loki's ruler did not load the auditc rule groups within {timeout:.0f}s")
