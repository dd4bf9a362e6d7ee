"""The figures as an 80-column table (notes wrapped under each row) or JSON."""

from __future__ import annotations

import json
import textwrap

from auditc.tools.harness.chaos.stack import Result

WIDTH = 80
COLUMNS = (("scenario", 20, "<"), ("sent", 8, ">"), ("arrived", 8, ">"), ("lost", 6, ">"), ("dups", 5, ">"),
           ("p50", 7, ">"), ("p99", 7, ">"), ("secs", 6, ">"))


def _seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}s" if x < 10 else f"{x:.0f}s"


def _row(cells: list[str]) -> str:
    return " ".join(f"{c:{align}{w}}" for c, (_, w, align) in zip(cells, COLUMNS)).rstrip()


def table(results: list[Result]) -> str:
    lines = [_row([name for name, _, _ in COLUMNS])]
    for r in results:
        lines.append(_row([r.name[:20], str(r.sent), str(r.arrived), str(r.lost), str(r.duplicates),
                           _seconds(r.pct(50)), _seconds(r.pct(99)), f"{r.seconds:.0f}"]))
        for note in r.notes:
            lines.extend(textwrap.wrap(note, WIDTH, initial_indent="  ", subsequent_indent="    ",
                                       break_on_hyphens=False, break_long_words=True))
    return "\n".join(lines)


def to_json(results: list[Result]) -> str:
    return json.dumps([{"scenario": r.name, "sent": r.sent, "arrived": r.arrived, "lost": r.lost,
                        "duplicates": r.duplicates, "seconds": round(r.seconds, 1), "ok": r.ok,
                        "p50_seconds": None if r.pct(50) is None else round(r.pct(50), 3),
                        "p99_seconds": None if r.pct(99) is None else round(r.pct(99), 3),
                        "figures": r.figures, "notes": r.notes} for r in results], indent=2)
