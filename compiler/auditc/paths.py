"""Field paths into an audit event.

Syntax: dot-separated keys; `[*]` means "any element of an array" (or, in
test expectations, "every element"); a quoted key `["..."]` or `['...']`
holds dots, slashes and brackets, e.g.
`metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`.
Inside double quotes `\\"` and `\\\\` escape; single quotes take no escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class _Wildcard:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "[*]"


WILDCARD = _Wildcard()
_PLAIN_KEY = re.compile(r"[^.\[\]\"'\s]+")


class PathError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class FieldPath:
    segments: tuple  # of str keys and WILDCARD
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def has_wildcard(self) -> bool:
        return any(s is WILDCARD for s in self.segments)

    @property
    def loki_label(self) -> str:
        """How Loki's `| json` stage flattens this path (objectRef.resource -> objectRef_resource)."""
        return "_".join(s for s in self.segments if isinstance(s, str))


def parse_path(text: str) -> FieldPath:
    if not isinstance(text, str) or not text:
        raise PathError("a field path must be a non-empty string", 0)
    segments: list = []
    i, n = 0, len(text)
    expect_key = True  # at start or right after a '.'
    while i < n:
        ch = text[i]
        if ch == "[":
            if text.startswith("[*]", i):
                segments.append(WILDCARD)
                i += 3
            elif i + 1 < n and text[i + 1] in "\"'":
                key, i = _quoted(text, i + 1)
                if i >= n or text[i] != "]":
                    raise PathError("expected ']' after quoted key", i)
                segments.append(key)
                i += 1
            else:
                raise PathError("expected '[*]' or a quoted key like [\"a.b\"]", i)
            expect_key = False
        elif ch == ".":
            if expect_key:
                raise PathError("empty key in path", i)
            i += 1
            expect_key = True
            if i == n:
                raise PathError("path ends with '.'", i)
        else:
            if not expect_key:
                raise PathError("expected '.' or '[' between path segments", i)
            m = _PLAIN_KEY.match(text, i)
            if not m:
                raise PathError(f"unexpected character {ch!r} in path", i)
            segments.append(m.group(0))
            i = m.end()
            expect_key = False
    if not segments or segments[0] is WILDCARD:
        raise PathError("a path must start with a key", 0)
    return FieldPath(tuple(segments), text)


def _quoted(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    i += 1
    out = []
    while i < len(text):
        ch = text[i]
        if ch == quote:
            if not out:
                raise PathError("empty quoted key", i)
            return "".join(out), i + 1
        if ch == "\\" and quote == '"' and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise PathError("unterminated quoted key", i)
