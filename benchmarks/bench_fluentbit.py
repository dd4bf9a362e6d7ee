"""Throughput of the default pack inside real Fluent Bit, against a no-op Lua filter.

    FLUENT_BIT_BIN=/path/to/fluent-bit python benchmarks/bench_fluentbit.py [-n 200000] [--repeat 3]

Runs the same generated log (benchmarks/auditgen.py, realistic mix and
Metadata-only) through `tail` (Read_from_Head, Exit_On_Eof) -> the json
parser -> a Lua filter -> the `null` output, once with a filter that returns
0 for every record and once with the built pack (lua/auditc.lua as
`auditc build` writes it), best of --repeat wall-clock runs each, runs
interleaved so both see the same machine load. Prints events/s and the
pack/no-op ratio. Fluent Bit itself is not part of this repository: build it
or install it where you run this.

Events/s are per CPU-second of the fluent-bit process (user + system, from
wait4), less the CPU of the same configuration on an empty log (start-up,
loading the script, shutdown). Wall-clock time is no measure here: Fluent
Bit flushes and exits on whole-second ticks (Flush 1, Grace 1), so a run of
a few seconds reads as 3 s or 4 s and nothing in between.
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


def run(fb: str, workdir: Path, log: Path, script: Path, call: str) -> float:
    """CPU seconds (user + system) of one fluent-bit run to the end of `log`."""
    conf = workdir / f"{call}.conf"
    conf.write_text(CONFIG.format(parsers=ROOT / "lua" / "parsers.conf", log=log, script=script, call=call))
    proc = subprocess.Popen([fb, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"fluent-bit exited with {proc.returncode} on {conf}")
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200_000, help="events per dataset (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, best is kept")
    ap.add_argument("--script", default=str(ROOT / "lua" / "auditc.lua"), help="the built filter (default: lua/auditc.lua)")
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
        print(f"{version}; events per dataset: {args.n:,}; best of {args.repeat} runs, tail -> json -> lua -> null\n")
        print(f"{'dataset':<10} {'no-op events/s':>15} {'pack events/s':>14} {'pack/no-op':>11}")
        filters = (("noop", noop, "noop"), ("pack", Path(args.script), "auditc_filter"))
        empty = tmp / "empty.log"
        empty.write_text("")
        fixed = {name: min(run(fb, tmp, empty, script, call) for _ in range(args.repeat))
                 for name, script, call in filters}
        for level in ("mix", "metadata"):
            log = tmp / f"{level}.log"
            with open(log, "w") as fh:
                for line in auditgen.generate(args.n, seed=1, level=level):
                    fh.write(line + "\n")
            best = {"noop": None, "pack": None}
            for _ in range(args.repeat):
                for name, script, call in filters:
                    dt = run(fb, tmp, log, script, call) - fixed[name]
                    best[name] = dt if best[name] is None or dt < best[name] else best[name]
            n_eps, p_eps = args.n / best["noop"], args.n / best["pack"]
            print(f"{level:<10} {n_eps:>15,.0f} {p_eps:>14,.0f} {p_eps / n_eps:>10.2f}x")
        print(f"\nstart-up and shutdown CPU (subtracted): no-op {fixed['noop']:.2f} s, pack {fixed['pack']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
