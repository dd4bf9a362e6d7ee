"""Failure modes of the shipping path against real binaries (native mode).

    auditc harness chaos [--scenarios sigterm,sigkill,...] [--format text|json]
    python -m auditc.tools.harness.chaos ...           (the same)

Each scenario starts its own Loki and Fluent Bit on 127.0.0.1 from the
generated native configs (the tail DB and the filesystem buffer in the work
directory survive restarts), appends uniquely numbered audit events the
filter ships, causes the failure, waits (bounded) until Loki holds them and
reports sent / arrived / lost / duplicated, plus latencies where measured.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from auditc.tools.harness import drivers
from auditc.tools.harness.chaos import alerts, scenarios
from auditc.tools.harness.chaos.report import table, to_json
from auditc.tools.harness.chaos.stack import Result, Stack
from auditc.tools.harness.chaos.volume import VOLUME_LIMITS, volume

from auditc.tools.harness.chaos_names import DEFAULT_SCENARIOS, SCENARIOS, parse_scenarios

__all__ = ["Options", "Result", "SCENARIOS", "DEFAULT_SCENARIOS", "MissingBinaries", "binaries", "parse_scenarios",
           "run", "table", "to_json", "main"]


class MissingBinaries(drivers.HarnessError):
    pass


@dataclass
class Options:
    lua_dir: Path
    port_base: int = 24100  # below the ephemeral range (32768-60999), with Loki gRPC at +6000
    loki_down_seconds: float = 120.0
    buffer_limit: str = "8M"
    rotate_every: float = 1.5
    alert_interval: str | None = None  # None: the generated rule file's group interval
    alert_trials: int = 8
    volume_input: Path | None = None
    volume_events: int = 100_000


def binaries(fluent_bit: str | None = None, loki: str | None = None) -> tuple[str, str]:
    """The binaries to run: flags, then FLUENT_BIT_BIN / LOKI_BIN, then PATH."""
    env_fb, env_loki = drivers.native_binaries()
    fb, lk = fluent_bit or env_fb, loki or env_loki
    missing = [what for what, b in (("fluent-bit (--fluent-bit-bin or FLUENT_BIT_BIN)", fb),
                                    ("loki (--loki-bin or LOKI_BIN)", lk)) if not b]
    if missing:
        raise MissingBinaries(f"harness chaos runs real binaries and found no {' and no '.join(missing)}; "
                              "none is on PATH either")
    for b in (fb, lk):
        if not (Path(b).is_file() or shutil.which(b)):
            raise MissingBinaries(f"harness chaos: {b}: no such file")
    return fb, lk


def _stack_for(name: str, work: Path, port_base: int, bins: tuple[str, str], opts: Options,
               receiver_port: int) -> Stack:
    loki_overrides: dict = {}
    fb_overrides: dict = {}
    rules_text = None
    if name == "burst429":
        loki_overrides = scenarios.LOW_LIMITS
    elif name == "buffer-limit":
        fb_overrides = {"storage.total_limit_size": opts.buffer_limit, "Log_Level": "debug"}
    elif name == "volume":
        loki_overrides = VOLUME_LIMITS
    elif name == "latency-alert":
        loki_overrides = {"ruler": {"alertmanager_url": f"http://127.0.0.1:{receiver_port}"}}
        text = (opts.lua_dir / "loki-rules.yaml").read_text()
        rules_text = alerts.with_interval(text, opts.alert_interval) if opts.alert_interval else text
    return Stack(work, opts.lua_dir, port_base, binaries=bins, loki_overrides=loki_overrides,
                 fb_overrides=fb_overrides, rules_text=rules_text)


def run_one(name: str, k: int, bins: tuple[str, str], opts: Options) -> Result:
    work = Path(tempfile.mkdtemp(prefix=f"auditc-chaos-{name}-"))
    port = opts.port_base + 10 * k
    receiver = alerts.AlertReceiver(port + 5) if name == "latency-alert" else None
    stack = _stack_for(name, work, port, bins, opts, port + 5)
    started = time.monotonic()
    if receiver:
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        stack.start_loki()
        stack.start_fb()
        if name in ("sigterm", "sigkill"):
            res = scenarios.restart(stack, signal.SIGTERM if name == "sigterm" else signal.SIGKILL)
        elif name in ("rotate", "rotate-gzip"):
            res = scenarios.rotate(stack, compress=name == "rotate-gzip", every=opts.rotate_every)
        elif name == "latency":
            res = scenarios.latency(stack)
        elif name == "latency-alert":
            interval = opts.alert_interval or alerts.group_interval((opts.lua_dir / "loki-rules.yaml").read_text())
            res = alerts.latency_alert(stack, receiver, interval, trials=opts.alert_trials)
        elif name == "burst429":
            res = scenarios.burst429(stack)
        elif name == "loki-down":
            res = scenarios.loki_down(stack, opts.loki_down_seconds)
        elif name == "buffer-limit":
            res = scenarios.buffer_limit(stack, opts.buffer_limit)
        else:
            res = volume(stack, opts.volume_input, opts.volume_events)
    finally:
        stack.down()
        if receiver:
            receiver.shutdown()
            receiver.server_close()
    res.seconds = time.monotonic() - started
    res.figures["work_dir"] = str(work)
    return res


def run(names: list[str], opts: Options, *, bins: tuple[str, str] | None = None, progress=None) -> list[Result]:
    bins = bins or binaries()
    results = []
    for k, name in enumerate(names):
        res = run_one(name, k, bins, opts)
        results.append(res)
        if progress:
            progress(res)
    return results


def options_from(args, lua_dir: Path) -> Options:
    return Options(lua_dir=lua_dir, port_base=args.port_base, loki_down_seconds=args.loki_down_seconds,
                   buffer_limit=args.buffer_limit, rotate_every=args.rotate_every, alert_interval=args.alert_interval,
                   volume_input=Path(args.volume_input) if args.volume_input else None,
                   volume_events=args.volume_events)


def main(argv=None) -> int:
    """`python -m auditc.tools.harness.chaos ARGS` is `auditc harness chaos ARGS`."""
    from auditc.cli.main import main as cli_main
    return cli_main(["harness", "chaos", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
