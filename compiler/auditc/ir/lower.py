"""Intermediate representation shared by every backend.

Lowering resolves what the model leaves symbolic: macros are inlined, list
references expanded, regexes and globs translated to Lua patterns (or
rejected), disabled rules dropped, `exceptions` folded into the predicate,
and each rule gets the index constraints (verb, resource) that let the
generated filter skip rules that cannot match an event.
"""

from __future__ import annotations

from auditc import model as m
from auditc.dialect.glob import glob_to_lua
from auditc.errors import DiagnosticSink
from auditc.ir.nodes import KIND_ORDER, And, Const, IRRule, Not, Or, Program, Test
from auditc.ir.passes import constraint, residual, simplify
from auditc.paths import parse_path

# Fields the dispatch index keys on: cheap to read, present on almost every
# event, and what nearly every rule constrains.
INDEX_FIELDS = (parse_path("objectRef.resource"), parse_path("verb"))


def lower(rs: m.RuleSet) -> Program:
    sink = DiagnosticSink()
    lowering = _Lowering(rs, sink)
    enabled = [r for r in rs.rules if r.enabled]
    # Rule order inside each kind is file order; kinds run detect, drop, redact.
    ordered = sorted(enabled, key=lambda r: KIND_ORDER[r.kind])
    out = []
    for number, rule in enumerate(ordered, start=1):
        ir = IRRule(number=number, id=rule.id, kind=rule.kind, loc=rule.loc, pred=Const(True))
        if isinstance(rule, m.DetectRule):
            pred = lowering.cond(rule.match)
            if rule.exceptions:
                pred = And((pred, Not(Or(tuple(lowering.cond(c) for c in rule.exceptions)))))
            ir.pred, ir.severity = simplify(pred), rule.severity
            ir.title, ir.description, ir.tags = rule.title, rule.description, tuple(rule.tags)
            hints = rule.alert or m.AlertHints()
            ir.alert = m.AlertHints(hints.threshold, hints.window, hints.for_, hints.group_by, hints.severity,
                                    expand_values(hints.exclude, rs), hints.escalate, hints.runbook)
        elif isinstance(rule, m.DropRule):
            ir.pred = simplify(lowering.cond(rule.match))
        else:
            assert isinstance(rule, m.RedactRule)
            ir.pred = simplify(lowering.cond(rule.when))
            ir.redact_paths = tuple(fp for fp, _ in rule.fields)
            ir.mode, ir.replacement = rule.mode, rule.replacement
            if rule.mode == "scrub":
                from auditc.dialect.regex import translate as regex_to_lua
                pats: list = []
                for text in rule.patterns:
                    pats.extend(p for p in regex_to_lua(text) if p not in pats)
                ir.scrub_patterns = tuple(pats)
        ir.constraints = {f.text: constraint(ir.pred, f) for f in INDEX_FIELDS}
        ir.residual = residual(ir.pred, ir.constraints)
        out.append(ir)
    sink.raise_if_errors()
    return Program(out, rs.files)


class _Lowering:
    def __init__(self, rs: m.RuleSet, sink: DiagnosticSink):
        self.rs, self.sink = rs, sink

    def cond(self, c, stack=()):
        if isinstance(c, m.All):
            return And(tuple(self.cond(x, stack) for x in c.items))
        if isinstance(c, m.Any_):
            return Or(tuple(self.cond(x, stack) for x in c.items))
        if isinstance(c, m.Not):
            return Not(self.cond(c.item, stack))
        if isinstance(c, m.MacroRef):
            if c.name in stack:  # reported by the loader; do not recurse forever
                return Const(False)
            return self.cond(self.rs.macros[c.name].condition, stack + (c.name,))
        assert isinstance(c, m.FieldTest)
        return self.test(c)

    def test(self, t: m.FieldTest) -> Any:
        if t.op in m.PRESENCE_OPS:
            exists = Test(t.path, "exists", (), t.loc)
            return exists if t.op == "exists" else Not(exists)
        if t.op in m.SCALAR_OPS or t.op in m.NUMERIC_OPS:
            return Test(t.path, t.op, (t.value,), t.loc)
        values = expand_values(t.value, self.rs)
        if t.op == "glob":
            return Test(t.path, "pattern", tuple(glob_to_lua(v) for v in values), t.loc)
        if t.op == "regex":
            from auditc.dialect.regex import translate as regex_to_lua
            pats = []
            for v in values:
                pats.extend(p for p in regex_to_lua(v) if p not in pats)
            return Test(t.path, "pattern", tuple(pats), t.loc)
        if not values:
            # `in: {list: empty}` can never match; say so in the IR.
            return Const(False)
        return Test(t.path, t.op, values, t.loc)


def expand_values(values: tuple, rs: m.RuleSet) -> tuple:
    out: list = []
    for v in values:
        items = rs.lists[v.name].items if isinstance(v, m.ListRef) else [v]
        for x in items:
            if not any(x == y and type(x) is type(y) for y in out):
                out.append(x)
    return tuple(out)


def check_translatable(node: m.FieldTest, rs: m.RuleSet, sink: DiagnosticSink) -> None:
    """Loader hook: reject values that have no exact Lua translation."""
    if node.op == "equals" and isinstance(node.value, float) and node.value != node.value:
        sink.error(node.loc, "equals: NaN never equals anything")
    if node.op not in ("regex", "glob") or not isinstance(node.value, tuple):
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
                if node.op == "regex":
                    from auditc.dialect.regex import translate as regex_to_lua
                    regex_to_lua(text)
                else:
                    glob_to_lua(text)
            except ValueError as exc:  # RegexError and GlobError
                sink.error(node.loc, f"{node.op} {text!r} cannot be translated exactly to Lua patterns: {exc}")


def check_scrub_patterns(rule: m.RedactRule, sink: DiagnosticSink) -> None:
    """Scrub regexes must translate exactly and must not match the empty string
    (Lua's gsub would then insert the replacement between every character)."""
    import re

    from auditc.dialect.regex import translate as regex_to_lua
    for text in rule.patterns:
        try:
            regex_to_lua(text)
        except ValueError as exc:
            sink.error(rule.patterns_loc, f"scrub pattern {text!r} cannot be translated exactly to Lua patterns: {exc}")
            continue
        try:
            empty = re.search(text.replace("$", r"\Z"), "", re.ASCII) is not None
        except re.error:
            empty = False
        if empty:
            sink.error(rule.patterns_loc, f"scrub pattern {text!r} matches the empty string")
