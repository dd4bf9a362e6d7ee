"""Tables for people (rich) and dicts for machines, for check, simulate and estimate."""

from __future__ import annotations

import io
from typing import IO

from auditc.errors import Diagnostic
from auditc.tools.replay_report import human_bytes
from auditc.policy.coverage import DetectionCoverage
from auditc.policy.levels import LEVELS
from auditc.policy.needs import describe_targets
from auditc.policy.simulate import SimulateReport


class _Plain:
    """A rich Console for a pipe or file: rendered at a fixed width, trailing padding removed."""

    def __init__(self, out: IO[str]):
        from rich.console import Console

        self.out = out
        self.console = Console(highlight=False, no_color=True, width=200, record=True, file=io.StringIO())

    def print(self, *items) -> None:
        self.console.print(*items)
        text = self.console.export_text(clear=True)
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        self.out.write(text if text.endswith("\n") else text + "\n")


def console(out: IO[str]):
    if out.isatty():
        from rich.console import Console

        return Console(file=out, highlight=False)
    return _Plain(out)


def _table(title: str | None = None):
    from rich.table import Table

    return Table(title=title, title_justify="left", box=None, pad_edge=False, show_edge=False)


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def diagnostic_dict(d: Diagnostic) -> dict:
    loc = d.location
    return {"file": loc.file, "line": loc.line, "col": loc.col, "level": d.level, "message": d.message}


# -- check -------------------------------------------------------------------------------------

STATUS_TEXT = {"ok": "covered", "partial": "partially blind", "blind": "BLIND", "accepted": "blind (accepted)"}


def coverage_table(results: list[DetectionCoverage], out: IO[str]) -> None:
    c = console(out)
    t = _table("Coverage of the rule pack")
    for col, kw in (("detection", {}), ("needs", {}), ("requests it targets", {"overflow": "fold"}),
                    ("status", {}), ("policy rules to blame", {})):
        t.add_column(col, **kw)
    for cov in results:
        blamed = sorted({g.rule.number for g in cov.gaps if g.rule} )
        default = any(g.rule is None for g in cov.gaps)
        blame = ", ".join(f"#{n}" for n in blamed) + (", no rule (None)" if default else "")
        targets = describe_targets(cov.det.targets)
        if len(targets) > 90:
            targets = targets[:87] + "..."
        t.add_row(cov.det.id, cov.det.needs_text, targets, STATUS_TEXT[cov.status], blame.strip(", ") or "-")
    c.print(t)


# -- simulate ----------------------------------------------------------------------------------

def simulate_dict(r: SimulateReport) -> dict:
    def bucket(b):
        return {"events_in": b.events_in, "bytes_in": b.bytes_in, "events_out": b.events_out, "bytes_out": b.bytes_out}

    per_day_in, per_day_out = r.per_day(r.bytes_in), r.per_day(r.bytes_out)
    return {
        "policy": r.policy_file,
        "sources": r.sources,
        "events": r.events,
        "events_out": r.events_out,
        "bytes_in": r.bytes_in,
        "bytes_out": r.bytes_out,
        "bytes_flat_metadata": r.bytes_flat_metadata,
        "reduction_vs_flat_requestresponse": None if r.reduction is None else round(r.reduction, 4),
        "per_level": {lv: bucket(b) for lv, b in r.by_level.items()},
        "per_rule": [{"rule": n or None, "level": r.rule_levels.get(n, "None"), **bucket(b)}
                     for n, b in sorted(r.by_rule.items(), key=lambda kv: (kv[0] == 0, kv[0]))],
        "stage_omitted": {"events": r.stage_omitted, "bytes": r.stage_omitted_bytes},
        "under_captured": r.under_captured,
        "captured_levels": dict(r.captured_levels),
        "first_timestamp": r.first_ts,
        "last_timestamp": r.last_ts,
        "span_seconds": r.span_seconds,
        "projection_bytes_per_day": {"flat_requestresponse": per_day_in, "policy": per_day_out,
                                     "flat_metadata": r.per_day(r.bytes_flat_metadata)},
        "projection_gb_per_day": {"flat_requestresponse": None if per_day_in is None else round(per_day_in / 1e9, 3),
                                  "policy": None if per_day_out is None else round(per_day_out / 1e9, 3)},
        "malformed": r.malformed,
        "malformed_refs": r.malformed_refs,
        "input_issues": r.input_issues,
    }


def simulate_table(r: SimulateReport, policy, out: IO[str]) -> None:
    c = console(out)
    per_level = _table("Per level")
    for col in ("level", "events", "captured bytes", "logged events", "logged bytes", "share of logged bytes"):
        per_level.add_column(col, justify="left" if col == "level" else "right")
    for lv in LEVELS:
        b = r.by_level[lv]
        per_level.add_row(lv, f"{b.events_in:,}", human_bytes(b.bytes_in), f"{b.events_out:,}",
                          human_bytes(b.bytes_out), _pct(b.bytes_out, r.bytes_out))
    c.print(per_level)
    c.print()

    rules = {rule.number: rule for rule in policy.rules}
    per_rule = _table("Per policy rule")
    for col in ("rule", "level", "events", "captured bytes", "logged bytes", "what it matches"):
        per_rule.add_column(col, justify="right" if col in ("events", "captured bytes", "logged bytes") else "left",
                            overflow="ellipsis", no_wrap=col == "what it matches", max_width=70 if col == "what it matches" else None)
    for n, b in sorted(r.by_rule.items(), key=lambda kv: (kv[0] == 0, kv[0])):
        if n == 0:
            per_rule.add_row("-", "None", f"{b.events_in:,}", human_bytes(b.bytes_in), human_bytes(b.bytes_out),
                             "no rule matched (kube-apiserver's default level: None)")
        else:
            summary = rules[n].summary().split(" (", 1)[1].rstrip(")").split("; ", 1)
            per_rule.add_row(f"#{n}", rules[n].level, f"{b.events_in:,}", human_bytes(b.bytes_in),
                             human_bytes(b.bytes_out), summary[1] if len(summary) > 1 else "")
    c.print(per_rule)
    c.print()

    totals = _table("Totals")
    totals.show_header = False
    totals.add_column("what")
    totals.add_column("value", justify="right")
    totals.add_column("note")
    totals.add_row("events in the log", f"{r.events:,}", "")
    totals.add_row("events logged by the policy", f"{r.events_out:,}", _pct(r.events_out, r.events))
    if r.stage_omitted:
        totals.add_row("  of the matched, dropped by omitStages", f"{r.stage_omitted:,}", "")
    totals.add_row("bytes, flat RequestResponse policy", human_bytes(r.bytes_in), "(the log as captured)")
    totals.add_row("bytes, flat Metadata policy", human_bytes(r.bytes_flat_metadata), "(every event, no bodies)")
    totals.add_row("bytes, this policy", human_bytes(r.bytes_out),
                   f"-{_pct(r.bytes_in - r.bytes_out, r.bytes_in)} vs flat RequestResponse" if r.bytes_in else "")
    c.print(totals)
    c.print()
    span = r.span_seconds
    if span is None:
        c.print("Projection: unknown (needs requestReceivedTimestamp on at least two events)")
    else:
        h, rem = divmod(int(span), 3600)
        c.print(f"Projection at the observed rate ({r.events / span:,.1f} events/s over {h}h {rem // 60:02d}m "
                f"{rem % 60:02d}s):")
        proj = _table()
        proj.add_column("")
        proj.add_column("per day", justify="right")
        proj.add_column("GB/day", justify="right")
        proj.add_column("30 days", justify="right")
        for label, value in (("flat RequestResponse", r.bytes_in), ("flat Metadata", r.bytes_flat_metadata),
                             ("this policy", r.bytes_out)):
            day = r.per_day(value) or 0.0
            proj.add_row(label, human_bytes(day), f"{day / 1e9:,.2f}", human_bytes(day * 30))
        c.print(proj)
    notes = []
    if r.under_captured:
        notes.append(f"{r.under_captured:,} events were captured below the level the policy gives them (their "
                     f"sizes are a lower bound): capture at RequestResponse for exact numbers")
    if r.malformed:
        notes.append(f"{r.malformed:,} lines are not audit events (skipped): " + ", ".join(r.malformed_refs[:5]))
    notes += [f"input: {i}" for i in r.input_issues]
    for n in notes:
        c.print(f"note: {n}")


# -- estimate ----------------------------------------------------------------------------------

def estimate_table(rows: list[dict], totals: dict, source: str, out: IO[str]) -> None:
    c = console(out)
    t = _table(f"Storage estimate ({source})")
    for col in ("level", "events/s", "events/day", "avg event", "per day", "retention", "stored"):
        t.add_column(col, justify="left" if col == "level" else "right")
    for row in rows:
        t.add_row(row["level"], f"{row['events_per_second']:,.1f}", f"{row['events_per_day']:,.0f}",
                  human_bytes(row["avg_bytes"]), human_bytes(row["bytes_per_day"]), f"{row['retention_days']} d",
                  human_bytes(row["stored_bytes"]))
    t.add_row("total", f"{totals['events_per_second']:,.1f}", f"{totals['events_per_day']:,.0f}", "",
              human_bytes(totals["bytes_per_day"]), "", human_bytes(totals["stored_bytes"]))
    c.print(t)
