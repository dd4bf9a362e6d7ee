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
from dataclasses import dataclass

from auditc.policy.levels import LEVELS

LOGGED_LEVELS = LEVELS[1:]
DEFAULT_SIZES = {"Metadata": 1000, "Request": 1900, "RequestResponse": 9000}
DEFAULT_RETENTION = {"Metadata": 90, "Request": 30, "RequestResponse": 30}

_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_SCALE = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKMG]?)\s*(?:/\s*([a-z]+))?\s*$")
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKMG]?)(i?)B?\s*$")


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
    """Bytes from `900`, `1.2KB`, `9k`, `1MiB`."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"invalid size {text!r} (use e.g. 900, 1.2KB, 9k)")
    base = 1024 if m.group(3) else 1000
    power = {"": 0, "k": 1, "K": 1, "M": 2, "G": 3}[m.group(2)]
    return float(m.group(1)) * base ** power


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


def sample_from_log(paths: list[str], policy=None) -> Sample:
    """Measure a sample: as each event's own `level` says, or as `policy` would log it."""
    from auditc.policy.simulate import simulate

    if policy is not None:
        r = simulate(policy, paths)
        events = {lv: r.by_level[lv].events_out for lv in LOGGED_LEVELS}
        sizes = {lv: r.by_level[lv].bytes_out for lv in LOGGED_LEVELS}
        return Sample(events, sizes, r.span_seconds, f"sample {', '.join(paths)} under {policy.file}")
    import json

    from auditc.auditlog.reader import InputState, read_blobs
    from auditc.auditlog.timespan import parse_ts

    events = {lv: 0 for lv in LOGGED_LEVELS}
    sizes = {lv: 0 for lv in LOGGED_LEVELS}
    first = last = None
    for blob in read_blobs(paths, InputState()):
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
    a, b = parse_ts(first), parse_ts(last)
    span = (b - a).total_seconds() if a and b and b > a else None
    return Sample(events, sizes, span, f"sample {', '.join(paths)} as captured")


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
