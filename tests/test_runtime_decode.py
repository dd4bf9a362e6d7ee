"""The runtime's JSON decoder (fluentbit.lua) reads every string exactly.

It finds a string's end with plain finds and remembers the line's next
backslash between strings, so the property to hold is: any JSON text, with
any mix of escapes, quotes and backslashes, in any order of lines (the same
line twice, a line that is a prefix of the next), decodes to what Python's
json module reads, and no prefix of it decodes at all.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from auditc.runtime import FluentBitLua

# Bytes that exercise the string scanner: quotes and backslashes (escaped in
# JSON), '/' (escapable), control bytes, and text around them.
TRICKY = st.text(st.sampled_from(list('ab"\\/\n\t\x01\u00e9\u2603\U0001F600 {}[]:,')), max_size=12)
VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), TRICKY),
                      lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TRICKY, inner, max_size=4)),
                      max_leaves=20)
RECORDS = st.dictionaries(TRICKY, VALUES, max_size=5)

RT = FluentBitLua("function f(tag, ts, r) return 2, ts, r end", "f", enable_flb_null=True)
DECODE_ALL = RT.lua.eval(b"""function(h, lines)
  local out = {}
  for i = 1, #lines do
    local v = h.decode(lines[i])
    if v == nil then out[i] = false else out[i] = (h.encode(v)) end
  end
  return out
end""")


def _texts(record: dict) -> list[str]:
    """The ways a producer may write one record: Python's escapes, \\u
    escapes for everything non-ASCII, and '/' escaped as '\\/'."""
    plain = json.dumps(record, ensure_ascii=False)
    return [plain, json.dumps(record), plain.replace("/", "\\/")]


def _decode(lines: list[str]) -> list:
    out = DECODE_ALL(RT.h, RT.lua.table_from([ln.encode() for ln in lines]))
    return [False if out[i] is False else json.loads(out[i]) for i in range(1, len(lines) + 1)]


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORDS, min_size=1, max_size=4))
def test_every_string_decodes_exactly(records):
    lines = [text for r in records for text in _texts(r)]
    lines = lines + lines[::-1]  # the same lines again, in another order: no memo outlives its line
    assert _decode(lines) == [json.loads(ln) for ln in lines]


@settings(max_examples=150, deadline=None)
@given(RECORDS)
def test_no_prefix_of_a_record_decodes(record):
    text = json.dumps(record, ensure_ascii=False)
    prefixes = [text[:k] for k in range(1, len(text))]
    # interleaved with the whole text: a prefix decoded after its full line
    # must not reuse what was found on the full line
    lines = [p for prefix in prefixes for p in (text, prefix)]
    results = _decode(lines)
    assert results[0::2] == [record] * len(prefixes)
    assert results[1::2] == [False] * len(prefixes)
