"""The harness: configs, the replay/wait logic against a fake Loki, and the
real integration runs (Docker Compose or native binaries) where available."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

import fluentbit_check as fbc
from auditc.tools.harness import drivers, session
from auditc.tools.harness.configs import DOCKER_LOKI, loki_config, native_files
from auditc.tools.harness.loki import Loki
from auditc.runtime import FluentBitLua

from conftest import ROOT

SECRET = "aGFybmVzcy1wbGFudGVk"
EVENTS = [
    {"kind": "Event", "auditID": "h-keep", "verb": "get", "user": {"username": "alice"},
     "objectRef": {"resource": "configmaps", "namespace": "a"}, "stageTimestamp": "2026-11-20T10:00:00.000001Z"},
    {"kind": "Event", "auditID": "h-drop", "verb": "watch", "user": {"username": "system:kube-proxy"},
     "objectRef": {"resource": "endpointslices"}, "stageTimestamp": "2026-11-20T10:00:01.000001Z"},
    {"kind": "Event", "auditID": "h-detect", "verb": "list", "user": {"username": "mallory"},
     "objectRef": {"resource": "secrets"}, "stageTimestamp": "2026-11-20T10:00:02.000001Z",
     "responseObject": {"kind": "SecretList", "items": [{"data": {"k": SECRET}}]}},
]


def test_docker_loki_config_is_the_generated_one():
    assert (ROOT / "docker" / "loki" / "loki.yaml").read_text() == loki_config(**DOCKER_LOKI)
    cfg = yaml.safe_load(loki_config(**DOCKER_LOKI))
    assert cfg["limits_config"]["reject_old_samples"] is False and cfg["auth_enabled"] is False


def _default(volume: str) -> str:
    """A compose volume with ${VAR:-default} interpolated to its default."""
    import re
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", volume)


def test_compose_file_wiring():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"loki", "fluent-bit", "grafana"}
    fb = services["fluent-bit"]
    assert fb["image"].startswith("fluent/fluent-bit:") and fb["environment"]["LOKI_HOST"] == "loki"
    mounts = {_default(v).split(":")[1]: v for v in fb["volumes"]}
    assert {"/fluent-bit/etc", "/var/log/kubernetes/audit", "/var/lib/auditc-fluent-bit"} <= set(mounts)
    for svc in services.values():
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), "harness ports bind to loopback only"
        for vol in svc.get("volumes", []):
            src = _default(vol).split(":")[0]
            if src.startswith("./") and "${" not in vol:  # the work dir is created by the harness
                assert (ROOT / "docker" / src).exists(), src
    ds = yaml.safe_load((ROOT / "docker/grafana/provisioning/datasources/loki.yaml").read_text())
    assert ds["datasources"][0]["url"] == "http://loki:3100"


def test_native_configs_are_valid(tmp_path):
    files = native_files(tmp_path, ROOT / "lua", loki_port=3199, fb_port=2099)
    etc = {p.name: text for p, text in files.items() if p.parent.name == "etc"}
    cfg = fbc.parse_classic(etc["fluent-bit.conf"])
    assert fbc.check(cfg, etc, str(tmp_path / "etc"), extra_parsers=fbc.parse_classic(etc["parsers.conf"]).parsers) == []
    assert cfg.inputs[0]["path"] == str(tmp_path / "audit" / "audit.log")
    assert cfg.outputs[0]["host"] == "127.0.0.1" and cfg.outputs[0]["port"] == "3199"
    assert cfg.service["http_listen"] == "127.0.0.1"
    loki = yaml.safe_load(files[tmp_path / "loki" / "loki.yaml"])
    assert loki["server"]["http_listen_address"] == "127.0.0.1"


class FakeLoki(ThreadingHTTPServer):
    """Pretends to be Fluent Bit + Loki: 'ingests' the watched log through the
    emulated filter after a delay, and answers query_range with paging."""

    def __init__(self, log: Path, leak: bool = False, page: int = 2, config: str | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log, self.leak, self.page, self.config = log, leak, page, config
        self.offset, self.entries = 0, []
        self.runtime = FluentBitLua((ROOT / "lua" / "auditc.lua").read_text(), "auditc_filter", enable_flb_null=True)

    def ingest(self) -> None:
        data = self.log.read_bytes()
        new, self.offset = data[self.offset:], len(data)
        for line in new.decode().splitlines():
            if not line.strip():
                continue
            out = self.runtime.filter([line])
            records = [e.record for e in out.records] or ([json.loads(line)] if self.leak else [])
            for rec in records:
                ts = session._ns(rec.get("stageTimestamp"))
                labels = {"job": "kube-audit", **({"severity": rec["detection"]["severity"]} if "detection" in rec else {})}
                self.entries.append((ts, labels, json.dumps(rec)))


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/ready":
            self.send_response(200)
            self.end_headers()
            return
        if url.path == "/config":  # the running config, as Loki prints it
            self.send_response(200 if self.server.config else 404)
            self.end_headers()
            self.wfile.write((self.server.config or "404 page not found").encode())
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.ingest()
        start, end = int(q["start"]), int(q["end"])
        hits = sorted(e for e in self.server.entries if start <= e[0] <= end)[: min(int(q["limit"]), self.server.page)]
        streams = {}
        for ts, labels, line in hits:
            streams.setdefault(json.dumps(labels, sort_keys=True), []).append([str(ts), line])
        body = {"status": "success", "data": {"resultType": "streams", "result": [
            {"stream": json.loads(k), "values": v} for k, v in streams.items()]}}
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(raw)


def fake_state(tmp_path, **kw):
    work = tmp_path / "work"
    (work / "audit").mkdir(parents=True)
    (work / "audit" / "audit.log").touch()
    server = FakeLoki(work / "audit" / "audit.log", **kw)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    state = drivers.State("native", str(work), str(ROOT / "lua"), url, "http://127.0.0.1:1")
    return state, server


def test_replay_waits_until_loki_holds_what_ships(tmp_path):
    state, server = fake_state(tmp_path)
    log = tmp_path / "sample.jsonl"
    log.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    try:
        outcome = session.replay(state, [str(log)], timeout=10)
    finally:
        server.shutdown()
    assert outcome.sent == 3 and outcome.expected == {"h-keep", "h-detect"} and outcome.dropped == {"h-drop"}
    assert outcome.complete and outcome.arrived == {"h-keep", "h-detect"}
    detected = [e for e in outcome.entries if e.record["auditID"] == "h-detect"][0]
    assert detected.labels["severity"] == "critical"
    assert all(SECRET not in e.line for e in outcome.entries)
    assert state.audit_log.read_text().count("\n") == 3
    # what later queries about this replay read: short ranges around its
    # events (and now), never one range from the oldest event to the newest
    h = 3600 * 10**9
    assert outcome.spans and all(b - a <= 3 * h for a, b in outcome.spans[:-1])
    assert sum(b - a for a, b in outcome.spans) < 10 * h


def test_replay_reports_dropped_events_that_reach_loki(tmp_path):
    state, server = fake_state(tmp_path, leak=True)
    log = tmp_path / "sample.jsonl"
    log.write_text(json.dumps(EVENTS[1]) + "\n")
    try:
        outcome = session.replay(state, [str(log)], timeout=5)
    finally:
        server.shutdown()
    assert outcome.unexpected == {"h-drop"} and not outcome.complete


def test_query_range_pages_past_the_limit(tmp_path):
    state, server = fake_state(tmp_path, page=1)
    state.audit_log.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    try:
        entries = Loki(state.loki_url).query_range('{job="kube-audit"}', 0, time.time_ns(), limit=1)
    finally:
        server.shutdown()
    assert [e.record["auditID"] for e in entries] == ["h-keep", "h-detect"]


STOCK_LIMITS = """limits_config:
  reject_old_samples: true
  reject_old_samples_max_age: 1w
  creation_grace_period: 10m
  max_query_length: 30d1h
"""


def test_replay_refuses_events_a_stock_loki_would_reject(tmp_path):
    """Stock Loki answers 400 for samples older than a week and Fluent Bit
    does not retry a 400: the replay says so before writing anything."""
    state, server = fake_state(tmp_path, config=STOCK_LIMITS)
    log = tmp_path / "old.jsonl"
    log.write_text("\n".join(json.dumps(dict(e, stageTimestamp="2024-11-26T09:00:01.132747Z")) for e in EVENTS) + "\n")
    try:
        with pytest.raises(drivers.HarnessError) as exc:
            session.replay(state, [str(log)], timeout=5)
    finally:
        server.shutdown()
    msg = str(exc.value)
    assert "168h" in msg and "reject_old_samples" in msg and "--retime" in msg and "3 of the replayed events" in msg
    assert state.audit_log.read_text() == ""


def test_retime_shifts_the_events_to_now_and_they_arrive(tmp_path):
    state, server = fake_state(tmp_path, config=STOCK_LIMITS)
    old = [dict(e, requestReceivedTimestamp="2024-11-26T09:00:0%d.000000Z" % i,
                stageTimestamp="2024-11-26T09:00:0%d.004000Z" % i) for i, e in enumerate(EVENTS)]
    log = tmp_path / "old.jsonl"
    log.write_text("\n".join(json.dumps(e) for e in old) + "\n")
    try:
        outcome = session.replay(state, [str(log)], timeout=10, retime=True)
    finally:
        server.shutdown()
    assert outcome.complete and outcome.arrived == {"h-keep", "h-detect"}
    written = [json.loads(line) for line in state.audit_log.read_text().splitlines()]
    from datetime import datetime, timedelta, timezone
    from auditc.auditlog.timespan import parse_ts
    stamps = [parse_ts(e["stageTimestamp"]) for e in written]  # exact to the microsecond
    assert all(abs(datetime.now(timezone.utc) - t) < timedelta(minutes=2) for t in stamps)
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [timedelta(seconds=1)] * 2  # spacing kept
    received = [parse_ts(e["requestReceivedTimestamp"]) for e in written]
    assert [s - r for r, s in zip(received, stamps)] == [timedelta(microseconds=4000)] * 3
    # everything but the two timestamps is as written
    strip = lambda e: {k: v for k, v in e.items() if not k.endswith("Timestamp")}  # noqa: E731
    assert [strip(e) for e in written] == [strip(e) for e in old]


def test_retime_raises_what_is_still_too_old_to_the_limit():
    from auditc.tools.harness import retime
    day_us = 86400 * 10**6
    data = b'{"stageTimestamp":"2026-01-01T00:00:00.000000Z"}\n{"stageTimestamp":"2026-01-20T00:00:00.000000Z"}'
    oldest, newest = min(retime.stage_times_us(data)), max(retime.stage_times_us(data))
    assert newest - oldest == 19 * day_us
    shifted, raised = retime.shift(data, 0, floor_us=newest - 7 * day_us)
    assert raised == 1 and retime.stage_times_us(shifted) == [newest - 7 * day_us, newest]


def test_loki_config_overrides_and_own_config_flags(tmp_path):
    from auditc.tools.harness.configs import own_config_args
    cfg = yaml.safe_load(loki_config(**DOCKER_LOKI, overrides={"limits_config": {"ingestion_rate_mb": "2"},
                                                             "ruler": {"alertmanager_url": "http://127.0.0.1:9"}}))
    assert cfg["limits_config"]["ingestion_rate_mb"] == 2 and cfg["limits_config"]["reject_old_samples"] is False
    assert cfg["ruler"]["alertmanager_url"] == "http://127.0.0.1:9" and cfg["ruler"]["enable_api"] is True
    args = own_config_args(listen="127.0.0.1", http_port=3300, grpc_port=9300, data_dir="/w/d", rules_dir="/w/r")
    assert "-server.http-listen-port=3300" in args and "-reporting.enabled=false" in args
    assert not any("limit" in a or "reject" in a for a in args), "a user's config keeps its limits"
    cmd = drivers.loki_command("loki", tmp_path, 3300, tmp_path / "stock.yaml")
    assert cmd[1] == f"-config.file={tmp_path / 'stock.yaml'}" and "-server.grpc-listen-address=127.0.0.1" in cmd


# ---------------------------------------------------------------- real runs

def _fixture_lines() -> list[str]:
    fixture = ROOT / "tests" / "fixtures" / "audit-events.jsonl"
    if fixture.exists():
        return fixture.read_text().splitlines()
    return [json.dumps(e) for e in EVENTS]


def _end_to_end(state, tmp_path) -> None:
    log = tmp_path / "replay.jsonl"
    log.write_text("\n".join(_fixture_lines()) + "\n")
    outcome = session.replay(state, [str(log)], timeout=120)
    assert not outcome.missing, f"never reached Loki: {sorted(outcome.missing)[:10]}"
    assert not outcome.unexpected, f"dropped events in Loki: {sorted(outcome.unexpected)[:10]}"
    planted = yaml.safe_load((ROOT / "tests/fixtures/expectations.yaml").read_text())["planted_secrets"]
    emulated = {e.record.get("auditID"): e.record for e in FluentBitLua(
        (ROOT / "lua" / "auditc.lua").read_text(), "auditc_filter", enable_flb_null=True).filter(_fixture_lines()).records}
    for entry in outcome.entries:
        rec = entry.record
        want = emulated[rec["auditID"]]
        if "detection" in want:
            # Fluent Bit's loki output removes keys it reads into labels
            # ($detection['severity']) from the line: the label carries it.
            assert entry.labels.get("severity") == want["detection"]["severity"], (entry.labels, entry.line[:300])
            assert rec["detection"]["rules"] == want["detection"]["rules"]
        assert SECRET not in entry.line and not any(p in entry.line for p in planted)
    _hunting_queries_find_the_detections(state, outcome)


def _hunting_queries_find_the_detections(state, outcome) -> None:
    """Each rule's enriched query returns exactly its detections from the
    replay, the raw query at least those (exactly, where marked exact), and
    the ruler loaded the generated alert groups."""
    expectations = yaml.safe_load((ROOT / "tests/fixtures/expectations.yaml").read_text())["events"]
    queries = yaml.safe_load((ROOT / "lua" / "logql-queries.yaml").read_text())["queries"]
    ours = outcome.expected | outcome.dropped
    loki = Loki(state.loki_url)

    def ids(logql: str) -> set:
        return {(e.record or {}).get("auditID") for a, b in outcome.spans for e in loki.query_range(logql, a, b)} & ours

    for rule_id, q in queries.items():
        want = {aid for aid, exp in expectations.items() if rule_id in (exp.get("detections") or [])}
        found = ids(q["enriched"])
        assert found == want, (rule_id, "enriched", sorted(want ^ found)[:5])
        raw = ids(q["raw"])
        assert want <= raw, (rule_id, "raw misses", sorted(want - raw)[:5])
        if q["raw_exact"]:
            assert raw == want, (rule_id, "raw", sorted(raw ^ want)[:5])
    groups = loki.rule_groups()["groups"]
    assert any(g["name"] == "auditc-detections" and len(g["rules"]) >= len(queries) for g in groups)


# pytest-docker: compose mode runs docker/compose.yaml with its fixtures.
@pytest.fixture(scope="session")
def docker_compose_file():
    return str(ROOT / "docker" / "compose.yaml")


@pytest.fixture(scope="session")
def docker_compose_project_name():
    return "auditc-harness-test"


@pytest.fixture(scope="session")
def docker_work(tmp_path_factory):
    """The watched log and state dir, handed to compose through its environment."""
    import os
    work = tmp_path_factory.mktemp("docker-work")
    for sub in ("audit", "state"):
        (work / sub).mkdir()
    (work / "audit" / "audit.log").touch()
    os.environ.update(AUDITC_HARNESS_WORK=str(work), AUDITC_LUA_DIR=str(ROOT / "lua"),
                      LOKI_PORT="23101", FLUENT_BIT_PORT="32021", GRAFANA_PORT="23001")
    return work


def test_docker_harness_end_to_end(request, tmp_path, docker_work):
    ok, why = drivers.docker_available()
    if not ok:
        pytest.skip(f"Docker harness needs a Docker engine: {why}")
    services = request.getfixturevalue("docker_services")  # pytest-docker: compose up, and down at the end
    state = drivers.State("docker", str(docker_work), str(ROOT / "lua"), "http://127.0.0.1:23101",
                          "http://127.0.0.1:32021", compose_file=str(ROOT / "docker" / "compose.yaml"))
    services.wait_until_responsive(timeout=180.0, pause=1.0,
                                   check=lambda: Loki(state.loki_url).ready() and drivers._fluent_bit_healthy(state.fluent_bit_url))
    _end_to_end(state, tmp_path)


def test_native_up_refuses_a_port_already_taken(tmp_path, monkeypatch):
    """A Loki left running by an interrupted run keeps its port; a second
    one would never answer there, and the harness must say so at once."""
    import socket
    monkeypatch.setenv("FLUENT_BIT_BIN", "/bin/true")
    monkeypatch.setenv("LOKI_BIN", "/bin/true")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(drivers.HarnessError, match=f"port {port} on 127.0.0.1 is already in use"):
            drivers.up_native(tmp_path / "work", ROOT / "lua", loki_port=port, fb_port=port + 1 if port < 65535 else 1)
        assert time.monotonic() - started < 5
    assert not (tmp_path / "work" / "state.json").exists()


def test_native_up_fails_fast_when_loki_exits(tmp_path, monkeypatch):
    """A Loki that dies on start (bad config, no permission) is reported with
    the end of its log, not after the 120 s readiness timeout."""
    script = tmp_path / "loki"
    script.write_text("#!/bin/sh\necho 'failed parsing config: field nope not found' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("FLUENT_BIT_BIN", "/bin/true")
    monkeypatch.setenv("LOKI_BIN", str(script))
    started = time.monotonic()
    with pytest.raises(drivers.HarnessError, match=r"(?s)Loki exited with code 1 .*field nope not found"):
        drivers.up_native(tmp_path / "work", ROOT / "lua", loki_port=23190, fb_port=32090)
    assert time.monotonic() - started < 10


def test_native_harness_end_to_end(tmp_path):
    fb, loki = drivers.native_binaries()
    if not (fb and loki):
        pytest.skip("native harness needs fluent-bit and loki binaries on PATH (or FLUENT_BIT_BIN/LOKI_BIN)")
    state = drivers.up_native(tmp_path / "work", ROOT / "lua", loki_port=23100, fb_port=32020)
    try:
        _end_to_end(state, tmp_path)
    finally:
        drivers.down(tmp_path / "work")


def test_native_harness_webhook_end_to_end(tmp_path):
    fb, loki = drivers.native_binaries()
    if not (fb and loki):
        pytest.skip("native harness needs fluent-bit and loki binaries on PATH (or FLUENT_BIT_BIN/LOKI_BIN)")
    state = drivers.up_native(tmp_path / "work", ROOT / "lua", loki_port=23102, fb_port=32022, source="webhook",
                              webhook_port=29880)
    try:
        _end_to_end(state, tmp_path)
    finally:
        drivers.down(tmp_path / "work")


# Loki with nothing but what it needs to start: every limit is Loki's
# default (the stock one: old samples rejected after a week, 30d1h query
# length, 5000 entries per query, 4 MB/s ingestion, ingesters queried for 3h).
DEFAULTS_LOKI = """auth_enabled: false
common:
  instance_addr: 127.0.0.1
  path_prefix: /tmp/loki
  storage:
    filesystem:
      chunks_directory: /tmp/loki/chunks
      rules_directory: /tmp/loki/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
"""


def _stock_configs() -> list:
    import os
    stock = os.environ.get("LOKI_STOCK_CONFIG")  # e.g. Loki's own cmd/loki/loki-local-config.yaml
    return [pytest.param(None, id="loki-defaults"),
            pytest.param(stock, id="LOKI_STOCK_CONFIG", marks=pytest.mark.skipif(
                not stock, reason="set LOKI_STOCK_CONFIG to a Loki config file (e.g. cmd/loki/loki-local-config.yaml)"))]


@pytest.mark.parametrize("stock", _stock_configs())
def test_native_harness_against_a_stock_loki_config(tmp_path, stock):
    """The harness works with Loki's stock limits, not only its own config:
    an old fixture is refused with the reason before anything is written,
    and with --retime it arrives exactly, hunting queries and ruler included."""
    fb, loki = drivers.native_binaries()
    if not (fb and loki):
        pytest.skip("native harness needs fluent-bit and loki binaries on PATH (or FLUENT_BIT_BIN/LOKI_BIN)")
    config = Path(stock) if stock else tmp_path / "loki-defaults.yaml"
    if not stock:
        config.write_text(DEFAULTS_LOKI)
    state = drivers.up_native(tmp_path / "work", ROOT / "lua", loki_port=23104, fb_port=32024, loki_config=config)
    try:
        assert Loki(state.loki_url).ingest_limits().reject_old_samples  # really the stock limits
        log = tmp_path / "replay.jsonl"
        log.write_text("\n".join(_fixture_lines()) + "\n")
        with pytest.raises(drivers.HarnessError, match="reject_old_samples"):
            session.replay(state, [str(log)], timeout=5)
        assert state.audit_log.read_text() == ""
        outcome = session.replay(state, [str(log)], timeout=120, retime=True)
        assert outcome.complete, (sorted(outcome.missing)[:5], sorted(outcome.unexpected)[:5])
        _hunting_queries_find_the_detections(state, outcome)
    finally:
        drivers.down(tmp_path / "work")


class StockLimitsLoki(ThreadingHTTPServer):
    """Answers query_range like a stock Loki 3.x: 400 past max_query_length
    (30d1h) and past max_entries_limit_per_query, 429 on the first requests."""

    def __init__(self, entries, *, max_entries=3, throttle=2):
        super().__init__(("127.0.0.1", 0), _StockHandler)
        self.entries, self.max_entries, self.throttle = sorted(entries), max_entries, throttle
        self.calls = []


class _StockHandler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def _send(self, code, body):
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        srv = self.server
        q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        start, end, limit = int(q["start"]), int(q["end"]), int(q["limit"])
        srv.calls.append((start, end, limit))
        if srv.throttle:
            srv.throttle -= 1
            return self._send(429, "Ingestion rate limit exceeded")
        if end - start > 721 * 3600 * 10**9:
            return self._send(400, f"the query time range exceeds the limit (query length: {(end - start) // 3600 // 10**9}h0m0s, limit: 30d1h)")
        if limit > srv.max_entries:
            return self._send(400, f"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {srv.max_entries})")
        hits = [e for e in srv.entries if start <= e[0] <= end][:limit]
        self._send(200, {"status": "success", "data": {"resultType": "streams", "result": [
            {"stream": {"job": "kube-audit"}, "values": [[str(ts), line]]} for ts, line in hits]}})


def test_query_range_within_stock_loki_limits():
    day = 86400 * 10**9
    t0 = 1_700_000_000 * 10**9
    # two clusters a year apart, one timestamp shared by two entries
    entries = [(t0 + i * 10**9, json.dumps({"auditID": f"a{i}"})) for i in range(7)]
    entries += [(t0 + 400 * day, json.dumps({"auditID": "late"})), (t0 + 400 * day, json.dumps({"auditID": "late2"}))]
    server = StockLimitsLoki(entries)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    loki = Loki(f"http://127.0.0.1:{server.server_address[1]}", sleep=lambda s: None)
    try:
        got = loki.query_range('{job="kube-audit"}', t0 - day, t0 + 401 * day, limit=1000)
    finally:
        server.shutdown()
    assert [e.record["auditID"] for e in got] == [f"a{i}" for i in range(7)] + ["late", "late2"]
    assert loki.max_entries == 3 and loki.stats["retried"] == 2
    assert all(e - s <= 721 * 3600 * 10**9 and limit <= 1000 for s, e, limit in server.calls)
    assert loki.stats["windows"] >= 401 // 30


def test_replay_queries_only_around_its_timestamps():
    from auditc.tools.harness.loki import merge_spans, parse_duration_ns, windows
    h = 3600 * 10**9
    assert merge_spans([10 * h, 10 * h + 5, 9000 * h], h) == [(9 * h, 11 * h + 5), (8999 * h, 9001 * h)]
    assert parse_duration_ns("30d1h") == 721 * h and parse_duration_ns("17653h12m3.5s") == 17653 * h + 12 * 60 * 10**9 + 3_500_000_000
    assert windows(0, 100, 30) == [(0, 30), (30, 60), (60, 90), (90, 100)]
