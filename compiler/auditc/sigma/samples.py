"""Sample audit events for imported rules: a positive test and a look-alike negative.

`positive(cond)` searches for a small event that satisfies an auditc condition
(plain dicts as in rule YAML); `negative(cond, event)` changes one value of
that event so that the rule no longer matches (a benign look-alike). Both are
checked with `holds`, a Python evaluator of auditc's field-test semantics, so
a candidate that does not match is never emitted; `auditc test` then runs
them through the compiled Lua. When nothing is found, the rule simply gets
no such test (the importer says so).
"""

from __future__ import annotations

import copy
import itertools
import re
import re._constants as C
import re._parser as sre_parse  # Python 3.11+: the stdlib's own regex parser
import warnings
from typing import Any

from auditc.dialect import reference_pattern
from auditc.ir.evaluate import values_at
from auditc.operators import Op, same
from auditc.paths import WILDCARD, parse_path
from auditc.sigma.fields import AUDIT_VERBS

_MISSING = object()
MAX_CANDIDATES = 200

# Realistic values to use when a condition only needs a field to be present
# or different, by path (most specific first).
_SAMPLES = {
    "verb": "create", "objectRef.resource": "pods", "objectRef.namespace": "default", "user.username": "alice",
}
_OTHER = {
    "objectRef.resource": ["configmaps", "pods", "services"],
    "objectRef.subresource": ["status", "log"],
    "objectRef.namespace": ["default", "team-a"],
    "objectRef.apiGroup": ["example.com", ""],
    "user.username": ["alice", "bob"],
    "responseStatus.code": [200, 201],
}


# ------------------------------------------------------------------ evaluation


def _operands(op: Op, want) -> tuple:
    operands = tuple(want) if isinstance(want, list) else (want,)
    if op.spec.pattern_syntax:
        operands = tuple(reference_pattern(op.spec.pattern_syntax, w) for w in operands)
    return operands


def test_value(op: str, want, v) -> bool:
    """One field test on one value, as the operator table defines it."""
    o = Op(op)
    return o.spec.holds(v, _operands(o, want))


def _field_holds(test: dict, event: dict) -> bool:
    op = Op(_op(test))
    found = values_at(event, parse_path(test["field"]).segments)
    return op.spec.holds_on_any(found, _operands(op, test[op.value]))


def holds(cond, event: dict) -> bool:
    if "field" in cond:
        return _field_holds(cond, event)
    if "not" in cond:
        return not holds(cond["not"], event)
    if "all" in cond:
        return all(holds(c, event) for c in cond["all"])
    return any(holds(c, event) for c in cond["any"])


def _op(test: dict) -> str:
    (op,) = [k for k in test if k != "field"]
    return op


# ------------------------------------------------------------------ candidate constraint sets


def _choices(cond, want: bool):
    """Yield lists of (field test, wanted truth) whose joint truth makes `cond` == want."""
    if "field" in cond:
        yield [(cond, want)]
        return
    if "not" in cond:
        yield from _choices(cond["not"], not want)
        return
    kind = "all" if "all" in cond else "any"
    children = cond[kind]
    if (kind == "all") == want:  # every child must have the wanted truth
        pools = [list(itertools.islice(_choices(c, want), 20)) for c in children]
        for combo in itertools.islice(itertools.product(*pools), MAX_CANDIDATES):
            yield [lit for part in combo for lit in part]
    else:  # one child with the wanted truth is enough
        for c in children:
            yield from itertools.islice(_choices(c, want), MAX_CANDIDATES)


# ------------------------------------------------------------------ values


def _regex_sample(regex: str) -> list[str]:

    flags = re.ASCII
    body = regex
    if body.startswith("(?i)"):
        body = body[4:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = sre_parse.parse(body, flags)
    except Exception:  # noqa: BLE001 - any parse problem means: no sample
        return []
    out = []
    for extra in (0, 1):
        try:
            out.append(_gen(tree, extra))
        except _NoSample:
            pass
    return out


class _NoSample(Exception):
    pass


_PICKS = "a0x/ -._:Z"


def _in_set(items, ch: str) -> bool:

    code = ord(ch)
    negate = False
    hit = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit |= code == av
        elif op is C.RANGE:
            hit |= av[0] <= code <= av[1]
        elif op is C.CATEGORY:
            hit |= {
                C.CATEGORY_DIGIT: ch.isdigit(), C.CATEGORY_NOT_DIGIT: not ch.isdigit(),
                C.CATEGORY_SPACE: ch.isspace(), C.CATEGORY_NOT_SPACE: not ch.isspace(),
                C.CATEGORY_WORD: ch.isalnum() or ch == "_", C.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
            }.get(av, False)
        else:
            raise _NoSample
    return hit != negate


def _gen(tree, extra: int) -> str:

    out = []
    for op, av in tree:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op is C.ANY:
            out.append("x")
        elif op is C.IN:
            ch = next((c for c in _PICKS if _in_set(av, c)), None)
            if ch is None:
                ch = next((chr(i) for i in range(32, 127) if _in_set(av, chr(i))), None)
            if ch is None:
                raise _NoSample
            out.append(ch)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            n = lo if hi == lo else min(lo + extra, hi) if hi != C.MAXREPEAT else lo + extra
            out.append("".join(_gen(sub, extra) for _ in range(n)))
        elif op is C.SUBPATTERN:
            out.append(_gen(av[-1], extra))
        elif op is C.BRANCH:
            out.append(_gen(av[1][0], extra))
        elif op is C.AT:
            pass
        else:
            raise _NoSample
    return "".join(out)


def _glob_sample(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            pass
        elif c == "?":
            out.append("x")
        elif c == "[":
            j = glob.index("]", i + 2)
            body = glob[i + 1:j]
            if body[:1] in ("!", "^"):
                members = set()
                k = 1
                while k < len(body):
                    if k + 2 < len(body) and body[k + 1] == "-":
                        members.update(chr(x) for x in range(ord(body[k]), ord(body[k + 2]) + 1))
                        k += 3
                    else:
                        members.add(body[k])
                        k += 1
                out.append(next(ch for ch in "xa0_-" if ch not in members))
            else:
                out.append(body[0])
            i = j
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _candidates(test: dict, path: str, samples: dict) -> list:
    """Values that should satisfy the test (checked with test_value after)."""
    op = Op(_op(test))
    v = test[op.value]
    vals = v if isinstance(v, list) else [v]
    if op.spec.dispatchable:  # equals, in
        return list(vals)
    if op is Op.PREFIX and path.startswith("sourceIPs"):
        # complete an IPv4 prefix ("10.") to an address ("10.0.0.1") for a realistic event
        return [p + ".".join(["0"] * (3 - p.count(".")) + ["1"]) if p.endswith(".") else p for p in vals] + vals
    if op in (Op.PREFIX, Op.SUFFIX, Op.CONTAINS):
        return list(vals)
    if op is Op.GLOB:
        return [_glob_sample(g) for g in vals]
    if op is Op.REGEX:
        return [s for r in vals for s in _regex_sample(r)]
    if op is Op.GT:
        return [int(v) + 1 if float(v).is_integer() else v + 0.5]
    if op is Op.LT:
        return [int(v) - 1 if float(v).is_integer() else v - 0.5]
    if op in (Op.GTE, Op.LTE):
        return [v]
    if op is Op.EXISTS:
        return [samples.get(path, _SAMPLES.get(path, "x"))]
    return []


def _value_for(path: str, pos: list, neg: list, samples: dict):
    """A value satisfying every positive test on the path and no negative one (or _MISSING)."""
    if not pos:
        return _MISSING
    cands: list = []
    for t in pos:
        cands.extend(_candidates(t, path, samples))
    # Combinations for several string tests on one value (startswith + contains ...):
    # anchored-at-start pieces first, anchored-at-end pieces last.
    if len(pos) > 1:
        head, mid, tail = [], [], []
        for t in pos:
            op = Op(_op(t))
            first = next((c for c in _candidates(t, path, samples) if isinstance(c, str)), None)
            if first is None:
                continue
            pattern = _as_list(t[op.value])[0] if op is Op.REGEX else ""
            pattern = pattern[4:] if pattern.startswith("(?i)") else pattern
            if op is Op.PREFIX or pattern.startswith("^"):
                head.append(first)
            elif op is Op.SUFFIX or (pattern.endswith("$") and not pattern.endswith("\\$")):
                tail.append(first)
            else:
                mid.append(first)
        cands.append("".join(dict.fromkeys(head + mid + tail)))
    for c in cands:
        if all(test_value(_op(t), t[_op(t)], c) for t in pos) and \
                not any(Op(_op(t)) is not Op.ABSENT and test_value(_op(t), t[_op(t)], c) for t in neg):
            return c
    return None  # no single value works


def _as_list(v) -> list:
    return v if isinstance(v, list) else [v]


def _set(event: dict, segments: tuple, value, index: int = 0) -> bool:
    """Put value at the path (creating maps and one-element arrays); False on a conflict."""
    node: Any = event
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        nxt_is_wild = not last and segments[i + 1] is WILDCARD
        if seg is WILDCARD:
            continue
        container_key = seg
        if last:
            if not isinstance(node, dict):
                return False
            if container_key in node and not same(node[container_key], value):
                return False
            node[container_key] = value
            return True
        if not isinstance(node, dict):
            return False
        if nxt_is_wild:
            lst = node.setdefault(container_key, [])
            if not isinstance(lst, list):
                return False
            is_last_wild = WILDCARD not in segments[i + 2:]
            at = index if is_last_wild else 0
            while len(lst) <= at:
                lst.append({} if i + 2 < len(segments) else None)
            if i + 2 == len(segments):  # the array element itself is the value
                if lst[at] is not None and not same(lst[at], value):
                    return False
                lst[at] = value
                return True
            if not isinstance(lst[at], dict):
                return False
            node = lst[at]
        else:
            nxt = node.setdefault(container_key, {})
            if not isinstance(nxt, dict):
                return False
            node = nxt
    return False


def _build(literals: list, samples: dict) -> dict | None:
    by_path: dict[str, tuple[list, list]] = {}
    for test, want in literals:
        if Op(_op(test)) is Op.ABSENT:  # absent wanted == exists unwanted, and the other way round
            test, want = {"field": test["field"], "exists": True}, not want
        pos, neg = by_path.setdefault(test["field"], ([], []))
        (pos if want else neg).append(test)
    event: dict = {}
    # Shorter paths first, so a map set by `exists` is not clobbered by a deeper test.
    for path in sorted(by_path, key=lambda p: (len(parse_path(p).segments), p)):
        pos, neg = by_path[path]
        segments = parse_path(path).segments
        value = _value_for(path, pos, neg, samples)
        if value is _MISSING:
            continue
        if value is None:  # several positive tests no single value meets: one array element each
            if WILDCARD not in segments:
                return None
            for n, t in enumerate(pos):
                v = _value_for(path, [t], neg, samples)
                if v in (None, _MISSING) or not _set(event, segments, v, n):
                    return None
            continue
        if not _set(event, segments, value):
            return None
    return event


def positive(cond, samples: dict | None = None) -> dict | None:
    """A small event on which cond holds, or None."""
    samples = samples or {}
    for literals in itertools.islice(_choices(cond, True), MAX_CANDIDATES):
        event = _build(literals, samples)
        if event is not None and event and holds(cond, event):
            return event
    return None


def _replacements(path: str, value) -> list:
    if path == "verb":
        return [v for v in ("get", "list", "update", "create", "delete") if v != value] + list(AUDIT_VERBS)
    if path in _OTHER:
        return [v for v in _OTHER[path] if not same(v, value)]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [200, 0, value + 1]
    if isinstance(value, str):
        return ["benign", "x", ""]
    return ["benign"]


def negative(cond, event: dict) -> tuple[dict, str] | None:
    """A copy of event with one value changed (or removed) on which cond does not hold, and what changed."""

    leaves = list(_paths_in(event))
    for segments, text, value in leaves:
        for repl in _replacements(text, value):
            other = copy.deepcopy(event)
            _put(other, segments, repl)
            if not holds(cond, other):
                return other, f"{text} {_show(repl)} instead of {_show(value)}"
    for segments, text, value in leaves:
        other = copy.deepcopy(event)
        _put(other, segments, _MISSING)
        if other and not holds(cond, other):
            return other, f"without {text}"
    return None


def _show(v) -> str:
    if isinstance(v, str):
        return repr(v) if v == "" or " " in v else v
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def _paths_in(node, prefix=(), text=""):
    """(segments, display path, value) for each scalar leaf, in document order."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths_in(v, prefix + (k,), f"{text}.{k}" if text else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths_in(v, prefix + (i,), f"{text}[{i}]")
    else:
        yield prefix, text, node


def _put(event, segments, value) -> None:
    node = event
    for seg in segments[:-1]:
        node = node[seg]
    if value is _MISSING:
        if isinstance(node, list):
            node.pop(segments[-1])
        else:
            del node[segments[-1]]
    else:
        node[segments[-1]] = value


def case_variant(cond, event: dict) -> tuple[dict, str] | None:
    """The event with one string tested by a case-insensitive regex in another letter case, if cond still holds."""

    folded = set()
    stack = [cond]
    while stack:
        c = stack.pop()
        if "field" in c:
            if Op(_op(c)) is Op.REGEX and all(r.startswith("(?i)") for r in _as_list(c["regex"])):
                folded.add(parse_path(c["field"]).segments)
        else:
            stack.extend(c.get("all", []) + c.get("any", []) + ([c["not"]] if "not" in c else []))
    for segments, text, value in _paths_in(event):
        key = tuple(WILDCARD if isinstance(s, int) else s for s in segments)
        if key in folded and isinstance(value, str) and value.swapcase() != value:
            other = copy.deepcopy(event)
            _put(other, segments, value.swapcase())
            if holds(cond, other):
                return other, f"{text} {_show(value.swapcase())}"
    return None
