"""`auditc harness`: real Fluent Bit and Loki, in Docker or as native processes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from auditc.cli.common import print_entries, seconds


def add_parsers(sub) -> None:
    h = sub.add_parser("harness", help="replay logs through real Fluent Bit into a test Loki (docker or native)",
                       description="Run the built pipeline (lua/) in real Fluent Bit with a test Loki: "
                                   "`up`, then `replay FILE` (waits until Loki holds exactly what should ship), "
                                   "`query LOGQL`, `down`.")
    h.add_argument("action", choices=("up", "replay", "query", "down", "status"))
    h.add_argument("args", nargs="*", metavar="ARG", help="replay: log files; query: a LogQL query")
    h.add_argument("--mode", choices=("docker", "native"), default="docker",
                   help="docker: docker/compose.yaml; native: fluent-bit and loki binaries on PATH (default: %(default)s)")
    h.add_argument("--source", choices=("file", "webhook"), default="file",
                   help="native mode: feed Fluent Bit by appending to the watched log (file) or by posting "
                        "EventList batches to its http input (webhook) (default: %(default)s)")
    h.add_argument("--workdir", default=".auditc-harness", help="watched log, state and configs (default: %(default)s)")
    h.add_argument("--lua-dir", default="lua", help="build output to run (default: %(default)s)")
    h.add_argument("--compose-file", default="docker/compose.yaml", help="docker mode compose file")
    h.add_argument("--loki-port", type=int, default=3100)
    h.add_argument("--fluent-bit-port", type=int, default=2020)
    h.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for Loki (default: %(default)s)")
    h.add_argument("--since", default="24h", help="query: how far back (e.g. 30m, 24h, 7d)")
    h.add_argument("--format", choices=("table", "json"), default=None)
    h.set_defaults(func=cmd_harness, rules_dir_required=False)


def cmd_harness(args) -> int:
    from auditc.tools.harness import drivers, session

    work = Path(args.workdir)
    fmt = args.format or ("table" if sys.stdout.isatty() else "json")
    try:
        if args.action == "up":
            if not (Path(args.lua_dir) / "fluent-bit.conf").is_file():
                print(f"auditc: error: {args.lua_dir}/fluent-bit.conf missing: run `auditc build rules/ -o {args.lua_dir}`",
                      file=sys.stderr)
                return EXIT_USAGE
            if args.mode == "docker":
                state = drivers.up_docker(work, Path(args.lua_dir), Path(args.compose_file), loki_port=args.loki_port,
                                          fb_port=args.fluent_bit_port)
            else:
                state = drivers.up_native(work, Path(args.lua_dir), loki_port=args.loki_port, fb_port=args.fluent_bit_port,
                                          source=args.source)
            print(f"harness up ({state.mode}): Loki {state.loki_url}, Fluent Bit {state.fluent_bit_url}, "
                  f"watched log {state.audit_log}")
        elif args.action == "down":
            state = drivers.down(work)
            print(f"harness down ({state.mode})")
        elif args.action == "status":
            state = drivers.State.load(work)
            print(json.dumps({"mode": state.mode, "loki": state.loki_url, "fluent_bit": state.fluent_bit_url,
                              "watched_log": str(state.audit_log), "pids": state.pids}, indent=2))
        elif args.action == "replay":
            if not args.args:
                print("auditc: error: harness replay needs log files", file=sys.stderr)
                return EXIT_USAGE
            outcome = session.replay(drivers.State.load(work), args.args, timeout=args.timeout)
            print_entries([session.describe(e) for e in outcome.entries], fmt)
            print(f"sent {outcome.sent} events; expected {len(outcome.expected)} in Loki, {len(outcome.arrived)} arrived, "
                  f"{len(outcome.missing)} missing, {len(outcome.unexpected)} that should have been dropped "
                  f"({outcome.seconds:.1f}s)", file=sys.stderr)
            return EXIT_OK if outcome.complete else EXIT_FAIL
        else:  # query
            if len(args.args) != 1:
                print("auditc: error: harness query needs one LogQL query", file=sys.stderr)
                return EXIT_USAGE
            entries = session.query(drivers.State.load(work), args.args[0], since_seconds=seconds(args.since))
            print_entries([session.describe(e) for e in entries], fmt)
    except drivers.HarnessError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except RuntimeError as exc:  # LokiError
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


