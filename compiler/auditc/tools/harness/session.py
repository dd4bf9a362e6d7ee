"""Replay a log into the running harness and wait until Loki has it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

from auditc.auditlog.reader import InputState, read_blobs
from auditc.auditlog.timespan import parse_ts
from auditc.runtime import FluentBitLua
from auditc.tools.harness import retime as retime_mod
from auditc.tools.harness.drivers import HarnessError, State
from auditc.tools.harness.loki import Entry, IngestLimits, Loki, merge_spans

QUERY = '{job="kube-audit"}'


@dataclass
class Outcome:
    sent: int = 0  # events appended to the watched log
    expected: set = field(default_factory=set)  # auditIDs the pipeline should ship
    dropped: set = field(default_factory=set)  # auditIDs it should drop
    entries: list[Entry] = field(default_factory=list)  # what Loki holds of this replay
    seconds: float = 0.0
    limits: IngestLimits | None = None  # the running Loki's, when it tells
    retimed_raised: int = 0  # --retime: timestamps raised to the oldest Loki accepts
    hints: list[str] = field(default_factory=list)  # what the user should know about this replay
    # The time ranges the replay's events fall in: queries about the replay
    # read these, not one range from the oldest event to the newest (a
    # fixture spanning two years is hundreds of 30-day windows, each of
    # which Loki splits into hourly subqueries).
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def arrived(self) -> set:
        return {(e.record or {}).get("auditID") for e in self.entries} - {None}

    @property
    def missing(self) -> set:
        return self.expected - self.arrived

    @property
    def unexpected(self) -> set:
        return self.dropped & self.arrived

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unexpected


def _ns(ts: str | None) -> int | None:
    parsed = parse_ts(ts)
    return int(parsed.timestamp() * 1e9) if parsed else None


def replay(state: State, paths: list[str], *, timeout: float = 60.0, call: str = "auditc_filter",
           retime: bool = False) -> Outcome:
    """Append the events to the watched audit log and wait until Loki holds
    exactly what the in-process pipeline says Fluent Bit will ship.

    A Loki that rejects old samples answers 400 for them, which Fluent Bit
    does not retry: they would silently never arrive. So the replay reads
    the running Loki's limits first and refuses such a log, unless
    `retime` shifts the timestamps so the newest event is now."""

    started = time.monotonic()
    loki = Loki(state.loki_url)
    outcome = Outcome()
    offset_us, floor_us = _plan_times(loki, paths, retime, outcome)
    lua = (Path(state.lua_dir) / "auditc.lua").read_text()
    expect = FluentBitLua(lua, call, enable_flb_null=True)
    times: list[int] = []
    with open(state.audit_log, "ab") as log:
        for blob in read_blobs(paths, InputState()):
            data = blob.data
            if offset_us is not None:
                data, raised = retime_mod.shift(data, offset_us, floor_us)
                outcome.retimed_raised += raised
            batch = expect.replay_batch(data, want_output=True)
            shipped = {json.loads(line).get("auditID") for line in batch.output.split(b"\n")} if batch.output else set()
            for line in data.split(b"\n"):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                aid = event.get("auditID") if isinstance(event, dict) else None
                if aid:
                    (outcome.expected if aid in shipped else outcome.dropped).add(aid)
                    t = _ns(event.get("stageTimestamp"))
                    if t:
                        times.append(t)
            if state.source == "webhook":
                _post_event_lists(state.webhook_url, data)
            else:
                log.write(data + b"\n")
                log.flush()
            outcome.sent += batch.events
    # Query only around the replayed timestamps (and now: events Fluent Bit
    # cannot time-parse are stamped on arrival), in ranges Loki accepts.
    spans = outcome.spans = merge_spans(times + [time.time_ns()], 3600 * 10**9)
    ours = outcome.expected | outcome.dropped

    def fetch() -> list[Entry]:
        return [e for a, b in spans for e in loki.query_range(QUERY, a, b) if (e.record or {}).get("auditID") in ours]

    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        outcome.entries = fetch()
        if not outcome.missing or time.monotonic() > deadline:
            break
        polls += 1
        if polls % 3 == 0:  # a stock Loki only shows old entries once flushed
            loki.flush()
        time.sleep(1.0)
    # Dropped events must stay away; give stragglers one more flush interval.
    time.sleep(2.0)
    if outcome.unexpected or any(t < time.time_ns() - 3 * 3600 * 10**9 for t in times):
        loki.flush()
    outcome.entries = fetch()
    if outcome.retimed_raised:
        outcome.hints.append(f"--retime: {outcome.retimed_raised} timestamps older than Loki accepts even after "
                             "the shift were raised to its limit")
    if outcome.missing and outcome.limits is None and any(t < time.time_ns() - 7 * 86400 * 10**9 for t in times):
        outcome.hints.append("some events are older than a week and Loki's limits are unknown (no /config): "
                             "a Loki with reject_old_samples drops them with a 400; try --retime")
    outcome.seconds = time.monotonic() - started
    return outcome


def _plan_times(loki: Loki, paths: list[str], retime: bool, outcome: Outcome) -> tuple[int | None, int | None]:
    """(offset, floor) in microseconds for --retime, or (None, None); raises
    HarnessError before anything is written when Loki would reject events."""
    limits = outcome.limits = loki.ingest_limits()
    now_us = time.time_ns() // 1000
    cutoff_us = now_us - limits.max_age_ns // 1000 if limits and limits.max_age_ns else None
    oldest = newest = None
    too_old = 0
    for blob in read_blobs(paths, InputState()):
        times = retime_mod.stage_times_us(blob.data)
        if not times:
            continue
        oldest = min(times) if oldest is None else min(oldest, min(times))
        newest = max(times) if newest is None else max(newest, max(times))
        if cutoff_us is not None:
            too_old += sum(1 for t in times if t < cutoff_us)
    if newest is None:
        return None, None
    if retime:
        offset = now_us - 1_000_000 - newest
        outcome.hints.append(f"--retime: timestamps shifted by {offset / 3.6e9:+.1f} h (the newest event is now)")
        # a log spanning more than Loki accepts: its oldest events are raised to 10 minutes inside the edge
        return offset, (cutoff_us + 600 * 10**6 if cutoff_us is not None else None)
    if too_old:
        raise HarnessError(
            f"Loki at {loki.base} rejects samples older than {limits.max_age_ns / 3.6e12:.0f}h "
            f"(limits_config.reject_old_samples) and {too_old} of the replayed events are older (the oldest "
            f"{(now_us - oldest) / 3.6e9:.0f}h): Fluent Bit would get 400 for them and drop them. Replay with "
            "--retime (shifts the timestamps so the newest event is now) or run Loki with "
            "reject_old_samples: false (as the generated config does)")
    return None, None


def _post_event_lists(url: str, data: bytes, batch: int = 100) -> None:
    """Post events the way kube-apiserver's audit webhook does: EventList
    batches (--audit-webhook-batch-max-size) as application/json."""


    events = []
    for line in data.split(b"\n"):
        try:
            event = json.loads(line)
        except ValueError:
            continue  # the apiserver only ever sends events
        if isinstance(event, dict):
            events.append(event)
    for i in range(0, len(events), batch):
        body = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": events[i:i + batch]}
        r = requests.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=30)
        if r.status_code >= 300:
            raise RuntimeError(f"webhook POST to {url} answered {r.status_code}: {r.text[:200]}")


def query(state: State, logql: str, since_seconds: float = 86400.0, limit: int = 5000) -> list[Entry]:
    now = time.time_ns()
    return Loki(state.loki_url).query_range(logql, now - int(since_seconds * 1e9), now, limit=limit)


def describe(entry: Entry) -> dict:
    rec = entry.record or {}
    obj = rec.get("objectRef") if isinstance(rec.get("objectRef"), dict) else {}
    det = rec.get("detection") if isinstance(rec.get("detection"), dict) else {}
    return {
        "time": datetime.fromtimestamp(entry.ts_ns / 1e9, tz=timezone.utc).isoformat(timespec="seconds"),
        "severity": entry.labels.get("severity", "-"),
        "verb": rec.get("verb", "-"),
        "user": (rec.get("user") or {}).get("username", "-") if isinstance(rec.get("user"), dict) else "-",
        "resource": "/".join(x for x in (obj.get("resource"), obj.get("subresource")) if x) or rec.get("requestURI", "-"),
        "object": "/".join(x for x in (obj.get("namespace"), obj.get("name")) if x) or "-",
        "rules": ",".join(det.get("rules", [])) or "-",
        "auditID": rec.get("auditID", "-"),
    }
