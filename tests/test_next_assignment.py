"""next_assignment() in filter.lua: the key = value finder of credentials
mode's text scrub, rewritten from a Lua pattern (quadratic inside long runs
of name bytes) into plain finds and byte loops. It must return exactly what
the pattern returns, for any text and any start."""

from __future__ import annotations

import re
from importlib import resources

import lupa.luajit21 as luajit
from hypothesis import example, given, settings, strategies as st

PATTERN = b"([%w_%.%-]+)[\"']?[ \t]*[=:][ \t]*"


def _load():
    source = resources.files("auditc.backends.lua").joinpath("filter.lua").read_text()
    body = re.search(r"^local next_assignment\ndo\n.*?^end\n", source, re.M | re.S).group(0)
    lua = luajit.LuaRuntime(encoding=None, unpack_returned_tuples=True)
    f = lua.execute(b"local sfind, sbyte, ssub = string.find, string.byte, string.sub\n"
                    + body.encode() + b"return next_assignment")
    find = lua.eval(b"function(s, p, i) return string.find(s, p, i) end")
    return f, find


NEXT_ASSIGNMENT, FIND = _load()
TEXT = st.lists(st.sampled_from([b"a", b"Z", b"9", b"_", b".", b"-", b"=", b":", b" ", b"\t", b'"', b"'",
                                 b"\n", b"/", b"\xc3\xa9", b"password", b"key"]), max_size=24).map(b"".join)


def _as_tuple(r):
    if r is None or r == (None,):
        return None
    return tuple(r) if isinstance(r, tuple) else (r,)


@settings(max_examples=1500, deadline=None)
@given(TEXT, st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=5))
@example(b"password = s3cret", [1])
@example(b" =ab:", [1])
@example(b'db.password" :\tx', [1, 3, 12])
@example(b"a=b=c:d", [1, 3, 2, 5, 1])  # a start going back must not reuse a later separator
def test_next_assignment_finds_what_the_pattern_finds(text, inits):
    # several calls on one string, in any order: the per-string memo of the
    # next separators must never answer for the wrong start
    for init in inits:
        if init > len(text):
            continue
        assert _as_tuple(NEXT_ASSIGNMENT(text, init)) == _as_tuple(FIND(text, PATTERN, init)), (text, init)
