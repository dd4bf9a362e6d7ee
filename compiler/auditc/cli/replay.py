"""`auditc replay`: incident replay through the in-process Fluent Bit runtime."""

from __future__ import annotations

import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, Progress, default_rules
from auditc.compiler import BuildOptions, compile_rules
from auditc.severity import SEVERITIES


def add_parsers(sub) -> None:
    r = sub.add_parser("replay", help="replay audit logs through the rules: detections, drops, storage",
                       description="Run audit logs (files, .gz, rotated directories, - for stdin; JSON lines or "
                                   "EventList/array documents) through the compiled filter in the in-process Fluent "
                                   "Bit runtime and report what it would catch and ship. Exit 1 when input could "
                                   "not be read to its end (a truncated .gz, a broken JSON document) or with "
                                   "--fail-on; malformed lines are counted, never fatal.")
    r.add_argument("paths", metavar="PATH", nargs="+", help="log file, .gz, directory of rotated logs, or -")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--rules", metavar="DIR", help="compile rules from DIR, a rules directory or repository (default: . when it holds auditc.yaml, else ./rules)")
    src.add_argument("--lua", metavar="FILE", help="use an already built script instead of rules")
    r.add_argument("--call", default=BuildOptions.call, help="entry function of --lua (default: %(default)s)")
    r.add_argument("--format", choices=("table", "json", "jsonl"), default=None,
                   help="output format (default: table on a terminal, json otherwise)")
    r.add_argument("--timeline", action="store_true", help="also list detections in time order")
    r.add_argument("--output", metavar="FILE", help="write the records as the pipeline would ship them (JSON lines)")
    r.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 if any detection at or above this severity fires")
    r.add_argument("--top", type=int, default=5, help="top users/namespaces per rule (default: %(default)s)")
    r.add_argument("--flb-null", choices=("on", "off"), default="on",
                   help="emulate enable_flb_null (default: on, as in the generated config)")
    r.set_defaults(func=cmd_replay, rules_dir_required=False)


def cmd_replay(args) -> int:
    from auditc.tools.replay import fails, replay
    from auditc.tools.replay_report import write_json, write_jsonl, write_table
    from auditc.runtime import FluentBitLua, LuaLoadError

    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        print(f"auditc: error: {missing[0]}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    severities: dict[str, str] = {}
    if args.lua:
        if not Path(args.lua).is_file():
            print(f"auditc: error: {args.lua}: no such file", file=sys.stderr)
            return EXIT_USAGE
        script, call = Path(args.lua).read_text(encoding="utf-8"), args.call
    else:
        rules_dir = args.rules or default_rules()
        if not Path(rules_dir).exists():
            print(f"auditc: error: {rules_dir}: no such directory (use --rules DIR or --lua FILE)", file=sys.stderr)
            return EXIT_USAGE
        compiled = compile_rules(rules_dir)
        script, call = compiled.lua, BuildOptions.call
        severities = {r.id: r.payload.severity for r in compiled.program.of_kind("detect")}
    try:
        runtime = FluentBitLua(script, call, enable_flb_null=args.flb_null == "on")
    except LuaLoadError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    progress = Progress.start(args, "replaying", args.paths)
    try:
        report = replay(args.paths, runtime, output=args.output, top=args.top, severities=severities,
                        on_progress=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    fmt = args.format or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        write_json(report, sys.stdout, args.timeline)
    elif fmt == "jsonl":
        write_jsonl(report, sys.stdout)
    else:
        write_table(report, sys.stdout, args.timeline, color=sys.stdout.isatty())
    for issue in report.input_issues:  # the report covers only what could be read
        print(f"auditc: error: {issue}", file=sys.stderr)
    if args.fail_on and fails(report, args.fail_on):
        print(f"auditc: detections at or above {args.fail_on} ({report.max_severity()})", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_FAIL if report.input_issues else EXIT_OK


