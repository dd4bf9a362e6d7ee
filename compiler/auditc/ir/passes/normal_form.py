"""Normal forms of a predicate.

`nnf` pushes negations down to the tests (De Morgan), keeping item order, so
a backend that cannot negate a compound (LogQL label filters) only ever sees
`Not(Test)`. `dnf` expands into a disjunction of conjunctions of literals, the
shape of an audit policy (a list of rules, each a conjunction of lists).
"""

from __future__ import annotations

from itertools import product

from auditc.ir.nodes import And, Const, Not, Or, Test

DNF_CAP = 256


def nnf(pred, negate: bool = False):
    if isinstance(pred, Const):
        return Const(pred.value != negate)
    if isinstance(pred, Test):
        return Not(pred) if negate else pred
    if isinstance(pred, Not):
        return nnf(pred.item, not negate)
    conj = isinstance(pred, And) != negate
    items = tuple(nnf(item, negate) for item in pred.items)
    return And(items) if conj else Or(items)


def dnf(pred, negate: bool = False) -> list[list[tuple[bool, Test]]] | None:
    """Conjunctions of (positive, test) literals; None when larger than DNF_CAP."""
    if isinstance(pred, Const):
        return [[]] if pred.value != negate else []
    if isinstance(pred, Test):
        return [[(not negate, pred)]]
    if isinstance(pred, Not):
        return dnf(pred.item, not negate)
    conj = isinstance(pred, And) != negate  # De Morgan
    parts = [dnf(item, negate) for item in pred.items]
    if any(p is None for p in parts):
        return None
    if not conj:
        out = [c for p in parts for c in p]
        return out if len(out) <= DNF_CAP else None
    out = [[]]
    for p in parts:
        out = [a + b for a, b in product(out, p)]
        if len(out) > DNF_CAP:
            return None
    return out
