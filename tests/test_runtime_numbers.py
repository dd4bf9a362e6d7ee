"""The emulation reads numbers as Fluent Bit 4.2.8 does (measured on a
v4.2.8 build: tail + json parser, Lua filter, file/stdout outputs; see
tests/test_fluentbit_real.py for the same table against the real binary)."""

from __future__ import annotations

import pytest

from auditc.runtime import FluentBitLua
from auditc.runtime.fluentbit import parse_http_json, parse_line

RET2 = "function f(tag, ts, r) return 2, ts, r end"
RET0 = "function f(tag, ts, r) return 0, ts, r end"
SEEN = "function f(tag, ts, r) r.seen = string.format('%.17g', r.code); return 2, ts, r end"

INT64_MIN = -(2**63)
# value -> (output after return 2, output unmodified / return 0)
TABLE = {
    "9223372036854775807": (INT64_MIN, 9223372036854775807),
    "9223372036854775808": (INT64_MIN, 9223372036854775808),
    "18446744073709551615": (INT64_MIN, 18446744073709551615),
    "18446744073709551616": (1.844674407370955e19, 1.844674407370955e19),
    "-9223372036854775808": (INT64_MIN, INT64_MIN),
    "-9223372036854775809": (INT64_MIN, -9.223372036854776e18),
    "1e308": (1e308, 1e308),
    "1.5": (1.5, 1.5),
    "-0.0": (0, -0.0),
    "12345678901234567890123": (1.234567890123457e22, 1.234567890123457e22),
    "-1": (-1, -1),
    "0.1": (0.1, 0.1),
}


def _run(script, line):
    return FluentBitLua(script, "f").filter([line]).records[0].record


@pytest.mark.parametrize("token", sorted(TABLE))
def test_numbers_through_the_lua_filter(token):
    line = '{"code":' + token + "}"
    want2, want0 = TABLE[token]
    got2, got0 = _run(RET2, line)["code"], _run(RET0, line)["code"]
    assert got2 == want2 and type(got2) is type(want2), (token, got2)
    assert got0 == want0 and type(got0) is type(want0), (token, got0)
    if token == "-0.0":
        assert str(got0) == "-0.0" and str(got2) == "0"


def test_lua_sees_int64_min_for_uint64():
    for token in ("9223372036854775807", "9223372036854775808", "18446744073709551615"):
        assert _run(SEEN, '{"code":' + token + "}")["seen"] == "-9.2233720368547758e+18"
    assert _run(SEEN, '{"code":18446744073709551616}')["seen"] == "1.8446744073709552e+19"
    assert _run(SEEN, '{"code":9007199254740993}')["seen"] == "9007199254740992"


def test_infinite_number_fails_the_json_parser():
    line = '{"responseStatus":{"code":1e400}}'
    assert parse_line(line) == {"log": line}
    assert _run(RET2, line) == {"log": line}


def test_http_input_numbers():
    assert parse_http_json('{"a":1e308,"b":1e400,"c":1e+5,"d":1.5,"e":18446744073709551615,"f":18446744073709551616}') == \
        {"a": 1, "b": 1, "c": 1e5, "d": 1.5, "e": 18446744073709551615, "f": 1.8446744073709552e19}
