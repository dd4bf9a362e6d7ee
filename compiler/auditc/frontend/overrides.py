"""`disable:` and `override:` sections: change rules defined in other files.

A site keeps the pack as it ships (by reference) and says, in its own rule
files, which pack rules it does not want and which it wants at another
severity, title, tags or alert hints:

    disable: [nodeport-service]
    override:
      exec-into-pod: {severity: critical, alert: {threshold: 3}}

The sections are read per file (`read_changes`) and applied once every file is
merged (`apply_changes`), so they may name a rule of any file, loaded before or
after. Each change is kept on the rule (`Rule.changes`) with the value it
replaced and the layer it came from, so a pack test still sees the pack's own
values (tools/testing.py). What a detection *matches* is not overridable here:
that is tuned with lists and macros (`extend`/`override`), or by disabling the
rule and writing one's own.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

from auditc import model as m
from auditc.errors import DiagnosticSink, Location
from auditc.frontend.yamlsource import LocatedDocument

# override key -> the DetectRule attribute it replaces
OVERRIDABLE = {"severity": "severity", "title": "title", "tags": "tags", "alert": "alert"}


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    key: str  # "enabled" (from disable:) or a key of OVERRIDABLE
    value: Any  # for "alert": a function of the rule's own hints giving the merged hints
    loc: Location  # of the entry (the key overridden, or the id in disable:)
    layer: int
    id_loc: Location  # of the rule id


def read_changes(doc: LocatedDocument, layer: int,
                 alert_hints: Callable[[dict, tuple, m.AlertHints | None], m.AlertHints]) -> list[RuleChange]:
    """The disable/override entries of one (schema-valid) rule file."""
    data = doc.data
    out = [RuleChange(rid, "enabled", False, doc.loc(("disable", i)), layer, doc.loc(("disable", i)))
           for i, rid in enumerate(data.get("disable", []))]
    for rid, spec in data.get("override", {}).items():
        for key, value in spec.items():
            path = ("override", rid, key)
            if key == "alert":
                value = _merged_alert(alert_hints, value, path)
            elif key == "tags":
                value = tuple(value)
            out.append(RuleChange(rid, key, value, doc.key_loc(path), layer, doc.key_loc(("override", rid))))
    return out


def _merged_alert(alert_hints, given: dict, path: tuple):
    return lambda base: alert_hints(given, path, base)


def apply_changes(rs: m.RuleSet, changes: list[RuleChange], sink: DiagnosticSink) -> None:
    by_id = {}
    for rule in rs.rules:
        by_id.setdefault(rule.id, rule)  # a duplicate id is reported by check_semantics
    disabled_at: dict[str, RuleChange] = {}
    unknown_reported: set[Location] = set()
    for ch in changes:
        rule = by_id.get(ch.rule_id)
        section = "disable" if ch.key == "enabled" else "override"
        if rule is None:
            if ch.id_loc not in unknown_reported:  # once per id, not per key overridden
                unknown_reported.add(ch.id_loc)
                close = difflib.get_close_matches(ch.rule_id, list(by_id), n=1)
                sink.error(ch.id_loc, f"{section}: no rule '{ch.rule_id}' is loaded"
                           + (f" (did you mean '{close[0]}'?)" if close else ""), "AUD208")
            continue
        if ch.key == "enabled":
            if ch.rule_id not in disabled_at and rule.enabled:
                rule.changes["enabled"] = m.Change("enabled", True, ch.loc, ch.layer)
                rule.enabled = False
            disabled_at.setdefault(ch.rule_id, ch)
            continue
        if not isinstance(rule, m.DetectRule):
            sink.error(ch.loc, f"override: '{ch.rule_id}' is a {rule.kind} rule (defined at {rule.loc}); "
                               f"only detections have a {ch.key}", "AUD209")
            continue
        prev = rule.changes.get(ch.key)
        if prev is not None:
            sink.error(ch.loc, f"override: the {ch.key} of '{ch.rule_id}' is already overridden at {prev.loc}", "AUD209")
            continue
        attr = OVERRIDABLE[ch.key]
        before = getattr(rule, attr)
        setattr(rule, attr, ch.value(before) if ch.key == "alert" else ch.value)
        rule.changes[ch.key] = m.Change(ch.key, before, ch.loc, ch.layer)
    for ch in changes:
        if ch.key != "enabled" and ch.rule_id in disabled_at:
            sink.warning(ch.loc, f"override of '{ch.rule_id}' has no effect: the rule is disabled at "
                                 f"{disabled_at[ch.rule_id].loc}", "AUD209")
