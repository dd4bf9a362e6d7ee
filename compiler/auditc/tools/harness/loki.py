"""The bits of Loki's HTTP API the harness and `auditc query` need."""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests

TIMEOUT = 10


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


class Loki:
    def __init__(self, base_url: str, tenant: str | None = None):
        self.base = base_url.rstrip("/")
        self.headers = {"X-Scope-OrgID": tenant} if tenant else {}

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base}/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _get(self, path: str, params: dict) -> dict:
        try:
            r = requests.get(f"{self.base}{path}", params=params, headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise LokiError(f"cannot reach Loki at {self.base}: {exc}") from None
        if r.status_code != 200:
            raise LokiError(f"Loki answered {r.status_code} for {path}: {r.text.strip()[:300]}")
        body = r.json()
        if body.get("status") != "success":
            raise LokiError(f"Loki query failed: {body}")
        return body["data"]

    def query_range(self, query: str, start_ns: int, end_ns: int, limit: int = 5000) -> list[Entry]:
        """All log entries of a stream query between start and end, oldest
        first, paging past Loki's per-query entry limit."""
        out: list[Entry] = []
        seen: set = set()
        while True:
            data = self._get("/loki/api/v1/query_range", {
                "query": query, "start": str(start_ns), "end": str(end_ns), "limit": str(limit),
                "direction": "forward"})
            if data.get("resultType") != "streams":
                raise LokiError(f"expected a log query, got a {data.get('resultType')} result")
            batch = [Entry(int(ts), stream.get("stream", {}), line)
                     for stream in data["result"] for ts, line in stream["values"]]
            batch.sort(key=lambda e: e.ts_ns)
            fresh = [e for e in batch if (e.ts_ns, e.line) not in seen]
            for e in fresh:
                seen.add((e.ts_ns, e.line))
            out.extend(fresh)
            if len(batch) < limit:
                return out
            # Next page starts at the last timestamp (entries sharing it are
            # de-duplicated above); a full page of already seen entries moves past it.
            start_ns = batch[-1].ts_ns if fresh else batch[-1].ts_ns + 1

    def rule_groups(self) -> dict:
        """The ruler's loaded groups (Prometheus-compatible rules API)."""
        return self._get("/prometheus/api/v1/rules", {})

    def query_instant(self, query: str, time_ns: int) -> list:
        data = self._get("/loki/api/v1/query", {"query": query, "time": str(time_ns)})
        return data["result"]
