"""pySigma's condition tree -> an auditc condition (plain dicts, as in rule YAML).

pySigma resolves a rule's condition (`rule.detection.parsed_condition[i].parsed`)
into a tree of ConditionAND / ConditionOR / ConditionNOT whose leaves are
field/value pairs: selections (maps = AND, value lists = OR or AND with
`|all`), `1 of x*` / `all of x*` / `1 of them` / `all of them` selectors,
`not`, `neq` and parentheses are all already expanded there. Several
conditions in a list are alternatives (OR). This module maps that tree onto
auditc's `all` / `any` / `not`, folds the constants produced by comparisons
that can never match, merges OR-ed tests of one field into one list test,
and applies the one structural fix (exec over WebSocket is logged as `get`).
"""

from __future__ import annotations

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.modifiers import (
    SigmaExpandModifier,
    SigmaUTF16BEModifier,
    SigmaUTF16Modifier,
    SigmaWideModifier,
    reverse_modifier_mapping,
)
from sigma.rule.detection import SigmaDetection, SigmaDetectionItem

from auditc.operators import Op
from auditc.sigma.fields import Unconvertible, resolve
from auditc.sigma.values import FALSE, TRUE, Notes, any_of, leaf

_REFUSED_MODIFIERS = {
    SigmaWideModifier: "UTF-16 text never occurs in the UTF-8 JSON of audit events",
    SigmaUTF16Modifier: "UTF-16 text never occurs in the UTF-8 JSON of audit events",
    SigmaUTF16BEModifier: "UTF-16 text never occurs in the UTF-8 JSON of audit events",
    SigmaExpandModifier: "placeholders need a processing pipeline that defines their values",
}

EXEC_SUBRESOURCES = {"exec", "attach"}
EXEC_NOTE = ("kubectl exec/attach over WebSocket (kubectl >= 1.30) is logged with verb 'get', not 'create'; "
             "verb get added")


def check_modifiers(detections) -> None:
    """Refuse modifiers that make no sense for audit events, naming them."""
    def walk(item):
        if isinstance(item, SigmaDetection):
            for sub in item.detection_items:
                walk(sub)
        elif isinstance(item, SigmaDetectionItem):
            for mod in item.modifiers:
                if mod in _REFUSED_MODIFIERS:
                    name = reverse_modifier_mapping.get(mod.__name__, mod.__name__)
                    raise Unconvertible(f"modifier '{name}' on '{item.field}': {_REFUSED_MODIFIERS[mod]}")

    for detection in detections.detections.values():
        walk(detection)


def convert(detections, notes: Notes):
    """The auditc condition of a rule's detection section; Unconvertible if it folds to a constant."""
    check_modifiers(detections)
    trees = [c.parsed for c in detections.parsed_condition]
    cond = any_of([_node(t, notes) for t in trees])
    cond = simplify(cond)
    if cond is FALSE:
        raise Unconvertible("can never match a real audit event: " + "; ".join(notes.items))
    if cond is TRUE:
        raise Unconvertible("matches every audit event")
    return _fix_exec(cond, notes)


def _node(item, notes: Notes):
    if isinstance(item, ConditionAND):
        return all_of([_node(a, notes) for a in item.args])
    if isinstance(item, ConditionOR):
        return any_of([_node(a, notes) for a in item.args])
    if isinstance(item, ConditionNOT):
        return not_of(_node(item.args[0], notes))
    if isinstance(item, ConditionFieldEqualsValueExpression):
        return leaf(resolve(item.field), item.value, notes)
    if isinstance(item, ConditionValueExpression):
        raise Unconvertible(f"keyword (full-text) search for '{str(item.value)[:40]}' has no exact auditc form "
                            "(auditc tests fields)")
    if item is None:
        raise Unconvertible("the condition is empty")
    raise Unconvertible(f"condition element {type(item).__name__} has no auditc form")


def all_of(items: list):
    items = [i for i in items if i is not TRUE]
    if any(i is FALSE for i in items):
        return FALSE
    if not items:
        return TRUE
    return items[0] if len(items) == 1 else {"all": items}


def not_of(item):
    if item is TRUE:
        return FALSE
    if item is FALSE:
        return TRUE
    if isinstance(item, dict) and set(item) == {"not"}:
        return item["not"]
    return {"not": item}


# ------------------------------------------------------------------ simplification

def _key(v):
    return (type(v).__name__, v)  # True == 1 in Python; keep them apart


def _dedupe(values: list) -> list:
    seen, out = set(), []
    for v in values:
        if _key(v) not in seen:
            seen.add(_key(v))
            out.append(v)
    return out


def _op(test: dict) -> str:
    (op,) = [k for k in test if k != "field"]
    return op


def _as_list(v) -> list:
    return list(v) if isinstance(v, list) else [v]


def simplify(cond):
    """Flatten nested all/any, merge OR-ed tests of one field, drop duplicates."""
    if cond is TRUE or cond is FALSE or "field" in cond:
        return cond
    if "not" in cond:
        return not_of(simplify(cond["not"]))
    kind = "all" if "all" in cond else "any"
    flat = []
    for child in (simplify(c) for c in cond[kind]):
        if isinstance(child, dict) and kind in child:
            flat.extend(child[kind])
        else:
            flat.append(child)
    if kind == "any":
        flat = _merge_any(flat)
        folded = any_of(flat)
    else:
        folded = all_of(flat)
    if isinstance(folded, dict) and kind in folded:
        unique, seen = [], []
        for c in folded[kind]:
            if c not in seen:
                seen.append(c)
                unique.append(c)
        folded = unique[0] if len(unique) == 1 else {kind: unique}
    return folded


def _merge_any(items: list) -> list:
    out: list = []
    slots: dict = {}  # (field, op family) -> index in out
    for c in items:
        if not (isinstance(c, dict) and "field" in c):
            out.append(c)
            continue
        op = _op(c)
        family = Op(op).spec.list_form  # operands are alternatives: OR-ed tests merge into one list
        if family is None:
            out.append(c)
            continue
        slot = (c["field"], family)
        values = _as_list(c[op])
        if slot in slots:
            prev = out[slots[slot]]
            merged = _dedupe(_as_list(prev[_op(prev)]) + values)
            out[slots[slot]] = _make(c["field"], family, merged)
        else:
            slots[slot] = len(out)
            out.append(_make(c["field"], family, _dedupe(values)))
    return out


def _make(path: str, family: Op, values: list) -> dict:
    if family is Op.IN:
        return {"field": path, "equals": values[0]} if len(values) == 1 else {"field": path, "in": values}
    return {"field": path, family.value: values[0] if len(values) == 1 else values}


# ------------------------------------------------------------------ exec fix


def _values(test: dict, path: str) -> list | None:
    if test.get("field") != path:
        return None
    op = _op(test)
    return _as_list(test[op]) if Op(op).spec.dispatchable else None


def _fix_exec(cond, notes: Notes):
    if "field" in cond:
        return cond
    if "not" in cond:
        return {"not": _fix_exec(cond["not"], notes)}
    kind = "all" if "all" in cond else "any"
    children = [_fix_exec(c, notes) for c in cond[kind]]
    if kind == "all":
        subresources = [v for c in children if "field" in c for v in (_values(c, "objectRef.subresource") or [])]
        if subresources and set(subresources) <= EXEC_SUBRESOURCES:
            for i, c in enumerate(children):
                verbs = _values(c, "verb") if "field" in c else None
                if verbs and "create" in verbs and "get" not in verbs:
                    at = verbs.index("create") + 1
                    children[i] = {"field": "verb", "in": verbs[:at] + ["get"] + verbs[at:]}
                    notes.add(EXEC_NOTE, "exec: verb get added (WebSocket)")
    return {kind: children}
