"""Globs -> Lua patterns, exactly.

Glob syntax (fnmatch-like, anchored at both ends): `*` any run of characters
(including '/' and newlines), `?` exactly one character, `[abc]`, `[a-z]`,
`[!abc]` (or `[^abc]`) a class of ASCII characters; every other character is
literal. Lua matches bytes, so "one character" for a UTF-8 string is a lead
byte followed by its continuation bytes (0x80-0xBF).
"""

from __future__ import annotations

ONE_CHAR = b"[^\x80-\xbf][\x80-\xbf]*"


class GlobError(ValueError):
    pass


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


def glob_to_lua(glob: str) -> bytes:
    out = [b"^"]
    i, n = 0, len(glob)
    while i < n:
        ch = glob[i]
        if ch == "*":
            while i < n and glob[i] == "*":
                i += 1
            out.append(b".*")
            continue
        if ch == "?":
            out.append(ONE_CHAR)
        elif ch == "[":
            item, i = _glob_class(glob, i)
            out.append(item)
            continue
        else:
            out.extend(lua_literal_byte(b) for b in ch.encode("utf-8"))
        i += 1
    out.append(b"$")
    return b"".join(out)


def _glob_class(glob: str, i: int) -> tuple[bytes, int]:
    start = i
    i += 1
    negate = i < len(glob) and glob[i] in "!^"
    if negate:
        i += 1
    members: list[bytes] = []
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
            # Lua range endpoints cannot be %-escaped, so spell the range out.
            members.extend(_class_item(c) for c in range(ord(ch), ord(hi) + 1))
            i += 3
        else:
            members.append(_class_item(ord(ch)))
            i += 1
        first = False
    if i >= len(glob):
        raise GlobError(f"unterminated '[' at position {start + 1}")
    body = b"".join(members)
    if negate:
        # A negated ASCII class also matches any non-ASCII character: one
        # lead byte (not a continuation byte) and its continuation bytes.
        return b"[^" + body + b"\x80-\xbf][\x80-\xbf]*", i + 1
    return b"[" + body + b"]", i + 1
