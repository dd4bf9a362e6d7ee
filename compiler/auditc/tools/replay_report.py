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


def write_table(r: ReplayReport, out: IO[str], timeline: bool, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False, force_terminal=color, no_color=not color, width=200 if not color else None)
    data = to_dict(r)

    # On a narrow terminal keep what people scan for; times and examples
    # need width (everything is in --format json).
    wide = console.width >= 150
    cols = [("severity", "left"), ("rule", "left"), ("count", "right")]
    cols += [("first seen", "left"), ("last seen", "left")] if wide else []
    cols += [("top user", "left"), ("top namespace", "left")]
    cols += [("example auditID", "left")] if wide else []
    det = Table(title="Detections", title_justify="left", box=None, pad_edge=False, show_edge=False)
    limits = {"severity": (8, 8), "count": (6, None), "top user": (None, 26), "top namespace": (None, 18)}
    for col, just in cols:
        lo, hi = limits.get(col, (None, None))
        det.add_column(col, justify=just, no_wrap=True, overflow="ellipsis", min_width=lo, max_width=hi)
    for d in data["detections"]:
        row = [d["severity"], d["rule"], f"{d['count']:,}"]
        row += [_when(d["first_seen"]), _when(d["last_seen"])] if wide else []
        row += [_top(d["top_users"]), _top(d["top_namespaces"])]
        row += [(d["examples"] or ["-"])[0]] if wide else []
        det.add_row(*row)
    if data["detections"]:
        console.print(det)
    else:
        console.print("Detections: none")
    console.print()

    pipe = Table(title="Pipeline", title_justify="left", box=None, pad_edge=False, show_edge=False, show_header=False)
    pipe.add_column("what")
    pipe.add_column("count", justify="right")
    pipe.add_column("share", justify="right")
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
    console.print(pipe)
    console.print()

    console.print(f"Storage projection at the observed rate (span {_span(r.span_seconds)}):")
    proj = Table(box=None, pad_edge=False, show_edge=False)
    proj.add_column("")
    proj.add_column("per day", justify="right")
    proj.add_column("30 days", justify="right")
    for label, value in (("before pipeline", r.bytes_in), ("after pipeline", r.bytes_out)):
        day = r.per_day(value)
        proj.add_row(label, human_bytes(day), human_bytes(day * 30 if day is not None else None))
    console.print(proj)

    for title, items in (("Malformed lines (first 100)", r.malformed_refs), ("Input problems", r.input_issues),
                         ("Batches Fluent Bit would ship UNFILTERED", r.passthrough),
                         ("Output Fluent Bit cannot encode", r.problems)):
        if items:
            console.print()
            console.print(f"{title}:")
            for item in items:
                console.print(f"  {item}")

    if timeline:
        console.print()
        tl = Table(title="Timeline" + (" (first 10,000 detections)" if r.timeline_truncated else ""),
                   title_justify="left", box=None, pad_edge=False, show_edge=False)
        for col in ("time", "severity", "rules", "user", "verb", "resource", "namespace/name", "auditID"):
            tl.add_column(col, no_wrap=True, overflow="ellipsis")
        for t in sorted(r.timeline, key=lambda t: t.get("ts") or ""):
            obj = "/".join(x for x in (t.get("namespace"), t.get("name")) if x) or "-"
            tl.add_row(_when(t.get("ts")), t.get("severity") or "-", t.get("rules") or "-", t.get("user") or "-",
                       t.get("verb") or "-", t.get("resource") or "-", obj, t.get("auditID") or "-")
        console.print(tl)
