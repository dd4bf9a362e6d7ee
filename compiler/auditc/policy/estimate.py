"""`auditc estimate`: audit log storage as a calculator.

From events per second at each level (or measured from a sample log, as
captured or as a policy would log it) and the average size of an event at
each level, bytes per day and the total kept under a retention per level
(30 days for bodies, 90 days for Metadata by default: the tiered retention
the article recommends).

Default event sizes are what `benchmarks/auditgen.py` measures for a busy
cluster's realistic events (docs/benchmarks.md): Metadata ~1.0 KB (real
Metadata lines carry user extra claims and authorization annotations, not
the 200-500 bytes often quoted), Request with a body ~1.9 KB, RequestResponse
with bodies ~9 KB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditc.policy.levels import LEVELS

LOGGED_LEVELS = LEVELS[1:]
DEFAULT_SIZES = {"Metadata": 1000, "Request": 1900, "RequestResponse": 9000}
DEFAULT_RETENTION = {"Metadata": 90, "Request": 30, "RequestResponse": 30}

_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_SCALE = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKMG]?)\s*(?:/\s*([a-z]+))?\s*$")
# Sizes: B, kB/KB/k (10^3), KiB (2^10), M, G, T; unit letters in any case (1.2kb = 1.2KB).
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(?:([kmgt])(i?)b?|b)?\s*$", re.IGNORECASE)
# Retention: a number of days, or with a unit; a month is 30 days, a year 365.
_DAYS = {"h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24, "d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7,
         "mo": 30, "month": 30, "months": 30, "y": 365, "year": 365, "years": 365}
_RETENTION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$", re.IGNORECASE)


def level_name(text: str) -> str:
    for lv in LOGGED_LEVELS:
        if text.strip().lower() == lv.lower():
            return lv
    raise ValueError(f"unknown level {text!r} (use Metadata, Request or RequestResponse)")


def parse_rate(text: str) -> float:
    """Events per second from `500`, `500/s`, `30k/min`, `2M/day`."""
    m = _RATE.match(text)
    if not m or (m.group(3) and m.group(3) not in _UNITS):
        raise ValueError(f"invalid rate {text!r} (use e.g. 500/s, 30k/min, 2M/day)")
    per = _UNITS[m.group(3) or "s"]
    return float(m.group(1)) * _SCALE[m.group(2)] / per


def parse_size(text: str) -> float:
    """Bytes from `900`, `900B`, `1.2KB`, `1.2kb`, `9k`, `1MiB`, `2GB`."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"invalid size {text!r} (use e.g. 900, 1.2KB, 9k, 1.5KiB, 2MB)")
    base = 1024 if m.group(3) else 1000
    power = " kmgt".index(m.group(2).lower()) if m.group(2) else 0
    return float(m.group(1)) * base ** power


def parse_retention(text: str) -> float:
    """Days from `90`, `90d`, `12h`, `2w`, `6mo`, `1y` (a month is 30 days, a year 365)."""
    m = _RETENTION.match(text)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _DAYS and unit != "":
        hint = " (m is ambiguous: write 6mo for months)" if unit == "m" else ""
        raise ValueError(f"invalid retention {text!r}{hint} (use days, or e.g. 12h, 90d, 2w, 6mo, 1y)")
    days = float(m.group(1)) * _DAYS.get(unit, 1)
    if days <= 0:
        raise ValueError(f"invalid retention {text!r}: must be more than 0")
    return days


def assignments(items: list[str] | None, parse) -> dict[str, float]:
    """`LEVEL=VALUE` options, repeated or comma-separated."""
    out: dict[str, float] = {}
    for item in items or []:
        for part in item.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ValueError(f"expected LEVEL=VALUE, got {part!r}")
            key, value = part.split("=", 1)
            out[level_name(key)] = parse(value)
    return out


@dataclass
class Sample:
    """Per level: events and bytes in a sample log, and the span it covers."""

    events: dict
    bytes: dict
    span_seconds: float | None
    source: str
    issues: list[str] = field(default_factory=list)  # input not read to its end (truncated .gz, ...)


def sample_from_log(paths: list[str], policy=None, on_progress=None) -> Sample:
    """Measure a sample: as each event's own `level` says, or as `policy` would log it.
    `on_progress(events, bytes_read)` is called after each block of input."""
    from auditc.policy.simulate import simulate

    if policy is not None:
        r = simulate(policy, paths, on_progress=on_progress)
        events = {lv: r.by_level[lv].events_out for lv in LOGGED_LEVELS}
        sizes = {lv: r.by_level[lv].bytes_out for lv in LOGGED_LEVELS}
        return Sample(events, sizes, r.span_seconds, f"sample {', '.join(paths)} under {policy.file}",
                      r.input_issues)
    import json

    from auditc.auditlog.reader import InputState, read_blobs
    from auditc.auditlog.timespan import parse_ts

    events = {lv: 0 for lv in LOGGED_LEVELS}
    sizes = {lv: 0 for lv in LOGGED_LEVELS}
    first = last = None
    state = InputState()
    for blob in read_blobs(paths, state):
        for line in blob.data.split(b"\n"):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if not isinstance(ev, dict) or ev.get("level") not in events:
                continue
            events[ev["level"]] += 1
            sizes[ev["level"]] += len(line) + 1
            ts = ev.get("requestReceivedTimestamp") or ev.get("stageTimestamp")
            if isinstance(ts, str):
                first = ts if first is None or ts < first else first
                last = ts if last is None or ts > last else last
        if on_progress:
            on_progress(sum(events.values()), state.bytes_read)
    a, b = parse_ts(first), parse_ts(last)
    span = (b - a).total_seconds() if a and b and b > a else None
    return Sample(events, sizes, span, f"sample {', '.join(paths)} as captured", [str(i) for i in state.issues])


def estimate(rates: dict[str, float], sizes: dict[str, float], retention: dict[str, float]) -> tuple[list[dict], dict]:
    rows = []
    for lv in LOGGED_LEVELS:
        eps = rates.get(lv, 0.0)
        if not eps and lv not in rates:
            continue
        per_day = eps * 86400
        avg = sizes.get(lv, DEFAULT_SIZES[lv])
        days = retention.get(lv, DEFAULT_RETENTION[lv])
        rows.append({"level": lv, "events_per_second": eps, "events_per_day": per_day, "avg_bytes": avg,
                     "bytes_per_day": per_day * avg, "retention_days": int(days) if days == int(days) else days,
                     "stored_bytes": per_day * avg * days})
    totals = {"events_per_second": sum(r["events_per_second"] for r in rows),
              "events_per_day": sum(r["events_per_day"] for r in rows),
              "bytes_per_day": sum(r["bytes_per_day"] for r in rows),
              "stored_bytes": sum(r["stored_bytes"] for r in rows)}
    return rows, totals
