"""Audit timestamps and the rate they imply: shared by replay, policy
simulate and the harness."""

from __future__ import annotations

from datetime import datetime


def parse_ts(text: str | None) -> datetime | None:
    """An apiserver timestamp (RFC 3339, `Z` or an offset), or None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class ObservedSpan:
    """For reports with `first_ts`/`last_ts` (requestReceivedTimestamp strings):
    the span they cover and projections at the observed rate."""

    first_ts: str | None
    last_ts: str | None

    @property
    def span_seconds(self) -> float | None:
        a, b = parse_ts(self.first_ts), parse_ts(self.last_ts)
        if a is None or b is None or b <= a:
            return None
        return (b - a).total_seconds()

    def per_day(self, value: float) -> float | None:
        span = self.span_seconds
        return None if span is None else value * 86400.0 / span
