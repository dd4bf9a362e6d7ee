"""Command line: `auditc build | validate | test`.

Exit codes follow yamllint: 0 all good, 1 problems found (invalid rules,
failing tests, stale output), 2 usage errors. Problems print as
`file:line:col: error: message`, or as GitHub annotations with
`--format github`. Bad input never produces a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .artifacts import differences, write_atomically
from .compiler import BuildOptions, build_artifacts, compile_rules
from .errors import AuditcError, Diagnostic
from .model import SEVERITIES

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="auditc", description="Compile Kubernetes audit-log rules into Fluent Bit Lua filters.")
    p.add_argument("--version", action="version", version=f"auditc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def rules_arg(sp):
        sp.add_argument("rules", metavar="RULES_DIR", help="directory of rule files (*.yaml, any depth)")

    def format_arg(sp, choices=("text", "github")):
        sp.add_argument("--format", choices=choices, default="text",
                        help="how to print problems: text (file:line:col: level: message) or github annotations")

    b = sub.add_parser("build", help="compile rules into a Fluent Bit Lua filter and config snippets",
                       description="Compile RULES_DIR into OUT_DIR: auditc.lua, filter.conf, filter.yaml. "
                                   "Writes are atomic: a failed build leaves OUT_DIR untouched.")
    rules_arg(b)
    b.add_argument("-o", "--output", metavar="OUT_DIR", required=True, help="output directory")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if OUT_DIR differs from what a build would write")
    b.add_argument("--call", default=BuildOptions.call, help="name of the Lua entry function (default: %(default)s)")
    b.add_argument("--max-depth", type=int, default=BuildOptions.max_depth,
                   help="nesting depth above which subtrees are replaced by a marker (default: %(default)s)")
    b.add_argument("--match", default=BuildOptions.match, help="Fluent Bit tag pattern for the filter (default: %(default)s)")
    b.add_argument("--script-dir", default=BuildOptions.script_dir,
                   help="directory the script is mounted at inside the Fluent Bit container (default: %(default)s)")
    b.add_argument("--webhook-batch-max-size", type=int, default=BuildOptions.webhook_batch_max_size,
                   help="kube-apiserver --audit-webhook-batch-max-size the webhook pipeline is sized for (default: %(default)s)")
    b.add_argument("--webhook-port", type=int, default=BuildOptions.webhook_port,
                   help="loopback port of the webhook listener (default: %(default)s)")
    b.add_argument("--outputs", default=",".join(BuildOptions.outputs),
                   help="comma-separated outputs of the generated pipeline: loki, opensearch, s3 (default: %(default)s)")
    format_arg(b)
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="check rule files (schema and semantics) without building",
                       description="Validate RULES_DIR: schema, duplicate keys and ids, unknown lists and macros, "
                                   "regexes that cannot be translated exactly, tests naming unknown rules.")
    rules_arg(v)
    format_arg(v)
    v.set_defaults(func=cmd_validate)

    t = sub.add_parser("test", help="run the tests written in the rule files",
                       description="Compile RULES_DIR and run every test through the in-process Fluent Bit "
                                   "runtime, with enable_flb_null off and on.")
    rules_arg(t)
    t.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    format_arg(t, ("text", "github", "json"))
    t.set_defaults(func=cmd_test)

    r = sub.add_parser("replay", help="replay audit logs through the rules: detections, drops, storage",
                       description="Run audit logs (files, .gz, rotated directories, - for stdin; JSON lines or "
                                   "EventList/array documents) through the compiled filter in the in-process Fluent "
                                   "Bit runtime and report what it would catch and ship.")
    r.add_argument("paths", metavar="PATH", nargs="+", help="log file, .gz, directory of rotated logs, or -")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--rules", metavar="DIR", help="compile rules from DIR (default: ./rules)")
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

    q = sub.add_parser("query", help="print (or run against Loki) the LogQL hunting query of a detection",
                       description="Print the LogQL for RULE_ID: --enriched (default) reads auditc's detection map, "
                                   "--raw runs the rule over un-enriched logs. With --loki URL, run it and print the events.")
    q.add_argument("rule_id", metavar="RULE_ID")
    q.add_argument("--rules", default="rules", help="rules directory (default: %(default)s)")
    form = q.add_mutually_exclusive_group()
    form.add_argument("--enriched", dest="form", action="store_const", const="enriched", help="query flagged records (default)")
    form.add_argument("--raw", dest="form", action="store_const", const="raw", help="the rule itself over raw audit logs")
    q.add_argument("--loki", metavar="URL", help="run the query through Loki's HTTP API (e.g. http://127.0.0.1:3100)")
    q.add_argument("--tenant", help="X-Scope-OrgID for multi-tenant Loki")
    q.add_argument("--since", default="24h", help="how far back with --loki (e.g. 30m, 24h, 7d; default: %(default)s)")
    q.add_argument("--limit", type=int, default=1000, help="at most this many events with --loki (default: %(default)s)")
    q.add_argument("--format", choices=("table", "json"), default=None)
    q.set_defaults(func=cmd_query, rules_dir_required=False, form="enriched")

    a = sub.add_parser("alerts", help="write the Loki ruler alert rules for RULES_DIR",
                       description="Write the Loki ruler rule groups (one alert per detection) for RULES_DIR to FILE; "
                                   "`auditc build` writes the same as loki-rules.yaml.")
    a.add_argument("rules", metavar="RULES_DIR")
    a.add_argument("-o", "--output", metavar="FILE", required=True, help="ruler file to write ('-' for stdout)")
    a.add_argument("--format", choices=("text", "github"), default="text")
    a.set_defaults(func=cmd_alerts)

    # Commands that live in their own modules register themselves here.
    import importlib
    import importlib.util
    for module in _PLUGGABLE:
        if importlib.util.find_spec(f"auditc.{module}") is not None:
            importlib.import_module(f"auditc.{module}").add_parsers(sub)
    return p


# Each module's add_parsers(sub) adds subcommands whose func returns an exit code
# and which set rules_dir_required=False unless they take a RULES_DIR as `rules`.
_PLUGGABLE = ("cli_policy", "cli_sigma")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "rules_dir_required", True) and not Path(args.rules).exists():
        print(f"auditc: error: {args.rules}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except AuditcError as exc:
        _print_diagnostics(exc.diagnostics, getattr(args, "format", None) if getattr(args, "format", None) in ("text", "github") else "text")
        return EXIT_FAIL
    except ValueError as exc:  # bad option values caught by the backends
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL


def _print_diagnostics(diags: list[Diagnostic], style: str) -> None:
    style = "github" if style == "github" else "text"
    for d in diags:
        print(d.format(style))
    errors = sum(d.level == "error" for d in diags)
    if errors:
        print(f"auditc: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)


def _options(args) -> BuildOptions:
    outputs = tuple(o.strip() for o in args.outputs.split(",") if o.strip())
    return BuildOptions(call=args.call, max_depth=args.max_depth, match=args.match, script_dir=args.script_dir,
                        outputs=outputs, webhook_port=args.webhook_port,
                        webhook_batch_max_size=args.webhook_batch_max_size)


def cmd_build(args) -> int:
    options = _options(args)
    compiled = compile_rules(args.rules, options)
    _print_diagnostics(getattr(compiled.ruleset, "warnings", []), args.format)
    files = build_artifacts(compiled, options)
    if args.check:
        stale = differences(args.output, files)
        for line in stale:
            print(f"{line}: run `auditc build {args.rules} -o {args.output}`")
        return EXIT_FAIL if stale else EXIT_OK
    changed = write_atomically(args.output, files)
    n = len(compiled.program.rules)
    print(f"auditc: {n} rules from {len(compiled.ruleset.files)} files -> {args.output} "
          f"({', '.join(sorted(files))}; {len(changed)} changed)", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args) -> int:
    from .ir import lower
    from .loader import load_rules

    ruleset = load_rules(args.rules)
    lower(ruleset)  # translation problems surface here too
    _print_diagnostics(getattr(ruleset, "warnings", []), args.format)
    kinds = {k: sum(r.kind == k for r in ruleset.rules) for k in ("detect", "drop", "redact")}
    print(f"auditc: {len(ruleset.files)} files ok: {kinds['detect']} detect, {kinds['drop']} drop, "
          f"{kinds['redact']} redact rules, {len(ruleset.tests)} tests", file=sys.stderr)
    return EXIT_OK


def cmd_test(args) -> int:
    from .testing import junit_xml, run_tests

    compiled = compile_rules(args.rules)
    results = run_tests(compiled)
    if args.junit:
        Path(args.junit).write_text(junit_xml(results), encoding="utf-8")
    failed = [r for r in results if not r.passed]
    if args.format == "json":
        print(json.dumps([{"file": r.test.loc.file, "line": r.test.loc.line, "test": r.test.name,
                           "rule": r.test.owner, "enable_flb_null": r.flb_null, "passed": r.passed,
                           "failures": r.failures} for r in results], indent=2))
    else:
        for r in failed:
            if args.format == "github":
                print(Diagnostic(r.test.loc, f"{r.label}: " + "; ".join(r.failures)).format("github"))
            else:
                print(f"FAIL {r.test.loc}: {r.label}")
                for f in r.failures:
                    print("  " + f.replace("\n", "\n  "))
        _print_summary(results)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_FAIL if failed else EXIT_OK


def cmd_replay(args) -> int:
    from .replay import fails, replay
    from .replay_report import write_json, write_jsonl, write_table
    from .runtime import FluentBitLua, LuaLoadError

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
        rules_dir = args.rules or "rules"
        if not Path(rules_dir).exists():
            print(f"auditc: error: {rules_dir}: no such directory (use --rules DIR or --lua FILE)", file=sys.stderr)
            return EXIT_USAGE
        compiled = compile_rules(rules_dir)
        script, call = compiled.lua, BuildOptions.call
        severities = {r.id: r.severity for r in compiled.program.rules if r.severity}
    try:
        runtime = FluentBitLua(script, call, enable_flb_null=args.flb_null == "on")
    except LuaLoadError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    progress = _Progress() if sys.stderr.isatty() else None
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
    if args.fail_on and fails(report, args.fail_on):
        print(f"auditc: detections at or above {args.fail_on} ({report.max_severity()})", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"invalid duration {text!r} (use e.g. 30m, 24h, 7d)")
    return int(text[:-1]) * units[text[-1]]


def cmd_query(args) -> int:
    from .backends import alerting, logql
    from .harness.loki import Loki, LokiError
    from .harness.session import describe

    if not Path(args.rules).exists():
        print(f"auditc: error: {args.rules}: no such directory", file=sys.stderr)
        return EXIT_USAGE
    compiled = compile_rules(args.rules)
    rule = next((r for r in compiled.program.of_kind("detect") if r.id == args.rule_id), None)
    if rule is None:
        known = [r.id for r in compiled.program.of_kind("detect")]
        import difflib
        close = difflib.get_close_matches(args.rule_id, known, n=3)
        print(f"auditc: error: no enabled detection {args.rule_id!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""),
              file=sys.stderr)
        return EXIT_USAGE
    if args.form == "raw":
        query = alerting.raw_queries(compiled.program, compiled.ruleset)[rule.id]
    else:
        query = logql.enriched_query(rule)
    if not args.loki:
        print(query.logql)
        for note in query.notes:
            print(f"# note: {note}", file=sys.stderr)
        return EXIT_OK
    import time
    now = time.time_ns()
    try:
        entries = Loki(args.loki, args.tenant).query_range(query.logql, now - int(_seconds(args.since) * 1e9), now,
                                                          limit=min(args.limit, 5000))
    except LokiError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    entries = entries[: args.limit]
    fmt = args.format or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        print(json.dumps([e.record or {"line": e.line} for e in entries], indent=2))
    else:
        _print_entries([describe(e) for e in entries], "table")
    print(f"{len(entries)} events", file=sys.stderr)
    return EXIT_OK


def cmd_alerts(args) -> int:
    from .backends import alerting

    compiled = compile_rules(args.rules)
    text = alerting.ruler_file(compiled.program, alerting.raw_queries(compiled.program, compiled.ruleset))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        from .artifacts import write_atomically
        out = Path(args.output)
        write_atomically(out.parent if str(out.parent) else ".", {out.name: text})
        n = text.count("\n  - alert: ")
        print(f"auditc: {n} alert rules -> {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_harness(args) -> int:
    from .harness import drivers, session

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
            _print_entries([session.describe(e) for e in outcome.entries], fmt)
            print(f"sent {outcome.sent} events; expected {len(outcome.expected)} in Loki, {len(outcome.arrived)} arrived, "
                  f"{len(outcome.missing)} missing, {len(outcome.unexpected)} that should have been dropped "
                  f"({outcome.seconds:.1f}s)", file=sys.stderr)
            return EXIT_OK if outcome.complete else EXIT_FAIL
        else:  # query
            if len(args.args) != 1:
                print("auditc: error: harness query needs one LogQL query", file=sys.stderr)
                return EXIT_USAGE
            entries = session.query(drivers.State.load(work), args.args[0], since_seconds=_seconds(args.since))
            _print_entries([session.describe(e) for e in entries], fmt)
    except drivers.HarnessError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except RuntimeError as exc:  # LokiError
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def _print_entries(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for col in ("time", "severity", "verb", "user", "resource", "object", "rules", "auditID"):
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("time", "severity", "verb", "user", "resource", "object", "rules", "auditID")))
    Console(highlight=False).print(table)


class _Progress:
    """A progress line with events/s on a terminal (stderr); nothing when piped."""

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.p = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True)
        self.task = self.p.add_task("replaying", total=None)
        self.p.start()
        import time
        self.t0 = time.perf_counter()

    def update(self, events: int, bytes_read: int) -> None:
        import time
        rate = events / max(time.perf_counter() - self.t0, 1e-9)
        self.p.update(self.task, description=f"replaying: {events:,} events, {bytes_read / 1e6:,.1f} MB read, {rate:,.0f} events/s")

    def close(self) -> None:
        self.p.stop()


def _print_summary(results) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="auditc test", show_edge=False, box=None, pad_edge=False)
    for col in ("file", "tests", "passed", "failed"):
        table.add_column(col, justify="left" if col == "file" else "right")
    by_file: dict[str, list] = {}
    for r in results:
        by_file.setdefault(r.test.loc.file, []).append(r)
    for file, items in by_file.items():
        failed = sum(not r.passed for r in items)
        table.add_row(file, str(len(items)), str(len(items) - failed), str(failed))
    Console(stderr=True, highlight=False).print(table)


if __name__ == "__main__":
    sys.exit(main())
