"""The bits of Loki's HTTP API the harness and `auditc query` need.

Works against a stock Loki 3.x configuration, not only the harness's own:
- query_range is split into windows within `max_query_length` (stock: 30d1h;
  a 400 "query time range exceeds the limit" shrinks the window to the limit
  Loki names and retries);
- each window is paged forward (limit, then start = last timestamp seen,
  entries sharing it de-duplicated) and the page size is lowered to
  `max_entries_limit_per_query` when Loki says it is smaller;
- 429 (rate limits, "too many outstanding requests") and 503 (not ready,
  ring not settled) are retried with bounded exponential backoff.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

import requests
import yaml

TIMEOUT = 10
# Stock Loki's max_query_length is 30d1h (721h); stay one hour under it.
DEFAULT_WINDOW_NS = 720 * 3600 * 10**9
RETRY_STATUS = {429, 502, 503, 504}
RETRIES = 8  # backoff 0.25, 0.5, 1, 2, 4, 4, 4, 4 s: at most ~20 s per request
MAX_PAGES = 100_000  # a bound on the paging loop, far above any replay


@dataclass
class Entry:
    ts_ns: int
    labels: dict
    line: str

    @property
    def record(self) -> dict | None:
        try:
            value = json.loads(self.line)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class LokiError(RuntimeError):
    pass


def check_url(url: str) -> str | None:
    """Why `url` cannot be Loki's base URL (None if it can): requests needs the scheme."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        if "://" not in url:
            return f"{url!r} is not a URL: add the scheme, e.g. http://{url.lstrip('/')}"
        return f"{url!r} is not an http:// or https:// URL"
    return None


def reason(exc: Exception) -> str:
    """A requests failure in a few words: 'connection refused', 'no answer within 10 s', ... (its
    text repeats the whole URL with the query, hundreds of characters)."""
    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT} s"
    text = str(exc)
    m = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if m:
        return m.group(1).strip().rstrip(".").lower()
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


@dataclass
class IngestLimits:
    """What a Loki refuses at push time (400, which Fluent Bit does not retry)."""

    reject_old_samples: bool
    max_age_ns: int | None  # reject_old_samples_max_age (stock: 1w), when rejecting
    creation_grace_ns: int | None  # creation_grace_period (stock: 10m): how far in the future

    def too_old(self, ts_ns: int, now_ns: int) -> bool:
        return bool(self.reject_old_samples and self.max_age_ns and ts_ns < now_ns - self.max_age_ns)


class _Limit(LokiError):
    """A 400 naming a limit the request can be adjusted to."""

    def __init__(self, message: str, *, window_ns: int | None = None, entries: int | None = None):
        super().__init__(message)
        self.window_ns, self.entries = window_ns, entries


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)")
_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
            "d": 86400 * 10**9, "w": 7 * 86400 * 10**9, "y": 365 * 86400 * 10**9}


def parse_duration_ns(text: str) -> int | None:
    """Go/Prometheus durations as Loki prints them: 30d1h, 17653h12m3.5s, 721h0m0s."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return int(sum(float(n) * _UNIT_NS[u] for n, u in parts))


def classify_400(text: str) -> _Limit | None:
    m = re.search(r"query time range exceeds the limit \(query length: [^,]+, limit: ([0-9a-zµ.]+)\)", text)
    if m and (ns := parse_duration_ns(m.group(1))):
        return _Limit(text, window_ns=ns)
    # "max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000)"
    m = re.search(r"max_entries_limit(?:_per_query)? \((\d+) > (\d+)\)", text)
    if m:
        return _Limit(text, entries=int(m.group(2)))
    return None


def windows(start_ns: int, end_ns: int, window_ns: int) -> list[tuple[int, int]]:
    """[start, end] cut into consecutive windows no longer than window_ns."""
    out, t = [], start_ns
    while t < end_ns:
        out.append((t, min(end_ns, t + window_ns)))
        t = out[-1][1]
    return out or [(start_ns, end_ns)]


def merge_spans(times_ns: list[int], pad_ns: int) -> list[tuple[int, int]]:
    """The time ranges worth querying for a set of timestamps: each padded by
    pad_ns, overlapping ones merged (a replay of last year's incident plus
    today's events is two short ranges, not one of a year)."""
    spans: list[list[int]] = []
    for t in sorted(times_ns):
        if spans and t - pad_ns <= spans[-1][1]:
            spans[-1][1] = t + pad_ns
        else:
            spans.append([t - pad_ns, t + pad_ns])
    return [(a, b) for a, b in spans]


class Loki:
    def __init__(self, base_url: str, tenant: str | None = None, *, window_ns: int = DEFAULT_WINDOW_NS,
                 retries: int = RETRIES, sleep=time.sleep):
        self.base = base_url.rstrip("/")
        self.headers = {"X-Scope-OrgID": tenant} if tenant else {}
        self.window_ns, self.retries, self.sleep = window_ns, retries, sleep
        self.max_entries: int | None = None  # learnt from a 400
        self.stats = {"requests": 0, "retried": 0, "windows": 0, "pages": 0}

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base}/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def flush(self) -> bool:
        """Ask the ingesters to flush their in-memory chunks to the store
        (POST /flush). With a stock config, entries older than
        query_ingesters_within (3h) are only queryable once flushed. False
        where the endpoint is not offered (a read-only or gateway URL)."""
        try:
            return requests.post(f"{self.base}/flush", headers=self.headers, timeout=TIMEOUT).status_code < 300
        except requests.RequestException:
            return False

    def ingest_limits(self) -> "IngestLimits | None":
        """The ingestion limits of the running Loki, read from its /config
        (None where that endpoint is not offered, e.g. behind a gateway)."""
        try:
            r = requests.get(f"{self.base}/config", headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException:
            return None
        if r.status_code != 200:
            return None
        try:
            doc = yaml.safe_load(r.text)
        except yaml.YAMLError:  # not the YAML Loki prints: treat as unknown
            return None
        limits = (doc.get("limits_config") if isinstance(doc, dict) else None) or {}
        max_age = parse_duration_ns(str(limits.get("reject_old_samples_max_age", ""))) if limits.get(
            "reject_old_samples") else None
        grace = parse_duration_ns(str(limits.get("creation_grace_period", "")))
        return IngestLimits(reject_old_samples=bool(limits.get("reject_old_samples")), max_age_ns=max_age,
                            creation_grace_ns=grace)

    def _get(self, path: str, params: dict) -> dict:
        delay = 0.25
        for attempt in range(self.retries + 1):
            self.stats["requests"] += 1
            try:
                r = requests.get(f"{self.base}{path}", params=params, headers=self.headers, timeout=TIMEOUT)
            except requests.RequestException as exc:
                raise LokiError(f"cannot reach Loki at {self.base}: {reason(exc)}") from None
            if r.status_code in RETRY_STATUS and attempt < self.retries:
                self.stats["retried"] += 1
                wait = delay
                if r.headers.get("Retry-After", "").isdigit():
                    wait = min(float(r.headers["Retry-After"]), 10.0)
                self.sleep(wait)
                delay = min(delay * 2, 4.0)
                continue
            break
        if r.status_code == 400 and (limit := classify_400(r.text.strip())):
            raise limit
        if r.status_code != 200:
            raise LokiError(f"Loki answered {r.status_code} for {path}: {r.text.strip()[:300]}")
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):  # a web server, but not Loki's API
            raise LokiError(f"{self.base}{path} did not answer as Loki does (not a JSON response): is this "
                            f"Loki's base URL?")
        if body.get("status") != "success":
            raise LokiError(f"Loki query failed: {json.dumps(body)[:300]}")
        return body["data"]

    def query_range(self, query: str, start_ns: int, end_ns: int, limit: int = 5000) -> list[Entry]:
        """All log entries of a stream query between start and end, oldest
        first: windows within max_query_length, each paged past the entry limit."""
        out: list[Entry] = []
        t = start_ns
        while t < end_ns or (t == start_ns == end_ns):
            w_end = min(end_ns, t + self.window_ns)
            try:
                out.extend(self._window(query, t, w_end, limit))
            except _Limit as exc:
                if exc.window_ns and exc.window_ns < w_end - t:
                    # Loki counts [start, end] inclusive; keep a minute under its limit
                    self.window_ns = max(60 * 10**9, exc.window_ns - 60 * 10**9)
                    continue
                raise LokiError(str(exc)) from None
            self.stats["windows"] += 1
            if w_end >= end_ns:
                break
            t = w_end + 1  # windows are inclusive at both ends in Loki: do not read w_end twice
        return out

    def _window(self, query: str, start_ns: int, end_ns: int, limit: int) -> list[Entry]:
        out: list[Entry] = []
        seen: set = set()
        for _ in range(MAX_PAGES):
            page = min(limit, self.max_entries or limit)
            try:
                data = self._get("/loki/api/v1/query_range", {
                    "query": query, "start": str(start_ns), "end": str(end_ns), "limit": str(page),
                    "direction": "forward"})
            except _Limit as exc:
                if exc.entries and exc.entries < page:
                    self.max_entries = exc.entries
                    continue
                raise
            self.stats["pages"] += 1
            if data.get("resultType") != "streams":
                raise LokiError(f"expected a log query, got a {data.get('resultType')} result")
            batch = [Entry(int(ts), stream.get("stream", {}), line)
                     for stream in data["result"] for ts, line in stream["values"]]
            batch.sort(key=lambda e: e.ts_ns)
            key = lambda e: (e.ts_ns, e.line, json.dumps(e.labels, sort_keys=True))  # noqa: E731
            fresh = [e for e in batch if key(e) not in seen]
            seen.update(key(e) for e in fresh)
            out.extend(fresh)
            if len(batch) < page:
                return out
            # Next page starts at the last timestamp (entries sharing it are
            # de-duplicated above); a full page of already seen entries moves past it.
            start_ns = batch[-1].ts_ns if fresh else batch[-1].ts_ns + 1
            if start_ns > end_ns:
                return out
        raise LokiError(f"query_range: more than {MAX_PAGES} pages for {query}")

    def rule_groups(self) -> dict:
        """The ruler's loaded groups (Prometheus-compatible rules API)."""
        return self._get("/prometheus/api/v1/rules", {})

    def query_instant(self, query: str, time_ns: int) -> list:
        data = self._get("/loki/api/v1/query", {"query": query, "time": str(time_ns)})
        return data["result"]
