"""`auditc harness`: real Fluent Bit and Loki, in Docker or as native
processes (up, replay, query, down, status), and the failure-mode suite
against the real binaries (chaos)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from auditc.cli.common import print_entries, seconds
from auditc.errors import UsageError

ACTIONS = ("up", "replay", "query", "down", "status", "chaos")


def add_parsers(sub) -> None:
    h = sub.add_parser("harness", help="replay logs through real Fluent Bit into a test Loki (docker or native)",
                       description="Run the built pipeline (lua/) in real Fluent Bit with a test Loki: "
                                   "`up`, then `replay FILE` (waits until Loki holds exactly what should ship), "
                                   "`query LOGQL`, `down`; `chaos` runs the failure-mode suite against the real "
                                   "binaries and prints what was lost.")
    actions = h.add_subparsers(dest="action", metavar="ACTION", parser_class=type(h))
    actions.required = True

    up = actions.add_parser("up", help="start Fluent Bit and Loki (docker or native)")
    _work_args(up)
    up.add_argument("--mode", choices=("docker", "native"), default="docker",
                    help="docker: docker/compose.yaml; native: fluent-bit and loki binaries on PATH (default: %(default)s)")
    up.add_argument("--source", choices=("file", "webhook"), default="file",
                    help="native mode: feed Fluent Bit by appending to the watched log (file) or by posting "
                         "EventList batches to its http input (webhook) (default: %(default)s)")
    up.add_argument("--compose-file", default="docker/compose.yaml", help="docker mode compose file")
    up.add_argument("--loki-config", default=None,
                    help="native mode: run Loki with this config file (e.g. the stock cmd/loki/loki-local-config.yaml) "
                         "instead of the generated one; only listen addresses, ports and data paths are overridden")
    up.add_argument("--loki-port", type=int, default=3100)
    up.add_argument("--fluent-bit-port", type=int, default=2020)
    up.set_defaults(func=cmd_up)

    rp = actions.add_parser("replay", help="append log files and wait until Loki holds exactly what should ship")
    _work_args(rp)
    rp.add_argument("files", nargs="+", metavar="FILE", help="audit logs (JSON lines, .gz, directories)")
    rp.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for Loki (default: %(default)s)")
    rp.add_argument("--retime", action="store_true",
                    help="shift the events' timestamps so the newest is now (spacing kept): for a Loki that "
                         "rejects old samples (stock reject_old_samples: 1 week)")
    _format_arg(rp)
    rp.set_defaults(func=cmd_replay)

    q = actions.add_parser("query", help="run a LogQL query against the harness's Loki")
    _work_args(q)
    q.add_argument("logql", metavar="LOGQL")
    q.add_argument("--since", default="24h", help="how far back (e.g. 30m, 24h, 7d) (default: %(default)s)")
    _format_arg(q)
    q.set_defaults(func=cmd_query)

    for name, helptext, func in (("down", "stop the harness", cmd_down), ("status", "print the harness state", cmd_status)):
        sp = actions.add_parser(name, help=helptext)
        _work_args(sp)
        sp.set_defaults(func=func)

    ch = actions.add_parser("chaos", help="failure modes against real fluent-bit and loki binaries: what is lost",
                            description="Starts a fresh Loki and Fluent Bit per scenario from the generated configs "
                                        "on 127.0.0.1, causes the failure (Fluent Bit killed, log rotation, Loki "
                                        "down or rate limiting, the buffer limit, ...), waits (bounded) until Loki "
                                        "holds the events and prints sent/arrived/lost/duplicates and latencies. "
                                        "Exit 0: nothing lost where nothing may be; 1: losses; 2: no binaries.")
    _chaos_args(ch)
    ch.add_argument("--format", choices=("text", "json"), default="text",
                    help="text: a table (80 columns); json: one document with every figure (default: %(default)s)")
    ch.set_defaults(func=cmd_chaos)
    h.set_defaults(rules_dir_required=False)


def _chaos_args(ap) -> None:
    from auditc.tools.harness.chaos_names import DEFAULT_SCENARIOS, SCENARIOS
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                    help=f"comma-separated, from {', '.join(SCENARIOS)} (default: all but volume)")
    ap.add_argument("--lua-dir", default="lua", help="build output to run (default: %(default)s)")
    ap.add_argument("--fluent-bit-bin", help="Fluent Bit binary (default: FLUENT_BIT_BIN, then fluent-bit on PATH)")
    ap.add_argument("--loki-bin", help="Loki binary (default: LOKI_BIN, then loki on PATH)")
    ap.add_argument("--port-base", type=int, default=34100,
                    help="127.0.0.1 ports from here, 10 per scenario (default: %(default)s)")
    ap.add_argument("--loki-down-seconds", type=float, default=120.0,
                    help="loki-down: outage length (default: %(default)s)")
    ap.add_argument("--rotate-every", type=float, default=1.5,
                    help="rotate, rotate-gzip: seconds between rotations (default: %(default)s)")
    ap.add_argument("--buffer-limit", default="8M", help="buffer-limit: storage.total_limit_size (default: %(default)s)")
    ap.add_argument("--alert-interval", default=None,
                    help="latency-alert: ruler group interval to run, e.g. 1m (default: the generated loki-rules.yaml's)")
    ap.add_argument("--volume-input", default=None,
                    help="volume: an audit log to send (e.g. from python benchmarks/auditgen.py -n 1000000 -o big.log); "
                         "default: --volume-events numbered events")
    ap.add_argument("--volume-events", type=int, default=100_000,
                    help="volume: events to send without --volume-input (default: %(default)s)")


def _work_args(sp) -> None:
    sp.add_argument("--workdir", default=".auditc-harness", help="watched log, state and configs (default: %(default)s)")
    sp.add_argument("--lua-dir", default="lua", help="build output to run (default: %(default)s)")
    sp.set_defaults(rules_dir_required=False)


def _format_arg(sp) -> None:
    sp.add_argument("--format", choices=("table", "json"), default=None,
                    help="table on a terminal, json otherwise (default)")


def _fmt(args) -> str:
    return args.format or ("table" if sys.stdout.isatty() else "json")


def _errors(fn):
    """Harness and Loki failures are the environment's: one line, exit 1."""
    def run(args) -> int:
        from auditc.tools.harness import drivers
        try:
            return fn(args)
        except drivers.HarnessError as exc:
            print(f"auditc: error: {exc}", file=sys.stderr)
            return EXIT_FAIL
        except RuntimeError as exc:  # LokiError
            print(f"auditc: error: {exc}", file=sys.stderr)
            return EXIT_FAIL
    return run


@_errors
def cmd_up(args) -> int:
    from auditc.tools.harness import drivers

    work = Path(args.workdir)
    if not (Path(args.lua_dir) / "fluent-bit.conf").is_file():
        print(f"auditc: error: {args.lua_dir}/fluent-bit.conf missing: run `auditc build rules/ -o {args.lua_dir}`",
              file=sys.stderr)
        return EXIT_USAGE
    if args.loki_config and args.mode != "native":
        raise UsageError("--loki-config is for --mode native (docker mode runs docker/loki/loki.yaml)")
    if args.loki_config and not Path(args.loki_config).is_file():
        raise UsageError(f"{args.loki_config}: no such file")
    if args.mode == "docker":
        state = drivers.up_docker(work, Path(args.lua_dir), Path(args.compose_file), loki_port=args.loki_port,
                                  fb_port=args.fluent_bit_port)
    else:
        state = drivers.up_native(work, Path(args.lua_dir), loki_port=args.loki_port, fb_port=args.fluent_bit_port,
                                  source=args.source, loki_config=Path(args.loki_config) if args.loki_config else None)
    print(f"harness up ({state.mode}): Loki {state.loki_url}, Fluent Bit {state.fluent_bit_url}, "
          f"watched log {state.audit_log}")
    return EXIT_OK


@_errors
def cmd_down(args) -> int:
    from auditc.tools.harness import drivers
    state = drivers.down(Path(args.workdir))
    print(f"harness down ({state.mode})")
    return EXIT_OK


@_errors
def cmd_status(args) -> int:
    from auditc.tools.harness import drivers
    state = drivers.State.load(Path(args.workdir))
    print(json.dumps({"mode": state.mode, "loki": state.loki_url, "fluent_bit": state.fluent_bit_url,
                      "watched_log": str(state.audit_log), "pids": state.pids}, indent=2))
    return EXIT_OK


@_errors
def cmd_replay(args) -> int:
    from auditc.tools.harness import drivers, session
    outcome = session.replay(drivers.State.load(Path(args.workdir)), args.files, timeout=args.timeout,
                             retime=args.retime)
    print_entries([session.describe(e) for e in outcome.entries], _fmt(args))
    print(f"sent {outcome.sent} events; expected {len(outcome.expected)} in Loki, {len(outcome.arrived)} arrived, "
          f"{len(outcome.missing)} missing, {len(outcome.unexpected)} that should have been dropped "
          f"({outcome.seconds:.1f}s)", file=sys.stderr)
    for hint in outcome.hints:
        print(f"auditc: {hint}", file=sys.stderr)
    return EXIT_OK if outcome.complete else EXIT_FAIL


@_errors
def cmd_query(args) -> int:
    from auditc.tools.harness import drivers, session
    entries = session.query(drivers.State.load(Path(args.workdir)), args.logql, since_seconds=seconds(args.since))
    print_entries([session.describe(e) for e in entries], _fmt(args))
    return EXIT_OK


def cmd_chaos(args) -> int:
    from auditc.tools.harness.chaos_names import parse_scenarios

    try:
        names = parse_scenarios(args.scenarios)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.alert_interval and not _is_duration(args.alert_interval):
        raise UsageError(f"--alert-interval {args.alert_interval!r}: use a duration such as 30s or 1m")
    if not (Path(args.lua_dir) / "fluent-bit.conf").is_file():
        raise UsageError(f"{args.lua_dir}/fluent-bit.conf missing: run `auditc build rules/ -o {args.lua_dir}`")
    if args.volume_input and not Path(args.volume_input).is_file():
        raise UsageError(f"{args.volume_input}: no such file")
    from auditc.tools.harness import chaos
    try:
        bins = chaos.binaries(args.fluent_bit_bin, args.loki_bin)
    except chaos.MissingBinaries as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    quiet = getattr(args, "quiet", 0)
    progress = None if quiet else (lambda r: print(chaos.table([r]), file=sys.stderr, flush=True))
    try:
        results = chaos.run(names, chaos.options_from(args, Path(args.lua_dir)), bins=bins, progress=progress)
    except RuntimeError as exc:  # HarnessError, LokiError: a binary that does not start, a Loki that fails
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(chaos.to_json(results) if args.format == "json" else chaos.table(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAIL


def _is_duration(text: str) -> bool:
    from auditc.tools.harness.loki import parse_duration_ns
    return bool(parse_duration_ns(text))
