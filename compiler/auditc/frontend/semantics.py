"""Semantic checks on values, before lowering: patterns that have no exact
Lua translation, scrub patterns that would match the empty string, NaN.

They live in the frontend so that lowering can assume valid input; the
translation itself is `dialect.compile_pattern`, cached, so checking here
and lowering later translate each pattern once.
"""

from __future__ import annotations

from auditc import model as m
from auditc.dialect import PatternError, compile_pattern
from auditc.errors import DiagnosticSink


def check_translatable(node: m.FieldTest, rs: m.RuleSet, sink: DiagnosticSink) -> None:
    """Reject values that have no exact Lua translation."""
    spec = node.op.spec
    if spec.dispatchable and isinstance(node.value, float) and node.value != node.value:
        sink.error(node.loc, f"{node.op}: NaN never equals anything")
    if spec.pattern_syntax is None or not isinstance(node.value, tuple):
        return
    for v in node.value:
        if isinstance(v, m.ListRef):
            if v.name not in rs.lists:
                continue  # reported as an unknown list
            items = [x for x in rs.lists[v.name].items if isinstance(x, str)]
        else:
            items = [v]
        for text in items:
            try:
                compile_pattern(spec.pattern_syntax, text)
            except PatternError as exc:
                sink.error(node.loc, f"{node.op} {text!r} cannot be translated exactly to Lua patterns: {exc}")


def check_scrub_patterns(rule: m.RedactRule, sink: DiagnosticSink) -> None:
    """Scrub regexes must translate exactly and must not match the empty string
    (Lua's gsub would then insert the replacement between every character)."""
    for text in rule.patterns:
        try:
            pattern = compile_pattern("regex", text)
        except PatternError as exc:
            sink.error(rule.patterns_loc, f"scrub pattern {text!r} cannot be translated exactly to Lua patterns: {exc}")
            continue
        if pattern.matches(""):
            sink.error(rule.patterns_loc, f"scrub pattern {text!r} matches the empty string")
