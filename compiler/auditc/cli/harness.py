"""`auditc harness up|replay|query|down|status|chaos`: real Fluent Bit and Loki, in Docker or native.

One subcommand per action, each with only its own options (`auditc harness up --help`).
`down` with nothing running is not an error: the goal, nothing running, holds (exit 0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, print_entries, quiet, seconds
from auditc.errors import UsageError

WORKDIR = ".auditc-harness"


def add_parsers(sub) -> None:
    h = sub.add_parser("harness", help="replay logs through real Fluent Bit into a test Loki (docker or native)",
                       description="Run the built pipeline (lua/) in real Fluent Bit with a test Loki: "
                                   "`up`, then `replay FILE...` (waits until Loki holds exactly what should ship), "
                                   "`query LOGQL`, `status`, `down`; `chaos` runs the failure-mode suite against "
                                   "the real binaries and prints what was lost. `auditc harness ACTION --help` "
                                   "lists the options of each.")
    actions = h.add_subparsers(dest="action", metavar="ACTION", parser_class=type(h))
    actions.required = True
    h.set_defaults(rules_dir_required=False)

    def workdir(sp):
        sp.add_argument("--workdir", default=WORKDIR,
                        help="watched log, state and configs of the harness (default: %(default)s)")

    up = actions.add_parser("up", help="start Fluent Bit and Loki",
                            description="Start Fluent Bit running the build in --lua-dir and a Loki it ships to, "
                                        "in Docker (docker/compose.yaml) or as native processes, and wait until "
                                        "both answer.")
    up.add_argument("--mode", choices=("docker", "native"), default="docker",
                    help="docker: docker/compose.yaml; native: fluent-bit and loki binaries on PATH "
                         "(default: %(default)s)")
    up.add_argument("--source", choices=("file", "webhook"), default="file",
                    help="native mode: feed Fluent Bit by appending to the watched log (file) or by posting "
                         "EventList batches to its http input (webhook) (default: %(default)s)")
    workdir(up)
    up.add_argument("--lua-dir", default="lua", help="build output to run (default: %(default)s)")
    up.add_argument("--compose-file", default="docker/compose.yaml",
                    help="docker mode compose file (default: %(default)s)")
    up.add_argument("--loki-config", default=None,
                    help="native mode: run Loki with this config file (e.g. the stock cmd/loki/loki-local-config.yaml) "
                         "instead of the generated one; only listen addresses, ports and data paths are overridden")
    up.add_argument("--loki-port", type=int, default=3100, help="loopback port of Loki (default: %(default)s)")
    up.add_argument("--fluent-bit-port", type=int, default=2020,
                    help="loopback port of Fluent Bit's HTTP server (default: %(default)s)")
    up.set_defaults(func=cmd_up, rules_dir_required=False)

    rp = actions.add_parser("replay", help="send logs through the running pipeline and wait for Loki",
                            description="Append (or post) the events of LOG... to the running pipeline and wait "
                                        "until Loki holds exactly what should ship. Exit 1 when it does not.")
    rp.add_argument("logs", metavar="LOG", nargs="+", help="audit log files")
    workdir(rp)
    rp.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for Loki (default: %(default)s)")
    rp.add_argument("--retime", action="store_true",
                    help="shift the events' timestamps so the newest is now (spacing kept): for a Loki that "
                         "rejects old samples (stock reject_old_samples: 1 week)")
    rp.add_argument("--format", choices=("table", "json"), default=None,
                    help="output format (default: table on a terminal, json otherwise)")
    rp.set_defaults(func=cmd_replay, rules_dir_required=False)

    q = actions.add_parser("query", help="run a LogQL query against the harness Loki",
                           description="Run LOGQL against the harness Loki and print the entries.")
    q.add_argument("logql", metavar="LOGQL", help='a LogQL stream query, e.g. \'{job="kube-audit"}\'')
    workdir(q)
    q.add_argument("--since", default="24h", help="how far back: 30m, 24h, 7d (default: %(default)s)")
    q.add_argument("--format", choices=("table", "json"), default=None,
                   help="output format (default: table on a terminal, json otherwise)")
    q.set_defaults(func=cmd_query, rules_dir_required=False)

    st = actions.add_parser("status", help="print the running harness as JSON",
                            description="Print mode, URLs, watched log and process ids of the running harness; "
                                        "exit 1 when none is running.")
    workdir(st)
    st.set_defaults(func=cmd_status, rules_dir_required=False)

    dn = actions.add_parser("down", help="stop Fluent Bit and Loki",
                            description="Stop the harness started from --workdir. Nothing running is not an "
                                        "error (exit 0).")
    workdir(dn)
    dn.set_defaults(func=cmd_down, rules_dir_required=False)

    ch = actions.add_parser("chaos", help="failure modes against real fluent-bit and loki binaries: what is lost",
                            description="Starts a fresh Loki and Fluent Bit per scenario from the generated configs "
                                        "on 127.0.0.1, causes the failure (Fluent Bit killed, log rotation, Loki "
                                        "down or rate limiting, the buffer limit, ...), waits (bounded) until Loki "
                                        "holds the events and prints sent/arrived/lost/duplicates and latencies. "
                                        "Exit 0: nothing lost where nothing may be; 1: losses; 2: no binaries.")
    _chaos_args(ch)
    ch.add_argument("--format", choices=("text", "json"), default="text",
                    help="text: a table (80 columns); json: one document with every figure (default: %(default)s)")
    ch.set_defaults(func=cmd_chaos, rules_dir_required=False)


def _chaos_args(ap) -> None:
    from auditc.tools.harness.chaos_names import DEFAULT_SCENARIOS, SCENARIOS
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                    help=f"comma-separated, from {', '.join(SCENARIOS)} (default: all but volume)")
    ap.add_argument("--lua-dir", default="lua", help="build output to run (default: %(default)s)")
    ap.add_argument("--fluent-bit-bin", help="Fluent Bit binary (default: FLUENT_BIT_BIN, then fluent-bit on PATH)")
    ap.add_argument("--loki-bin", help="Loki binary (default: LOKI_BIN, then loki on PATH)")
    ap.add_argument("--port-base", type=int, default=24100,
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


def _error(exc: Exception) -> int:
    print(f"auditc: error: {exc}", file=sys.stderr)
    return EXIT_FAIL


def _format(args) -> str:
    return args.format or ("table" if sys.stdout.isatty() else "json")


def cmd_up(args) -> int:
    from auditc.tools.harness import drivers

    if not (Path(args.lua_dir) / "fluent-bit.conf").is_file():
        print(f"auditc: error: {args.lua_dir}/fluent-bit.conf missing: run `auditc build rules/ -o {args.lua_dir}`",
              file=sys.stderr)
        return EXIT_USAGE
    if args.loki_config and args.mode != "native":
        raise UsageError("--loki-config is for --mode native (docker mode runs docker/loki/loki.yaml)")
    if args.loki_config and not Path(args.loki_config).is_file():
        raise UsageError(f"{args.loki_config}: no such file")
    work = Path(args.workdir)
    try:
        if args.mode == "docker":
            state = drivers.up_docker(work, Path(args.lua_dir), Path(args.compose_file), loki_port=args.loki_port,
                                      fb_port=args.fluent_bit_port)
        else:
            state = drivers.up_native(work, Path(args.lua_dir), loki_port=args.loki_port,
                                      fb_port=args.fluent_bit_port, source=args.source,
                                      loki_config=Path(args.loki_config) if args.loki_config else None)
    except drivers.HarnessError as exc:
        return _error(exc)
    print(f"harness up ({state.mode}): Loki {state.loki_url}, Fluent Bit {state.fluent_bit_url}, "
          f"watched log {state.audit_log}")
    return EXIT_OK


def cmd_down(args) -> int:
    from auditc.tools.harness import drivers

    if not drivers.running(Path(args.workdir)):
        if not quiet(args):
            print(f"auditc: no harness running from {args.workdir}: nothing to stop", file=sys.stderr)
        return EXIT_OK
    state = drivers.down(Path(args.workdir))
    print(f"harness down ({state.mode})")
    return EXIT_OK


def cmd_status(args) -> int:
    from auditc.tools.harness import drivers

    try:
        state = drivers.State.load(Path(args.workdir))
    except drivers.HarnessError as exc:
        return _error(exc)
    print(json.dumps({"mode": state.mode, "loki": state.loki_url, "fluent_bit": state.fluent_bit_url,
                      "watched_log": str(state.audit_log), "pids": state.pids}, indent=2))
    return EXIT_OK


def cmd_replay(args) -> int:
    from auditc.tools.harness import drivers, session
    from auditc.tools.harness.loki import LokiError

    missing = [p for p in args.logs if not Path(p).is_file()]
    if missing:
        print(f"auditc: error: {missing[0]}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        outcome = session.replay(drivers.State.load(Path(args.workdir)), args.logs, timeout=args.timeout,
                                 retime=args.retime)
    except (drivers.HarnessError, LokiError) as exc:
        return _error(exc)
    print_entries([session.describe(e) for e in outcome.entries], _format(args))
    print(f"sent {outcome.sent} events; expected {len(outcome.expected)} in Loki, {len(outcome.arrived)} arrived, "
          f"{len(outcome.missing)} missing, {len(outcome.unexpected)} that should have been dropped "
          f"({outcome.seconds:.1f}s)", file=sys.stderr)
    for hint in outcome.hints:
        print(f"auditc: {hint}", file=sys.stderr)
    return EXIT_OK if outcome.complete else EXIT_FAIL


def cmd_query(args) -> int:
    from auditc.tools.harness import drivers, session
    from auditc.tools.harness.loki import LokiError

    since = seconds(args.since)
    try:
        entries = session.query(drivers.State.load(Path(args.workdir)), args.logql, since_seconds=since)
    except (drivers.HarnessError, LokiError) as exc:
        return _error(exc)
    print_entries([session.describe(e) for e in entries], _format(args))
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
