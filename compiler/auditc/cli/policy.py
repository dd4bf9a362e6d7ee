"""Command line: `auditc policy check | simulate | generate` and `auditc estimate`.

Registered by cli/main.py; conventions as there: exit 0 all good
(warnings allowed unless --strict), 1 errors found, 2 usage errors; problems as `file:line:col: level:
message` or GitHub annotations; tables for people, `--format json` for
machines; bad input never ends in a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, Progress, format_arg, quiet
from auditc.errors import AuditcError, Diagnostic, Location, UsageError


def add_parsers(sub) -> None:
    p = sub.add_parser("policy", help="check, simulate and generate the kube-apiserver audit policy",
                       description="The audit policy decides which events exist and how much of each is kept; "
                                   "detections are blind to what it drops or trims. check: validate and lint a "
                                   "policy and report blind detections; simulate: apply it to a captured log; "
                                   "generate: the policy a rule pack needs.")
    psub = p.add_subparsers(dest="policy_command", metavar="COMMAND")  # same parser class as `p` (exit 2 on usage)
    psub.required = True
    p.set_defaults(rules_dir_required=False, format="text")

    def accept_arg(sp):
        sp.add_argument("--accept-blind", metavar="IDS", default="",
                        help="comma-separated detections you accept being blind under the policy's None rules "
                             "(not reported)")

    c = psub.add_parser("check", help="validate a policy as kube-apiserver would, lint it, report blind detections",
                        description="Validate POLICY as kube-apiserver does at start-up (errors keep it in "
                                    "CrashLoopBackOff), lint it (shadowed rules, rules that never match, "
                                    "RequestReceived not omitted, sensitive resources logged with bodies no "
                                    "redaction rule masks), and with --rules report every detection the policy "
                                    "leaves blind or partially blind, with the policy rule responsible. "
                                    "Exit 1 on errors; warnings exit 0 unless --strict.")
    c.add_argument("policy", metavar="POLICY", help="audit policy file (audit.k8s.io/v1 Policy)")
    c.add_argument("--rules", metavar="DIR", help="rule pack to check coverage and redaction against")
    accept_arg(c)
    c.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    format_arg(c, ("text", "github", "json"), text="file:line:col: level: message [CODE], and the coverage table")
    c.set_defaults(func=cmd_check, rules_dir_required=False)

    s = psub.add_parser("simulate", help="apply a policy to a captured log: events and bytes per level and rule",
                        description="Apply POLICY to audit logs captured at RequestResponse (files, .gz, rotated "
                                    "directories, - for stdin; JSON lines or EventList/array documents) with "
                                    "kube-apiserver's exact matching and trimming, and report events and bytes per "
                                    "level and per policy rule, the projected volume per day, and the reduction "
                                    "against a flat RequestResponse policy. --output writes the trimmed log (for "
                                    "`auditc replay`).")
    s.add_argument("policy", metavar="POLICY", help="audit policy file")
    s.add_argument("paths", metavar="LOG", nargs="+", help="log file, .gz, directory of rotated logs, or -")
    s.add_argument("--output", metavar="FILE", help="write the events the policy would log, trimmed, as JSON lines")
    format_arg(s, ("text", "json"), text="tables")
    s.set_defaults(func=cmd_simulate, rules_dir_required=False)

    g = psub.add_parser("generate", help="the tiered policy a rule pack needs",
                        description="Write the audit policy that gives every enabled detection of DIR the level it "
                                    "needs for the requests it targets and no more, sets the pack's drop rules to "
                                    "None where the apiserver can express them without blinding a detection, and "
                                    "logs everything else at Metadata. Deterministic; commented.")
    g.add_argument("--rules", metavar="DIR", required=True, help="rule pack")
    g.add_argument("-o", "--output", metavar="FILE", help="write the policy to FILE (default: stdout)")
    g.add_argument("--check", action="store_true", help="write nothing; exit 1 if --output differs from what "
                                                       "would be generated")
    accept_arg(g)
    format_arg(g)
    g.set_defaults(func=cmd_generate, rules_dir_required=False)

    e = sub.add_parser("estimate", help="audit log storage per level and retention, as a table",
                       description="Bytes per day and stored totals per audit level, from event rates per level "
                                   "(--rate) or measured from a sample log (--sample, as captured or under --policy). "
                                   "Default sizes per event are realistic ones (Metadata 1 KB, Request 1.9 KB, "
                                   "RequestResponse 9 KB); default retention 90 days Metadata, 30 days with bodies.")
    e.add_argument("--rate", action="append", metavar="LEVEL=RATE",
                   help="events at LEVEL: 500/s, 30k/min, 2M/day (repeat, or comma-separate)")
    e.add_argument("--size", action="append", metavar="LEVEL=SIZE",
                   help="average event size at LEVEL: 900 (bytes), 1.2KB or 1.2kb (1000s), 1.5KiB (1024s), 2MB")
    e.add_argument("--retention", action="append", metavar="LEVEL=TIME",
                   help="how long LEVEL is kept: 90 (days), 90d, 12h, 2w, 6mo, 1y "
                        "(default Metadata=90d, Request=30d, RequestResponse=30d)")
    e.add_argument("--sample", action="append", metavar="LOG", help="measure rates and sizes from this log")
    e.add_argument("--policy", metavar="POLICY", help="with --sample: as this policy would log it")
    e.add_argument("--scale", type=float, default=1.0, help="multiply the sample's rates (default: %(default)s)")
    format_arg(e, ("text", "json"), text="a table")
    e.set_defaults(func=cmd_estimate, rules_dir_required=False)


def _usage(message: str) -> int:
    print(f"auditc: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _coded(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Policy findings carry AUD502 unless they have a code of their own."""
    import dataclasses
    return [d if d.code else dataclasses.replace(d, code="AUD502") for d in diags]


def _print(diags: list[Diagnostic], style: str) -> None:
    for d in diags:
        print(d.format("github" if style == "github" else "text"))


def _accept(text: str) -> tuple:
    return tuple(sorted({a.strip() for a in text.split(",") if a.strip()}))


def _compile(rules: str):
    from auditc.compiler import compile_rules

    return compile_rules(rules)


def cmd_check(args) -> int:
    from auditc.policy.coverage import coverage, diagnostics
    from auditc.policy.lint import lint
    from auditc.policy.loader import load_policy
    from auditc.policy.needs import analyse_program
    from auditc.policy.render import coverage_table, diagnostic_dict

    if not Path(args.policy).is_file():
        return _usage(f"{args.policy}: no such file")
    if args.rules and not Path(args.rules).exists():
        return _usage(f"{args.rules}: no such directory")
    accept = _accept(args.accept_blind)
    if accept and not args.rules:
        return _usage("--accept-blind needs --rules")
    try:
        policy, diags = load_policy(args.policy)
    except AuditcError as exc:
        if args.format != "json":
            raise AuditcError(_coded(exc.diagnostics)) from None  # printed by cli.main as diagnostics
        json.dump({"policy": args.policy, "rules": args.rules, "valid": False,
                   "diagnostics": [diagnostic_dict(d) for d in exc.diagnostics], "coverage": []}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_FAIL
    program, results = None, []
    if args.rules:
        program = _compile(args.rules).program
        detections = analyse_program(program)
        unknown = [a for a in accept if a not in {d.id for d in detections}]
        if unknown:
            return _usage(f"--accept-blind: no enabled detection {unknown[0]!r} in {args.rules}")
        results = coverage(policy, detections, accept)
    diags = diags + lint(policy, program, args.rules)
    coverage_diags = diagnostics(policy, results)
    all_diags = _coded(diags + coverage_diags)
    if args.format == "json":
        json.dump({"policy": args.policy, "rules": args.rules, "valid": True,
                   "diagnostics": [diagnostic_dict(d) for d in all_diags],
                   "coverage": [r.to_dict() for r in results]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        shown = [d for d in all_diags if d.level == "error" or not quiet(args)]
        _print(shown, args.format)
        if results and args.format == "text":
            if shown:
                print()
            coverage_table(results, sys.stdout)
    blind = sum(r.status == "blind" for r in results)
    partial = sum(r.status == "partial" for r in results)
    summary = f"auditc: {args.policy}: {len(policy.rules)} rules, {len(diags)} policy problem(s)"
    if args.rules:
        covered = sum(r.status == "ok" for r in results)
        accepted = sum(r.status == "accepted" for r in results)
        summary += (f"; coverage of {len(results)} detections: {covered} covered, {partial} partially blind, "
                    f"{blind} blind" + (f", {accepted} blind only under None rules you accept" if accepted else ""))
    if not quiet(args):
        print(summary, file=sys.stderr)
    failing = [d for d in all_diags if d.level == "error" or args.strict]
    return EXIT_FAIL if failing else EXIT_OK


def cmd_simulate(args) -> int:
    from auditc.policy.loader import load_policy
    from auditc.policy.render import simulate_dict, simulate_table
    from auditc.policy.simulate import simulate

    if not Path(args.policy).is_file():
        return _usage(f"{args.policy}: no such file")
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        return _usage(f"{missing[0]}: no such file or directory")
    policy, warnings = load_policy(args.policy)
    for d in warnings if not quiet(args) else ():
        print(d.format(), file=sys.stderr)
    progress = Progress.start(args, "simulating", args.paths)
    try:
        report = simulate(policy, args.paths, output=args.output, on_progress=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    if args.format == "json":
        json.dump(simulate_dict(report), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        simulate_table(report, policy, sys.stdout)
    if report.input_issues:  # the numbers above cover only what could be read
        _input_errors(report.input_issues)
        return EXIT_FAIL
    return EXIT_OK


def _input_errors(issues: list[str]) -> None:
    for issue in issues:
        print(f"auditc: error: {issue}", file=sys.stderr)


def cmd_generate(args) -> int:
    from auditc.policy.generate import generate

    if not Path(args.rules).exists():
        return _usage(f"{args.rules}: no such directory")
    if args.check and not args.output:
        return _usage("--check needs --output FILE")
    accept = _accept(args.accept_blind)
    command = f"auditc policy generate --rules {args.rules}" + (f" --accept-blind {','.join(accept)}" if accept else "")
    compiled = _compile(args.rules)
    from auditc.policy.needs import analyse_program

    known = {d.id for d in analyse_program(compiled.program)}
    unknown = [a for a in accept if a not in known]
    if unknown:
        return _usage(f"--accept-blind: no enabled detection {unknown[0]!r} in {args.rules}")
    result = generate(compiled, args.rules, accept, command)
    # the pack's problem: bodies a detection needs that no redaction rule masks
    for d in result.warnings if not quiet(args) else ():
        where = args.output or "<stdout>"
        print(Diagnostic(Location(where, d.location.line, d.location.col), d.message, d.level).format(args.format),
              file=sys.stderr)
    if args.check:
        current = Path(args.output).read_text(encoding="utf-8") if Path(args.output).is_file() else None
        if current != result.text:
            print(f"{args.output}: not what `{command}` generates; run it with -o {args.output}")
            return EXIT_FAIL
        return EXIT_OK
    if args.output:
        from auditc.artifacts import write_atomically

        out = Path(args.output)
        write_atomically(str(out.parent) if str(out.parent) else ".", {out.name: result.text})
        if not quiet(args):
            print(f"auditc: {len(result.policy.rules)} policy rules -> {args.output}"
                  + (f" ({len(result.blocked)} None rules from drop rules left out: they would blind detections)"
                     if result.blocked else ""), file=sys.stderr)
    else:
        sys.stdout.write(result.text)
    return EXIT_FAIL if result.warnings else EXIT_OK


def cmd_estimate(args) -> int:
    from auditc.policy.estimate import (DEFAULT_RETENTION, DEFAULT_SIZES, LOGGED_LEVELS, assignments, estimate,
                                        parse_rate, parse_retention, parse_size, sample_from_log)
    from auditc.policy.render import estimate_table

    try:  # the parsers' ValueErrors are about the option values given
        rates = assignments(args.rate, parse_rate)
        sizes = assignments(args.size, parse_size)
        retention = {**DEFAULT_RETENTION, **assignments(args.retention, parse_retention)}
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.policy and not args.sample:
        return _usage("--policy needs --sample LOG")
    if args.scale <= 0:
        return _usage("--scale must be positive")
    source = "rates given"
    if args.sample:
        missing = [p for p in args.sample if p != "-" and not Path(p).exists()]
        if missing:
            return _usage(f"{missing[0]}: no such file or directory")
        policy = None
        if args.policy:
            from auditc.policy.loader import load_policy

            if not Path(args.policy).is_file():
                return _usage(f"{args.policy}: no such file")
            policy, _ = load_policy(args.policy)
        progress = Progress.start(args, "measuring the sample", args.sample)
        try:
            sample = sample_from_log(args.sample, policy, on_progress=progress.update if progress else None)
        finally:
            if progress:
                progress.close()
        if sample.issues:
            _input_errors(sample.issues)
            return EXIT_FAIL
        if sample.span_seconds is None:
            print("auditc: error: the sample has fewer than two timestamped events: no rate can be measured "
                  "(give --rate)", file=sys.stderr)
            return EXIT_FAIL
        for lv in LOGGED_LEVELS:
            if sample.events[lv]:
                rates.setdefault(lv, sample.events[lv] / sample.span_seconds * args.scale)
                sizes.setdefault(lv, sample.bytes[lv] / sample.events[lv])
        source = sample.source + (f", rates x{args.scale:g}" if args.scale != 1 else "")
    if not rates:
        return _usage("give event rates (--rate Metadata=500/s ...) or a sample log (--sample LOG)")
    rows, totals = estimate(rates, {**DEFAULT_SIZES, **sizes}, retention)
    if args.format == "json":
        json.dump({"source": source, "levels": rows, "total": totals}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        estimate_table(rows, totals, source, sys.stdout)
    return EXIT_OK
