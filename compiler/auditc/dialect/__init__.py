"""Pattern syntaxes of the rule language: glob and the regex dialect.

Each syntax is parsed once into a `Pattern` that carries every translation a
consumer needs: Lua patterns for the filter (exact, or the rule is rejected),
an RE2 for LogQL (None where Loki cannot express it), and a compiled Python
regex for the reference evaluator. `compile_pattern` caches, so a regex used
by several rules, or checked by the loader and then lowered, is translated
once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from auditc.dialect import glob, regex
from auditc.dialect.glob import GlobError
from auditc.dialect.regex import RegexError

PatternError = ValueError  # GlobError and RegexError both derive from it

SYNTAXES = ("glob", "regex")


@dataclass(frozen=True)
class Pattern:
    syntax: str  # "glob" | "regex"
    source: str  # as the user wrote it
    lua: tuple  # of bytes: the value matches iff string.find matches any of them
    re2: str | None = field(compare=False)  # anchored by Loki; None when not expressible
    python: re.Pattern = field(compare=False, repr=False)

    def matches(self, value: str) -> bool:
        if self.syntax == "glob":
            return self.python.fullmatch(value) is not None
        return self.python.search(value) is not None


@lru_cache(maxsize=4096)
def compile_pattern(syntax: str, text: str) -> Pattern:
    """Raises GlobError / RegexError (both ValueError) when no exact Lua
    translation exists."""
    if syntax == "glob":
        tokens = glob.parse(text)
        return Pattern("glob", text, (glob.to_lua(tokens),), glob.to_re2(tokens), glob.to_python(tokens))
    if syntax == "regex":
        return Pattern("regex", text, tuple(regex.translate(text)), regex.to_re2(text), regex.to_python(text))
    raise ValueError(f"unknown pattern syntax {syntax!r}")


@lru_cache(maxsize=4096)
def reference_pattern(syntax: str, text: str) -> Pattern:
    """A Pattern for Python evaluation only (no Lua or RE2 form), for text
    that need not translate to Lua: Sigma samples, test explanations."""
    if syntax == "glob":
        return Pattern("glob", text, (), None, glob.to_python(glob.parse(text)))
    return Pattern("regex", text, (), None, regex.to_python(text))


__all__ = ["reference_pattern", "Pattern", "PatternError", "GlobError", "RegexError", "SYNTAXES", "compile_pattern"]


KEEP = "\\K"  # PCRE's "keep what matched so far": scrub replaces only what follows


def split_keep(regex: str) -> tuple[str, str | None]:
    """A scrub pattern `head\\Ktail` as (head, tail): the match of head stays,
    only tail's is replaced (`password=\\K[^&]*` keeps `password=`). Without
    \\K: (regex, None). A leading inline flag group such as (?i) applies to
    both halves."""
    i = 0
    while True:
        i = regex.find(KEEP, i)
        if i < 0:
            return regex, None
        backslashes = len(regex[:i]) - len(regex[:i].rstrip("\\"))
        if backslashes % 2 == 0:
            break
        i += 2
    head, tail = regex[:i], regex[i + 2:]
    if head.startswith("(?") and ")" in head and head[2:head.index(")")].isalpha():
        tail = head[:head.index(")") + 1] + tail
    return head, tail


def scrub_lua(regex: str) -> list[tuple[bytes, bool]]:
    """Lua patterns for a scrub regex, each with whether it keeps a first
    capture (the part before \\K) in front of the replacement. Raises
    PatternError like compile_pattern."""
    head, tail = split_keep(regex)
    if tail is None:
        return [(p, False) for p in compile_pattern("regex", regex).lua]
    heads, tails = compile_pattern("regex", head).lua, compile_pattern("regex", tail).lua
    if len(heads) * len(tails) > 64:
        raise RegexError("too many alternatives: the regex expands to more than 64 Lua patterns")
    return [(b"(" + h + b")" + t, True) for h in heads for t in tails]
