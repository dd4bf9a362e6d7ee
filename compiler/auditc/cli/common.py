"""Shared by the command modules: exit codes, common options, diagnostics output.

Command modules import this module, never cli.main (which only builds the
parser and dispatches).
"""

from __future__ import annotations

import argparse
import json
import sys

from auditc.errors import Diagnostic, UsageError

# Exit codes, as yamllint and helm lint use them: 0 all good, 1 problems found
# (invalid rules, failing tests, stale output), 2 usage errors, 3 a bug in auditc.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def rules_arg(sp) -> None:
    """RULES...: one or more rule directories or files, merged into one rule set."""
    sp.add_argument("rules", metavar="RULES", nargs="+",
                    help="rule directories (*.yaml, any depth) or files; several are merged into one rule set")


def default_rules() -> str:
    """RULES when a command's --rules is not given: the rules repository in the working
    directory (its auditc.yaml), else rules/ as in a clone of auditc."""
    from pathlib import Path

    from auditc.frontend.repo import CONFIG_NAME
    return "." if Path(CONFIG_NAME).is_file() else "rules"


def verbosity_args(sp, top: bool = False) -> None:
    """-q/-v, on the top-level parser and on every command."""
    default = 0 if top else argparse.SUPPRESS
    sp.add_argument("-q", "--quiet", action="count", default=default,
                    help="print only errors (no warnings, no summary lines)")
    sp.add_argument("-v", "--verbose", action="count", default=default,
                    help="more output; on an internal error, the traceback")


def print_diagnostics(diags: list[Diagnostic], style: str = "text", quiet: bool = False) -> None:
    """Diagnostics on stdout (as yamllint), the error count on stderr."""
    style = "github" if style == "github" else "text"
    for d in diags:
        if quiet and d.level != "error":
            continue
        print(d.format(style))
    errors = sum(d.level == "error" for d in diags)
    if errors:
        print(f"auditc: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)


def print_json_diagnostics(diags: list[Diagnostic], **extra) -> None:
    errors = sum(d.level == "error" for d in diags)
    doc = {**extra, "diagnostics": [d.to_dict() for d in diags]}
    doc.setdefault("summary", {"errors": errors, "warnings": len(diags) - errors})
    print(json.dumps(doc, indent=2))


def format_arg(sp, choices=("text", "github")) -> None:
    """--format: how problems (or results) are printed; the help names exactly the choices."""
    notes = {"text": "text (file:line:col: level: message [CODE])", "github": "github (GitHub Actions annotations)",
             "json": "json (one JSON document on stdout)"}
    sp.add_argument("--format", choices=choices, default="text",
                    help="output format: " + ", ".join(notes.get(c, c) for c in choices) + " (default: %(default)s)")


def seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise UsageError(f"invalid duration {text!r} (use e.g. 30m, 24h, 7d)")
    return int(text[:-1]) * units[text[-1]]


def print_entries(rows: list[dict], fmt: str) -> None:
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


class Progress:
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


