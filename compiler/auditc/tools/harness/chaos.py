"""Failure modes of the shipping path against real binaries (native mode).

    FLUENT_BIT_BIN=... LOKI_BIN=... python -m auditc.tools.harness.chaos \\
        [--scenarios sigterm,sigkill,rotate,rotate-gzip,latency,burst429,loki-down] [--loki-down-seconds 120]

Each scenario starts its own Loki and Fluent Bit on 127.0.0.1 (the
generated native configs; the tail DB and the filesystem buffer in the work
directory survive restarts), appends uniquely numbered audit events that
the filter ships, causes the failure, waits (bounded) until Loki holds every
event, and reports sent / lost / duplicated, plus latency line->queryable
where measured. Every loop is bounded in time and count. Prints a table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from auditc.tools.harness import drivers
from auditc.tools.harness.configs import native_files
from auditc.tools.harness.loki import Loki

ROOT = Path(__file__).resolve().parents[4]
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
    latency: list = field(default_factory=list)  # seconds, line written -> queryable

    def pct(self, p: float) -> str:
        if not self.latency:
            return "-"
        xs = sorted(self.latency)
        return f"{xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]:.2f}s"


def event(run: str, i: int) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
                       "auditID": f"{run}-{i:06d}", "stage": "ResponseComplete", "verb": "get",
                       "requestURI": "/api/v1/namespaces/a/configmaps/x", "user": {"username": "alice"},
                       "objectRef": {"resource": "configmaps", "namespace": "a", "name": "x"},
                       "responseStatus": {"code": 200}, "requestReceivedTimestamp": now, "stageTimestamp": now})


class Stack:
    """One Loki + one Fluent Bit from the generated native configs."""

    def __init__(self, work: Path, lua_dir: Path, port_base: int, loki_overrides: str | None = None):
        self.work, self.lua_dir = work, lua_dir
        self.loki_port, self.fb_port = port_base, port_base + 1
        self.fb_bin, self.loki_bin = drivers.native_binaries()
        if not (self.fb_bin and self.loki_bin):
            raise drivers.HarnessError("chaos needs FLUENT_BIT_BIN and LOKI_BIN (or fluent-bit, loki on PATH)")
        drivers._prepare_work(work)
        for path, text in native_files(work, lua_dir, loki_port=self.loki_port, fb_port=self.fb_port).items():
            if path.name == "loki.yaml" and loki_overrides:
                for line in loki_overrides.strip().splitlines():
                    key = line.split(":")[0].strip()
                    text = re.sub(rf"(?m)^  {key}: .*$", "  " + line.strip(), text)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (work / "logs").mkdir(exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.loki = Loki(f"http://127.0.0.1:{self.loki_port}")

    @property
    def log(self) -> Path:
        return self.work / "audit" / "audit.log"

    def start_loki(self, timeout: float = 120) -> None:
        with open(self.work / "logs" / "loki.log", "ab") as out:
            self.procs["loki"] = subprocess.Popen([self.loki_bin, f"-config.file={self.work / 'loki' / 'loki.yaml'}"],
                                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        drivers._wait("Loki", self.loki.ready, timeout)

    def start_fb(self, timeout: float = 60) -> None:
        with open(self.work / "logs" / "fluent-bit.log", "ab") as out:
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
        for name in ("fb", "loki"):
            self.kill(name, signal.SIGTERM)

    def counts(self, run: str, t0: int) -> Counter:
        entries = self.loki.query_range(f'{{job="kube-audit"}} |= "{run}-"', t0 - 600 * 10**9, time.time_ns() + 60 * 10**9)
        return Counter((e.record or {}).get("auditID") for e in entries)


def _append(path: Path, lines: list[str]) -> None:
    with open(path, "a") as f:
        f.write("".join(line + "\n" for line in lines))
        f.flush()


def _settle(stack: Stack, res: Result, run: str, t0: int, ids: set, cap: float = WAIT_CAP) -> None:
    deadline = time.monotonic() + cap
    counts: Counter = Counter()
    for _ in range(int(cap) + 1):
        counts = stack.counts(run, t0)
        if ids <= set(counts) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    time.sleep(3.0)  # stragglers, late duplicates
    counts = stack.counts(run, t0)
    res.arrived = len(ids & set(counts))
    res.lost = len(ids - set(counts))
    res.duplicates = sum(n - 1 for aid, n in counts.items() if aid in ids and n > 1)


def scenario_restart(stack: Stack, sig: int, n: int = 3000, rate: float = 1000.0) -> Result:
    """Stream n events at `rate`/s; signal Fluent Bit halfway; restart it at once."""
    res = Result("sigkill" if sig == signal.SIGKILL else "sigterm")
    run, t0 = f"c{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = {f"{run}-{i:06d}" for i in range(n)}
    batch = max(1, int(rate / 20))
    for i in range(0, n, batch):
        _append(stack.log, [event(run, j) for j in range(i, min(n, i + batch))])
        if i <= n // 2 < i + batch:
            stack.kill("fb", sig)
            res.notes.append(f"{signal.Signals(sig).name} at event {i + batch}")
            stack.start_fb()
        time.sleep(batch / rate)
    res.sent = n
    _settle(stack, res, run, t0, ids)
    return res


def scenario_rotate(stack: Stack, compress: bool, rotations: int = 4, per_file: int = 500) -> Result:
    """Rename + new file, several times in a burst; optionally gzip each rotated file."""
    res = Result("rotate-gzip" if compress else "rotate")
    run, t0 = f"r{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = set()
    k = 0
    for r in range(rotations):
        lines = [event(run, k + j) for j in range(per_file)]
        ids |= {f"{run}-{k + j:06d}" for j in range(per_file)}
        k += per_file
        _append(stack.log, lines)
        time.sleep(0.3)
        rotated = stack.log.with_name(f"audit.log.{r + 1}")
        stack.log.rename(rotated)
        stack.log.touch()
        if compress:
            with open(rotated, "rb") as src, gzip.open(f"{rotated}.gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            rotated.unlink()
    _append(stack.log, [event(run, k + j) for j in range(per_file)])
    ids |= {f"{run}-{k + j:06d}" for j in range(per_file)}
    res.sent = len(ids)
    res.notes.append(f"{rotations} rotations {0.3:.1f}s apart")
    _settle(stack, res, run, t0, ids)
    return res


def scenario_latency(stack: Stack, n: int = 100, interval: float = 0.1) -> Result:
    """One event every `interval` s; a poller notes when each becomes queryable."""
    res = Result("latency")
    run, t0 = f"l{uuid.uuid4().hex[:8]}", time.time_ns()
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll():
        deadline = time.monotonic() + n * interval + 60
        while time.monotonic() < deadline and not (done.is_set() and len(seen) >= len(written)):
            for aid in stack.counts(run, t0):
                seen.setdefault(aid, time.monotonic())
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    for i in range(n):
        line = event(run, i)
        _append(stack.log, [line])
        written[f"{run}-{i:06d}"] = time.monotonic()
        time.sleep(interval)
    done.set()
    poller.join(timeout=n * interval + 90)
    res.sent, res.arrived = n, len(set(seen) & set(written))
    res.lost = n - res.arrived
    res.latency = [seen[a] - written[a] for a in written if a in seen]
    res.notes.append("poll every 0.2s; Flush 1")
    return res


def scenario_burst429(stack: Stack, n: int = 20000) -> Result:
    """A burst into a Loki with a low ingestion rate: 429s, Fluent Bit retries."""
    res = Result("burst429")
    run, t0 = f"b{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = {f"{run}-{i:06d}" for i in range(n)}
    _append(stack.log, [event(run, i) for i in range(n)])
    res.sent = n
    _settle(stack, res, run, t0, ids)
    text = (stack.work / "logs" / "fluent-bit.log").read_text(errors="replace")
    res.notes.append(f"429 answers in fluent-bit.log: {text.count('429')}")
    return res


def scenario_loki_down(stack: Stack, down: float = 120.0, n: int = 2000) -> Result:
    """Stop Loki, keep writing for `down` seconds, start it again."""
    res = Result(f"loki-down-{int(down)}s")
    run, t0 = f"d{uuid.uuid4().hex[:8]}", time.time_ns()
    stack.kill("loki", signal.SIGTERM)
    ids = set()
    steps = 20
    for s in range(steps):
        chunk = range(s * n // steps, (s + 1) * n // steps)
        _append(stack.log, [event(run, i) for i in chunk])
        ids |= {f"{run}-{i:06d}" for i in chunk}
        time.sleep(down / steps)
    stack.start_loki()
    res.sent = n
    res.notes.append(f"Loki stopped {down:.0f}s")
    _settle(stack, res, run, t0, ids)
    return res


# Low but above one push: Fluent Bit sends a whole chunk (up to ~2 MB) per
# request, and a push larger than the burst is refused with 429 forever
# (measured: 1 MB burst, 20000 events: nothing after the first chunk got in).
LOW_LIMITS = "  ingestion_rate_mb: 2\n  ingestion_burst_size_mb: 4\n  per_stream_rate_limit: 2MB\n  per_stream_rate_limit_burst: 4MB\n"
SCENARIOS = ("sigterm", "sigkill", "rotate", "rotate-gzip", "latency", "burst429", "loki-down")


def run(names: list[str], *, lua_dir: Path, port_base: int = 34100, loki_down: float = 120.0) -> list[Result]:
    results = []
    for k, name in enumerate(names):
        work = Path(tempfile.mkdtemp(prefix=f"auditc-chaos-{name}-"))
        stack = Stack(work, lua_dir, port_base + 10 * k, loki_overrides=LOW_LIMITS if name == "burst429" else None)
        started = time.monotonic()
        try:
            stack.start_loki()
            stack.start_fb()
            res = {"sigterm": lambda: scenario_restart(stack, signal.SIGTERM),
                   "sigkill": lambda: scenario_restart(stack, signal.SIGKILL),
                   "rotate": lambda: scenario_rotate(stack, False),
                   "rotate-gzip": lambda: scenario_rotate(stack, True),
                   "latency": lambda: scenario_latency(stack),
                   "burst429": lambda: scenario_burst429(stack),
                   "loki-down": lambda: scenario_loki_down(stack, loki_down)}[name]()
        finally:
            stack.down()
        res.seconds = time.monotonic() - started
        res.notes.append(f"work {work}")
        results.append(res)
        print(table([res]), file=sys.stderr, flush=True)
    return results


def table(results: list[Result]) -> str:
    rows = [("scenario", "sent", "arrived", "lost", "dups", "p50", "p99", "secs", "notes")]
    for r in results:
        rows.append((r.name, str(r.sent), str(r.arrived), str(r.lost), str(r.duplicates), r.pct(50), r.pct(99),
                     f"{r.seconds:.0f}", "; ".join(r.notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m auditc.tools.harness.chaos")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--lua-dir", default=str(ROOT / "lua"))
    ap.add_argument("--port-base", type=int, default=34100)
    ap.add_argument("--loki-down-seconds", type=float, default=120.0)
    args = ap.parse_args(argv)
    names = [s for s in args.scenarios.split(",") if s]
    bad = set(names) - set(SCENARIOS)
    if bad:
        ap.error(f"unknown scenarios: {sorted(bad)}")
    results = run(names, lua_dir=Path(args.lua_dir), port_base=args.port_base, loki_down=args.loki_down_seconds)
    print(table(results))
    return 0 if all(r.lost == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
