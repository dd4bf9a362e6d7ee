"""Command line: builds the parser from the command modules and dispatches.

Exit codes follow yamllint: 0 all good, 1 problems found (invalid rules,
failing tests, stale output), 2 usage errors, 3 an internal error (a bug in
auditc: one line, the traceback with -v or AUDITC_DEBUG=1), 130 Ctrl-C.
Problems print as `file:line:col: level: message [CODE]`, or as GitHub
annotations with `--format github`. Bad input never produces a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from auditc import __version__
from auditc.cli import build, harness, init, loki, policy, replay, sigma, test, validate
from auditc.cli.common import (EXIT_FAIL, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, Parser, print_diagnostics,
                               print_json_diagnostics, verbosity_args)
from auditc.errors import AuditcError, UsageError

# Each module's add_parsers(sub) adds subcommands whose func returns an exit code and
# which set rules_dir_required=False unless they take RULES.
COMMANDS = (build, validate, test, replay, loki, harness, policy, sigma, init)


def parser() -> Parser:
    p = Parser(prog="auditc", description="Compile Kubernetes audit-log rules into Fluent Bit Lua filters.")
    p.add_argument("--version", action="version", version=f"auditc {__version__}")
    verbosity_args(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for module in COMMANDS:
        module.add_parsers(sub)
    _add_verbosity(sub)
    return p


def _add_verbosity(sub) -> None:
    for sp in sub.choices.values():
        verbosity_args(sp)
        for action in sp._actions:  # nested subcommands (policy check, import sigma)
            if action.__class__.__name__ == "_SubParsersAction":
                _add_verbosity(action)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    debug = os.environ.get("AUDITC_DEBUG", "") not in ("", "0") or bool(getattr(args, "verbose", 0))
    fmt = getattr(args, "format", None)
    try:
        if getattr(args, "rules_dir_required", True):
            paths = args.rules if isinstance(args.rules, list) else [args.rules]
            missing = [p for p in paths if not Path(p).exists()]
            if missing:
                raise UsageError(f"{missing[0]}: no such file or directory")
        return args.func(args)
    except AuditcError as exc:
        if fmt == "json":
            print_json_diagnostics(exc.diagnostics)
        else:
            print_diagnostics(exc.diagnostics, fmt if fmt in ("text", "github") else "text")
        return EXIT_FAIL
    except UsageError as exc:
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("auditc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `auditc ... | head`
        sys.stderr.close()
        return EXIT_FAIL
    except OSError as exc:  # unreadable input, unwritable output: the user's environment
        print(f"auditc: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except Exception as exc:  # anything else is a bug in auditc
        if debug:
            traceback.print_exc()
        first = (str(exc).strip().splitlines() or [""])[0]
        print(f"auditc: internal error, please report: {type(exc).__name__}: {first}"
              + ("" if debug else " (run with -v or AUDITC_DEBUG=1 for the traceback)"), file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
