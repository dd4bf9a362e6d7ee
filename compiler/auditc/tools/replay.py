"""`auditc replay`: what would the rules have caught, and what would have shipped?

Runs audit logs through a compiled filter in the in-process Fluent Bit
runtime (the same one `auditc test` uses), one blob of lines per Lua call,
and aggregates the statistics an incident responder asks for.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from auditc.artifacts import atomic_output
from auditc.auditlog.reader import InputState, read_blobs
from auditc.auditlog.timespan import ObservedSpan
from auditc.runtime import FluentBitLua
from auditc.severity import SEVERITIES, SEVERITY_RANK

TIMELINE_CAP = 10_000  # detections kept for --timeline; counts are always complete
MALFORMED_CAP = 100  # malformed line references listed; the count is always complete


@dataclass
class RuleDetections:
    rule: str
    severity: str
    count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    users: Counter = field(default_factory=Counter)
    namespaces: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # auditIDs


@dataclass
class ReplayReport(ObservedSpan):
    sources: list[str] = field(default_factory=list)
    events: int = 0
    dropped: int = 0
    modified: int = 0
    flagged: int = 0  # events with at least one detection
    bytes_in: int = 0
    bytes_out: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    malformed: int = 0
    malformed_refs: list[str] = field(default_factory=list)  # "file:line", as compilers print locations
    input_issues: list[str] = field(default_factory=list)
    passthrough: list[str] = field(default_factory=list)  # batches Fluent Bit would ship unfiltered
    problems: list[str] = field(default_factory=list)
    detections: dict[str, RuleDetections] = field(default_factory=dict)
    timeline: list[dict] = field(default_factory=list)
    timeline_truncated: bool = False
    rule_hits: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (kind, hits)
    counters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def max_severity(self) -> str | None:
        ranks = [SEVERITY_RANK[d.severity] for d in self.detections.values() if d.severity in SEVERITY_RANK]
        return SEVERITIES[max(ranks) - 1] if ranks else None


def replay(paths: list[str], runtime: FluentBitLua, *, output: str | None = None, top: int = 5,
           severities: dict[str, str] | None = None,
           on_progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """`severities` maps rule ids to their severity (known when replaying from
    rules; with only a script, a record's highest severity stands in)."""

    started = time.perf_counter()
    report = ReplayReport()
    state = InputState()
    with atomic_output(output) as out_fh:
        for blob in read_blobs(paths, state):
            batch = runtime.replay_batch(blob.data, want_output=out_fh is not None)
            _merge(report, batch, blob, severities or {})
            if out_fh is not None and batch.output:
                out_fh.write(batch.output)
                out_fh.write(b"\n")
            if on_progress:
                on_progress(report.events, state.bytes_read)
    report.sources = state.sources
    report.input_issues = [str(i) for i in state.issues]
    stats = runtime.rule_stats()
    if stats:
        report.rule_hits, report.counters = stats["rules"], stats["counters"]
    for det in report.detections.values():
        det.users = Counter(dict(det.users.most_common(top)))
        det.namespaces = Counter(dict(det.namespaces.most_common(top)))
    report.seconds = time.perf_counter() - started
    return report


def _merge(report: ReplayReport, batch, blob, severities: dict[str, str]) -> None:
    report.events += batch.events
    report.dropped += batch.dropped
    report.modified += batch.modified
    report.bytes_in += batch.bytes_in
    report.bytes_out += batch.bytes_out
    report.problems.extend(batch.problems[:20])
    if batch.first_ts and (report.first_ts is None or batch.first_ts < report.first_ts):
        report.first_ts = batch.first_ts
    if batch.last_ts and (report.last_ts is None or batch.last_ts > report.last_ts):
        report.last_ts = batch.last_ts
    for rel in batch.malformed:
        report.malformed += 1
        if len(report.malformed_refs) < MALFORMED_CAP:
            report.malformed_refs.append(blob.ref(rel))
    if batch.error:
        report.passthrough.append(f"{blob.ref(batch.error_line or 1)}: {batch.error} "
                                  f"({batch.events} events shipped unfiltered)")
    for d in batch.detections:
        report.flagged += 1
        rules = d["rules"].split(",")
        ts = d.get("ts")
        for rule in rules:
            det = report.detections.get(rule)
            if det is None:
                det = report.detections[rule] = RuleDetections(rule, severities.get(rule) or d.get("severity") or "info")
            det.count += 1
            if ts:
                det.first_seen = ts if det.first_seen is None or ts < det.first_seen else det.first_seen
                det.last_seen = ts if det.last_seen is None or ts > det.last_seen else det.last_seen
            if d.get("user"):
                det.users[d["user"]] += 1
            if d.get("namespace"):
                det.namespaces[d["namespace"]] += 1
            if d.get("auditID") and len(det.examples) < 3:
                det.examples.append(d["auditID"])
        if len(report.timeline) < TIMELINE_CAP:
            report.timeline.append({k: d.get(k) for k in ("ts", "severity", "rules", "user", "verb", "resource",
                                                          "namespace", "name", "auditID")})
        else:
            report.timeline_truncated = True


def fails(report: ReplayReport, threshold: str) -> bool:
    """--fail-on: any detection at or above the threshold."""
    limit = SEVERITY_RANK[threshold]
    return any(SEVERITY_RANK.get(d.severity, 0) >= limit for d in report.detections.values())


def read_lua(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8")
