"""Many events end to end: a log (e.g. from benchmarks/auditgen.py, a busy
cluster's mix) appended to the watched file as fast as the disk takes it,
through real Fluent Bit and the generated pipeline into real Loki; then
sent / expected (what the filter ships, by the in-process runtime) /
arrived / lost / duplicates, wall time and throughput."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections import Counter
from pathlib import Path

from auditc.auditlog.reader import InputState, read_blobs
from auditc.auditlog.timespan import parse_ts
from auditc.runtime import FluentBitLua
from auditc.tools.harness.chaos.stack import Result, Stack, event
from auditc.tools.harness.loki import merge_spans

# Loki answers pages of this many entries (the scenario raises
# max_entries_limit_per_query to it); the lines are auditIDs only.
PAGE = 20000
VOLUME_LIMITS = {"limits_config": {"max_entries_limit_per_query": str(PAGE)}}
_AUDIT_ID = re.compile(rb'"auditID"\s*:\s*"([^"]+)"')


def numbered_log(path: Path, n: int) -> Path:
    """n numbered events the filter ships, when no input log is given."""
    run = f"v{uuid.uuid4().hex[:8]}"
    with open(path, "w") as f:
        for i in range(0, n, 10000):
            f.write("".join(event(run, j) + "\n" for j in range(i, min(n, i + 10000))))
    return path


def expectation(lua_dir: Path, path: Path) -> tuple[int, int, set, list[int]]:
    """(events, bytes, auditIDs the filter ships, event timestamps in ns) by the in-process runtime."""
    lua = FluentBitLua((lua_dir / "auditc.lua").read_text(), "auditc_filter", enable_flb_null=True)
    events, size, shipped, times = 0, 0, set(), []
    for blob in read_blobs([str(path)], InputState()):
        batch = lua.replay_batch(blob.data, want_output=True)
        events += batch.events
        size += batch.bytes_in
        if batch.output:
            for line in batch.output.split(b"\n"):
                m = _AUDIT_ID.search(line)
                if m:
                    shipped.add(m.group(1).decode())
        for ts in (batch.first_ts, batch.last_ts):
            parsed = parse_ts(ts)
            if parsed:
                times.append(int(parsed.timestamp() * 1e9))
    return events, size, shipped, times


def volume(stack: Stack, source: Path | None, n: int, cap: float = 3600.0) -> Result:
    res = Result("volume")
    work_input = stack.work / "input.log"
    if source is None:
        numbered_log(work_input, n)
        source = work_input
    t_exp = time.monotonic()
    events, size, shipped, times = expectation(stack.lua_dir, source)
    res.figures["expectation_seconds"] = round(time.monotonic() - t_exp, 1)
    started = time.monotonic()
    with open(source, "rb") as src, open(stack.log, "ab") as dst:
        shutil.copyfileobj(src, dst, 4 << 20)
    res.figures["write_seconds"] = round(time.monotonic() - started, 1)
    res.sent = events
    delivered_at = _wait_delivered(stack, len(shipped), started, cap)
    wall = (delivered_at or time.monotonic()) - started
    counts = _arrived(stack, times)
    res.arrived = len(shipped & set(counts))
    res.lost = len(shipped) - res.arrived
    res.duplicates = sum(n - 1 for aid, n in counts.items() if aid in shipped and n > 1)
    metrics = stack.fb_metrics()
    res.figures.update(events=events, input_mb=round(size / 1e6, 1), expected_in_loki=len(shipped),
                       dropped_by_filter=events - len(shipped), unexpected_in_loki=len(set(counts) - shipped),
                       wall_seconds=round(wall, 1), events_per_second=round(events / wall),
                       shipped_per_second=round(len(shipped) / wall), input_mb_per_second=round(size / 1e6 / wall, 1),
                       fluent_bit_retries=_metric(metrics, "fluentbit_output_retries_total"),
                       fluent_bit_retries_failed=_metric(metrics, "fluentbit_output_retries_failed_total"))
    res.notes.append(f"{events} events ({size / 1e6:.0f} MB) appended in {res.figures['write_seconds']:.0f}s; "
                     f"{len(shipped)} to ship, {events - len(shipped)} dropped by the filter; "
                     f"all in Loki after {wall:.0f}s: {events / wall:.0f} events/s "
                     f"({size / 1e6 / wall:.1f} MB/s) read, {len(shipped) / wall:.0f}/s shipped")
    return res


def _metric(metrics: dict, name: str) -> float:
    return sum(v for k, v in metrics.items() if k.split("{")[0] == name)


def _wait_delivered(stack: Stack, expected: int, started: float, cap: float) -> float | None:
    """When Fluent Bit's loki output has delivered `expected` records (its
    own counter: cheap to poll), or None past `cap`."""
    last, last_change = -1.0, time.monotonic()
    while time.monotonic() - started < cap:
        done = _metric(stack.fb_metrics(), "fluentbit_output_proc_records_total")
        if done >= expected:
            return time.monotonic()
        if done != last:
            last, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > 300:  # nothing delivered for 5 min: stop waiting
            return None
        time.sleep(1.0)
    return None


def _arrived(stack: Stack, times: list[int]) -> Counter:
    """auditID -> entries in Loki, everything this Loki holds around the
    replayed timestamps (its lines reduced to the auditID)."""
    query = '{job="kube-audit"} | json aid="auditID" | line_format "{{.aid}}" | drop aid'
    counts: Counter = Counter()
    for a, b in merge_spans(times + [time.time_ns()], 3600 * 10**9):
        for e in stack.loki.query_range(query, a, b, limit=PAGE):
            counts[e.line] += 1
    return counts
