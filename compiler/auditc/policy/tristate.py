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
Test semantics are the filter's (README "Operators"): absent fields match
nothing, string operators never match non-strings, `equals` is type-strict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from auditc import ir
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
    fact = _fact_for(test, facts)
    if fact is None:
        return None
    if fact is ABSENT:
        return False  # every operator is False on a missing field (`absent` is Not(exists))
    if fact is PRESENT:
        return True if test.op == "exists" else None
    if isinstance(fact, Concrete):
        return exact(test, fact.value)
    if isinstance(fact, Samples):
        results = {exact(test, v) for v in fact.values}
        return results.pop() if len(results) == 1 else None
    if isinstance(fact, Prefix):
        return _on_prefix(test, fact.prefix)
    if isinstance(fact, Groups):
        return _on_groups(test, fact)
    return None


def _on_prefix(test: ir.Test, p: str) -> bool | None:
    """A string known to start with p (and nothing more)."""
    if test.op == "exists":
        return True
    if test.op in ("equals", "in"):
        strings = [v for v in test.values if isinstance(v, str)]
        return False if not any(v.startswith(p) for v in strings) else None
    if test.op == "prefix":
        if any(p.startswith(q) for q in test.values):
            return True
        if all(not q.startswith(p) for q in test.values):
            return False
    return None


def _on_groups(test: ir.Test, fact: Groups) -> bool | None:
    """`user.groups[*]` tests hold when any element satisfies them."""
    if test.op == "exists":
        return True if fact.has else None
    if test.op in ("equals", "in"):
        if any(v in fact.has for v in test.values):
            return True
        if all(v in fact.lacks for v in test.values):
            return False
    return None


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return a == b  # numbers: Lua compares 201 and 201.0 as equal


def exact(test: ir.Test, value) -> bool:
    """One test on one known value, as the generated Lua evaluates it."""
    op = test.op
    if op == "exists":
        return True
    if op in ("equals", "in"):
        return any(_equal(value, v) for v in test.values)
    if op in ("gt", "gte", "lt", "lte"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        x = test.values[0]
        return {"gt": value > x, "gte": value >= x, "lt": value < x, "lte": value <= x}[op]
    if not isinstance(value, str):
        return False
    if op == "prefix":
        return any(value.startswith(v) for v in test.values)
    if op == "suffix":
        return any(value.endswith(v) for v in test.values)
    if op == "contains":
        return any(v in value for v in test.values)
    if op == "pattern":
        return any(lua_find(value, p) for p in test.values)
    raise AssertionError(op)


@lru_cache(maxsize=4096)
def lua_find(value: str, pattern) -> bool:
    """string.find(value, pattern) ~= nil in LuaJIT: the very test the filter runs."""
    pat = pattern if isinstance(pattern, bytes) else pattern.encode("utf-8")
    return bool(_lua_finder()(value.encode("utf-8"), pat))


@lru_cache(maxsize=1)
def _lua_finder():
    import lupa.luajit21 as luajit

    lua = luajit.LuaRuntime(encoding=None)
    return lua.eval("function(s, p) return string.find(s, p) ~= nil end")
