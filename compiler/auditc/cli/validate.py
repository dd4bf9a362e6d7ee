"""`auditc validate RULES...`: schema and semantics, without building."""

from __future__ import annotations

import sys

from auditc.cli.common import EXIT_OK, format_arg, print_diagnostics, print_json_diagnostics, rules_arg


def add_parsers(sub) -> None:
    v = sub.add_parser("validate", help="check rule files (schema and semantics) without building",
                       description="Validate RULES (directories or files, merged): schema, duplicate keys and ids, "
                                   "unknown lists and macros, regexes that cannot be translated exactly, tests "
                                   "naming unknown rules.")
    rules_arg(v)
    format_arg(v, ("text", "github", "json"))
    v.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:
    from auditc.frontend.loader import load_rules
    from auditc.ir import lower

    ruleset, diagnostics = load_rules(args.rules)
    lower(ruleset)  # translation problems surface here too
    kinds = {k: sum(r.kind == k for r in ruleset.rules) for k in ("detect", "drop", "redact")}
    if args.format == "json":
        print_json_diagnostics(diagnostics, valid=True, files=len(ruleset.files), rules=kinds, tests=len(ruleset.tests))
        return EXIT_OK
    quiet = bool(getattr(args, "quiet", 0))
    print_diagnostics(diagnostics, args.format, quiet)
    if not quiet:
        print(f"auditc: {len(ruleset.files)} files ok: {kinds['detect']} detect, {kinds['drop']} drop, "
              f"{kinds['redact']} redact rules, {len(ruleset.tests)} tests", file=sys.stderr)
    return EXIT_OK
