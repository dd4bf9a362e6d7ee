"""The in-process runtime reproduces Fluent Bit 4.2.8's lua filter contract.

Each test pins one behaviour of plugins/filter_lua/lua.c or src/flb_lua.c
with a tiny hand-written callback.
"""

from __future__ import annotations

import pytest

from auditc.runtime import FluentBitLua, LuaLoadError


def fb(body: str, **kw) -> FluentBitLua:
    return FluentBitLua(f"function f(tag, ts, r)\n{body}\nend", "f", **kw)


def test_return_codes():
    script = fb("""
      r.seen = true
      if r.c == -1 then return -1, ts, r end
      if r.c == 1 then return 1, 42.5, r end
      if r.c == 2 then return 2, 42.5, r end
      return r.c, ts, r""")
    res = script.filter([{"c": -1}, {"c": 0}, {"c": 1}, {"c": 2}, {"c": 7}, {"c": "x"}], timestamp=10.0)
    assert res.codes == [-1, 0, 1, 2, 7, 0]
    drop, keep, repl_ts, repl, odd, nonnum = res.per_input
    assert drop == []
    assert keep[0].record == {"c": 0} and keep[0].timestamp == 10.0  # code 0: original, Lua changes ignored
    assert repl_ts[0].record == {"c": 1, "seen": True} and repl_ts[0].timestamp == 42.5
    assert repl[0].record == {"c": 2, "seen": True} and repl[0].timestamp == 10.0
    assert odd[0].record == {"c": 7} and nonnum[0].record == {"c": "x"}


def test_array_of_maps_splits_the_record():
    res = fb("return 2, ts, { {a = 1}, {b = 2} }").filter([{"x": 1}])
    assert [e.record for e in res.records] == [{"a": 1}, {"b": 2}]


def test_invalid_record_passes_whole_batch_through():
    script = fb('if r.bad then return 2, ts, { 1, 2 } end r.changed = 1 return 2, ts, r')
    res = script.filter([{"n": 1}, {"bad": True}, {"n": 3}])
    assert res.passthrough and res.failed_index == 1 and "not a map" in res.error
    assert [e.record for e in res.records] == [{"n": 1}, {"bad": True}, {"n": 3}]  # untouched, even record 1
    res = fb("return 2, ts, nil").filter([{"n": 1}])
    assert res.passthrough and "nil" in res.error


def test_lua_error_passes_whole_batch_through():
    script = fb('if r.boom then error("kaboom") end r.secret = "[REDACTED]" return 2, ts, r')
    res = script.filter([{"secret": "s1"}, {"boom": 1, "secret": "s2"}])
    assert res.passthrough and "kaboom" in res.error
    assert [e.record["secret"] for e in res.records] == ["s1", "s2"]  # the redaction of record 0 is lost too


def test_empty_table_built_in_lua_is_an_empty_record():
    assert [e.record for e in fb("return 2, ts, {}").filter([{"a": 1}]).records] == [{}]


def test_incoming_empty_containers_keep_their_kind():
    res = fb("r.touched = true return 2, ts, r").filter([{"m": {}, "a": [], "fresh": 1}])
    assert res.records[0].record == {"m": {}, "a": [], "fresh": 1, "touched": True}
    res = fb("r.made = {} return 2, ts, r").filter([{}])
    assert res.records[0].record == {"made": {}}


def test_null_handling_modes():
    body = 'r.kind = type(r.n) r.arr_len = #r.arr return 2, ts, r'
    off = fb(body).filter([{"n": None, "arr": [1, None]}]).records[0].record
    assert off == {"kind": "nil", "arr": [1], "arr_len": 1}  # key vanished, trailing null cut
    on = fb(body, enable_flb_null=True).filter([{"n": None, "arr": [1, None]}]).records[0].record
    assert on == {"n": None, "kind": "userdata", "arr": [1, None], "arr_len": 2}
    truthy = fb("r.truthy = (r.n and true) or false return 2, ts, r", enable_flb_null=True)
    assert truthy.filter([{"n": None}]).records[0].record["truthy"] is True


def test_numbers():
    res = fb("r.half = 0.5 return 2, ts, r").filter([{"whole": 5.0, "big": 2**53 + 1, "neg": -3}])
    rec = res.records[0].record
    assert rec["whole"] == 5 and isinstance(rec["whole"], int)  # 5.0 -> 5 on a modified record
    assert rec["big"] == 2**53  # precision lost: Lua numbers are doubles
    assert rec["half"] == 0.5 and rec["neg"] == -3


def test_json_numbers_follow_yyjson():
    # Fluent Bit 4.2's yyjson backend: exponent or fraction -> double,
    # else int64/uint64, double when out of range (checked against a real 4.2.8)
    kept = fb("return 0, ts, r").filter(['{"a": 1e5, "b": 7, "c": 1.5, "d": 99999999999999999999}'])
    assert kept.records[0].record == {"a": 100000.0, "b": 7, "c": 1.5, "d": 1e20}
    assert isinstance(kept.records[0].record["a"], float)
    changed = fb("return 2, ts, r").filter(['{"a": 1e5, "b": 1e+5, "c": 1.5}'])
    assert changed.records[0].record == {"a": 100000, "b": 100000, "c": 1.5}  # whole numbers -> integers


def test_unencodable_values_are_reported():
    assert any("invalid JSON" in p for p in fb("r[1.5] = 'x' return 2, ts, r").filter([{"a": 1}]).problems)
    assert any("function" in p for p in fb("r.f = print return 2, ts, r").filter([{"a": 1}]).problems)
    assert any("not valid JSON" in p for p in fb("r.n = 0/0 return 2, ts, r").filter([{"a": 1}]).problems)
    # a map given integer keys 1..n becomes an array and loses its string keys
    rec = fb("local t = {1, 2} t.name = 'x' r.t = t return 2, ts, r").filter([{}]).records[0].record
    assert rec["t"] == [1, 2]


def test_non_json_lines_become_log_records():
    res = fb("return 2, ts, r").filter(["not json", '["array"]', '{"ok": 1}'])
    assert [e.record for e in res.records] == [{"log": "not json"}, {"log": '["array"]'}, {"ok": 1}]


def test_load_errors():
    with pytest.raises(LuaLoadError, match="invalid lua content"):
        FluentBitLua("function f(", "f")
    with pytest.raises(LuaLoadError, match="function g is not found"):
        FluentBitLua("function f() end", "g")
    with pytest.raises(LuaLoadError, match="5 arguments"):
        FluentBitLua("function f(tag, ts, group, meta, r) end", "f")


def test_environment_and_tag():
    script = FluentBitLua("function f(tag, ts, r) r.tag = tag r.env = FLB_ENV.CLUSTER return 2, ts, r end", "f",
                          env={"CLUSTER": "prod"})
    assert script.filter([{}], tag="kube-audit.x").records[0].record == {"tag": "kube-audit.x", "env": "prod"}


def test_unicode_round_trip():
    rec = fb("return 2, ts, r").filter([{"s": "é\u2603\U0001F600\n\t\"\\\u0001"}]).records[0].record
    assert rec == {"s": "é\u2603\U0001F600\n\t\"\\\u0001"}
