"""What a predicate cannot hold without: a guard for the Lua backend.

A test reaches its values by stepping through maps (`requestObject.spec.
containers[*]...`); where a step finds no map, the test reaches nothing and
is false, whatever its operator (operators.OpSpec.holds_on_any: any() of no
values; `absent` is Not(exists) in the IR). So a test that steps below a
field requires that field to be a table, down to REQUIRE_DEPTH keys
(`requestObject.spec.containers[*]...` requires `requestObject.spec`), and
a `json_patch` test requires its value to be a list (a patch document:
jsonpatch.written reads nothing else).

A requirement is (keys, kind): the value at those keys is a "table" (a map
or a list) or a "list". The requirements are kept as clauses, each a set of
requirements of which at least one must hold: an `all` requires every
clause of its items, an `any` one clause made of one clause of each item
(the item that holds brings its own), a `not` nothing. The workload rules
test a pod spec at a dozen template locations in requestObject and
responseObject: the clause {requestObject.spec, requestObject.template,
responseObject.spec, ..., requestObject as a patch list} answers most
writes (a Lease renewal, a Node or Pod status patch, a DeleteOptions body)
in a few lookups instead of dozens of tests.
"""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Not, Or, Test
from auditc.operators import Op
from auditc.paths import WILDCARD


# How many leading keys of a path a requirement names: two answers a body
# without a `spec` (status patches, DeleteOptions) at the cost of one more
# lookup; deeper would buy little.
REQUIRE_DEPTH = 2


def _test_requirement(c: Test):
    """The one requirement implied by a test, or None."""
    segs = c.path.segments
    keys = []
    for seg in segs:
        if seg is WILDCARD or len(keys) == REQUIRE_DEPTH:
            break
        keys.append(seg)
    if c.op is Op.JSON_PATCH and len(keys) == len(segs):
        return (tuple(keys), "list") if keys else None
    # the test steps below keys[:n] when another segment follows them
    n = min(len(keys), len(segs) - 1)
    if n == 0:
        return None
    return (tuple(keys[:n]), "table")


def required_clauses(c) -> frozenset:
    """Clauses (frozensets of requirements, see the module doc) that all
    hold whenever `c` does: for each, at least one of its requirements."""
    if isinstance(c, Test):
        req = _test_requirement(c)
        return frozenset({frozenset({req})}) if req is not None else frozenset()
    if isinstance(c, Const):
        # never holds: it requires anything, the empty clause (nothing is enough)
        return frozenset() if c.value else frozenset({frozenset()})
    if isinstance(c, Not):
        return frozenset()
    parts = [required_clauses(i) for i in c.items]
    if isinstance(c, And):
        return _minimal(frozenset().union(*parts))
    assert isinstance(c, Or), c
    if any(not p for p in parts):
        return frozenset()  # an item that requires nothing: neither does the `any`
    # the smallest clause of each item; their union holds whichever item does
    return frozenset({frozenset().union(*(min(p, key=lambda k: (len(k), sorted(k))) for p in parts))})


def _implies(a: tuple, b: tuple) -> bool:
    """Does requirement a imply requirement b? A table at keys means one at
    every prefix of them (the guard steps through each); a list is a table."""
    (ka, kind_a), (kb, kind_b) = a, b
    if ka[:len(kb)] != kb:
        return False
    return kind_b == "table" or (kind_a == "list" and ka == kb)


def _clause_implies(k2: frozenset, k1: frozenset) -> bool:
    """Whenever clause k2 holds, so does k1."""
    return all(any(_implies(a, b) for b in k1) for a in k2)


def _minimal(clauses: frozenset) -> frozenset:
    """Drop clauses another one implies (`all` needs them both): {requestObject}
    beside {requestObject.spec}, a larger clause beside its subset. Of two
    that imply each other the smaller is kept."""
    order = lambda k: (len(k), sorted(k))  # noqa: E731
    return frozenset(k for k in clauses
                     if not any(o != k and _clause_implies(o, k)
                                and (not _clause_implies(k, o) or order(o) < order(k)) for o in clauses))


def guard_clauses(c) -> list[list[tuple]]:
    """The clauses of `c`, each a sorted list of requirements, in a stable order."""
    return sorted(sorted(k) for k in required_clauses(c))
