"""JSON patch documents (RFC 6902) as the `json_patch` operator reads them.

`kubectl patch --type=json` sends a request body that is an array of
operations, `[{"op": "add", "path": "/spec/template/spec/hostNetwork",
"value": true}, ...]`; nothing of the object's usual shape is in it. The
operator asks: does some operation of the chosen kinds write, at a location
a *pointer pattern* names, a value the inner test holds on?

Pointer patterns are JSON pointers (RFC 6901) whose segments may be `*`,
standing for any one segment (an array index, the append marker `-`, or a
key). An operation counts when its own pointer matches the first segments of
the pattern: it writes the location itself (`/spec/hostNetwork`) or an
ancestor of it (`/spec/template` with the whole template as its value); the
rest of the pattern is then followed inside the operation's `value`
(`*` fans out over array elements and map values, a canonical index
`0`, `12` steps into an array). Operations writing only below the location
do not count.

`add`, `replace` and `test` carry a value. `copy` and `move` put a value
there that the patch does not show, and `remove` takes it away: they reach
one opaque value, on which only `exists` holds (`exists` then reads "some
operation of these kinds changes the location").

This module is the reference semantics (pure Python, no auditc imports);
the Lua prelude (backends/lua/filter.lua, `patch_writes`) implements the
same, and tests/test_semantics.py checks that they agree.
"""

from __future__ import annotations

import re

WILD = "*"  # a pattern segment standing for any one segment
OP_KINDS = ("add", "replace", "test", "copy", "move", "remove")
DEFAULT_KINDS = ("add", "replace")
VALUE_KINDS = frozenset({"add", "replace", "test"})
OPAQUE_KINDS = frozenset({"copy", "move", "remove"})

_BAD_ESCAPE = re.compile(r"~(?![01])")
_INDEX = re.compile(r"0|[1-9][0-9]*")


class PointerError(ValueError):
    pass


def _unescape(raw: str) -> str:
    # RFC 6901: ~1 first, then ~0, so "~01" is "~1", not "/".
    return raw.replace("~1", "/").replace("~0", "~")


def parse_pointer(text) -> tuple | None:
    """A JSON pointer's segments, or None if `text` is not a pointer (an
    operation with a malformed path is one the apiserver rejects)."""
    if not isinstance(text, str):
        return None
    if text == "":
        return ()
    if not text.startswith("/") or _BAD_ESCAPE.search(text):
        return None
    return tuple(_unescape(raw) for raw in text[1:].split("/"))


def parse_pattern(text: str) -> tuple:
    """A pointer pattern's segments (WILD for `*`); raises PointerError."""
    if not text.startswith("/"):
        raise PointerError("a pointer pattern starts with '/' (e.g. /spec/template/spec/hostNetwork)")
    bad = _BAD_ESCAPE.search(text)
    if bad:
        raise PointerError(f"'~' at character {bad.start() + 1} must be followed by 0 ('~') or 1 ('/')")
    return tuple(WILD if raw == "*" else _unescape(raw) for raw in text[1:].split("/"))


def _covers(pointer: tuple, pattern: tuple) -> bool:
    """The operation's pointer is the pattern's location or an ancestor of it."""
    return len(pointer) <= len(pattern) and all(p == WILD or p == s for s, p in zip(pointer, pattern))


def follow(value, segments: tuple) -> list:
    """The values `segments` reach inside `value`; nulls are left out."""
    current = [value] if value is not None else []
    for seg in segments:
        nxt: list = []
        for v in current:
            if isinstance(v, list):
                if seg == WILD:
                    nxt.extend(v)
                elif _INDEX.fullmatch(seg) and int(seg) < len(v):
                    nxt.append(v[int(seg)])
            elif isinstance(v, dict):
                if seg == WILD:
                    nxt.extend(v.values())
                elif seg in v:
                    nxt.append(v[seg])
        current = [x for x in nxt if x is not None]
    return current


class Opaque:
    """What a copy, move or remove leaves there: a value the patch does not show."""

    def __repr__(self) -> str:
        return "<copied, moved or removed value>"


OPAQUE = Opaque()


def written(doc, patterns: tuple, kinds) -> list:
    """Every value the operations of `kinds` in the patch `doc` write at a
    location one of `patterns` names (OPAQUE for copy, move and remove)."""
    if not isinstance(doc, list):
        return []
    out: list = []
    for op in doc:
        if not isinstance(op, dict):
            continue
        kind = op.get("op")
        if not isinstance(kind, str) or kind not in kinds:
            continue
        pointer = parse_pointer(op.get("path"))
        if pointer is None:
            continue
        for pattern in patterns:
            if not _covers(pointer, pattern):
                continue
            if kind in OPAQUE_KINDS:
                out.append(OPAQUE)
            elif kind in VALUE_KINDS:
                out.extend(follow(op.get("value"), pattern[len(pointer):]))
    return out
