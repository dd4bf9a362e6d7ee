"""The shipping failure modes: Fluent Bit stopped or killed mid-stream, the
apiserver's log rotation, Loki rate limiting, Loki down, the filesystem
buffer limit, and the latency from a line written to it being queryable.
Every loop is bounded in time and count."""

from __future__ import annotations

import gzip
import re
import shutil
import signal
import threading
import time
import uuid

from auditc.tools.harness.chaos.stack import WAIT_CAP, Result, Stack, append, event, settle


def restart(stack: Stack, sig: int, n: int = 3000, rate: float = 1000.0) -> Result:
    """Stream n events at `rate`/s; signal Fluent Bit halfway; restart it at once."""
    res = Result("sigkill" if sig == signal.SIGKILL else "sigterm")
    run, t0 = f"c{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = {f"{run}-{i:06d}" for i in range(n)}
    batch = max(1, int(rate / 20))
    for i in range(0, n, batch):
        append(stack.log, [event(run, j) for j in range(i, min(n, i + batch))])
        if i <= n // 2 < i + batch:
            stack.kill("fb", sig)
            res.notes.append(f"{signal.Signals(sig).name} at event {i + batch}, restarted at once")
            stack.start_fb()
        time.sleep(batch / rate)
    res.sent = n
    settle(stack, res, run, t0, ids)
    return res


def rotate(stack: Stack, compress: bool, rotations: int = 4, per_file: int = 500, every: float = 1.5) -> Result:
    """Rename + new file, several times in a burst (`every` s apart; the
    apiserver rotates at --audit-log-maxsize, 100 MB is ~10 s at a busy
    10 MB/s); optionally gzip each rotated file and remove it
    (--audit-log-compress). A file renamed away before Fluent Bit found it
    under the watched name is never read: see docs/harness.md."""
    res = Result("rotate-gzip" if compress else "rotate")
    run, t0 = f"r{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = set()
    k = 0
    for r in range(rotations):
        ids |= {f"{run}-{k + j:06d}" for j in range(per_file)}
        append(stack.log, [event(run, k + j) for j in range(per_file)])
        k += per_file
        time.sleep(every)
        rotated = stack.log.with_name(f"audit.log.{r + 1}")
        stack.log.rename(rotated)
        stack.log.touch()
        if compress:
            with open(rotated, "rb") as src, gzip.open(f"{rotated}.gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            rotated.unlink()
    append(stack.log, [event(run, k + j) for j in range(per_file)])
    ids |= {f"{run}-{k + j:06d}" for j in range(per_file)}
    res.sent = len(ids)
    res.figures["rotate_every_seconds"] = every
    res.notes.append(f"{rotations} renames + new file {every:g}s apart, {per_file} events each"
                     + (", each gzipped and removed" if compress else ""))
    settle(stack, res, run, t0, ids)
    if res.lost:
        counts = stack.counts(run, t0)
        lost = sorted(int(aid.rsplit("-", 1)[1]) for aid in ids if aid not in counts)
        res.figures["lost_ranges"] = _ranges(lost)
        res.notes.append(f"lost events {_ranges(lost)} (each file holds {per_file}, numbered in write order)")
    return res


def latency(stack: Stack, n: int = 100, interval: float = 0.1) -> Result:
    """One event every `interval` s; a poller notes when each becomes queryable."""
    res = Result("latency")
    run, t0 = f"l{uuid.uuid4().hex[:8]}", time.time_ns()
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll():
        deadline = time.monotonic() + n * interval + 60
        while time.monotonic() < deadline and not (done.is_set() and len(seen) >= len(written)):
            for aid in stack.counts(run, t0):
                seen.setdefault(aid, time.monotonic())
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    for i in range(n):
        append(stack.log, [event(run, i)])
        written[f"{run}-{i:06d}"] = time.monotonic()
        time.sleep(interval)
    done.set()
    poller.join(timeout=n * interval + 90)
    res.sent, res.arrived = n, len(set(seen) & set(written))
    res.lost = n - res.arrived
    res.latency = [seen[a] - written[a] for a in written if a in seen]
    res.notes.append(f"line written -> queryable; one event per {interval}s, Flush 1, poll every 0.2s")
    return res


# Low but above one push: Fluent Bit sends a whole chunk (up to ~2 MB) per
# request, and a push larger than the burst is refused with 429 forever
# (measured: 1 MB burst, 20000 events: nothing after the first chunk got in).
LOW_LIMITS = {"limits_config": {"ingestion_rate_mb": "2", "ingestion_burst_size_mb": "4",
                                "per_stream_rate_limit": "2MB", "per_stream_rate_limit_burst": "4MB"}}


def burst429(stack: Stack, n: int = 20000) -> Result:
    """A burst into a Loki with a low ingestion rate: 429s, Fluent Bit retries."""
    res = Result("burst429")
    run, t0 = f"b{uuid.uuid4().hex[:8]}", time.time_ns()
    ids = {f"{run}-{i:06d}" for i in range(n)}
    started = time.monotonic()
    append(stack.log, [event(run, i) for i in range(n)])
    res.sent = n
    settle(stack, res, run, t0, ids)
    text = stack.fb_log.read_text(errors="replace")
    res.figures["http_429_logged"] = text.count("429")
    res.figures["delivery_seconds"] = round(time.monotonic() - started, 1)
    res.notes.append(f"Loki at 2 MB/s, 4 MB burst; {res.figures['http_429_logged']} 429s logged, "
                     f"all delivered after {res.figures['delivery_seconds']:.0f}s")
    return res


def _wait_arrivals(stack: Stack, run: str, t0: int, ids: set, cap: float) -> float | None:
    """Seconds until Loki holds every id, None past `cap`."""
    started = time.monotonic()
    while time.monotonic() - started < cap:
        if ids <= set(stack.counts(run, t0)):
            return time.monotonic() - started
        time.sleep(1.0)
    return None


def _wait_stable(stack: Stack, run: str, t0: int, ids: set, quiet: float = 20.0, cap: float = 180.0) -> float:
    """Seconds until Loki holds every id or its count of them has not
    changed for `quiet` seconds (after the first arrival), at most `cap`."""
    started = time.monotonic()
    last, changed = -1, started
    while time.monotonic() - started < cap:
        n = len(ids & set(stack.counts(run, t0)))
        if n == len(ids):
            break
        if n != last:
            last, changed = n, time.monotonic()
        elif n > 0 and time.monotonic() - changed > quiet:
            break
        time.sleep(1.0)
    return time.monotonic() - started


def loki_down(stack: Stack, down: float = 120.0, n: int = 2000) -> Result:
    """Stop Loki, keep writing for `down` seconds, start it again; how long
    until everything buffered has arrived (Fluent Bit's retry backoff)."""
    res = Result(f"loki-down-{int(down)}s")
    run, t0 = f"d{uuid.uuid4().hex[:8]}", time.time_ns()
    stack.kill("loki", signal.SIGTERM)
    ids = set()
    steps = 20
    for s in range(steps):
        chunk = range(s * n // steps, (s + 1) * n // steps)
        append(stack.log, [event(run, i) for i in chunk])
        ids |= {f"{run}-{i:06d}" for i in chunk}
        time.sleep(down / steps)
    stack.start_loki()
    res.sent = n
    recovered = _wait_arrivals(stack, run, t0, ids, WAIT_CAP)
    res.figures["recovery_seconds"] = None if recovered is None else round(recovered, 1)
    res.notes.append(f"Loki stopped {down:.0f}s while writing; all in Loki "
                     + (f"{recovered:.0f}s after it was back" if recovered is not None else f"not within {WAIT_CAP:.0f}s"))
    settle(stack, res, run, t0, ids, cap=10)
    return res


# What Fluent Bit 4.2.8 writes when storage.total_limit_size makes it drop
# the oldest chunks of an output (src/flb_input_chunk.c): the removal at
# debug level only, an error only when it cannot free enough space.
DROP_LINES = re.compile(r"^\[[^\]]*\] \[ *(\w+)\] (\[input chunk\] (?:remove chunk|fail to drop|drop chunk)|\[task\] drop task_id)",
                        re.M)


def buffer_limit(stack: Stack, limit: str, n: int = 40000, down: float = 20.0) -> Result:
    """Loki down while more than storage.total_limit_size is buffered: what
    is lost, and where Fluent Bit says so (log lines, the dropped-records
    metric). Fluent Bit runs with Log_Level debug to see every message."""
    res = Result("buffer-limit", expect_loss=True)
    run, t0 = f"f{uuid.uuid4().hex[:8]}", time.time_ns()
    stack.kill("loki", signal.SIGTERM)
    ids = [f"{run}-{i:06d}" for i in range(n)]
    steps = 20
    for s in range(steps):
        append(stack.log, [event(run, i) for i in range(s * n // steps, (s + 1) * n // steps)])
        time.sleep(down / steps)
    time.sleep(5.0)  # let the tail input read the last lines into chunks
    before = stack.fb_metrics()
    stack.start_loki()
    res.sent = n
    _wait_stable(stack, run, t0, set(ids))  # what survived arrives; the rest never will
    settle(stack, res, run, t0, set(ids), cap=5)
    after = stack.fb_metrics()
    counts = stack.counts(run, t0)
    lost_idx = [i for i, aid in enumerate(ids) if aid not in counts]
    dropped = sum(v for k, v in after.items() if k.startswith("fluentbit_output_dropped_records_total"))
    lines = DROP_LINES.findall(stack.fb_log.read_text(errors="replace"))
    levels = sorted({level for level, _ in lines})
    res.figures.update(limit=limit, dropped_records_metric=dropped,
                       dropped_before_loki_back=sum(v for k, v in before.items()
                                                    if k.startswith("fluentbit_output_dropped_records_total")),
                       drop_log_lines=len(lines), drop_log_levels=levels,
                       lost_ranges=_ranges(lost_idx))
    res.notes.append(f"storage.total_limit_size {limit}, Loki down {down:.0f}s: the oldest chunks dropped; "
                     f"fluentbit_output_dropped_records_total={dropped:.0f}; "
                     f"{len(lines)} log lines, level {'/'.join(levels) or '-'} only")
    if lost_idx:
        res.notes.append(f"lost events {_ranges(lost_idx)} (numbered in write order)")
    return res


def _ranges(xs: list[int]) -> str:
    out, start, prev = [], None, None
    for x in xs:
        if start is None:
            start = prev = x
        elif x == prev + 1:
            prev = x
        else:
            out.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = x
    if start is not None:
        out.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(out[:8]) + (f",... ({len(out)} ranges)" if len(out) > 8 else "")
