"""Run a Fluent Bit Lua filter script in-process, as Fluent Bit 4.2.8 would.

The one runtime behind the test suite, `auditc test` and `auditc replay`.
The conversions live in `fluentbit.lua` (run inside LuaJIT 2.1 through
lupa) so that records cross the Python/Lua boundary as JSON text only, and
so that each conversion sits next to the Fluent Bit source it mirrors:

* JSON -> msgpack -> Lua (`flb_pack.c`, `flb_lua_pushmsgpack`): maps and
  arrays become tables tagged with a `{type = 2|1}` metatable; null becomes
  nil (the key vanishes, a trailing array null is cut) unless
  `enable_flb_null`, when it is the truthy `flb_null` userdata; integers
  beyond 2^53 lose precision (Lua numbers are doubles).
* the call (`plugins/filter_lua/lua.c`): `f(tag, timestamp, record)` under
  pcall; code -1 drops, 1 replaces timestamp and record, 2 replaces the
  record, anything else (0 included) keeps the original bytes; a record
  that is an array of maps becomes several records.
* failure: a Lua error, or a returned record that is not a map/array of
  maps, makes Fluent Bit pass the WHOLE batch through unmodified.
* Lua -> msgpack -> JSON (`flb_lua_tomsgpack`, `flb_lua_arraylength`): a
  tagged table keeps its kind; an untagged one is an array if table.maxn > 0,
  else a map (so an empty table is `{}`); whole numbers become integers.
  Values Fluent Bit cannot encode (NaN, functions, non-string map keys,
  nesting deep enough to crash its JSON encoders) are reported as problems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterable

import lupa.luajit21 as luajit


class LuaLoadError(Exception):
    """The script does not load or lacks the call function (Fluent Bit refuses to start)."""


@dataclass
class Emitted:
    record: dict
    timestamp: float

    @property
    def json(self) -> str:
        return json.dumps(self.record, sort_keys=True, ensure_ascii=False)


@dataclass
class FilterResult:
    """What one batch through the filter produced."""

    records: list[Emitted]  # the output stream, in order
    per_input: list[list[Emitted]]  # what each input record became ([] = dropped)
    codes: list[int]  # the return code for each input (empty on passthrough)
    error: str | None = None  # why Fluent Bit passed the batch through untouched
    failed_index: int | None = None  # 0-based input that caused it
    problems: list[str] = field(default_factory=list)  # values Fluent Bit cannot encode

    @property
    def passthrough(self) -> bool:
        return self.error is not None


def _harness_source() -> str:
    return resources.files("auditc.runtime").joinpath("fluentbit.lua").read_text()


_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _flb_number(token: str) -> int | float:
    """src/flb_pack.c pack_numeric_token: a double only with '.' or e+/e-;
    otherwise strtoll/strtoull, which stop at the first non-digit (so "1e5"
    is 1) and fall back to strtod when out of range."""
    lowered = token.lower()
    if "." in token or "e+" in lowered or "e-" in lowered:
        return float(token)
    digits = token[: next((i for i, c in enumerate(token) if c in "eE"), len(token))]
    value = int(digits)
    if value < _INT64_MIN or value > _UINT64_MAX:
        return float(token)
    return value


def parse_line(line: str) -> dict:
    """The tail input's json parser: a JSON map, else the raw line under `log`."""
    try:
        value = json.loads(line, parse_int=_flb_number, parse_float=_flb_number)
    except (ValueError, RecursionError):
        return {"log": line}
    return value if isinstance(value, dict) else {"log": line}


class FluentBitLua:
    def __init__(self, script: str, call: str, *, enable_flb_null: bool = False,
                 script_name: str = "auditc.lua", env: dict | None = None,
                 preload: str | None = None) -> None:
        """`preload` is Lua run in the state before the script loads; tests use
        it to inject faults (e.g. a string.find that raises)."""
        self.call = call
        self.enable_flb_null = enable_flb_null
        self.lua = luajit.LuaRuntime(unpack_returned_tuples=True, register_eval=False)
        self.h = self.lua.execute(_harness_source())
        self.h.setup(enable_flb_null, self.lua.table_from(env or {}))
        if preload:
            self.lua.execute(preload)
        # cb_lua_init: load the chunk, run it, then require a global function.
        loader = self.lua.eval("function(src, name) local f, err = loadstring(src, name); "
                               "if not f then return false, err end; local ok, e = pcall(f); "
                               "if not ok then return false, tostring(e) end; return true, nil end")
        ok, err = loader(script, "@" + script_name)
        if not ok:
            raise LuaLoadError(f"invalid lua content: {err}")
        fn = self.lua.globals()[call]
        if self.lua.eval("type")(fn) != "function":
            raise LuaLoadError(f"function {call} is not found")
        if self.h.callback_args(fn) != 3:
            raise LuaLoadError(f"{call} takes 5 arguments; this runtime emulates 3-argument callbacks only")

    def filter(self, records: Iterable[dict | str], tag: str = "kube-audit",
               timestamp: float = 1_700_000_000.0) -> FilterResult:
        """Run one batch. Dicts are records; strings are log lines for the json parser."""
        originals: list[dict] = []
        texts: list[str] = []
        for rec in records:
            rec = parse_line(rec) if isinstance(rec, str) else rec
            originals.append(rec)
            texts.append(json.dumps(rec, ensure_ascii=False, allow_nan=False))
        status, message, results, problems, failed = self.h.run_batch(
            self.call, tag, timestamp, self.lua.table_from(texts))
        problems = list(problems.values()) if problems else []
        if status != "ok":
            untouched = [[Emitted(r, timestamp)] for r in originals]
            return FilterResult([e for es in untouched for e in es], untouched, [],
                                error=f"{status}: {message}", failed_index=failed - 1, problems=problems)
        per_input: list[list[Emitted]] = []
        codes: list[int] = []
        for i, original in enumerate(originals, start=1):
            r = results[i]
            code = int(r["code"])
            codes.append(code)
            out = r["out"]
            if code == -1:
                per_input.append([])
            elif code in (1, 2):
                per_input.append([Emitted(json.loads(out[k]), float(r["ts"])) for k in range(1, len(out) + 1)])
            else:
                per_input.append([Emitted(original, timestamp)])
        return FilterResult([e for es in per_input for e in es], per_input, codes, problems=problems)

    def filter_one(self, record: dict | str, **kw: Any) -> FilterResult:
        return self.filter([record], **kw)
