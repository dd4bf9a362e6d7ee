"""The reference evaluator: an IR predicate on a Python audit event.

This is what the generated Lua computes, written from the operator table:
the differential tests run both on generated events and require the same
answer. `auditc test` uses `explain` to say which condition of a rule was
false and what value it saw; Sigma import uses `holds` to check the sample
events it writes.

Paths: a key steps into a mapping; `[*]` fans out over an array's elements;
a missing key, a null, or a step into something else reaches nothing (Lua:
`nil`, or the `flb_null` userdata, which the filter treats as absent).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditc import jsonpatch
from auditc.ir.nodes import And, Const, Not, Or, Test
from auditc.operators import Op
from auditc.paths import WILDCARD


def values_at(event, segments: tuple) -> list:
    """The values a path reaches; missing and null values are left out."""
    current = [event]
    for seg in segments:
        nxt = []
        for v in current:
            if seg is WILDCARD:
                if isinstance(v, list):
                    nxt.extend(x for x in v if x is not None)
            elif isinstance(v, dict):
                x = v.get(seg)
                if x is not None:
                    nxt.append(x)
        current = nxt
    return current


def test_holds(test: Test, event) -> bool:
    return test.op.spec.holds_on_any(values_at(event, test.path.segments), test.values)


def holds(pred, event) -> bool:
    if isinstance(pred, Test):
        return test_holds(pred, event)
    if isinstance(pred, And):
        return all(holds(i, event) for i in pred.items)
    if isinstance(pred, Or):
        return any(holds(i, event) for i in pred.items)
    if isinstance(pred, Not):
        return not holds(pred.item, event)
    assert isinstance(pred, Const), pred
    return pred.value


def _seen(test: Test, event) -> list:
    found = values_at(event, test.path.segments)
    if test.op is Op.JSON_PATCH:
        query = test.values[0]
        return [v for doc in found for v in jsonpatch.written(doc, query.patterns, query.kinds)]
    return found


@dataclass(frozen=True)
class Reason:
    """One test that decided the outcome, with what the event held there."""

    test: Test
    wanted: bool  # the truth the predicate needed from it
    seen: tuple  # the values at its path (empty: missing or null)

    def __str__(self) -> str:
        t = self.test
        operand = "" if not t.values else " " + ", ".join(
            getattr(v, "source", None) or repr(v) for v in t.values)
        if t.op is Op.JSON_PATCH:  # seen: what the patch writes there, not the whole patch
            seen = ("no operation writing there" if not self.seen
                    else "the patch write " + ", ".join(_short(v) for v in self.seen))
        else:
            seen = "nothing (missing or null)" if not self.seen else ", ".join(_short(v) for v in self.seen)
        return f"{t.path} {t.op}{operand} was {str(not self.wanted).lower()}: saw {seen} ({t.loc})"


def _short(v, limit: int = 80) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def explain(pred, event, want: bool = True) -> list[Reason]:
    """Why `pred` is not `want` on `event`: the tests that made it differ
    (all failing conjuncts of an AND that should hold, every branch of an OR).
    Empty when pred already evaluates to `want`."""
    if holds(pred, event) == want:
        return []
    if isinstance(pred, Test):
        return [Reason(pred, want, tuple(_seen(pred, event)))]
    if isinstance(pred, Not):
        return explain(pred.item, event, not want)
    if isinstance(pred, (And, Or)):
        # AND wanted true / OR wanted false: every item that disagrees is a reason.
        # AND wanted false / OR wanted true: every item must change, so all are.
        return [r for item in pred.items for r in explain(item, event, want)]
    return []
