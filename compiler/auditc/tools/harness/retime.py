"""Shift the timestamps of replayed audit events, for a Loki that rejects
old samples (stock Loki 3.x: `reject_old_samples: true`, max age 1 week).

Only the two event timestamps are rewritten (`requestReceivedTimestamp`,
`stageTimestamp`; Fluent Bit's parser takes the record time from the
latter), in the raw line, so every other byte of the event stays as the
apiserver wrote it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from auditc.auditlog.timespan import parse_ts

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TS = re.compile(rb'("(?:requestReceivedTimestamp|stageTimestamp)"\s*:\s*")([^"\\]{10,40})(")')


def _us(raw: bytes) -> int | None:
    parsed = parse_ts(raw.decode("ascii", "replace"))
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return (parsed - _EPOCH) // timedelta(microseconds=1)  # exact, unlike float seconds


def _format(us: int) -> bytes:
    # the apiserver's form: RFC 3339 UTC with microseconds
    return (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()


def stage_times_us(data: bytes) -> list[int]:
    """Every event's stageTimestamp in the blob (the record time Fluent
    Bit's parser takes), in microseconds."""
    return [t for m in _TS.finditer(data) if m.group(1).startswith(b'"stage') and (t := _us(m.group(2))) is not None]


def shift(data: bytes, offset_us: int, floor_us: int | None = None) -> tuple[bytes, int]:
    """The blob with every event timestamp moved by offset_us; those still
    before floor_us are raised to it. Returns (data, number raised)."""
    raised = 0

    def repl(m: re.Match) -> bytes:
        nonlocal raised
        t = _us(m.group(2))
        if t is None:
            return m.group(0)
        t += offset_us
        if floor_us is not None and t < floor_us:
            t, raised = floor_us, raised + 1
        return m.group(1) + _format(t) + m.group(3)

    return _TS.sub(repl, data), raised
