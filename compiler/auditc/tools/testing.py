"""`auditc test`: run the tests written in rule files through the compiled filter.

Like promtool's `test rules`: a test names input events and what must come
out. Every event goes through the generated Lua in the in-process Fluent Bit
runtime, once with `enable_flb_null` off and once on, because the script
must be right in both modes. Expectations:

  fires        (tests inside a rule) the rule matches: a detection fires, a
               drop rule's event is dropped, a redaction rule redacts
  detections   exactly these detection ids fire; [] means none may
  dropped      the event is (not) dropped
  severity     detection.severity of the output record
  fields       per output field: equals V | contains TEXT | absent | exists | redacted
  not_contains strings that must not appear anywhere in the output

Layers (frontend/repo.py): a test speaks about the rules its author could
see, those of its own layer and below. When rules of a higher layer (a site's
rules over the pack it extends) are compiled too, a lower-layer test's
`detections`, `severity`, `dropped` and a drop rule's `fires` are judged by the
rules in its scope only (severities as its layer defines them), so a site
rule firing on a pack test's event does not fail the pack's test. A test of a
disabled rule is skipped; a disabled rule named in a `detections` list is left
out of it (it cannot fire). Fields and `not_contains` are checked on the real
output.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from auditc.backends.lua import sourcemap
from auditc.compiler import Compiled
from auditc.ir.evaluate import explain, holds
from auditc.model import Expectation, FieldExpectation, TestCase
from auditc.paths import WILDCARD
from auditc.runtime import FluentBitLua
from auditc.severity import SEVERITY_RANK

NULL_MODES = (False, True)
_MISSING = object()


@dataclass
class TestResult:
    test: TestCase
    flb_null: bool
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str = ""  # why the test did not run (its rule is disabled)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.skipped

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def label(self) -> str:
        owner = f"{self.test.owner} › " if self.test.owner else ""
        return f"{owner}{self.test.name} [enable_flb_null={'on' if self.flb_null else 'off'}]"


def run_tests(compiled: Compiled, call: str = "auditc_filter") -> list[TestResult]:
    rules = {r.id: r for r in compiled.ruleset.rules}
    scopes: dict[int, _Scope] = {}
    markers = {r.payload.replacement for r in compiled.program.of_kind("redact")}
    results = []
    for flb_null in NULL_MODES:
        runtime = FluentBitLua(compiled.lua, call, enable_flb_null=flb_null)
        for test in compiled.ruleset.tests:
            started = time.perf_counter()
            result = TestResult(test, flb_null)
            owner = rules.get(test.owner) if test.owner else None
            if owner is not None and not owner.enabled:
                change = owner.changes.get("enabled")
                result.skipped = f"rule '{owner.id}' is disabled" + (f" at {change.loc}" if change else "")
                results.append(result)
                continue
            scope = scopes.get(test.layer) or scopes.setdefault(test.layer, _Scope(compiled, test.layer))
            for n, event in enumerate(test.events, start=1):
                prefix = f"event {n}: " if len(test.events) > 1 else ""
                for problem in _check_event(runtime, compiled.lua, event, test, scope, markers):
                    result.failures.append(prefix + problem)
            result.seconds = time.perf_counter() - started
            results.append(result)
    return results


class _Scope:
    """The rules a test of one layer speaks about: those of its layer and below, with the
    values its layer gives them. `partial` when the compiled filter holds more than that
    (rules or overrides of higher layers); only then are outcomes judged by the reference
    evaluator on the rules in scope instead of read off the output record."""

    def __init__(self, compiled: Compiled, layer: int):
        self.layer = layer
        self.rules = {r.id: r for r in compiled.ruleset.rules}
        self.preds = {r.id: r.pred for r in compiled.program.rules}
        self.detects = [r.id for r in compiled.program.of_kind("detect") if self.rules[r.id].layer <= layer]
        self.drops = [r.id for r in compiled.program.of_kind("drop") if self.rules[r.id].layer <= layer]
        self.partial = any(self.rules[r.id].layer > layer for r in compiled.program.rules) or any(
            ch.layer > layer and ch.key != "enabled" for r in compiled.ruleset.rules for ch in r.changes.values())

    def enabled(self, rule_id: str) -> bool:
        rule = self.rules.get(rule_id)
        return rule is not None and rule.enabled

    def fired(self, fired: list[str]) -> list[str]:
        return [f for f in fired if self.rules[f].layer <= self.layer] if self.partial else fired

    def dropped(self, event: dict, dropped: bool, fired_in_scope: list[str]) -> bool:
        """Drops never drop an event a detection matched (filter.lua)."""
        if not self.partial:
            return dropped
        return not fired_in_scope and any(holds(self.preds[d], event) for d in self.drops)

    def severity(self, record_severity, fired_in_scope: list[str]):
        if not self.partial:
            return record_severity
        ranks = [(SEVERITY_RANK[s], s) for s in (self.rules[f].value_at("severity", self.layer) for f in fired_in_scope)]
        return max(ranks)[1] if ranks else None


def _check_event(runtime: FluentBitLua, lua: str, event: dict, test: TestCase, scope: _Scope, markers: set) -> list[str]:
    out = runtime.filter([event])
    if out.passthrough:
        return [f"Fluent Bit would pass the whole batch through unfiltered: "
                f"{sourcemap.explain_error(lua, out.error)}"]
    problems = [f"output Fluent Bit cannot encode: {p}" for p in out.problems]
    emitted = out.per_input[0]
    physically_dropped = not emitted
    record = emitted[0].record if emitted else {}
    detection = record.get("detection") if isinstance(record.get("detection"), dict) else {}
    fired = scope.fired(list(detection.get("rules", [])) if not physically_dropped else [])
    dropped = scope.dropped(event, physically_dropped, fired)
    # A higher layer's drop rule took the record: what is left to check on it is not there.
    unseen = physically_dropped and not dropped
    exp: Expectation = test.expect
    if exp.fires is not None and test.owner:
        owner = scope.rules.get(test.owner)
        kind = owner.kind if owner else "detect"
        if kind == "detect":
            got = test.owner in fired
        elif kind == "drop":
            got = dropped
        else:
            meta = record.get("auditc") if isinstance(record.get("auditc"), dict) else {}
            got = unseen or test.owner in meta.get("redacted", [])
        if got != exp.fires:
            verb = {"detect": "fire", "drop": "drop the event", "redact": "redact"}[kind]
            problems.append(f"{test.owner}: expected it to {'' if exp.fires else 'not '}{verb}, "
                            f"but it did{'' if got else ' not'}" + _context(dropped, fired)
                            + _explain(scope.preds.get(test.owner), event, exp.fires))
    if exp.detections is not None:
        expected = sorted(d for d in exp.detections if scope.enabled(d))
        if expected != sorted(fired):
            problems.append(f"detections:\n    expected: {expected}\n         got: {sorted(fired)}"
                            + ("  (event was dropped)" if dropped else ""))
    if exp.dropped is not None and exp.dropped != dropped:
        problems.append(f"dropped: expected {str(exp.dropped).lower()}, got {str(dropped).lower()}"
                        + _context(dropped, fired))
    severity = scope.severity(detection.get("severity"), fired)
    if exp.severity is not None and severity != exp.severity:
        problems.append(f"severity: expected {exp.severity}, got {severity}")
    if not physically_dropped:
        for fe in exp.fields:
            msg = check_field(record, fe, markers)
            if msg:
                problems.append(msg)
    elif exp.fields and not unseen:
        problems.append("fields: expectations given but the event was dropped")
    text = "\n".join(e.json for e in emitted)
    for secret in exp.not_contains:
        if secret in text:
            problems.append(f"not_contains: {secret!r} appears in the output")
    return problems


def _explain(pred, event: dict, want: bool, limit: int = 6) -> str:
    """Which conditions of the rule decided it, with the values the event held
    there (the reference evaluator, ir/evaluate.py, says what the Lua computes)."""
    if pred is None:
        return ""
    reasons = explain(pred, event, want)
    if not reasons:
        return ""
    lines = [f"\n    because {r}" for r in reasons[:limit]]
    if len(reasons) > limit:
        lines.append(f"\n    (and {len(reasons) - limit} more)")
    return "".join(lines)


def _context(dropped: bool, fired: list) -> str:
    return f" (dropped: {str(dropped).lower()}, detections: {fired})"


def values_at(record: Any, segments: tuple) -> list:
    """Every value a path reaches; [*] fans out over array elements; _MISSING where absent."""
    if not segments:
        return [record]
    seg, rest = segments[0], segments[1:]
    if seg is WILDCARD:
        if not isinstance(record, list):
            return [_MISSING]
        return [v for item in record for v in values_at(item, rest)] or []
    if not isinstance(record, dict) or seg not in record:
        return [_MISSING]
    return values_at(record[seg], rest)


def _leaves(v: Any):
    if isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x)
    elif isinstance(v, list):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def check_field(record: dict, fe: FieldExpectation, markers: set) -> str | None:
    """Expectations with [*] must hold for every element."""
    found = values_at(record, fe.path.segments)
    shown = [None if v is _MISSING else v for v in found]
    if fe.kind == "absent":
        ok = all(v is _MISSING or v is None for v in found)
        return None if ok else f"field {fe.path}: expected absent, got {_short(shown)}"
    if fe.kind == "exists":
        ok = bool(found) and all(v is not _MISSING and v is not None for v in found)
        return None if ok else f"field {fe.path}: expected to exist, got {_short(shown)}"
    if fe.kind == "equals":
        ok = bool(found) and all(v is not _MISSING and _same(v, fe.value) for v in found)
        return None if ok else f"field {fe.path}:\n    expected: {_short(fe.value)}\n         got: {_short(shown[0] if len(shown) == 1 else shown)}"
    if fe.kind == "contains":
        ok = bool(found) and all(isinstance(v, str) and fe.value in v for v in found)
        return None if ok else f"field {fe.path}: expected a string containing {_short(fe.value)}, got {_short(shown)}"
    # redacted: gone, or every non-null scalar below it is a redaction marker
    leaked = [leaf for v in found if v is not _MISSING for leaf in _leaves(v)
              if leaf is not None and leaf not in markers]
    return None if not leaked else f"field {fe.path}: expected redacted, but holds {_short(leaked)}"


def _same(a: Any, b: Any) -> bool:
    # Fluent Bit turns whole floats into integers; 5 and 5.0 are the same value.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _short(v: Any, limit: int = 200) -> str:
    text = json.dumps(v, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def junit_xml(results: list[TestResult]) -> str:
    suites = ET.Element("testsuites", name="auditc", tests=str(len(results)),
                        failures=str(sum(r.failed for r in results)),
                        skipped=str(sum(bool(r.skipped) for r in results)))
    by_file: dict[str, list[TestResult]] = {}
    for r in results:
        by_file.setdefault(r.test.loc.file, []).append(r)
    for file, items in by_file.items():
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(items)),
                              failures=str(sum(r.failed for r in items)),
                              skipped=str(sum(bool(r.skipped) for r in items)),
                              time=f"{sum(r.seconds for r in items):.6f}")
        for r in items:
            case = ET.SubElement(suite, "testcase", classname=file, name=r.label, time=f"{r.seconds:.6f}")
            case.set("file", file)
            case.set("line", str(r.test.loc.line))
            if r.skipped:
                ET.SubElement(case, "skipped", message=r.skipped)
            elif r.failed:
                fail = ET.SubElement(case, "failure", message=r.failures[0].splitlines()[0])
                fail.text = "\n".join(r.failures)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
