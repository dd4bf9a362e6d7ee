"""Passes over IR predicates: simplification and the dispatch index's constraints."""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Not, Or, Test
from auditc.paths import FieldPath


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
