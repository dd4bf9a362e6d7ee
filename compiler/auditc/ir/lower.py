"""Model -> IR.

Lowering resolves what the model leaves symbolic: macros are inlined, list
references expanded, glob/regex operands compiled (`dialect.compile_pattern`,
cached, so the loader's check and this step translate each pattern once),
disabled rules dropped, `exceptions` folded into the predicate, and each rule
gets the index constraints (verb, resource) that let the generated filter
skip rules that cannot match an event.

Lowering runs on a RuleSet the frontend has already validated: a pattern
that does not translate here is a bug, and raises as one.
"""

from __future__ import annotations

import ipaddress

from auditc import model as m
from auditc.dialect import compile_pattern, scrub_lua
from auditc.dialect.lua_literal import leading_literal, required_literal
from auditc.ir.nodes import (
    KIND_ORDER,
    Alert,
    And,
    Const,
    Detection,
    Drop,
    IRRule,
    Not,
    Or,
    Program,
    Redaction,
    Test,
)
from auditc.ir.passes.index import index_constraints, residual
from auditc.ir.passes.simplify import simplify
from auditc.operators import Op, Operand, PatchQuery


def lower(rs: m.RuleSet) -> Program:
    lowering = _Lowering(rs)
    enabled = [r for r in rs.rules if r.enabled]
    # Rule order inside each kind is file order; kinds run detect, drop, redact.
    ordered = sorted(enabled, key=lambda r: KIND_ORDER[r.kind])
    out = []
    for number, rule in enumerate(ordered, start=1):
        pred, payload = lowering.rule(rule)
        pred = simplify(pred)
        constraints = index_constraints(pred)
        out.append(IRRule(number=number, id=rule.id, loc=rule.loc, pred=pred, payload=payload,
                          constraints=constraints, residual=residual(pred, constraints)))
    return Program(out, rs.files)


class _Lowering:
    def __init__(self, rs: m.RuleSet):
        self.rs = rs

    def rule(self, rule: m.Rule):
        if isinstance(rule, m.DetectRule):
            pred = self.cond(rule.match)
            if rule.exceptions:
                pred = And((pred, Not(Or(tuple(self.cond(c) for c in rule.exceptions)))))
            hints = rule.alert or m.AlertHints()
            alert = Alert(hints.threshold, hints.window, hints.for_, hints.group_by, hints.severity,
                          expand_values(hints.exclude, self.rs), hints.escalate, hints.runbook)
            return pred, Detection(rule.severity, rule.title, rule.description, tuple(rule.tags), alert)
        if isinstance(rule, m.DropRule):
            return self.cond(rule.match), Drop()
        assert isinstance(rule, m.RedactRule), rule
        scrub: tuple = ()
        if rule.mode in m.PATTERN_MODES:
            scrub = tuple(dict.fromkeys(p for text in rule.patterns for p in scrub_lua(text)))
        when = self.cond(rule.when) if rule.when is not None else Const(True)
        names = _name_patterns(expand_values(rule.names, self.rs))
        except_names = _name_patterns(expand_values(rule.except_names, self.rs))
        literals = [required_literal(p) for p in names]
        name_literals = None if any(c is None for c in literals) else tuple(dict.fromkeys(c[0] for c in literals))
        matched = [_without_keep(p, keep) for p, keep in scrub]  # what each pattern's matches span
        return when, Redaction(tuple(fp for fp, _ in rule.fields), rule.mode, rule.replacement,
                               tuple(p for p, _ in scrub), tuple(required_literal(p) for p in matched),
                               names, except_names, name_literals, tuple(keep for _, keep in scrub),
                               tuple(leading_literal(p) for p in matched))

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

    def test(self, t: m.FieldTest):
        spec = t.op.spec
        if spec.negation_of is not None:
            return Not(self.test(m.FieldTest(t.path, spec.negation_of, True, t.loc)))
        if t.op is Op.EXISTS:
            return Test(t.path, Op.EXISTS, (), t.loc)
        if t.op is Op.JSON_PATCH:
            return self.patch_test(t)
        if not isinstance(t.value, tuple):  # equals, gt..: one scalar
            return Test(t.path, t.op, (t.value,), t.loc)
        values = expand_values(t.value, self.rs)
        if not values:
            # `in: {list: empty}` can never match; say so in the IR.
            return Const(False)
        if spec.pattern_syntax:
            values = tuple(compile_pattern(spec.pattern_syntax, v) for v in values)
        elif spec.operand is Operand.NETWORKS:
            values = tuple(dict.fromkeys(ipaddress.ip_network(v, strict=False) for v in values))
        return Test(t.path, t.op, values, t.loc)


    def patch_test(self, t: m.FieldTest):
        spec: m.PatchSpec = t.value
        inner = self.test(spec.test)
        if isinstance(inner, Const):  # `in: {list: empty}`: no value can match
            return inner
        assert isinstance(inner, Test), inner  # absent is not a value operator here
        query = PatchQuery(spec.patterns, spec.kinds, inner.op, inner.values, spec.source)
        return Test(t.path, Op.JSON_PATCH, (query,), t.loc)


def expand_values(values: tuple, rs: m.RuleSet) -> tuple:
    """List references replaced by their items; each value once (type-strict)."""
    out: list = []
    for v in values:
        items = rs.lists[v.name].items if isinstance(v, m.ListRef) else [v]
        for x in items:
            if not any(x == y and type(x) is type(y) for y in out):
                out.append(x)
    return tuple(out)


def _name_patterns(globs: tuple) -> tuple:
    """credentials-mode names: case-insensitive globs, matched in Lua against
    the lower-cased name, so each is lower-cased and translated once."""
    return tuple(dict.fromkeys(p for g in globs for p in compile_pattern("glob", g.lower()).lua))


def _without_keep(pattern: bytes, keep: bool) -> bytes:
    """A \\K pattern's first capture parentheses match nothing themselves:
    what the pattern matches, without them."""
    if keep:
        close = _capture_end(pattern)
        pattern = pattern[1:close] + pattern[close + 1:]
    return pattern


def _capture_end(pattern: bytes) -> int:
    """Index of the ')' closing the capture that opens `pattern` (Lua patterns
    from the translator hold no other parentheses, but %( and [()] can)."""
    i, n = 1, len(pattern)
    while i < n:
        c = pattern[i:i + 1]
        if c == b"%":
            i += 2
            continue
        if c == b"[":
            j = i + 1
            if pattern[j:j + 1] == b"^":
                j += 1
            if pattern[j:j + 1] == b"]":
                j += 1
            while j < n and pattern[j:j + 1] != b"]":
                j += 2 if pattern[j:j + 1] == b"%" else 1
            i = j + 1
            continue
        if c == b")":
            return i
        i += 1
    raise ValueError("unbalanced capture in a \\K scrub pattern")
