"""Glob syntax: one parse, three targets (Lua pattern, RE2 for LogQL, Python re).

Syntax (fnmatch-like, anchored at both ends): `*` any run of characters
(including '/' and newlines), `?` exactly one character, `[abc]`, `[a-z]`,
`[!abc]` (or `[^abc]`) a class of ASCII characters; every other character is
literal. A `]` right after the opening `[` (or `[!`) is a member.

Lua matches bytes, so "one character" for a UTF-8 string is a lead byte
followed by its continuation bytes (0x80-0xBF); Python and RE2 match code
points, which is the same thing on valid UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ONE_CHAR = b"[^\x80-\xbf][\x80-\xbf]*"
_RE2_META = set("\\.+*?()|[]{}^$")


class GlobError(ValueError):
    pass


@dataclass(frozen=True)
class Star:
    pass


@dataclass(frozen=True)
class AnyChar:
    pass


@dataclass(frozen=True)
class Literal:
    char: str


@dataclass(frozen=True)
class CharClass:
    negate: bool
    members: tuple  # of (lo, hi) code points, ASCII; a single character has lo == hi


def parse(glob: str) -> tuple:
    """The glob as a tuple of Star / AnyChar / Literal / CharClass tokens."""
    out: list = []
    i, n = 0, len(glob)
    while i < n:
        ch = glob[i]
        if ch == "*":
            while i < n and glob[i] == "*":
                i += 1
            out.append(Star())
            continue
        if ch == "?":
            out.append(AnyChar())
        elif ch == "[":
            item, i = _parse_class(glob, i)
            out.append(item)
            continue
        else:
            out.append(Literal(ch))
        i += 1
    return tuple(out)


def _parse_class(glob: str, i: int) -> tuple[CharClass, int]:
    start = i
    i += 1
    negate = i < len(glob) and glob[i] in "!^"
    if negate:
        i += 1
    members: list = []
    first = True
    while i < len(glob) and (glob[i] != "]" or first):
        ch = glob[i]
        if ord(ch) > 0x7F:
            raise GlobError(f"non-ASCII character {ch!r} in a class at position {i + 1}")
        if i + 2 < len(glob) and glob[i + 1] == "-" and glob[i + 2] != "]":
            hi = glob[i + 2]
            if ord(hi) > 0x7F:
                raise GlobError(f"non-ASCII character {hi!r} in a class at position {i + 3}")
            if ord(hi) < ord(ch):
                raise GlobError(f"reversed range {ch}-{hi} at position {i + 1}")
            members.append((ord(ch), ord(hi)))
            i += 3
        else:
            members.append((ord(ch), ord(ch)))
            i += 1
        first = False
    if i >= len(glob):
        raise GlobError(f"unterminated '[' at position {start + 1}")
    return CharClass(negate, tuple(members)), i + 1


# ---------------------------------------------------------------- Lua

def lua_literal_byte(b: int) -> bytes:
    """One byte as a Lua pattern item that matches exactly that byte."""
    if b == 0:
        return b"%z"  # Lua 5.1 patterns cannot hold a raw NUL
    ch = bytes([b])
    if b < 0x80 and not ch.isalnum():
        return b"%" + ch  # '%' + any non-alphanumeric is that character literally
    return ch


def _class_item(b: int) -> bytes:
    if b == 0:
        return b"%z"
    ch = bytes([b])
    return b"%" + ch if not ch.isalnum() else ch


def to_lua(tokens: tuple) -> bytes:
    out = [b"^"]
    for t in tokens:
        if isinstance(t, Star):
            out.append(b".*")
        elif isinstance(t, AnyChar):
            out.append(ONE_CHAR)
        elif isinstance(t, Literal):
            out.extend(lua_literal_byte(b) for b in t.char.encode("utf-8"))
        else:
            # Lua range endpoints cannot be %-escaped, so ranges are spelled out.
            body = b"".join(_class_item(c) for lo, hi in t.members for c in range(lo, hi + 1))
            if t.negate:
                # A negated ASCII class also matches any non-ASCII character: one
                # lead byte (not a continuation byte) and its continuation bytes.
                out.append(b"[^" + body + b"\x80-\xbf][\x80-\xbf]*")
            else:
                out.append(b"[" + body + b"]")
    out.append(b"$")
    return b"".join(out)


# ---------------------------------------------------------------- RE2 (Loki) and Python

def _escape(c: str) -> str:
    return "\\" + c if c in _RE2_META else c


def _class_text(t: CharClass, esc) -> str:
    body = "".join(esc(chr(lo)) if lo == hi else f"{esc(chr(lo))}-{esc(chr(hi))}" for lo, hi in t.members)
    return "[" + ("^" if t.negate else "") + body + "]"


def _class_escape(c: str) -> str:
    # Inside a class only these are special (in RE2 and in Python, which also
    # warns about '&', '~', '|' and '-' runs meant for future set operations).
    return "\\" + c if c in "\\]^-[&~|" else c


def to_re2(tokens: tuple) -> str:
    """The glob as an RE2 body; Loki's label-filter matchers anchor it."""
    out = []
    for t in tokens:
        if isinstance(t, Star):
            out.append("(?s:.*)")
        elif isinstance(t, AnyChar):
            out.append("(?s:.)")
        elif isinstance(t, Literal):
            out.append(_escape(t.char))
        else:
            out.append(_class_text(t, _class_escape))
    return "".join(out)


def to_python(tokens: tuple) -> re.Pattern:
    """A compiled Python regex to `fullmatch` against a value."""
    return re.compile(to_re2(tokens), re.ASCII | re.DOTALL)


def glob_to_lua(glob: str) -> bytes:
    return to_lua(parse(glob))
