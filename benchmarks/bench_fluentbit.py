"""Throughput of the default pack inside real Fluent Bit, against a no-op Lua filter.

    FLUENT_BIT_BIN=/path/to/fluent-bit python benchmarks/bench_fluentbit.py [-n 200000] [--repeat 3]

Runs the same generated log (benchmarks/auditgen.py, realistic mix and
Metadata-only) through `tail` (Read_from_Head, Exit_On_Eof) -> the json
parser -> a Lua filter -> the `null` output, once with a filter that returns
0 for every record and once with the built pack (lua/auditc.lua as
`auditc build` writes it), best of --repeat wall-clock runs each, runs
interleaved so both see the same machine load. Prints events/s and the
pack/no-op ratio twice per dataset: `whole` (n events from a cold start) and
`steady` (the second n of a 2n-event run: the CPU of the 2n run less that of
the n run, so start-up and the JIT's warm-up cancel). Fluent Bit itself is not part of this repository: build it
or install it where you run this.

Events/s are per CPU-second of the fluent-bit process (user + system, from
wait4), less the CPU of the same configuration on an empty log (start-up,
loading the script, shutdown). Wall-clock time is no measure here: Fluent
Bit flushes and exits on whole-second ticks (Flush 1, Grace 1), so a run of
a few seconds reads as 3 s or 4 s and nothing in between.

The machine's load moves every figure (a VM's neighbours: +-15% within
minutes, the pack more than the no-op), so compare only filters measured in
the same interleaved runs:

    --baseline OLD.lua   a second build of the filter (say, from the last
                         commit) in the same runs, with its own ratio
    --by-class           the mix split by kind of event (lease traffic,
                         watches, non-resource, reads, writes with and
                         without a body, TokenRequests): each filter's extra
                         µs per event over the no-op, class by class
Build Fluent Bit as its release image does (`FLB_RELEASE=On`,
`FLB_JEMALLOC=On`): other builds move the no-op's share (docs/benchmarks.md).
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

NOOP = "function noop(tag, ts, record) return 0, ts, record end\n"

CONFIG = """\
[SERVICE]
    Flush        1
    Log_Level    warn
    Grace        1
    Parsers_File {parsers}
    Coro_Stack_Size 262144

[INPUT]
    Name              tail
    Path              {log}
    Read_from_Head    On
    Exit_On_Eof       On
    Parser            json
    Buffer_Chunk_Size 256k
    Buffer_Max_Size   8M
    Mem_Buf_Limit     512M

[FILTER]
    Name    lua
    Match   *
    script  {script}
    call    {call}

[OUTPUT]
    Name  null
    Match *
"""


def write_config(conf: Path, log: Path, script: Path, call: str) -> Path:
    """The benchmark pipeline (tail `log` -> json -> lua `call` in `script` -> null) as `conf`."""
    conf.write_text(CONFIG.format(parsers=ROOT / "lua" / "parsers.conf", log=log, script=script, call=call))
    return conf


def run(fb: str, workdir: Path, log: Path, script: Path, call: str) -> float:
    """CPU seconds (user + system) of one fluent-bit run to the end of `log`."""
    conf = write_config(workdir / f"{call}.conf", log, script, call)
    proc = subprocess.Popen([fb, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"fluent-bit exited with {proc.returncode} on {conf}")
    return usage.ru_utime + usage.ru_stime


# The kinds of event --by-class reports, in the order printed; each event
# of the mix belongs to the first that matches.
CLASSES = ("lease", "token", "watch", "nonres", "read", "wbody", "write")
CLASS_TITLE = {"lease": "Lease traffic", "token": "TokenRequests", "watch": "watches",
               "nonres": "non-resource", "read": "reads", "wbody": "writes with a body",
               "write": "writes, no body"}


def event_class(event: dict) -> str:
    ref = event.get("objectRef") or {}
    if ref.get("resource") == "leases":
        return "lease"
    if ref.get("subresource") == "token":
        return "token"
    if event.get("verb") == "watch":
        return "watch"
    if not ref:
        return "nonres"
    if event.get("verb") in ("get", "list"):
        return "read"
    return "wbody" if "requestObject" in event or "responseObject" in event else "write"


def interleaved(fb: str, tmp: Path, log: Path, filters, fixed: dict, repeat: int) -> dict:
    """Best CPU seconds per filter over `repeat` rounds, each round running
    every filter once (in reverse order every other round)."""
    best: dict = {}
    for r in range(repeat):
        for name, script, call in (filters if r % 2 == 0 else filters[::-1]):
            dt = run(fb, tmp, log, script, call) - fixed[name]
            best[name] = dt if name not in best or dt < best[name] else best[name]
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200_000, help="events per dataset (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, best is kept")
    ap.add_argument("--script", default=str(ROOT / "lua" / "auditc.lua"), help="the built filter (default: lua/auditc.lua)")
    ap.add_argument("--baseline", help="another built filter, measured in the same interleaved runs")
    ap.add_argument("--by-class", action="store_true", help="also the mix class by class: extra µs per event")
    args = ap.parse_args()
    fb = os.environ.get("FLUENT_BIT_BIN")
    if not fb or not Path(fb).exists():
        print("set FLUENT_BIT_BIN to a fluent-bit binary", file=sys.stderr)
        return 2
    version = subprocess.run([fb, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        noop = tmp / "noop.lua"
        noop.write_text(NOOP)
        print(f"{version}; events per dataset: {args.n:,}; best of {args.repeat} interleaved runs, "
              "tail -> json -> lua -> null\n")
        filters = [("noop", noop, "noop"), ("pack", Path(args.script), "auditc_filter")]
        if args.baseline:
            filters.append(("baseline", Path(args.baseline), "auditc_filter"))
        head = f"{'dataset':<10} {'run':<7} {'no-op events/s':>15} {'pack events/s':>14} {'pack/no-op':>11}"
        print(head + (f" {'baseline/no-op':>15}" if args.baseline else ""))
        empty = tmp / "empty.log"
        empty.write_text("")
        fixed = {name: min(run(fb, tmp, empty, script, call) for _ in range(args.repeat))
                 for name, script, call in filters}
        mix_lines = None
        for level in ("mix", "metadata"):
            # `whole`: n events from a cold start, as the run above has
            # always been measured. `steady`: the second n of 2n events, the
            # CPU of the 2n run less that of the first n; start-up and the
            # JIT's warm-up (LuaJIT compiles some 2,000 traces for the pack
            # over its first ~50,000 events, then few more) are in both
            # runs and cancel. A DaemonSet's Fluent Bit runs for days: the
            # steady figure is the one it lives with.
            lines = list(auditgen.generate(2 * args.n, seed=1, level=level))
            if level == "mix":
                mix_lines = lines[:args.n]
            log, log2 = tmp / f"{level}.log", tmp / f"{level}-2n.log"
            log.write_text("".join(line + "\n" for line in lines[:args.n]))
            log2.write_text("".join(line + "\n" for line in lines))
            best = interleaved(fb, tmp, log, filters, fixed, args.repeat)
            best2 = interleaved(fb, tmp, log2, filters, fixed, args.repeat)
            for run_name, secs in (("whole", best),
                                   ("steady", {k: max(best2[k] - best[k], 1e-9) for k in best})):
                eps = {name: args.n / secs[name] for name in secs}
                row = (f"{level:<10} {run_name:<7} {eps['noop']:>15,.0f} {eps['pack']:>14,.0f} "
                       f"{eps['pack'] / eps['noop']:>10.2f}x")
                if args.baseline:
                    row += f" {eps['baseline'] / eps['noop']:>14.2f}x"
                print(row)
        print(f"\nstart-up and shutdown CPU (subtracted): "
              + ", ".join(f"{name} {fixed[name]:.2f} s" for name, _, _ in filters))
        if args.by_class:
            by_class(fb, tmp, mix_lines, filters, fixed, args.repeat)
    return 0


def by_class(fb: str, tmp: Path, lines: list, filters, fixed: dict, repeat: int) -> None:
    """The mix's events split by event_class, each class its own log: CPU µs
    per event over the no-op, and what share of the mix's extra time it is."""
    import json
    groups: dict = {c: [] for c in CLASSES}
    for line in lines:
        groups[event_class(json.loads(line))].append(line)
    others = [name for name, _, _ in filters if name != "noop"]
    print(f"\nthe mix by class: µs per event over the no-op (share of the mix's extra)")
    print(f"{'class':<19} {'events':>7} {'no-op µs':>9} " + " ".join(f"{name + ' µs':>16}" for name in others))
    total = {name: 0.0 for name in others}
    rows = []
    for c in CLASSES:
        if not groups[c]:
            continue
        log = tmp / f"class-{c}.log"
        log.write_text("".join(line + "\n" for line in groups[c]))
        best = interleaved(fb, tmp, log, filters, fixed, repeat)
        n = len(groups[c])
        extra = {name: (best[name] - best["noop"]) / n * 1e6 for name in others}
        for name in others:
            total[name] += extra[name] * n
        rows.append((c, n, best["noop"] / n * 1e6, extra))
    for c, n, base, extra in rows:
        cells = " ".join(f"{extra[name]:>+8.1f} ({100 * extra[name] * n / total[name] if total[name] else 0:>3.0f}%)"
                         for name in others)
        print(f"{CLASS_TITLE[c]:<19} {n:>7,} {base:>9.1f} {cells}")


if __name__ == "__main__":
    sys.exit(main())
