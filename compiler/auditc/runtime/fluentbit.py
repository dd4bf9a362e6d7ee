"""Run a Fluent Bit Lua filter script in-process, as Fluent Bit 4.2.8 would.

The one runtime behind the test suite, `auditc test` and `auditc replay`.
The conversions live in `fluentbit.lua` (run inside LuaJIT 2.1 through
lupa) so that records cross the Python/Lua boundary as JSON text only, and
so that each conversion sits next to the Fluent Bit source it mirrors:

* JSON -> msgpack -> Lua (yyjson in `flb_pack.c`, `flb_lua_pushmsgpack`): maps and
  arrays become tables tagged with a `{type = 2|1}` metatable; null becomes
  nil (the key vanishes, a trailing array null is cut) unless
  `enable_flb_null`, when it is the truthy `flb_null` userdata; integers
  beyond 2^53 lose precision (Lua numbers are doubles), and every positive
  integer >= 2^63 (and INT64_MAX) reaches Lua as INT64_MIN (flb_lua.c pushes
  (double) u64 through lua_pushinteger); an infinite literal (1e400) fails
  the json parser (the line stays under `log`). Unmodified records print
  doubles with 16 significant digits, as Fluent Bit's JSON encoders do;
  `parse_http_json` reads numbers as the http input does (1e308 -> 1).
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
    """How Fluent Bit 4.2's default JSON backend (yyjson, src/flb_pack.c
    yyjson_val_to_msgpack) reads a number: a token with '.', 'e' or 'E' is a
    double; an integer is int64/uint64, or a double when out of range."""
    if any(c in token for c in ".eE"):
        value = float(token)
        if value in (float("inf"), float("-inf")):
            raise ValueError(f"number out of range: {token}")  # yyjson fails the line (1e400)
        return value
    value = int(token)
    if value < _INT64_MIN or value > _UINT64_MAX:
        return float(token)
    return value


def http_number(token: str) -> int | float:
    """How the http input (in_http, flb_pack_json_state: jsmn tokens and
    pack_numeric_token) reads a number: a double only if the token has a '.'
    or an 'e'/'E' followed by a sign; otherwise strtoull/strtoll, which stop
    at the 'e' (1e308 and 1e400 read as 1), and strtod on ERANGE."""
    import re
    if "." in token or re.search(r"[eE][-+]", token):
        return float(token)
    digits = re.match(r"-?\d+", token).group(0)
    value = int(digits)
    if value < _INT64_MIN or value > _UINT64_MAX:
        return float(digits)
    return value


def parse_http_json(body: str):
    """A JSON body as the http input packs it (see http_number)."""
    return json.loads(body, parse_int=http_number, parse_float=http_number)


def output_number(value: float) -> float:
    """A double as Fluent Bit's JSON encoders print it: 16 significant
    digits (18446744073709551616 comes out as 1.844674407370955e+19)."""
    return float(f"{value:.16g}")


def as_output(value):
    """A record as Fluent Bit writes it when it passes unmodified."""
    if isinstance(value, float):
        return output_number(value)
    if isinstance(value, dict):
        return {k: as_output(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_output(v) for v in value]
    return value


def parse_line(line: str) -> dict:
    """The tail input's json parser: a JSON map, else the raw line under `log`."""
    try:
        value = json.loads(line, parse_int=_flb_number, parse_float=_flb_number)
    except (ValueError, RecursionError):
        return {"log": line}
    return value if isinstance(value, dict) else {"log": line}


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclass
class ReplayBatch:
    """What one blob of log lines became (see fluentbit.lua M.replay)."""

    lines: int = 0
    events: int = 0
    dropped: int = 0
    modified: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    malformed: list[int] = field(default_factory=list)  # 1-based line numbers in the blob
    detections: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    output: bytes | None = None  # the shipped records as JSON lines, if asked for
    error: str | None = None  # the batch passed through unfiltered (Lua error / invalid record)
    error_line: int | None = None


class FluentBitLua:
    """One Lua state holding one filter script, called the way Fluent Bit calls it.

    Lua strings are bytes on both sides (encoding=None), so log lines that are
    not valid UTF-8 pass through byte for byte, as in Fluent Bit.
    """

    def __init__(self, script: str | bytes, call: str, *, enable_flb_null: bool = False,
                 script_name: str = "auditc.lua", env: dict | None = None,
                 preload: str | None = None) -> None:
        """`preload` is Lua run in the state before the script loads; tests use
        it to inject faults (e.g. a string.find that raises)."""
        self.call = call
        self._call = call.encode()
        self.enable_flb_null = enable_flb_null
        self.lua = luajit.LuaRuntime(encoding=None, unpack_returned_tuples=True, register_eval=False)
        self.h = self.lua.execute(_harness_source().encode())
        env_table = self.lua.table_from({k.encode(): str(v).encode() for k, v in (env or {}).items()})
        self.h[b"setup"](enable_flb_null, env_table)
        if preload:
            self.lua.execute(preload.encode())
        # cb_lua_init: load the chunk, run it, then require a global function.
        loader = self.lua.eval(b"function(src, name) local f, err = loadstring(src, name); "
                               b"if not f then return false, err end; local ok, e = pcall(f); "
                               b"if not ok then return false, tostring(e) end; return true, e end")
        source = script.encode() if isinstance(script, str) else script
        ok, result = loader(source, ("@" + script_name).encode())
        if not ok:
            raise LuaLoadError(f"invalid lua content: {_text(result)}")
        # Fluent Bit discards the chunk's return value; auditc scripts return
        # their statistics table there.
        self.module = result if self.lua.eval(b"type")(result) == b"table" else None
        fn = self.lua.globals()[self._call]
        if self.lua.eval(b"type")(fn) != b"function":
            raise LuaLoadError(f"function {call} is not found")
        if self.h[b"callback_args"](fn) != 3:
            raise LuaLoadError(f"{call} takes 5 arguments; this runtime emulates 3-argument callbacks only")

    def filter(self, records: Iterable[dict | str], tag: str = "kube-audit",
               timestamp: float = 1_700_000_000.0) -> FilterResult:
        """Run one batch. Dicts are records; strings are log lines for the json parser."""
        originals: list[dict] = []
        texts: list[bytes] = []
        for rec in records:
            rec = parse_line(rec) if isinstance(rec, str) else rec
            originals.append(rec)
            texts.append(json.dumps(rec, ensure_ascii=False, allow_nan=False).encode())
        status, message, results, problems, failed = self.h[b"run_batch"](
            self._call, tag.encode(), timestamp, self.lua.table_from(texts))
        problems = [_text(p) for p in problems.values()] if problems else []
        if status != b"ok":
            untouched = [[Emitted(as_output(r), timestamp)] for r in originals]
            return FilterResult([e for es in untouched for e in es], untouched, [],
                                error=f"{_text(status)}: {_text(message)}", failed_index=failed - 1, problems=problems)
        per_input: list[list[Emitted]] = []
        codes: list[int] = []
        for i, original in enumerate(originals, start=1):
            r = results[i]
            code = int(r[b"code"])
            codes.append(code)
            out = r[b"out"]
            if code == -1:
                per_input.append([])
            elif code in (1, 2):
                per_input.append([Emitted(json.loads(out[k]), float(r[b"ts"])) for k in range(1, len(out) + 1)])
            else:
                per_input.append([Emitted(as_output(original), timestamp)])
        return FilterResult([e for es in per_input for e in es], per_input, codes, problems=problems)

    def filter_one(self, record: dict | str, **kw: Any) -> FilterResult:
        return self.filter([record], **kw)

    def replay_batch(self, blob: bytes, *, want_output: bool = False, tag: str = "kube-audit",
                     timestamp: float = 1_700_000_000.0) -> ReplayBatch:
        """Run newline-separated log lines through the filter inside Lua.

        The fast path behind `auditc replay`: one call per blob, conversions
        in Lua, and only counts, detection summaries and (if asked) the output
        lines come back. On a Lua error or an invalid returned record Fluent
        Bit would pass the whole batch through; the result says so in
        `error` and counts the batch as shipped unfiltered.
        """
        ret = self.h[b"replay"](self._call, tag.encode(), timestamp, blob, want_output)
        status = ret[0]
        if status != b"ok":
            lines = blob.split(b"\n")
            kept = [ln for ln in lines if ln.strip()]
            return ReplayBatch(lines=len(lines), events=len(kept), bytes_in=sum(len(ln) + 1 for ln in kept),
                               bytes_out=sum(len(ln) + 1 for ln in kept),
                               output=b"\n".join(kept) if want_output else None,
                               error=f"{_text(status)}: {_text(ret[1])}", error_line=int(ret[2]))
        _, st, malformed, detections, problems, output = ret
        batch = ReplayBatch(**{k: int(st[k.encode()]) for k in
                               ("lines", "events", "dropped", "modified", "bytes_in", "bytes_out")})
        batch.first_ts = _text(st[b"first_ts"]) if st[b"first_ts"] else None
        batch.last_ts = _text(st[b"last_ts"]) if st[b"last_ts"] else None
        batch.malformed = [int(v) for v in malformed.values()]
        batch.problems = [_text(p) for p in problems.values()]
        batch.detections = [{_text(k): (int(v) if isinstance(v, (int, float)) else _text(v))
                             for k, v in d.items()} for d in detections.values()]
        batch.output = output
        return batch

    def rule_stats(self) -> dict | None:
        """Per-rule hit counts from an auditc-generated script: {rule_id: (kind, hits)} plus counters."""
        if self.module is None:
            return None
        ids, kinds, hits = self.module[b"rule_id"], self.module[b"kind"], self.module[b"hits"]
        rules = {_text(ids[i]): (_text(kinds[i]), int(hits[i])) for i in range(1, len(ids) + 1)}
        counters = {_text(k): int(v) for k, v in self.module[b"counters"].items()}
        return {"rules": rules, "counters": counters}
