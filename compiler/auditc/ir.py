"""Intermediate representation shared by every backend.

Lowering resolves what the model leaves symbolic: macros are inlined, list
references expanded, regexes and globs translated to Lua patterns (or
rejected), disabled rules dropped, `exceptions` folded into the predicate,
and each rule gets the index constraints (verb, resource) that let the
generated filter skip rules that cannot match an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import model as m
from .errors import DiagnosticSink, Location
from .paths import FieldPath, parse_path
from .patterns import glob_to_lua

# Fields the dispatch index keys on: cheap to read, present on almost every
# event, and what nearly every rule constrains.
INDEX_FIELDS = (parse_path("objectRef.resource"), parse_path("verb"))


@dataclass(frozen=True)
class Test:
    path: FieldPath
    op: str
    values: tuple  # literals; for glob/regex: tuple of Lua patterns (bytes)
    loc: Location


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass
class IRRule:
    number: int  # 1-based evaluation order across all kinds
    id: str
    kind: str
    loc: Location
    pred: Any
    severity: str | None = None
    redact_paths: tuple = ()  # FieldPath
    mode: str = "mask"
    replacement: str = "[REDACTED]"
    scrub_patterns: tuple = ()  # Lua patterns (bytes), scrub mode
    constraints: dict = field(default_factory=dict)  # FieldPath.text -> frozenset | None
    residual: Any = None  # pred without the tests the dispatch index already guarantees
    title: str = ""
    description: str = ""
    tags: tuple = ()
    alert: Any = None  # model.AlertHints with `exclude` expanded to plain usernames


@dataclass
class Program:
    rules: list[IRRule]
    source_files: list[str]

    def of_kind(self, kind: str) -> list[IRRule]:
        return [r for r in self.rules if r.kind == kind]


KIND_ORDER = {"detect": 0, "drop": 1, "redact": 2}


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
                from .regex import translate as regex_to_lua
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
            from .regex import translate as regex_to_lua
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
                    from .regex import translate as regex_to_lua
                    regex_to_lua(text)
                else:
                    glob_to_lua(text)
            except ValueError as exc:  # RegexError and GlobError
                sink.error(node.loc, f"{node.op} {text!r} cannot be translated exactly to Lua patterns: {exc}")


def check_scrub_patterns(rule: m.RedactRule, sink: DiagnosticSink) -> None:
    """Scrub regexes must translate exactly and must not match the empty string
    (Lua's gsub would then insert the replacement between every character)."""
    import re

    from .regex import translate as regex_to_lua
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


def iter_tests(pred):
    """Every Test of a predicate, depth first, in source order."""
    if isinstance(pred, Test):
        yield pred
    elif isinstance(pred, (And, Or)):
        for item in pred.items:
            yield from iter_tests(item)
    elif isinstance(pred, Not):
        yield from iter_tests(pred.item)


def simplify(c):
    """Flatten nested and/or and fold constants; keeps evaluation order."""
    if isinstance(c, (And, Or)):
        is_and = isinstance(c, And)
        items = []
        for x in (simplify(i) for i in c.items):
            if isinstance(x, Const):
                if x.value == is_and:
                    continue  # neutral element
                return Const(not is_and)  # absorbing element
            items.extend(x.items if type(x) is type(c) else (x,))
        if not items:
            return Const(is_and)
        return items[0] if len(items) == 1 else type(c)(tuple(items))
    if isinstance(c, Not):
        inner = simplify(c.item)
        if isinstance(inner, Const):
            return Const(not inner.value)
        if isinstance(inner, Not):
            return inner.item
        return Not(inner)
    return c


def _index_test(node, constraints: dict) -> bool:
    """A string equals/in test on an index field whose rule is dispatched on
    that field: the index only hands the rule events whose value is in the
    rule's constraint, the intersection of all such tests, so each holds."""
    return (isinstance(node, Test) and node.op in ("equals", "in")
            and node.path.text in constraints and constraints[node.path.text] is not None
            and all(isinstance(v, str) for v in node.values))


def residual(pred, constraints: dict):
    """What is left to evaluate once the dispatch index has selected the rule."""
    if _index_test(pred, constraints):
        return Const(True)
    if isinstance(pred, And):
        rest = tuple(item for item in pred.items if not _index_test(item, constraints))
        if not rest:
            return Const(True)
        return rest[0] if len(rest) == 1 else And(rest)
    return pred


def constraint(pred, f: FieldPath) -> frozenset | None:
    """Values `f` must take for `pred` to hold, or None when unconstrained.

    Only exact string tests count (equals/in); anything else might match any
    value, so it leaves the field unconstrained.
    """
    if isinstance(pred, Test):
        if pred.path.segments == f.segments and pred.op in ("equals", "in") \
                and all(isinstance(v, str) for v in pred.values):
            return frozenset(pred.values)
        return None
    if isinstance(pred, And):
        found = None
        for item in pred.items:
            c = constraint(item, f)
            if c is not None:
                found = c if found is None else found & c
        return found
    if isinstance(pred, Or):
        parts = [constraint(item, f) for item in pred.items]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)
    if isinstance(pred, Const) and pred.value is False:
        return frozenset()
    return None
