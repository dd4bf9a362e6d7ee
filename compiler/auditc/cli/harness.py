"""`auditc harness up|replay|query|down|status`: real Fluent Bit and Loki, in Docker or native.

One subcommand per action, each with only its own options (`auditc harness up --help`).
`down` with nothing running is not an error: the goal, nothing running, holds (exit 0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, print_entries, quiet, seconds

WORKDIR = ".auditc-harness"


def add_parsers(sub) -> None:
    h = sub.add_parser("harness", help="replay logs through real Fluent Bit into a test Loki (docker or native)",
                       description="Run the built pipeline (lua/) in real Fluent Bit with a test Loki: "
                                   "`up`, then `replay FILE...` (waits until Loki holds exactly what should ship), "
                                   "`query LOGQL`, `status`, `down`. `auditc harness ACTION --help` lists the "
                                   "options of each.")
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
    work = Path(args.workdir)
    try:
        if args.mode == "docker":
            state = drivers.up_docker(work, Path(args.lua_dir), Path(args.compose_file), loki_port=args.loki_port,
                                      fb_port=args.fluent_bit_port)
        else:
            state = drivers.up_native(work, Path(args.lua_dir), loki_port=args.loki_port,
                                      fb_port=args.fluent_bit_port, source=args.source)
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
        outcome = session.replay(drivers.State.load(Path(args.workdir)), args.logs, timeout=args.timeout)
    except (drivers.HarnessError, LokiError) as exc:
        return _error(exc)
    print_entries([session.describe(e) for e in outcome.entries], _format(args))
    print(f"sent {outcome.sent} events; expected {len(outcome.expected)} in Loki, {len(outcome.arrived)} arrived, "
          f"{len(outcome.missing)} missing, {len(outcome.unexpected)} that should have been dropped "
          f"({outcome.seconds:.1f}s)", file=sys.stderr)
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
