"""Evaluate a rule predicate on what is known about a *class* of requests.

A policy rule describes a set of requests by the attributes the apiserver
matches on (user, groups, verb, group/resource/subresource, namespace, name,
URL path); a detection predicate also looks at things no policy can see
(annotations, response codes, bodies). To ask "can this detection fire on
some request that policy rule #5 logs at None?" we evaluate the predicate in
three-valued (Kleene) logic: a test on a known attribute is True or False,
a test on anything else is unknown (None), and the detection is ruled out
only when the whole predicate is False.

Facts, keyed by field path text:
- `Concrete(v)`: the field has value v; `ABSENT`: it is missing; `PRESENT`:
  it exists, value unknown;
- `Prefix(p)`: a string starting with p (a kubelet's user name);
- `Groups(has, lacks)`: user.groups contains all of `has` and none of `lacks`;
- `Samples(values)`: one of these values (URL paths a policy spec stands for).
Test semantics are the operator table's (operators.py), the filter's own:
absent fields match nothing, string operators never match non-strings,
`equals` is type-strict.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditc import ir
from auditc.operators import Op
from auditc.paths import WILDCARD


@dataclass(frozen=True)
class Concrete:
    value: object


@dataclass(frozen=True)
class Prefix:
    prefix: str


@dataclass(frozen=True)
class Groups:
    has: frozenset = frozenset()
    lacks: frozenset = frozenset()


@dataclass(frozen=True)
class Samples:
    values: tuple


class _Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


ABSENT = _Marker("ABSENT")
PRESENT = _Marker("PRESENT")

BODIES = ("requestObject", "responseObject")


def evaluate(pred, facts: dict) -> bool | None:
    """Kleene evaluation of an IR predicate: True, False or None (unknown)."""
    if isinstance(pred, ir.Const):
        return pred.value
    if isinstance(pred, ir.Not):
        v = evaluate(pred.item, facts)
        return None if v is None else not v
    if isinstance(pred, ir.And):
        unknown = False
        for item in pred.items:
            v = evaluate(item, facts)
            if v is False:
                return False
            unknown |= v is None
        return None if unknown else True
    if isinstance(pred, ir.Or):
        unknown = False
        for item in pred.items:
            v = evaluate(item, facts)
            if v is True:
                return True
            unknown |= v is None
        return None if unknown else False
    assert isinstance(pred, ir.Test), pred
    return _test(pred, facts)


def _fact_for(test: ir.Test, facts: dict):
    """The fact about the field a test reads, or None when nothing is known."""
    seg = test.path.segments
    head = seg[0]
    if head in BODIES:
        return ABSENT if facts.get(head) is ABSENT else None
    if head == "objectRef":
        ref = facts.get("objectRef")
        if ref is ABSENT:
            return ABSENT
        if len(seg) == 1:
            return PRESENT if ref is PRESENT else None
        if len(seg) == 2 and isinstance(seg[1], str):
            return facts.get("objectRef." + seg[1])
        return None
    if head == "user" and len(seg) == 2 and seg[1] == "username":
        return facts.get("user.username")
    if head == "user" and len(seg) == 3 and seg[1] == "groups" and seg[2] is WILDCARD:
        return facts.get("user.groups")
    if len(seg) == 1 and head in ("verb", "requestURI"):
        return facts.get(head)
    return None


def _test(test: ir.Test, facts: dict) -> bool | None:
    """The operator table decides; facts only say how much of the value is known."""
    fact = _fact_for(test, facts)
    if fact is None:
        return None
    if fact is ABSENT:
        return False  # every operator is False on a missing field (`absent` is Not(exists))
    spec = test.op.spec
    if fact is PRESENT:
        return True if test.op is Op.EXISTS else None
    if isinstance(fact, Concrete):
        return exact(test, fact.value)
    if isinstance(fact, Samples):
        results = {exact(test, v) for v in fact.values}
        return results.pop() if len(results) == 1 else None
    if isinstance(fact, Prefix):
        return spec.given_prefix(test.values, fact.prefix)
    if isinstance(fact, Groups):
        return spec.given_members(test.values, fact.has, fact.lacks)
    return None


def exact(test: ir.Test, value) -> bool:
    """One test on one known value, as the generated Lua evaluates it."""
    return test.op.spec.holds(value, test.values)
