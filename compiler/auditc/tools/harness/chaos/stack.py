"""One Loki and one Fluent Bit from the generated native configs, started,
signalled and queried by the failure-mode scenarios; the shared result type
and the bounded wait for delivery."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

from auditc.tools.harness import drivers
from auditc.tools.harness.configs import native_files
from auditc.tools.harness.loki import Loki

WAIT_CAP = 300.0  # seconds any wait for delivery may take


@dataclass
class Result:
    name: str
    sent: int = 0
    arrived: int = 0
    lost: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    latency: list = field(default_factory=list)  # seconds (line -> queryable, or detection -> alert)
    figures: dict = field(default_factory=dict)  # scenario-specific numbers, for --format json
    expect_loss: bool = False  # a scenario that measures a loss (the buffer limit) passes with one

    def pct(self, p: float) -> float | None:
        if not self.latency:
            return None
        xs = sorted(self.latency)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

    @property
    def ok(self) -> bool:
        return self.sent > 0 and (self.expect_loss or self.lost == 0)


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event(run: str, i: int, **fields) -> str:
    """An audit event the filter ships unchanged (a configmap read by a user),
    numbered for counting; `fields` replace top-level keys."""
    now = now_rfc3339()
    ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
          "auditID": f"{run}-{i:06d}", "stage": "ResponseComplete", "verb": "get",
          "requestURI": "/api/v1/namespaces/a/configmaps/x", "user": {"username": "alice"},
          "objectRef": {"resource": "configmaps", "namespace": "a", "name": "x"},
          "responseStatus": {"code": 200}, "requestReceivedTimestamp": now, "stageTimestamp": now}
    ev.update(fields)
    return json.dumps(ev)


def set_fb_key(text: str, key: str, value: str) -> str:
    """Replace the value of `key` in a classic-mode Fluent Bit config."""
    new, n = re.subn(rf"(?mi)^(\s+{re.escape(key)}\s+)\S.*$", lambda m: m.group(1) + value, text)
    if not n:
        raise KeyError(f"{key} is not set in the generated fluent-bit.conf")
    return new


class Stack:
    """One Loki + one Fluent Bit on 127.0.0.1 from the generated native
    configs; the tail DB and the filesystem buffer in the work directory
    survive restarts, as on a node."""

    def __init__(self, work: Path, lua_dir: Path, port_base: int, *, binaries: tuple[str, str],
                 loki_overrides: dict | None = None, fb_overrides: dict | None = None,
                 rules_text: str | None = None):
        self.work, self.lua_dir = work, lua_dir
        self.loki_port, self.fb_port = port_base, port_base + 1
        self.fb_bin, self.loki_bin = binaries
        drivers._prepare_work(work)
        files = native_files(work, lua_dir, loki_port=self.loki_port, fb_port=self.fb_port,
                             loki_overrides=loki_overrides)
        for path, text in files.items():
            if path.name == "fluent-bit.conf":
                for key, value in (fb_overrides or {}).items():
                    text = set_fb_key(text, key, value)
            if path.name == "auditc.yaml" and rules_text is not None:
                text = rules_text
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (work / "logs").mkdir(exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.loki = Loki(f"http://127.0.0.1:{self.loki_port}")

    @property
    def log(self) -> Path:
        return self.work / "audit" / "audit.log"

    @property
    def fb_log(self) -> Path:
        return self.work / "logs" / "fluent-bit.log"

    def start_loki(self, timeout: float = 120) -> None:
        with open(self.work / "logs" / "loki.log", "ab") as out:
            self.procs["loki"] = subprocess.Popen(drivers.loki_command(self.loki_bin, self.work, self.loki_port),
                                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        drivers._wait("Loki", self.loki.ready, timeout)

    def start_fb(self, timeout: float = 60) -> None:
        with open(self.fb_log, "ab") as out:
            self.procs["fb"] = subprocess.Popen([self.fb_bin, "-c", str(self.work / "etc" / "fluent-bit.conf")],
                                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        drivers._wait("Fluent Bit", lambda: drivers._fluent_bit_healthy(f"http://127.0.0.1:{self.fb_port}"), timeout)

    def kill(self, name: str, sig: int, wait: float = 30) -> None:
        proc = self.procs.get(name)
        if not proc or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def down(self) -> None:
        import signal
        for name in ("fb", "loki"):
            self.kill(name, signal.SIGTERM)

    def counts(self, run: str, t0: int) -> Counter:
        """auditID -> number of entries in Loki, for the events of one run."""
        entries = self.loki.query_range(f'{{job="kube-audit"}} |= "{run}-"', t0 - 600 * 10**9, time.time_ns() + 60 * 10**9)
        return Counter((e.record or {}).get("auditID") for e in entries)

    def fb_metrics(self) -> dict[str, float]:
        """Fluent Bit's Prometheus metrics, `name{labels}` -> value ({} when
        the HTTP server does not answer)."""
        try:
            text = requests.get(f"http://127.0.0.1:{self.fb_port}/api/v2/metrics/prometheus", timeout=5).text
        except requests.RequestException:
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out


def append(path: Path, lines: list[str]) -> None:
    with open(path, "a") as f:
        f.write("".join(line + "\n" for line in lines))
        f.flush()


def settle(stack: Stack, res: Result, run: str, t0: int, ids: set, cap: float = WAIT_CAP, quiet: float = 60.0) -> None:
    """Wait until Loki holds every id, at most `cap` s, and no longer than
    `quiet` s without a new arrival (what is lost never comes); then count."""
    deadline = time.monotonic() + cap
    counts: Counter = Counter()
    last, changed = -1, time.monotonic()
    for _ in range(int(cap) + 1):
        counts = stack.counts(run, t0)
        got = len(ids & set(counts))
        if got == len(ids) or time.monotonic() > deadline:
            break
        if got != last:
            last, changed = got, time.monotonic()
        elif time.monotonic() - changed > quiet:
            break
        time.sleep(1.0)
    time.sleep(3.0)  # stragglers, late duplicates
    counts = stack.counts(run, t0)
    res.arrived = len(ids & set(counts))
    res.lost = len(ids - set(counts))
    res.duplicates = sum(n - 1 for aid, n in counts.items() if aid in ids and n > 1)
