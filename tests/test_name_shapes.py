"""Credential-name globs answered by plain finds (cred_name in filter.lua).

Most name globs are a literal with a `*` at either end; the generator splits
a name set by shape (exact / prefix / suffix / has / patterns) so the Lua
pattern matcher runs only for the rest. The split must answer exactly what
the patterns answer, for every name."""

from __future__ import annotations

import re
from importlib import resources

import lupa.luajit21 as luajit
import pytest
from hypothesis import given, settings, strategies as st

from auditc.backends.lua.generator import _name_set
from auditc.dialect import compile_pattern
from auditc.dialect.lua_literal import literal_shape


@pytest.mark.parametrize("pattern, shape", [
    (b"^.*password.*$", ("has", b"password")),
    (b"^.*pass$", ("suffix", b"pass")),
    (b"^.*%.key$", ("suffix", b".key")),
    (b"^id%_rsa$", ("exact", b"id_rsa")),
    (b"^authorization%.k8s%.io%/.*$", ("prefix", b"authorization.k8s.io/")),
    (b"^a%.*$", None),  # 'a' then any number of dots
    (b"^%.*$", None),
    (b"^.*[ab]$", None),
    (b"^.*%d$", None),
    (b"^.*a.*b.*$", None),
    (b"^.*%%.*$", None),  # conservative: left to the matcher
    (b"password", None),  # not anchored
    (b"^)$", None),  # not a valid pattern: the matcher raises, a plain find would not
    (b"^b\0%]$", None),  # LuaJIT reads a pattern up to its first NUL
])
def test_literal_shape(pattern, shape):
    assert literal_shape(pattern) == shape


def _lua_name_in():
    """name_in() as filter.lua defines it, and a loader for _name_set's text."""
    source = resources.files("auditc.backends.lua").joinpath("filter.lua").read_text()
    body = re.search(r"^local function name_in\(low, set\)\n.*?^end\n", source, re.M | re.S).group(0)
    lua = luajit.LuaRuntime(encoding=None)
    return lua.execute(b"local sfind = string.find\n" + body.encode() + b"return name_in"), lua


NAME_IN, LUA = _lua_name_in()
GLOB_CHARS = st.sampled_from(["a", "b", "k", ".", "_", "-", "/", "*", "?", "[ab]", "%", "é"])
LITERAL = st.lists(st.sampled_from(list("abk._-/%") + ["é"]), max_size=3).map("".join)
# mostly the shapes that become plain finds (`*lit*`, `*lit`, `lit*`, `lit`), some anything
GLOB = st.one_of(st.tuples(st.sampled_from(["", "*"]), LITERAL, st.sampled_from(["", "*"])).map("".join),
                 st.lists(GLOB_CHARS, max_size=5).map("".join))
NAME_CHARS = st.sampled_from(list("abk._-/%") + ["é", "\n"])


@settings(max_examples=500, deadline=None)
@given(st.lists(GLOB, min_size=1, max_size=4), st.lists(NAME_CHARS, max_size=6).map("".join))
def test_name_set_answers_what_the_patterns_answer(globs, name):
    patterns = tuple(dict.fromkeys(p for g in globs for p in compile_pattern("glob", g).lua))
    name_set = LUA.execute(b"return " + _name_set(patterns).encode())
    low = name.lower().encode()
    by_pattern = any(LUA.globals().string.find(low, p) is not None for p in patterns)
    reference = any(compile_pattern("glob", g).python.fullmatch(name.lower()) for g in globs)
    assert NAME_IN(low, name_set) is by_pattern is reference
