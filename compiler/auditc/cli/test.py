"""`auditc test RULES...`: run the tests written in the rule files."""

from __future__ import annotations

import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, format_arg, print_diagnostics, print_json_diagnostics, rules_arg
from auditc.errors import AuditcError, Diagnostic


def add_parsers(sub) -> None:
    t = sub.add_parser("test", help="run the tests written in the rule files",
                       description="Compile RULES (directories or files, merged) and run every test through the "
                                   "in-process Fluent Bit runtime, with enable_flb_null off and on. --format json "
                                   "prints one JSON document (results, summary, diagnostics) and nothing else "
                                   "on stdout.")
    rules_arg(t)
    t.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    format_arg(t, ("text", "github", "json"))
    t.set_defaults(func=cmd_test)


def cmd_test(args) -> int:
    from auditc.compiler import compile_rules
    from auditc.tools.testing import junit_xml, run_tests

    try:
        compiled = compile_rules(args.rules)
    except AuditcError as exc:
        if args.format != "json":
            raise  # printed by cli.main as diagnostics
        print_json_diagnostics(exc.diagnostics, results=[],
                               summary={"total": 0, "passed": 0, "failed": 0, "load_errors": len(exc.diagnostics)})
        return EXIT_FAIL
    results = run_tests(compiled)
    if args.junit:
        Path(args.junit).write_text(junit_xml(results), encoding="utf-8")
    failed = [r for r in results if r.failed]
    skipped = [r for r in results if r.skipped]
    passed = len(results) - len(failed) - len(skipped)
    if args.format == "json":
        print_json_diagnostics(compiled.diagnostics,
                               results=[{"file": r.test.loc.file, "line": r.test.loc.line, "test": r.test.name,
                                         "rule": r.test.owner, "enable_flb_null": r.flb_null, "passed": r.passed,
                                         "skipped": r.skipped or None, "failures": r.failures} for r in results],
                               summary={"total": len(results), "passed": passed, "failed": len(failed),
                                        "skipped": len(skipped)})
        return EXIT_FAIL if failed else EXIT_OK
    quiet = bool(getattr(args, "quiet", 0))
    print_diagnostics(compiled.diagnostics, args.format, quiet)
    for label, loc, failures in _grouped(failed):
        if args.format == "github":
            print(Diagnostic(loc, f"{label}: " + "; ".join(failures), code="AUD404").format("github"))
        else:
            print(f"FAIL {loc}: {label}")
            for f in failures:
                print("  " + f.replace("\n", "\n  "))
    if not quiet:
        _print_summary(results)
        _print_skipped(skipped)
    print(f"{passed} passed, {len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    return EXIT_FAIL if failed else EXIT_OK


def _grouped(failed) -> list[tuple[str, object, list]]:
    """Each failure once: a test failing alike with enable_flb_null off and on is one entry
    naming both modes."""
    groups: dict = {}
    for r in failed:
        key = (id(r.test), tuple(r.failures))
        groups.setdefault(key, (r, []))[1].append("on" if r.flb_null else "off")
    out = []
    for r, modes in groups.values():
        owner = f"{r.test.owner} › " if r.test.owner else ""
        out.append((f"{owner}{r.test.name} [enable_flb_null={', '.join(modes)}]", r.test.loc, r.failures))
    return out


def _print_skipped(skipped) -> None:
    """One line per reason (a disabled rule skips all its tests), on stderr like the summary table."""
    tests: dict[str, set] = {}
    for r in skipped:  # a result per null mode: count the tests
        tests.setdefault(r.skipped, set()).add(id(r.test))
    for reason, ids in tests.items():
        print(f"auditc: skipped {len(ids)} test{'s' if len(ids) != 1 else ''}: {reason}", file=sys.stderr)


def _print_summary(results) -> None:
    import sys

    from auditc.tools.table import Column, Table

    num = {"align": "right"}
    table = Table([Column("file", fit="wrap"), Column("tests", **num), Column("passed", **num),
                   Column("failed", **num)], title="auditc test")
    by_file: dict[str, list] = {}
    for r in results:
        by_file.setdefault(r.test.loc.file, []).append(r)
    for file, items in by_file.items():
        failed = sum(r.failed for r in items)
        table.add_row(file, str(len(items)), str(sum(r.passed for r in items)), str(failed))
    table.print(sys.stderr)
