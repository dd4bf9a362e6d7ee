"""Shared by the command modules: exit codes, common options, diagnostics output.

Command modules import this module, never cli.main (which only builds the
parser and dispatches).
"""

from __future__ import annotations

import argparse
import json
import os
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
                    help="print only errors and the requested output (no warnings, summary lines or progress)")
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


def format_arg(sp, choices=("text", "github"), text: str = "file:line:col: level: message [CODE]") -> None:
    """--format: how problems (or results) are printed; the help names exactly the choices."""
    notes = {"text": f"text ({text})", "github": "github (GitHub Actions annotations)",
             "json": "json (one JSON document on stdout)"}
    sp.add_argument("--format", choices=choices, default="text",
                    help="output format: " + ", ".join(notes.get(c, c) for c in choices) + " (default: %(default)s)")


def seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise UsageError(f"invalid duration {text!r} (use e.g. 30m, 24h, 7d, 2w)")
    return int(text[:-1]) * units[text[-1]]


def print_entries(rows: list[dict], fmt: str) -> None:
    """Loki entries (`auditc query`, `auditc harness`): JSON, or a table fitted to the terminal."""
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return
    from auditc.tools.table import Column, Table

    cols = {"time": Column("time"), "severity": Column("severity"), "verb": Column("verb", priority=1),
            "user": Column("user", priority=3), "resource": Column("resource", priority=2),
            "object": Column("object", fit="wrap", priority=2), "rules": Column("rules", fit="wrap"),
            "auditID": Column("auditID", priority=4)}
    table = Table(list(cols.values()))
    for row in rows:
        table.add_row(*(str(row[c]).replace(",", ", ") if c == "rules" else str(row[c]) for c in cols))
    table.print(sys.stdout)


def quiet(args) -> bool:
    return bool(getattr(args, "quiet", 0))


class Progress:
    """One status line on stderr while a long command reads its input: events, bytes read (of the
    total, when the inputs are files), events/s and elapsed time. Only on a terminal and without
    -q; rewritten at most every INTERVAL seconds (a 376 MB log is read in some 360 blocks); erased
    when done (or interrupted)."""

    INTERVAL = 0.2

    def __init__(self, label: str, total_bytes: int | None = None, stream=None) -> None:
        import time

        self.label, self.total, self.stream = label, total_bytes, stream or sys.stderr
        self.t0 = self.last = time.monotonic()
        self.shown = False

    @classmethod
    def start(cls, args, label: str, paths: list[str] | None = None) -> "Progress | None":
        """A Progress for this command, or None when piped or quiet (callers pass `p.update if p`)."""
        if quiet(args) or not sys.stderr.isatty():
            return None
        return cls(label, _total_bytes(paths or []))

    def update(self, events: int, bytes_read: int) -> None:
        import time

        now = time.monotonic()
        if self.shown and now - self.last < self.INTERVAL:  # the first update shows at once
            return
        self.last = now
        elapsed = now - self.t0
        read = f"{bytes_read / 1e6:,.1f} MB"
        if self.total:
            read += f" of {self.total / 1e6:,.1f} MB ({min(100.0, 100.0 * bytes_read / self.total):.0f}%)"
        line = (f"{self.label}: {events:,} events, {read}, {events / max(elapsed, 1e-9):,.0f} events/s, "
                f"{int(elapsed) // 60}:{int(elapsed) % 60:02d}")
        width = _terminal_columns(self.stream)
        self.stream.write("\r" + line[: width - 1] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _total_bytes(paths: list[str]) -> int | None:
    """Bytes the inputs hold on disk (compressed for .gz, as the reader counts them); None with stdin."""
    from auditc.auditlog.reader import expand_paths

    total = 0
    for p in expand_paths(paths):
        if p == "-":
            return None
        try:
            total += os.path.getsize(p)
        except OSError:
            pass
    return total or None


def _terminal_columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80  # 0: a terminal with no size set
    except (OSError, ValueError, AttributeError):
        return 80
