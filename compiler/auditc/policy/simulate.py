"""`auditc policy simulate`: what a policy would have logged, measured on a real log.

Feed a log captured at RequestResponse (any format `auditc replay` reads);
each event is matched against the policy (matcher.py, checker.go semantics),
dropped when its level is None or its stage is omitted, and trimmed to its
level (trim.py, request.go semantics). The report counts events and bytes per
level and per policy rule, projects bytes per day at the rate observed in
the log, and compares with a flat RequestResponse policy (the log as
captured). `--output` writes the trimmed log, ready for `auditc replay`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from auditc.artifacts import atomic_output
from auditc.auditlog.reader import InputState, read_blobs
from auditc.auditlog.timespan import ObservedSpan
from auditc.policy.levels import LEVELS
from auditc.policy.matcher import Attributes, evaluate
from auditc.policy.model import Policy
from auditc.policy.trim import go_json, trim_event

MALFORMED_CAP = 20


@dataclass
class Bucket:
    events_in: int = 0
    bytes_in: int = 0
    events_out: int = 0
    bytes_out: int = 0

    def add_in(self, size: int) -> None:
        self.events_in += 1
        self.bytes_in += size

    def add_out(self, size: int) -> None:
        self.events_out += 1
        self.bytes_out += size


@dataclass
class SimulateReport(ObservedSpan):
    policy_file: str
    sources: list[str] = field(default_factory=list)
    events: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    events_out: int = 0
    malformed: int = 0
    malformed_refs: list[str] = field(default_factory=list)
    input_issues: list[str] = field(default_factory=list)
    by_level: dict[str, Bucket] = field(default_factory=lambda: {lv: Bucket() for lv in LEVELS})
    by_rule: dict[int, Bucket] = field(default_factory=dict)  # rule number; 0: no rule matched
    rule_levels: dict[int, str] = field(default_factory=dict)
    bytes_flat_metadata: int = 0  # the same events under a flat Metadata policy (no omitStages)
    stage_omitted: int = 0
    stage_omitted_bytes: int = 0
    under_captured: int = 0  # events the policy wants at a higher level than they were captured at
    captured_levels: Counter = field(default_factory=Counter)
    first_ts: str | None = None
    last_ts: str | None = None

    @property
    def reduction(self) -> float | None:
        """1 - bytes out / bytes of the same events under a flat RequestResponse policy."""
        return None if not self.bytes_in else 1.0 - self.bytes_out / self.bytes_in


def simulate(policy: Policy, paths: list[str], output: str | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> SimulateReport:
    report = SimulateReport(policy.file)
    for rule in policy.rules:
        report.rule_levels[rule.number] = rule.level
    report.rule_levels[0] = "None"
    state = InputState()
    with atomic_output(output) as out_fh:
        for blob in read_blobs(paths, state):
            for offset, line in enumerate(blob.data.split(b"\n")):
                if not line.strip():
                    continue
                written = _one(policy, report, line)
                if written is False:
                    report.malformed += 1
                    if len(report.malformed_refs) < MALFORMED_CAP:
                        report.malformed_refs.append(blob.ref(offset + 1))
                elif written is not None and out_fh is not None:
                    out_fh.write(written)
                    out_fh.write(b"\n")
            if on_progress:
                on_progress(report.events, state.bytes_read)
    report.sources = state.sources
    report.input_issues = [str(i) for i in state.issues]
    return report


def _one(policy: Policy, report: SimulateReport, line: bytes):
    """Account for one line; returns the bytes to write, None (not logged) or False (not an event)."""
    try:
        event = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(event, dict):
        return False
    size_in = len(line) + 1  # the newline, as `auditc replay` counts
    report.events += 1
    report.bytes_in += size_in
    report.captured_levels[event.get("level") if isinstance(event.get("level"), str) else "?"] += 1
    ts = event.get("requestReceivedTimestamp") or event.get("stageTimestamp")
    if isinstance(ts, str):
        if report.first_ts is None or ts < report.first_ts:
            report.first_ts = ts
        if report.last_ts is None or ts > report.last_ts:
            report.last_ts = ts

    if "requestObject" in event or "responseObject" in event or event.get("level") != "Metadata":
        flat = {k: v for k, v in event.items() if k not in ("requestObject", "responseObject")}
        if "level" in flat:
            flat["level"] = "Metadata"
        report.bytes_flat_metadata += len(go_json(flat)) + 1
    else:
        report.bytes_flat_metadata += size_in

    decision = evaluate(policy, Attributes.from_event(event))
    number = decision.rule.number if decision.rule else 0
    rule_bucket = report.by_rule.setdefault(number, Bucket())
    level_bucket = report.by_level[decision.level]
    rule_bucket.add_in(size_in)
    level_bucket.add_in(size_in)
    if decision.level == "None":
        return None  # request.go: nothing is logged below Metadata
    if event.get("stage") in decision.omit_stages:
        report.stage_omitted += 1
        report.stage_omitted_bytes += size_in
        return None
    changed, under = trim_event(event, decision.level, decision.omit_managed_fields)
    if under:
        report.under_captured += 1
    data = go_json(event) if changed else line
    size_out = len(data) + 1
    rule_bucket.add_out(size_out)
    level_bucket.add_out(size_out)
    report.events_out += 1
    report.bytes_out += size_out
    return data
