"""The dispatch index: which values of the index fields a rule can match.

The generated filter looks rules up by (objectRef.resource, verb) so an event
only evaluates rules that could match it. `constraint` derives, per rule and
index field, the set of values the field must take for the predicate to hold
(None: unconstrained); `residual` is what is left to evaluate once the index
has selected the rule.
"""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Or, Test
from auditc.paths import FieldPath, parse_path

# Cheap to read, present on almost every event, and what nearly every rule constrains.
INDEX_FIELDS = (parse_path("objectRef.resource"), parse_path("verb"))


def _exact_strings(node) -> bool:
    """Only exact string tests (equals/in on strings) pin an index field;
    anything else might match any value."""
    return isinstance(node, Test) and node.op.spec.dispatchable and all(isinstance(v, str) for v in node.values)


def constraint(pred, f: FieldPath) -> frozenset | None:
    """Values `f` must take for `pred` to hold, or None when unconstrained."""
    if isinstance(pred, Test):
        return frozenset(pred.values) if pred.path.segments == f.segments and _exact_strings(pred) else None
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


def _guaranteed(node, constraints: dict) -> bool:
    """An exact string test on an index field whose rule is dispatched on
    that field: the index only hands the rule events whose value is in the
    rule's constraint, the intersection of all such tests, so each holds."""
    return _exact_strings(node) and constraints.get(node.path.text) is not None


def residual(pred, constraints: dict):
    if _guaranteed(pred, constraints):
        return Const(True)
    if isinstance(pred, And):
        rest = tuple(item for item in pred.items if not _guaranteed(item, constraints))
        if not rest:
            return Const(True)
        return rest[0] if len(rest) == 1 else And(rest)
    return pred


def index_constraints(pred) -> dict:
    return {f.text: constraint(pred, f) for f in INDEX_FIELDS}
