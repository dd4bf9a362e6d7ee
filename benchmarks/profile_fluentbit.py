"""Where Fluent Bit's CPU goes with the pack, by LuaJIT VM state, against a no-op filter.

    FLUENT_BIT_BIN=/path/to/fluent-bit \\
    LUAJIT_LUA_PATH='<fluent-bit src>/lib/luajit-<rev>/src/?.lua;<build>/lib/luajit-cmake/?.lua' \\
    python benchmarks/profile_fluentbit.py [-n 100000] [--level mix] [--repeat 2] [--functions] [--heap]

Runs the generated log (benchmarks/auditgen.py) through the same pipeline
as bench_fluentbit.py (tail -> json -> lua -> null), once with a no-op
filter and once with the built pack, each loaded by a wrapper script that
starts LuaJIT's own sampling profiler (`jit.p`, mode `vr`, 1 ms) first. The
profiler samples on the process's CPU time and records what the Lua VM was
doing: running compiled traces, interpreting, compiling, collecting
garbage, or "C code", which is Fluent Bit's own work (reading, parsing,
converting records to and from Lua) as well as C functions the filter
calls. Sample counts, unlike events per second, split the pack's extra
time into its causes; docs/benchmarks.md (fifth round) reads them.

`jit.p` is not compiled into Fluent Bit: it is Lua, in Fluent Bit's source
tree (lib/luajit-<rev>/src/jit/p.lua), and needs the `jit/vmdef.lua` that
its build writes (build/lib/luajit-cmake/jit/vmdef.lua). LUAJIT_LUA_PATH
is a Lua package.path naming both.

--functions adds runs of the pack alone with the profiler in its function
mode (`F`): samples taken while Fluent Bit runs its own code or collects
garbage for the records it converts are handed to the next Lua function to
run, the filter's entry, so the entry's count is Fluent Bit's own work
beside the pack and the rest is the pack's own functions. Set against the
no-op's whole count it says what the pack would measure if its Lua cost
nothing.

--heap adds a second pair of runs in which a wrapper reads
collectgarbage("count") at every call over the second half of the log:
the Lua heap's low and high marks, live objects plus garbage not yet swept.
(It calls the filter from Lua, which changes how LuaJIT compiles it, so it
is not combined with the profile.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import auditgen  # noqa: E402
from bench_fluentbit import NOOP, run  # noqa: E402

STATES = ("C code", "Garbage Collector", "Compiled", "Interpreted", "JIT Compiler")

PROFILED = """\
package.path = {lua_path} .. ";" .. package.path
require("jit.p").start({mode}, {out})
dofile({script})
"""

HEAP = """\
dofile({script})
local filter, n, half, lo, hi = {call}, 0, {half}, math.huge, 0
local count = collectgarbage
-- written when Fluent Bit closes the Lua state at exit
local probe = newproxy(true)
getmetatable(probe).__gc = function()
  local f = io.open({out}, "w")
  f:write(string.format("%.0f %.0f\\n", lo, hi))
  f:close()
end
AUDITC_HEAP_PROBE = probe
function {call}(tag, ts, record)
  n = n + 1
  if n > half then
    local kb = count("count")
    if kb < lo then lo = kb end
    if kb > hi then hi = kb end
  end
  return filter(tag, ts, record)
end
"""


def lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sample_counts(path: Path) -> dict:
    """jit.p's raw output (`r`): lines of '<count>  <VM state or function>'."""
    counts = {}
    for line in path.read_text().splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].isdigit():
            counts[parts[1].strip()] = int(parts[0])
    return counts


def entry_name(script: Path, call: str) -> str:
    """How jit.p's function mode names the filter's entry: module:line of
    `function <call>(` (a global function has no local name to print)."""
    for number, line in enumerate(script.read_text(errors="replace").splitlines(), 1):
        if line.startswith(f"function {call}("):
            return f"{script.name}:{number}"
    raise SystemExit(f"no 'function {call}(' in {script}")


def by_function(fb: str, tmp: Path, log: Path, pack, lua_path: str, repeat: int, noop_total: int) -> None:
    """The pack's samples by Lua function; the entry's share is Fluent Bit's own work beside it."""
    name, script, call = pack
    counts: dict = {}
    for r in range(repeat):
        out = tmp / f"functions-{r}.prof"
        wrapper = tmp / "functions-profiled.lua"
        wrapper.write_text(PROFILED.format(lua_path=lua_string(lua_path), mode='"Fri1m0"',
                                           out=lua_string(str(out)), script=lua_string(str(script))))
        run(fb, tmp, log, wrapper, call)
        for function, count in sample_counts(out).items():
            counts[function] = counts.get(function, 0) + count
    entry = entry_name(script, call)
    own = counts.pop(entry, 0)
    lua = sum(counts.values())
    print(f"\nthe pack by Lua function ({repeat} more runs), samples:")
    print(f"  Fluent Bit's own work and collector beside the pack (handed to {entry}): {own:,}")
    print(f"  the pack's own functions: {lua:,}")
    for function, count in sorted(counts.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {count:>6,}  {function}")
    if own:
        print(f"  the no-op's whole run: {noop_total:,} samples: a pack whose Lua cost nothing would measure "
              f"about {noop_total / own:.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="events (default: %(default)s)")
    ap.add_argument("--level", default="mix", choices=("mix", "metadata", "request", "requestresponse"))
    ap.add_argument("--repeat", type=int, default=2, help="interleaved runs per filter; counts are summed")
    ap.add_argument("--script", default=str(ROOT / "lua" / "auditc.lua"), help="the built filter (default: lua/auditc.lua)")
    ap.add_argument("--functions", action="store_true", help="also the pack's samples by Lua function")
    ap.add_argument("--heap", action="store_true", help="also the Lua heap's low and high marks")
    args = ap.parse_args()
    fb = os.environ.get("FLUENT_BIT_BIN")
    lua_path = os.environ.get("LUAJIT_LUA_PATH")
    if not fb or not Path(fb).exists():
        print("set FLUENT_BIT_BIN to a fluent-bit binary", file=sys.stderr)
        return 2
    if not lua_path:
        print("set LUAJIT_LUA_PATH to a package.path holding jit/p.lua and jit/vmdef.lua "
              "(Fluent Bit's source and build trees)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        log = tmp / f"{args.level}.log"
        log.write_text("".join(line + "\n" for line in auditgen.generate(args.n, seed=1, level=args.level)))
        noop = tmp / "noop.lua"
        noop.write_text(NOOP)
        filters = [("noop", noop, "noop"), ("pack", Path(args.script).resolve(), "auditc_filter")]
        totals = {name: {} for name, _, _ in filters}
        for r in range(args.repeat):
            for name, script, call in (filters if r % 2 == 0 else filters[::-1]):
                out = tmp / f"{name}-{r}.prof"
                wrapper = tmp / f"{name}-profiled.lua"
                wrapper.write_text(PROFILED.format(lua_path=lua_string(lua_path), mode='"vri1m0"',
                                                   out=lua_string(str(out)), script=lua_string(str(script))))
                try:
                    run(fb, tmp, log, wrapper, call)
                except SystemExit as exc:  # the wrapper's require failed, most likely
                    print(f"{exc}: can jit.p be loaded from LUAJIT_LUA_PATH?", file=sys.stderr)
                    return 1
                if not out.exists():
                    print(f"jit.p wrote nothing for {name}: is LUAJIT_LUA_PATH right?", file=sys.stderr)
                    return 1
                for state, count in sample_counts(out).items():
                    totals[name][state] = totals[name].get(state, 0) + count
        version = subprocess.run([fb, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        print(f"{version}; {args.n:,} {args.level} events; samples of 1 ms CPU, summed over "
              f"{args.repeat} interleaved runs each\n")
        states = list(STATES) + sorted({s for t in totals.values() for s in t} - set(STATES))
        sums = {name: sum(t.values()) for name, t in totals.items()}
        extra_total = sums["pack"] - sums["noop"]
        print(f"{'VM state':<20} {'no-op':>8} {'pack':>8} {'extra':>8} {'share of extra':>15}")
        for state in states:
            a, b = totals["noop"].get(state, 0), totals["pack"].get(state, 0)
            share = f"{100 * (b - a) / extra_total:>14.0f}%" if extra_total > 0 else f"{'-':>15}"
            print(f"{state:<20} {a:>8,} {b:>8,} {b - a:>+8,} {share}")
        print(f"{'total':<20} {sums['noop']:>8,} {sums['pack']:>8,} {extra_total:>+8,}")
        if sums["pack"]:
            print(f"\nno-op/pack samples: {sums['noop'] / sums['pack']:.2f}x (the throughput ratio, "
                  "as far as samples tell it)")
        if args.functions:
            by_function(fb, tmp, log, filters[1], lua_path, args.repeat, sums["noop"])
        if args.heap:
            print(f"\nLua heap over the second half of the log (KB, low - high):")
            for name, script, call in filters:
                out = tmp / f"{name}.heap"
                wrapper = tmp / f"{name}-heap.lua"
                wrapper.write_text(HEAP.format(script=lua_string(str(script)), call=call, half=args.n // 2,
                                               out=lua_string(str(out))))
                run(fb, tmp, log, wrapper, call)
                lo, hi = out.read_text().split() if out.exists() else ("?", "?")
                print(f"  {name:<6} {lo:>8} - {hi}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
