"""Render a ReplayReport: aligned tables for people, JSON for machines."""

from __future__ import annotations

import json
from typing import IO

from auditc.severity import SEVERITY_RANK
from auditc.tools.replay import ReplayReport


def human_bytes(n: float | None) -> str:
    if n is None:
        return "n/a"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "unknown (needs requestReceivedTimestamp on at least two events)"
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}h {m:02d}m {s:02d}s"


def to_dict(r: ReplayReport) -> dict:
    detections = sorted(r.detections.values(), key=lambda d: (-SEVERITY_RANK.get(d.severity, 0), -d.count, d.rule))
    kinds = {"drop": {}, "redact": {}, "detect": {}}
    for rule, (kind, hits) in sorted(r.rule_hits.items()):
        kinds.setdefault(kind, {})[rule] = hits
    return {
        "sources": r.sources,
        "events": r.events,
        "dropped": r.dropped,
        "dropped_by_rule": {k: v for k, v in kinds["drop"].items() if v},
        "redacted_by_rule": {k: v for k, v in kinds["redact"].items() if v},
        "modified": r.modified,
        "flagged": r.flagged,
        "malformed": r.malformed,
        "malformed_refs": r.malformed_refs,
        "bytes_in": r.bytes_in,
        "bytes_out": r.bytes_out,
        "first_timestamp": r.first_ts,
        "last_timestamp": r.last_ts,
        "span_seconds": r.span_seconds,
        "projection_bytes_per_day": {"before": r.per_day(r.bytes_in), "after": r.per_day(r.bytes_out)},
        "truncated_records": r.counters.get("truncated", 0),
        "failed_closed_records": r.counters.get("failed_closed", 0),
        "input_issues": r.input_issues,
        "unfiltered_batches": r.passthrough,
        "encoding_problems": r.problems,
        "detections": [
            {"rule": d.rule, "severity": d.severity, "count": d.count, "first_seen": d.first_seen,
             "last_seen": d.last_seen, "top_users": dict(d.users.most_common()),
             "top_namespaces": dict(d.namespaces.most_common()), "examples": d.examples}
            for d in detections
        ],
        "seconds": round(r.seconds, 3),
    }


def write_json(r: ReplayReport, out: IO[str], timeline: bool) -> None:
    data = to_dict(r)
    if timeline:
        data["timeline"] = sorted(r.timeline, key=lambda t: t.get("ts") or "")
        data["timeline_truncated"] = r.timeline_truncated
    json.dump(data, out, indent=2)
    out.write("\n")


def write_jsonl(r: ReplayReport, out: IO[str]) -> None:
    for t in sorted(r.timeline, key=lambda t: t.get("ts") or ""):
        out.write(json.dumps({"type": "detection", **t}) + "\n")
    out.write(json.dumps({"type": "summary", **to_dict(r)}) + "\n")


def _top(counts: dict) -> str:
    """The leader and how many more: full lists are in --format json."""
    if not counts:
        return "-"
    (name, n), rest = next(iter(counts.items())), len(counts) - 1
    return f"{name} ({n})" + (f" +{rest}" if rest else "")


def _when(ts: str | None) -> str:
    return (ts[:19] + "Z") if ts and len(ts) >= 19 else (ts or "-")


SEVERITY_STYLE = {"critical": "1;31", "high": "31", "medium": "33", "low": "36", "info": "2"}


def write_table(r: ReplayReport, out: IO[str], timeline: bool, color: bool, width: int | None = None) -> None:
    """Tables fitted to `width` (None: every row whole on one line). Rule ids, counts and times
    are never cut: narrower, the less important columns are left out (all is in --format json)."""
    from auditc.tools.table import Column, Styled, Table, output_width, paragraph

    width = width or output_width(out)

    def emit(text: str = "") -> None:
        out.write(paragraph(text, width) + "\n")

    def severity(name: str | None):
        return Styled(name or "-", SEVERITY_STYLE.get(name or "", ""))

    data = to_dict(r)
    det = Table([Column("severity"), Column("rule"), Column("count", align="right"),
                 Column("first seen", priority=4), Column("last seen", priority=4),
                 Column("top user", priority=2), Column("top namespace", priority=1),
                 Column("example auditID", priority=5)], title="Detections")
    for d in data["detections"]:
        det.add_row(severity(d["severity"]), d["rule"], f"{d['count']:,}", _when(d["first_seen"]),
                    _when(d["last_seen"]), _top(d["top_users"]), _top(d["top_namespaces"]),
                    (d["examples"] or ["-"])[0])
    if data["detections"]:
        det.print(out, width, color)
    else:
        emit("Detections: none")
    emit()

    pipe = Table([Column("what"), Column("count", align="right"), Column("share", align="right")],
                 title="Pipeline", header=False)
    pipe.add_row("events in", f"{r.events:,}", "")
    pipe.add_row("dropped", f"{r.dropped:,}", _pct(r.dropped, r.events))
    for rule, n in sorted(data["dropped_by_rule"].items(), key=lambda kv: -kv[1]):
        pipe.add_row(f"  {rule}", f"{n:,}", _pct(n, r.events))
    pipe.add_row("redacted", f"{sum(data['redacted_by_rule'].values()):,}", "")
    for rule, n in sorted(data["redacted_by_rule"].items(), key=lambda kv: -kv[1]):
        pipe.add_row(f"  {rule}", f"{n:,}", "")
    pipe.add_row("flagged (any detection)", f"{r.flagged:,}", _pct(r.flagged, r.events))
    if data["truncated_records"]:
        pipe.add_row("truncated (too deep)", f"{data['truncated_records']:,}", "")
    pipe.add_row("malformed lines", f"{r.malformed:,}", "")
    pipe.add_row("bytes in", human_bytes(r.bytes_in), "")
    pipe.add_row("bytes out", human_bytes(r.bytes_out), f"-{_pct(r.bytes_in - r.bytes_out, r.bytes_in)}" if r.bytes_in else "")
    pipe.print(out, width, color)
    emit()

    proj = Table([Column(""), Column("per day", align="right"), Column("30 days", align="right")],
                 title=f"Storage projection at the observed rate (span {_span(r.span_seconds)}):")
    for label, value in (("before pipeline", r.bytes_in), ("after pipeline", r.bytes_out)):
        day = r.per_day(value)
        proj.add_row(label, human_bytes(day), human_bytes(day * 30 if day is not None else None))
    proj.print(out, width, color)

    for title, items in (("Malformed lines (first 100)", r.malformed_refs), ("Input problems", r.input_issues),
                         ("Batches Fluent Bit would ship UNFILTERED", r.passthrough),
                         ("Output Fluent Bit cannot encode", r.problems)):
        if items:
            emit()
            emit(f"{title}:")
            for item in items:
                out.write(paragraph(item, width, indent="  ") + "\n")

    if timeline:
        emit()
        tl = Table([Column("time"), Column("severity"), Column("rules", fit="wrap"), Column("user", priority=3),
                    Column("verb", priority=1), Column("resource", priority=2),
                    Column("namespace/name", fit="wrap", priority=2), Column("auditID", priority=5)],
                   title="Timeline" + (" (first 10,000 detections)" if r.timeline_truncated else ""))
        for t in sorted(r.timeline, key=lambda t: t.get("ts") or ""):
            obj = "/".join(x for x in (t.get("namespace"), t.get("name")) if x) or "-"
            tl.add_row(_when(t.get("ts")), severity(t.get("severity")), (t.get("rules") or "-").replace(",", ", "),
                       t.get("user") or "-", t.get("verb") or "-", t.get("resource") or "-", obj,
                       t.get("auditID") or "-")
        tl.print(out, width, color)
