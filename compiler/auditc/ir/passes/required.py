"""What a predicate cannot hold without: a guard for the Lua backend.

A test reaches its values by stepping through maps (`requestObject.spec.
containers[*]...`); where a step finds no map, the test reaches nothing and
is false, whatever its operator (operators.OpSpec.holds_on_any: any() of no
values; `absent` is Not(exists) in the IR). So a test that steps below a
top-level field requires that field to be a map, and so does a `json_patch`
test (its value, a patch document, is a list: jsonpatch.written reads
nothing else).

The requirement is kept as clauses, each a set of top-level fields of which
at least one must be a map: an `all` requires every clause of its items, an
`any` one clause made of one clause of each item (the item that holds
brings its own), a `not` nothing. The workload rules test a pod spec at a
dozen template locations in requestObject and responseObject: the clause
{requestObject, responseObject} answers most writes (a Lease renewal, a
Node status patch at Metadata level) in two lookups instead of dozens of
tests.
"""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Not, Or, Test
from auditc.operators import Op
from auditc.paths import WILDCARD


def required_clauses(c) -> frozenset:
    """Clauses (frozensets of top-level field names) that all hold whenever
    `c` does: for each, at least one of its fields is a map."""
    if isinstance(c, Test):
        segs = c.path.segments
        steps_below = len(segs) > 1 or c.op is Op.JSON_PATCH
        if steps_below and segs[0] is not WILDCARD:
            return frozenset({frozenset({segs[0]})})
        return frozenset()
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


def _minimal(clauses: frozenset) -> frozenset:
    """Drop clauses implied by a smaller one (a subset)."""
    return frozenset(k for k in clauses if not any(o < k for o in clauses))


def guard_clauses(c) -> list[list[str]]:
    """The clauses of `c`, each a sorted list of fields, in a stable order."""
    return sorted(sorted(k) for k in required_clauses(c))
