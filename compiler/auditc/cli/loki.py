"""`auditc query` and `auditc alerts`: LogQL hunting queries and Loki ruler groups."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, format_arg, print_entries, quiet, rules_arg, seconds
from auditc.cli.common import default_rules
from auditc.compiler import compile_rules
from auditc.errors import UsageError


def add_parsers(sub) -> None:
    q = sub.add_parser("query", help="print (or run against Loki) the LogQL hunting query of a detection",
                       description="Print the LogQL for RULE_ID: --enriched (default) reads auditc's detection map, "
                                   "--raw runs the rule over un-enriched logs. With --loki URL, run it and print the events.")
    q.add_argument("rule_id", metavar="RULE_ID")
    q.add_argument("--rules", help="rules directory or repository (default: . when it holds auditc.yaml, else rules)")
    form = q.add_mutually_exclusive_group()
    form.add_argument("--enriched", dest="form", action="store_const", const="enriched", help="query flagged records (default)")
    form.add_argument("--raw", dest="form", action="store_const", const="raw", help="the rule itself over raw audit logs")
    q.add_argument("--loki", metavar="URL", help="run the query through Loki's HTTP API (e.g. http://127.0.0.1:3100)")
    q.add_argument("--tenant", help="X-Scope-OrgID for multi-tenant Loki")
    q.add_argument("--since", default="24h", help="how far back with --loki (e.g. 30m, 24h, 7d; default: %(default)s)")
    q.add_argument("--limit", type=int, default=1000, help="at most this many events with --loki (default: %(default)s)")
    q.add_argument("--format", choices=("table", "json"), default=None,
                   help="with --loki: the events as a table or JSON (default: table on a terminal, json otherwise)")
    q.set_defaults(func=cmd_query, rules_dir_required=False, form="enriched")

    a = sub.add_parser("alerts", help="write the Loki ruler alert rules for RULES",
                       description="Write the Loki ruler rule groups (one alert per detection) for RULES (directories "
                                   "or files, merged) to FILE; `auditc build` writes the same as loki-rules.yaml.")
    rules_arg(a)
    a.add_argument("-o", "--output", metavar="FILE", required=True, help="ruler file to write ('-' for stdout)")
    format_arg(a)
    a.set_defaults(func=cmd_alerts)


def cmd_query(args) -> int:
    from auditc.backends import alerting, logql
    from auditc.tools.harness.loki import Loki, LokiError, check_url
    from auditc.tools.harness.session import describe

    args.rules = args.rules or default_rules()
    if args.loki and (problem := check_url(args.loki)):
        raise UsageError(f"--loki: {problem}")
    since = seconds(args.since)  # a bad --since is a usage error before any work
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
        query = alerting.raw_queries(compiled.program)[rule.id]
    else:
        query = logql.enriched_query(rule)
    if not args.loki:
        print(query.logql)
        for note in query.notes if not quiet(args) else ():
            print(f"# note: {note}", file=sys.stderr)
        return EXIT_OK
    import time
    now = time.time_ns()
    try:
        entries = Loki(args.loki, args.tenant).query_range(query.logql, now - int(since * 1e9), now,
                                                          limit=min(args.limit, 5000))
    except LokiError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    entries = entries[: args.limit]
    fmt = args.format or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        print(json.dumps([e.record or {"line": e.line} for e in entries], indent=2))
    else:
        print_entries([describe(e) for e in entries], "table")
    if not quiet(args):
        print(f"{len(entries)} events", file=sys.stderr)
    return EXIT_OK


def cmd_alerts(args) -> int:
    from auditc.backends import alerting

    compiled = compile_rules(args.rules)
    text = alerting.ruler_file(compiled.program, alerting.raw_queries(compiled.program))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        from auditc.artifacts import write_atomically
        out = Path(args.output)
        write_atomically(out.parent if str(out.parent) else ".", {out.name: text})
        n = text.count("\n  - alert: ")
        if not quiet(args):
            print(f"auditc: {n} alert rules -> {args.output}", file=sys.stderr)
    return EXIT_OK


