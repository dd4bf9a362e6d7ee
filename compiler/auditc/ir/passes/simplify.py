"""Flatten nested and/or and fold constants; keeps evaluation order."""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Not, Or


def simplify(c):
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
