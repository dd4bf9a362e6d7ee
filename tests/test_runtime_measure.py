"""`auditc replay` without an output file measures what Fluent Bit would emit
instead of writing it: the sizes and problems must be exactly those of the
encoder, for any record."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditc.runtime import FluentBitLua

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
RECORDS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(KEYS, inner, max_size=4)), max_leaves=30)

RT = FluentBitLua("function f(tag, ts, r) return 2, ts, r end", "f", enable_flb_null=True)
ROUND_TRIP = RT.lua.eval(b"""function(h, line)
  local v = h.decode(line)
  local json, p1 = h.encode(v)
  local size, p2 = h.measure(v)
  return #json, size, #p1, #p2
end""")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, RECORDS, max_size=6))
def test_measured_size_equals_encoded_size(record):
    import json
    line = json.dumps(record, ensure_ascii=False).replace("NaN", "0").replace("Infinity", "1e999")
    encoded, measured, problems_encoded, problems_measured = ROUND_TRIP(RT.h, line.encode())
    assert measured == encoded
    assert problems_measured == problems_encoded


def test_replay_counts_the_same_bytes_with_and_without_an_output_file(tmp_path):
    from auditc.compiler import compile_rules
    from auditc.tools.replay import replay
    import json
    lines = [json.dumps({"kind": "Event", "verb": "patch", "objectRef": {"resource": "configmaps"},
                         "requestObject": {"data": {"k": f"v{i}\n\"q\"", "n": i, "f": 1.5}}}) for i in range(50)]
    log = tmp_path / "a.log"
    log.write_text("\n".join(lines) + "\n")
    pack = compile_rules("rules")
    without = replay([str(log)], FluentBitLua(pack.lua, "auditc_filter"))
    out = tmp_path / "out.jsonl"
    with_output = replay([str(log)], FluentBitLua(pack.lua, "auditc_filter"), output=str(out))
    assert without.bytes_out == with_output.bytes_out == out.stat().st_size


def _fluent_bit_escape(text: str) -> str:
    """flb_msgpack_to_json's escaping, written out independently of the runtime:
    quote, backslash, \\n \\t \\r by name, other control bytes and DEL as \\u00XX."""
    named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


ENCODE_STRING = RT.lua.eval(b"""function(h, s)
  local json = h.encode({ k = s })
  local size = h.measure({ k = s })
  return json, size
end""")

# Short strings are checked byte by byte and long ones (over 128 bytes) with
# one pattern search: both paths, and the boundary, with every escape.
ESCAPY = st.text(st.sampled_from(['a', 'é', '"', '\\', '\n', '\t', '\r', '\x00', '\x01', '\x1f', '\x7f', ' ', '/']),
                 max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ESCAPY, st.integers(120, 140).flatmap(lambda n: st.builds(lambda c, i: "x" * (n - 1 - i) + c + "x" * i,
                                                                       st.sampled_from(['"', '\x7f', '\x05', 'y']),
                                                                       st.integers(0, n - 1)))))
def test_strings_are_escaped_as_fluent_bit_does_at_any_length(text):
    json, size = ENCODE_STRING(RT.h, text.encode())
    expected = '{"k":' + _fluent_bit_escape(text) + "}"
    assert json.decode() == expected
    assert size == len(expected.encode())
