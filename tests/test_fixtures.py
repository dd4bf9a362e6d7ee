"""Realistic kube-apiserver audit events through the committed build of the default pack.

tests/fixtures/audit-events.jsonl holds audit events in the shape kube-apiserver
1.29-1.31 writes with --audit-log-format=json: attacks, and the control plane's
own routine traffic that looks like them. tests/fixtures/expectations.yaml says,
for every event, which detections must fire and whether it is dropped; those
expectations were derived by reading rules/, not by running the pipeline.

The lines go through lua/auditc.lua (the committed build) in the in-process
Fluent Bit runtime, as strings, in batches, with enable_flb_null off and on.

Expectations were written from the rules' meaning, not from the pipeline's
output; the first run found ten real false positives/negatives in the pack
(e.g. controller service accounts, quota 403s), which were fixed in the rules.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from auditc.frontend.loader import load_rules
from auditc.model import SEVERITY_RANK
from auditc.runtime import FluentBitLua

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EVENTS_FILE = FIXTURES / "audit-events.jsonl"
EXPECTATIONS_FILE = FIXTURES / "expectations.yaml"
SCRIPT = ROOT / "lua" / "auditc.lua"
BATCH = 25

# auditID -> why the rule (not the expectation) is wrong. The expectation in
# expectations.yaml is the correct outcome; remove the entry when the rule is fixed.


# ---------------------------------------------------------------------------- loading

@lru_cache(maxsize=None)
def _lines() -> tuple[str, ...]:
    return tuple(line for line in EVENTS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


@lru_cache(maxsize=None)
def _events() -> tuple[dict, ...]:
    return tuple(json.loads(line) for line in _lines())


@lru_cache(maxsize=None)
def _expectations() -> dict:
    return yaml.safe_load(EXPECTATIONS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _ruleset():
    return load_rules(ROOT / "rules").ruleset


def _rules_of(kind: str) -> list:
    return [r for r in _ruleset().rules if r.kind == kind and r.enabled]


def _describe(event: dict) -> str:
    return f"{event['verb']} {event['requestURI'][:100]} by {event['user'].get('username')}"


@lru_cache(maxsize=None)
def _run(flb_null: bool) -> tuple[list, ...]:
    """What each input line became: [] when dropped, else the emitted records."""
    runtime = FluentBitLua(SCRIPT.read_text(encoding="utf-8"), "auditc_filter", enable_flb_null=flb_null)
    lines = _lines()
    per_input: list[list] = []
    for start in range(0, len(lines), BATCH):
        batch = list(lines[start:start + BATCH])
        result = runtime.filter(batch)
        assert not result.passthrough, (
            f"batch at line {start + 1}: Fluent Bit would pass the whole batch through unfiltered: {result.error} "
            f"(input {result.failed_index})")
        assert not result.problems, f"batch at line {start + 1}: records Fluent Bit cannot encode: {result.problems}"
        assert len(result.per_input) == len(batch)
        per_input.extend(result.per_input)
    return tuple(per_input)


@pytest.fixture(params=[False, True], ids=["flb_null_off", "flb_null_on"])
def flb_null(request) -> bool:
    return request.param


def _outcome(emitted: list) -> dict:
    """The observable outcome of one event: dropped, or the detection rule ids."""
    if not emitted:
        return {"detections": [], "dropped": True}
    assert len(emitted) == 1, f"one event became {len(emitted)} records"
    detection = emitted[0].record.get("detection")
    return {"detections": sorted(detection["rules"]) if detection else [], "dropped": False}


def _expected(audit_id: str) -> dict:
    exp = _expectations()["events"][audit_id]
    return {"detections": sorted(exp.get("detections") or []), "dropped": bool(exp.get("dropped", False))}


# ---------------------------------------------------------------------------- the fixture itself

def test_fixture_is_well_formed():
    events = _events()
    expectations = _expectations()["events"]
    ids = [e["auditID"] for e in events]
    assert len(ids) == len(set(ids)), "auditIDs must be unique"
    problems = []
    for e in events:
        aid = e["auditID"]
        if e.get("kind") != "Event" or e.get("apiVersion") != "audit.k8s.io/v1":
            problems.append(f"{aid}: not an audit.k8s.io/v1 Event")
        level = e.get("level")
        if level not in ("Metadata", "Request", "RequestResponse"):
            problems.append(f"{aid}: level {level!r}")
        if level == "Metadata" and ("requestObject" in e or "responseObject" in e):
            problems.append(f"{aid}: Metadata level with a body")
        if level == "Request" and "responseObject" in e:
            problems.append(f"{aid}: Request level with a response body")
        for key in ("stage", "requestURI", "verb", "user", "sourceIPs", "userAgent", "responseStatus",
                    "requestReceivedTimestamp", "stageTimestamp", "annotations"):
            if key not in e:
                problems.append(f"{aid}: missing {key}")
        if aid not in expectations:
            problems.append(f"{aid}: no entry in expectations.yaml ({_describe(e)})")
    for aid, exp in expectations.items():
        if aid not in ids:
            problems.append(f"{aid}: in expectations.yaml but not in the jsonl")
        elif exp.get("dropped") and exp.get("detections"):
            problems.append(f"{aid}: a detected event is never dropped")
    detect_ids = {r.id for r in _rules_of("detect")}
    for aid, exp in expectations.items():
        for rule_id in exp.get("detections") or []:
            if rule_id not in detect_ids:
                problems.append(f"{aid}: unknown detection rule {rule_id}")
    assert not problems, "\n".join(problems)


OPT_IN = "auditc.opt-in"


def test_every_detection_rule_has_a_positive_event():
    expected = {aid: _expected(aid) for aid in _expectations()["events"]}
    covered = {rule_id for aid, exp in expected.items() for rule_id in exp["detections"]}
    # opt-in rules (tag auditc.opt-in) are silent until a site sets their list: test_rule_pack proves them
    missing = sorted(r.id for r in _rules_of("detect") if r.id not in covered and OPT_IN not in r.tags)
    assert not missing, f"detection rules without a (non-skipped) positive event: {missing}"


def test_the_fixture_has_dropped_and_kept_events():
    expected = [_expected(aid) for aid in _expectations()["events"]]
    assert _rules_of("drop"), "the pack has drop rules"
    dropped = sum(1 for exp in expected if exp["dropped"])
    assert dropped >= len(_rules_of("drop")), f"only {dropped} dropped events for {len(_rules_of('drop'))} drop rules"
    assert sum(1 for exp in expected if not exp["dropped"] and not exp["detections"]) > 0, "no benign kept events"


def test_planted_secrets_are_in_the_input():
    """Otherwise the no-leak test below would prove nothing."""
    raw = "\n".join(_lines())
    planted = _expectations()["planted_secrets"]
    assert planted
    absent = [s for s in planted if s not in raw]
    assert not absent, f"planted secrets not found in audit-events.jsonl: {absent}"


# ---------------------------------------------------------------------------- through the pipeline

def test_outcomes_match_expectations(flb_null):
    events = _events()
    per_input = _run(flb_null)
    rank = {r.id: SEVERITY_RANK[r.severity] for r in _rules_of("detect")}
    order = {r.id: i for i, r in enumerate(_rules_of("detect"))}
    mismatches = []
    for index, (event, emitted) in enumerate(zip(events, per_input), start=1):
        aid = event["auditID"]
        got, want = _outcome(emitted), _expected(aid)
        if got != want:
            mismatches.append(f"line {index} {aid} ({_describe(event)})\n"
                              f"    expected: detections={want['detections']} dropped={want['dropped']}\n"
                              f"    got:      detections={got['detections']} dropped={got['dropped']}")
            continue
        detection = emitted[0].record.get("detection") if emitted else None
        if detection:  # enrichment contract: highest severity, ids in rule order
            top = max(detection["rules"], key=rank.__getitem__)
            want_sev = next(r.severity for r in _rules_of("detect") if r.id == top)
            if detection["severity"] != want_sev or detection["rules"] != sorted(detection["rules"], key=order.__getitem__):
                mismatches.append(f"line {index} {aid}: detection {detection} breaks the enrichment contract "
                                  f"(severity {want_sev}, rules in rule order)")
    assert not mismatches, (f"{len(mismatches)} of {len(events)} events differ from tests/fixtures/expectations.yaml "
                            f"(enable_flb_null={flb_null}):\n" + "\n".join(mismatches))


def test_no_planted_secret_leaves_the_filter(flb_null):
    planted = _expectations()["planted_secrets"]
    leaks = []
    for event, emitted in zip(_events(), _run(flb_null)):
        for record in emitted:
            text = json.dumps(record.record, ensure_ascii=False)
            found = [s for s in planted if s in text]
            if found:
                leaks.append(f"{event['auditID']} ({_describe(event)}): {found}")
    assert not leaks, f"planted secrets in output records (enable_flb_null={flb_null}):\n" + "\n".join(leaks)


def test_every_redaction_rule_redacts_something(flb_null):
    used = set()
    for emitted in _run(flb_null):
        for record in emitted:
            used.update((record.record.get("auditc") or {}).get("redacted") or [])
    missing = sorted(r.id for r in _rules_of("redact") if r.id not in used)
    assert not missing, f"redaction rules that changed no fixture event: {missing}"


def test_no_record_fails_closed(flb_null):
    """auditc.error means the script hit an internal error and removed the bodies: none of these events should."""
    errors = [f"{e['auditID']}: {out.record['auditc']['error']}" for e, emitted in zip(_events(), _run(flb_null))
              for out in emitted if (out.record.get("auditc") or {}).get("error")]
    assert not errors, "\n".join(errors)
