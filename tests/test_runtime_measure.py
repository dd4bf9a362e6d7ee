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
