"""Semantic checks on values, before lowering: patterns that have no exact
Lua translation, scrub patterns that would match the empty string, NaN.

They live in the frontend so that lowering can assume valid input; the
translation itself is `dialect.compile_pattern`, cached, so checking here
and lowering later translate each pattern once.
"""

from __future__ import annotations

import ipaddress

from auditc import model as m
from auditc.dialect import PatternError, compile_pattern, scrub_lua, split_keep
from auditc.errors import DiagnosticSink
from auditc.operators import Operand


def check_translatable(node: m.FieldTest, rs: m.RuleSet, sink: DiagnosticSink) -> None:
    """Reject values that have no exact Lua translation."""
    spec = node.op.spec
    if spec.dispatchable and isinstance(node.value, float) and node.value != node.value:
        sink.error(node.loc, f"{node.op}: NaN never equals anything", "AUD303")
    if spec.operand is Operand.NETWORKS and isinstance(node.value, tuple):
        for text in _strings(node.value, rs):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError as exc:
                sink.error(node.loc, f"cidr {text!r} is not a network: {exc} (write e.g. 10.0.0.0/8 or fd00::/8)", "AUD303")
        return
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
                sink.error(node.loc, f"{node.op} {text!r} cannot be translated exactly to Lua patterns: {exc}", "AUD302")


def _strings(values: tuple, rs: m.RuleSet) -> list:
    out = []
    for v in values:
        if isinstance(v, m.ListRef):
            if v.name in rs.lists:  # else reported as an unknown list
                out.extend(x for x in rs.lists[v.name].items if isinstance(x, str))
        else:
            out.append(v)
    return out


def check_scrub_patterns(rule: m.RedactRule, sink: DiagnosticSink) -> None:
    """Scrub regexes must translate exactly and must not match the empty string
    (Lua's gsub would then insert the replacement between every character)."""
    for text in rule.patterns:
        head, tail = split_keep(text)
        try:
            scrub_lua(text)
            replaced = compile_pattern("regex", tail if tail is not None else head)
        except PatternError as exc:
            sink.error(rule.patterns_loc, f"scrub pattern {text!r} cannot be translated exactly to Lua patterns: {exc}",
                       "AUD302")
            continue
        if replaced.matches(""):
            what = ": the part after \\K" if tail is not None else ""
            sink.error(rule.patterns_loc, f"scrub pattern {text!r}{what} matches the empty string", "AUD302")


def check_credential_names(rule: m.RedactRule, rs: m.RuleSet, sink: DiagnosticSink) -> None:
    """credentials-mode names are globs matched against lower-cased names:
    each must translate to a Lua pattern, and should be lower case (an
    upper-case letter could never match)."""
    for v in (*rule.names, *rule.except_names):
        items = rs.lists[v.name].items if isinstance(v, m.ListRef) and v.name in rs.lists else [v]
        for text in items:
            if not isinstance(text, str):
                sink.error(rule.names_loc, f"credential name {text!r} is not a string", "AUD303")
                continue
            try:
                compile_pattern("glob", text.lower())
            except PatternError as exc:
                sink.error(rule.names_loc, f"credential name glob {text!r} cannot be translated to a Lua pattern: {exc}",
                           "AUD302")
