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

from auditc import __version__
from auditc.cli import harness, loki, policy, replay, sigma
from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, format_arg
from auditc.artifacts import differences, write_atomically
from auditc.compiler import BuildOptions, build_artifacts, compile_rules
from auditc.errors import AuditcError, Diagnostic



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

    # Each command module's add_parsers(sub) adds subcommands whose func returns an
    # exit code and which set rules_dir_required=False unless they take a RULES_DIR.
    for module in (replay, loki, harness, policy, sigma):
        module.add_parsers(sub)
    return p


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
    _print_diagnostics(compiled.diagnostics, args.format)
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
    from auditc.ir import lower
    from auditc.frontend.loader import load_rules

    ruleset, diagnostics = load_rules(args.rules)
    lower(ruleset)  # translation problems surface here too
    _print_diagnostics(diagnostics, args.format)
    kinds = {k: sum(r.kind == k for r in ruleset.rules) for k in ("detect", "drop", "redact")}
    print(f"auditc: {len(ruleset.files)} files ok: {kinds['detect']} detect, {kinds['drop']} drop, "
          f"{kinds['redact']} redact rules, {len(ruleset.tests)} tests", file=sys.stderr)
    return EXIT_OK


def cmd_test(args) -> int:
    from auditc.tools.testing import junit_xml, run_tests

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
