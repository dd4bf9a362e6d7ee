"""Helpers shared by the command modules (kept out of cli.py so each stays small)."""

from __future__ import annotations

import json

# Exit codes, as yamllint and helm lint use them: 0 all good, 1 problems found
# (invalid rules, failing tests, stale output), 2 usage errors, 3 a bug in auditc.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def format_arg(sp, choices=("text", "github")) -> None:
    """--format: how problems (or results) are printed."""
    sp.add_argument("--format", choices=choices, default="text",
                    help="output format: " + ", ".join(choices) + " (text: file:line:col: level: message)")


def seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"invalid duration {text!r} (use e.g. 30m, 24h, 7d)")
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


