"""Tables for people and dicts for machines, for check, simulate and estimate.

Tables fit the terminal (tools/table.py): ids and numbers are never cut; at
80 columns the prose columns shorten or give way.
"""

from __future__ import annotations

from typing import IO

from auditc.errors import Diagnostic
from auditc.tools.replay_report import human_bytes
from auditc.policy.coverage import DetectionCoverage
from auditc.policy.levels import LEVELS
from auditc.policy.needs import describe_targets
from auditc.policy.simulate import SimulateReport
from auditc.tools.table import Column, Table, output_width, paragraph


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def diagnostic_dict(d: Diagnostic) -> dict:
    loc = d.location
    return {"file": loc.file, "line": loc.line, "col": loc.col, "level": d.level, "message": d.message}


# -- check -------------------------------------------------------------------------------------

STATUS_TEXT = {"ok": "covered", "partial": "partially blind", "blind": "BLIND", "accepted": "blind (accepted)"}


def coverage_table(results: list[DetectionCoverage], out: IO[str], width: int | None = None) -> None:
    # The id, its status and the policy rules to blame are what a reader acts on; the targets are prose.
    t = Table([Column("detection"), Column("needs", priority=2), Column("requests it targets", fit="wrap", priority=3),
               Column("status"), Column("blamed rules", fit="wrap", priority=1)],
              title="Coverage of the rule pack (blamed rules: the policy rules that hide a detection)")
    for cov in results:
        blamed = sorted({g.rule.number for g in cov.gaps if g.rule})
        default = any(g.rule is None for g in cov.gaps)
        blame = ", ".join(f"#{n}" for n in blamed) + (", no rule (None)" if default else "")
        t.add_row(cov.det.id, cov.det.needs_text, describe_targets(cov.det.targets), STATUS_TEXT[cov.status],
                  blame.strip(", ") or "-")
    t.print(out, width)


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


def simulate_table(r: SimulateReport, policy, out: IO[str], width: int | None = None) -> None:
    width = width or output_width(out)

    def emit(text: str = "") -> None:
        out.write(paragraph(text, width) + "\n")

    num = {"align": "right"}  # whole: a number is never cut (a long header wraps instead)
    per_level = Table([Column("level"), Column("events", **num), Column("bytes", **num),
                       Column("logged events", **num), Column("logged bytes", **num), Column("share", **num)],
                      title="Per level (events and bytes as captured; logged: what the policy keeps; share of "
                            "the logged bytes)")
    for lv in LEVELS:
        b = r.by_level[lv]
        per_level.add_row(lv, f"{b.events_in:,}", human_bytes(b.bytes_in), f"{b.events_out:,}",
                          human_bytes(b.bytes_out), _pct(b.bytes_out, r.bytes_out))
    per_level.print(out, width)
    emit()

    rules = {rule.number: rule for rule in policy.rules}
    per_rule = Table([Column("rule"), Column("level"), Column("events", **num), Column("captured bytes", **num),
                      Column("logged bytes", **num),
                      Column("what it matches", fit="cut", priority=1, min_width=16, max_width=70)],
                     title="Per policy rule")
    for n, b in sorted(r.by_rule.items(), key=lambda kv: (kv[0] == 0, kv[0])):
        if n == 0:
            per_rule.add_row("-", "None", f"{b.events_in:,}", human_bytes(b.bytes_in), human_bytes(b.bytes_out),
                             "no rule matched (kube-apiserver's default level: None)")
        else:
            summary = rules[n].summary().split(" (", 1)[1].rstrip(")").split("; ", 1)
            per_rule.add_row(f"#{n}", rules[n].level, f"{b.events_in:,}", human_bytes(b.bytes_in),
                             human_bytes(b.bytes_out), summary[1] if len(summary) > 1 else "")
    per_rule.print(out, width)
    emit()

    totals = Table([Column("what", fit="wrap"), Column("value", align="right"),
                    Column("note", fit="wrap", priority=1)], title="Totals", header=False)
    totals.add_row("events in the log", f"{r.events:,}", "")
    totals.add_row("events logged by the policy", f"{r.events_out:,}", _pct(r.events_out, r.events))
    if r.stage_omitted:
        totals.add_row("of the matched, dropped by omitStages", f"{r.stage_omitted:,}", "")
    totals.add_row("bytes, flat RequestResponse policy", human_bytes(r.bytes_in), "(the log as captured)")
    totals.add_row("bytes, flat Metadata policy", human_bytes(r.bytes_flat_metadata), "(every event, no bodies)")
    totals.add_row("bytes, this policy", human_bytes(r.bytes_out),
                   f"-{_pct(r.bytes_in - r.bytes_out, r.bytes_in)} vs flat RequestResponse" if r.bytes_in else "")
    totals.print(out, width)
    emit()
    span = r.span_seconds
    if span is None:
        emit("Projection: unknown (needs requestReceivedTimestamp on at least two events)")
    else:
        h, rem = divmod(int(span), 3600)
        proj = Table([Column(""), Column("per day", align="right"), Column("GB/day", align="right"),
                      Column("30 days", align="right")],
                     title=f"Projection at the observed rate ({r.events / span:,.1f} events/s over {h}h "
                           f"{rem // 60:02d}m {rem % 60:02d}s):")
        for label, value in (("flat RequestResponse", r.bytes_in), ("flat Metadata", r.bytes_flat_metadata),
                             ("this policy", r.bytes_out)):
            day = r.per_day(value) or 0.0
            proj.add_row(label, human_bytes(day), f"{day / 1e9:,.2f}", human_bytes(day * 30))
        proj.print(out, width)
    notes = []
    if r.under_captured:
        notes.append(f"{r.under_captured:,} events were captured below the level the policy gives them (their "
                     f"sizes are a lower bound): capture at RequestResponse for exact numbers")
    if r.malformed:
        notes.append(f"{r.malformed:,} lines are not audit events (skipped): " + ", ".join(r.malformed_refs[:5]))
    notes += [f"input: {i}" for i in r.input_issues]
    for n in notes:
        emit(f"note: {n}")


# -- estimate ----------------------------------------------------------------------------------

def estimate_table(rows: list[dict], totals: dict, source: str, out: IO[str], width: int | None = None) -> None:
    num = {"align": "right"}
    t = Table([Column("level"), Column("events/s", **num), Column("events/day", **num), Column("avg event", **num),
               Column("per day", **num), Column("retention", **num), Column("stored", **num)],
              title=f"Storage estimate ({source})")
    for row in rows:
        t.add_row(row["level"], f"{row['events_per_second']:,.1f}", f"{row['events_per_day']:,.0f}",
                  human_bytes(row["avg_bytes"]), human_bytes(row["bytes_per_day"]), days_text(row["retention_days"]),
                  human_bytes(row["stored_bytes"]))
    t.add_row("total", f"{totals['events_per_second']:,.1f}", f"{totals['events_per_day']:,.0f}", "",
              human_bytes(totals["bytes_per_day"]), "", human_bytes(totals["stored_bytes"]))
    t.print(out, width)


def days_text(days: float) -> str:
    """Retention in days as the table shows it: 90 d, 365 d, 0.5 d (from 12h)."""
    return f"{days:g} d"
