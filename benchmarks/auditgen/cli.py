"""Command line: write generated events to stdout, a file (optionally gzipped), or rotated files."""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time

from . import __doc__ as _PACKAGE_DOC
from .generator import generate
from .mix import LEVELS


def _rotation_name(stage_ts: str) -> str:
    # lumberjack: <name>-<2006-01-02T15-04-05.000><ext>, the time the file was rotated (UTC)
    day, clock = stage_ts[:10], stage_ts[11:23]
    return f"audit-{day}T{clock[:8].replace(':', '-')}{clock[8:12]}.log"


def _write_lines(fh, lines):
    buf = []
    for line in lines:
        buf.append(line)
        if len(buf) >= 2048:
            fh.write(("\n".join(buf) + "\n").encode())
            buf.clear()
    if buf:
        fh.write(("\n".join(buf) + "\n").encode())


def _open_out(path: str | None, gz: bool):
    raw = open(path, "wb") if path and path != "-" else sys.stdout.buffer
    if gz:
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6), raw
    return raw, raw


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="auditgen", description=_PACKAGE_DOC.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="number of events (default 100000)")
    ap.add_argument("--level", choices=LEVELS, default="mix")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-20T10:00:00Z", help="timestamp of the first event")
    ap.add_argument("--rate", type=float, default=200.0, help="events per second of simulated time")
    ap.add_argument("-o", "--output", help="output file (default stdout); with --rotate, a directory")
    ap.add_argument("--gzip", action="store_true",
                    help="gzip the output; with --rotate, compress the rotated backups (like --audit-log-compress)")
    ap.add_argument("--rotate", type=int, metavar="K",
                    help="split into K files named like the apiserver's: audit-<rotation time>.log backups and audit.log")
    ap.add_argument("--stats", action="store_true", help="print throughput and sizes to stderr")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("-n must be >= 0")
    t0 = time.perf_counter()
    nbytes = 0

    def counted(it):
        nonlocal nbytes
        for line in it:
            nbytes += len(line) + 1
            yield line

    lines = counted(generate(args.n, seed=args.seed, level=args.level, start=args.start, rate=args.rate))
    if args.rotate:
        if args.rotate < 1:
            ap.error("--rotate must be >= 1")
        if not args.output or args.output == "-":
            ap.error("--rotate needs -o DIRECTORY")
        os.makedirs(args.output, exist_ok=True)
        per = -(-args.n // args.rotate) if args.n else 0
        for f in range(args.rotate):
            chunk = [next(lines) for _ in range(min(per, args.n - f * per))] if per else []
            last = f == args.rotate - 1
            if last:
                path = os.path.join(args.output, "audit.log")
                with open(path, "wb") as fh:
                    _write_lines(fh, chunk)
                continue
            if chunk:
                stage = json.loads(chunk[-1])["stageTimestamp"]
            else:
                stage = args.start.replace("Z", "") + (".000000Z" if "." not in args.start else "Z")
            name = _rotation_name(stage)
            path = os.path.join(args.output, name + (".gz" if args.gzip else ""))
            fh, raw = _open_out(path, args.gzip)
            _write_lines(fh, chunk)
            fh.close()
            if raw is not fh:
                raw.close()
    else:
        fh, raw = _open_out(args.output, args.gzip)
        _write_lines(fh, lines)
        if fh is not raw:
            fh.close()
        if raw is not sys.stdout.buffer:
            raw.close()
        else:
            raw.flush()
    if args.stats:
        dt = time.perf_counter() - t0
        print(f"{args.n} events, {nbytes / 1e6:.1f} MB in {dt:.2f}s: {args.n / dt:,.0f} events/s, "
              f"{nbytes / 1e6 / dt:.1f} MB/s, {nbytes / max(args.n, 1):.0f} B/event", file=sys.stderr)
    return 0

