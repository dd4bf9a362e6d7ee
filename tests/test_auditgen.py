"""Tests for the benchmark audit-log generator (benchmarks/auditgen/)."""
from __future__ import annotations

import gc
import gzip
import json
import re
import subprocess
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import auditgen  # noqa: E402

# Top-level keys in the order kube-apiserver writes them (audit.k8s.io/v1 Event struct order).
EVENT_KEYS = ["kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "impersonatedUser",
              "sourceIPs", "userAgent", "objectRef", "responseStatus", "requestObject", "responseObject",
              "requestReceivedTimestamp", "stageTimestamp", "annotations"]
REQUIRED = ["kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "sourceIPs", "userAgent",
            "responseStatus", "requestReceivedTimestamp", "stageTimestamp", "annotations"]
OBJREF_KEYS = ["resource", "namespace", "name", "uid", "apiGroup", "apiVersion", "resourceVersion", "subresource"]
USER_KEYS = ["username", "uid", "groups", "extra"]
STATUS_KEYS = ["metadata", "status", "message", "reason", "details", "code"]
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MICROTIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
LEVEL = re.compile(r'^\{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"(\w+)"')


@lru_cache(maxsize=None)
def events(level: str, n: int = 20_000, seed: int = 1) -> tuple:
    return tuple(auditgen.iter_events(n, seed=seed, level=level))


def _loads_all(rows) -> tuple:
    gc.disable()        # tens of thousands of fresh dicts would otherwise trigger repeated full collections
    try:
        return tuple((cls, name, line, json.loads(line)) for cls, name, line in rows)
    finally:
        gc.enable()


@lru_cache(maxsize=None)
def parsed(level: str, n: int = 20_000, seed: int = 1) -> tuple:
    return _loads_all(events(level, n, seed))


@lru_cache(maxsize=None)
def parsed_mix(*names: str, n: int = 20_000) -> tuple:
    """Parsed mix-level events of the given scenarios (or the first 6000 events if none given)."""
    ev = events("mix", n)
    return _loads_all(ev[:6000] if not names else [row for row in ev if row[1] in names])


@pytest.fixture(scope="module", autouse=True)
def _drop_caches():
    yield
    for cached in (events, parsed, parsed_mix):
        cached.cache_clear()


# The event stream is the same at every level, so proportions and content are checked on the cheap
# Metadata-level parse; mix-level lines are parsed only where levels or bodies matter.


def in_order(keys, reference):
    positions = [reference.index(k) for k in keys]
    return positions == sorted(positions)


# ---------------------------------------------------------------- determinism

def test_same_arguments_give_identical_output():
    a = list(auditgen.generate(3000, seed=7, level="mix"))
    b = list(auditgen.generate(3000, seed=7, level="mix"))
    assert a == b
    assert a != list(auditgen.generate(3000, seed=8, level="mix"))
    assert all(isinstance(line, str) and not line.endswith("\n") for line in a)


def test_event_stream_does_not_depend_on_level():
    ids = {level: [line[line.index('"auditID"'):][:60] for *_, line in events(level, 3000)] for level in auditgen.LEVELS}
    assert ids["metadata"] == ids["request"] == ids["requestresponse"] == ids["mix"]


def test_bad_arguments():
    with pytest.raises(ValueError):
        next(auditgen.generate(1, level="verbose"))
    with pytest.raises(ValueError):
        next(auditgen.generate(1, rate=0))


# ---------------------------------------------------------------- format

@pytest.mark.parametrize("level", auditgen.LEVELS)
def test_lines_are_apiserver_events(level):
    rows = parsed_mix() if level == "mix" else parsed(level, 20_000 if level == "metadata" else 2000)[:6000]
    for _, _, line, d in rows:
        keys = list(d)
        assert all(k in keys for k in REQUIRED), (set(REQUIRED) - set(keys), line[:300])
        assert in_order(keys, EVENT_KEYS), keys
        assert d["kind"] == "Event" and d["apiVersion"] == "audit.k8s.io/v1"
        assert d["stage"] in ("ResponseStarted", "ResponseComplete")
        assert UUID4.match(d["auditID"])
        assert MICROTIME.match(d["requestReceivedTimestamp"]) and MICROTIME.match(d["stageTimestamp"])
        assert in_order(list(d["user"]), USER_KEYS) and d["user"]["username"]
        assert d["sourceIPs"] and all(isinstance(ip, str) for ip in d["sourceIPs"])
        assert in_order(list(d["responseStatus"]), STATUS_KEYS) and d["responseStatus"]["metadata"] == {}
        assert list(d["annotations"]) == sorted(d["annotations"])
        assert d["annotations"]["authorization.k8s.io/decision"] in ("allow", "forbid")
        assert "authorization.k8s.io/reason" in d["annotations"]
        if "objectRef" in d:
            assert in_order(list(d["objectRef"]), OBJREF_KEYS) and d["objectRef"]["resource"]
        else:   # non-resource URLs only
            assert d["requestURI"].split("?")[0] in ("/healthz", "/livez", "/readyz", "/metrics")
        if level == "metadata":
            assert d["level"] == "Metadata"
        elif level == "request":
            assert d["level"] == "Request" and "responseObject" not in d
        elif level == "requestresponse":
            assert d["level"] == "RequestResponse"


@pytest.mark.parametrize("level", auditgen.LEVELS)
def test_compact_json_with_go_escaping(level):
    """Re-encoding as Go's encoder does (compact, & < > as \\u0026...) reproduces every line byte for byte."""
    rows = parsed_mix() if level == "mix" else parsed(level, 20_000 if level == "metadata" else 2000)
    for _, _, line, d in rows[:3000]:
        assert auditgen.goformat.dumps(d) == line
        assert "&" not in line and "<" not in line and ">" not in line


def test_watch_uri_and_objectref_like_the_apiserver():
    d = next(d for _, name, _, d in parsed("metadata") if name == "watch-kubelet-configmap")
    assert "\\u0026" in auditgen.goformat.dumps(d["requestURI"])
    assert "fieldSelector=metadata.name%3D" in d["requestURI"] and "watch=true" in d["requestURI"]
    assert d["objectRef"]["name"] in d["requestURI"]          # the name the fieldSelector pins
    update = next(d for _, name, _, d in parsed("metadata") if name == "lease-kubelet-update")
    assert update["objectRef"]["uid"] and update["objectRef"]["resourceVersion"]   # filled from the request object


# ---------------------------------------------------------------- levels and sizes

def test_metadata_level_has_no_bodies_and_realistic_sizes():
    """Real apiserver Metadata lines are ~0.6-1.6 KB (a kubelet lease renewal is ~0.9 KB), not 200-500 bytes."""
    sizes = []
    for _, _, line, d in parsed("metadata"):
        assert "requestObject" not in d and "responseObject" not in d
        sizes.append(len(line))
    assert 600 <= min(sizes) and max(sizes) <= 1700, (min(sizes), max(sizes))
    assert 800 <= sum(sizes) / len(sizes) <= 1200


def test_request_level_bodies_are_1_to_5_kb():
    with_req = [len(line) for *_, line, d in parsed("request", 2000) if "requestObject" in d]
    assert len(with_req) > 500
    assert 1000 <= sum(with_req) / len(with_req) <= 5000
    assert sorted(with_req)[len(with_req) // 2] <= 5000


def test_requestresponse_level_bodies_are_5_to_50_kb():
    with_body = [len(line) for *_, line, d in parsed("requestresponse", 2000) if "responseObject" in d]
    assert len(with_body) > 700
    avg = sum(with_body) / len(with_body)
    assert 5_000 <= avg <= 50_000, avg
    assert max(with_body) <= 60_000
    both = [d for *_, d in parsed("requestresponse", 2000) if "requestObject" in d and "responseObject" in d]
    assert both, "mutations carry both bodies"


def test_bodies_are_kubernetes_objects():
    seen = {}
    for _, name, _, d in parsed("requestresponse", 2000):
        seen.setdefault(name, d)
    pod = seen["pod-create-replicaset"]
    req, resp = pod["requestObject"], pod["responseObject"]
    assert req["kind"] == "Pod" and req["metadata"]["generateName"] and "uid" not in req["metadata"]
    assert resp["metadata"]["uid"] and resp["metadata"]["managedFields"][0]["fieldsType"] == "FieldsV1"
    assert resp["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:containers"]
    c = req["spec"]["containers"][0]
    assert c["name"] == resp["metadata"]["labels"]["app.kubernetes.io/name"] and c["env"] and c["resources"]
    assert req["metadata"]["namespace"] == pod["objectRef"]["namespace"]
    node = seen["node-status-patch-kubelet"]
    assert node["responseObject"]["kind"] == "Node" and node["responseObject"]["status"]["images"]
    assert node["responseObject"]["metadata"]["name"] == node["objectRef"]["name"]
    token = seen["token-kubelet"]
    assert token["responseObject"]["status"]["token"].count(".") == 2
    lease = seen["lease-kubelet-get"]
    assert "requestObject" not in lease and lease["responseObject"]["kind"] == "Lease"


def test_secret_bodies_carry_base64_data():
    import base64
    secrets = [d for *_, d in parsed_mix("rare-secret-get-human")]   # RequestResponse tier in the mix
    assert secrets
    for d in secrets:
        obj = d["responseObject"]
        assert obj["kind"] == "Secret" and obj["metadata"]["name"] == d["objectRef"]["name"]
        assert obj["data"] and all(base64.b64decode(v, validate=True) for v in obj["data"].values())


# ---------------------------------------------------------------- the mix

def test_mix_proportions():
    n = 20_000
    ev = parsed("metadata", n)
    classes = Counter(cls for cls, *_ in ev)
    total = sum(auditgen.EVENT_MIX.values())
    for cls, pct in auditgen.EVENT_MIX.items():
        want = pct / total
        got = classes[cls] / n
        assert abs(got - want) <= max(0.012, 0.1 * want), (cls, got, want)
    # the same proportions, read from the events themselves
    share = lambda pred: sum(1 for *_, d in ev if pred(d)) / n  # noqa: E731
    assert abs(share(lambda d: d["verb"] == "watch") - 0.30) < 0.015
    assert abs(share(lambda d: d.get("objectRef", {}).get("resource") == "leases") - 0.20) < 0.015
    assert abs(share(lambda d: "objectRef" not in d) - 0.10) < 0.012
    assert abs(share(lambda d: d.get("objectRef", {}).get("subresource") == "token") - 0.04) < 0.008
    writes = share(lambda d: d["verb"] in ("create", "update", "patch", "delete")
                   and d["objectRef"]["resource"] != "leases")
    assert 0.12 <= writes <= 0.20, writes      # mutations + token requests + rare writes
    assert 0.002 <= classes["rare"] / n < 0.01


def test_rare_classes_appear():
    ev = parsed("metadata")
    names = Counter(name for _, name, *_ in ev)
    for name in auditgen.RARE_MIX:
        assert names[name] >= 3, name
    by = {}
    for _, name, _, d in ev:
        by.setdefault(name, []).append(d)
    ref = lambda d: d.get("objectRef", {})  # noqa: E731
    assert any(ref(d)["resource"] == "secrets" and "namespace" not in ref(d) and d["verb"] == "list"
               for d in by["rare-secret-list-all-namespaces"])
    assert all(ref(d)["resource"] == "clusterrolebindings" and d["verb"] == "create"
               for d in by["rare-clusterrolebinding-create"])
    assert all(ref(d)["subresource"] == "exec" and d["verb"] == "get" and d["responseStatus"]["code"] == 101
               for d in by["rare-exec"])
    assert all(ref(d)["subresource"] == "portforward" for d in by["rare-port-forward"])
    assert all(c["securityContext"]["privileged"] for *_, d in parsed_mix("rare-privileged-pod")
               for c in d["requestObject"]["spec"]["containers"])
    assert all(ref(d)["resource"] == "mutatingwebhookconfigurations" and d["verb"] == "patch"
               for d in by["rare-webhook-patch"])
    assert all(d["user"]["username"] == "system:anonymous" and d["responseStatus"]["code"] == 403
               and d["annotations"]["authorization.k8s.io/decision"] == "forbid" for d in by["rare-anonymous-forbidden"])
    assert all(d["user"]["username"].startswith("system:serviceaccount:") and d["responseStatus"]["code"] == 403
               and d["responseStatus"]["reason"] == "Forbidden" for d in by["rare-serviceaccount-forbidden"])
    assert all(ref(d)["resource"] == "certificatesigningrequests" and d["verb"] == "create"
               for d in by["rare-csr-create"])
    assert all(ref(d)["resource"] == "secrets" and d["user"]["username"].endswith("@example.com")
               for d in by["rare-secret-get-human"] + by["rare-secret-list-human"])


def test_actors_and_namespaces():
    ev = parsed("metadata")
    users = {d["user"]["username"] for *_, d in ev}
    for u in ("alice@example.com", "bob@example.com", "ci-deployer", "system:anonymous", "system:kube-scheduler",
              "system:kube-controller-manager", "system:node:worker-1", "system:node:cp-1"):
        assert u in users, u
    assert sum(u.startswith("system:serviceaccount:") for u in users) >= 10
    namespaces = {d["objectRef"].get("namespace") for *_, d in ev if "objectRef" in d}
    for ns in ("default", "kube-system", "kube-node-lease", "prod", "staging", "monitoring", "team-a", "team-b",
               "team-c", "team-d"):
        assert ns in namespaces, ns


def test_mix_levels_follow_a_tiered_policy():
    tiers = {}
    for _, name, line in events("mix"):
        tiers.setdefault(name, set()).add(LEVEL.search(line).group(1))
    assert tiers["token-kubelet"] == {"RequestResponse"}
    assert tiers["rare-secret-get-human"] == {"RequestResponse"}
    assert tiers["rare-clusterrolebinding-create"] == {"RequestResponse"}
    for name in ("pod-create-replicaset", "pod-status-patch-kubelet", "deployment-patch-ci", "rare-webhook-patch",
                 "rare-privileged-pod"):
        assert tiers[name] == {"Request"}, name
    for name in ("lease-kubelet-update", "health-kube-probe", "read-human", "watch-kube-proxy", "event-create-kubelet"):
        assert tiers[name] == {"Metadata"}, name
    for _, name, _, d in parsed_mix():
        if d["level"] == "Metadata":
            assert "requestObject" not in d and "responseObject" not in d
        if d["level"] == "Request":
            assert "responseObject" not in d


# ---------------------------------------------------------------- time

def test_timestamps_increase_at_the_given_rate():
    ev = [d for *_, d in parsed("metadata")]
    stage = [d["stageTimestamp"] for d in ev]
    assert all(a < b for a, b in zip(stage, stage[1:]))          # fixed-width strings sort like times
    assert all(d["requestReceivedTimestamp"] <= d["stageTimestamp"] for d in ev)
    assert stage[0].startswith("2026-11-20T10:00:00.")
    span = (auditgen.goformat.parse_start(stage[-1]) - auditgen.goformat.parse_start(stage[0])) / 1e6
    assert abs(span - len(ev) / 200.0) / (len(ev) / 200.0) < 0.05, span
    fast = list(auditgen.generate(2000, rate=2000.0, start="2025-01-01T00:00:00Z"))
    last = json.loads(fast[-1])["stageTimestamp"]
    assert last.startswith("2025-01-01T00:00:00.") or last.startswith("2025-01-01T00:00:01.")


def test_generation_is_fast():
    t = time.perf_counter()
    n = sum(1 for _ in auditgen.generate(20_000, level="metadata", seed=99))
    dt = time.perf_counter() - t
    assert n / dt > 20_000, f"{n / dt:.0f} events/s"


# ---------------------------------------------------------------- CLI

def test_cli_gzip_is_deterministic(tmp_path):
    out1, out2 = tmp_path / "a.log.gz", tmp_path / "b.log.gz"
    assert auditgen.main(["-n", "1500", "--level", "metadata", "--seed", "3", "--gzip", "-o", str(out1)]) == 0
    assert auditgen.main(["-n", "1500", "--level", "metadata", "--seed", "3", "--gzip", "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    text = gzip.decompress(out1.read_bytes()).decode()
    assert text == "\n".join(auditgen.generate(1500, level="metadata", seed=3)) + "\n"


def test_cli_rotate_names_files_like_the_apiserver(tmp_path):
    d = tmp_path / "logs"
    assert auditgen.main(["-n", "1000", "--seed", "2", "--rotate", "4", "-o", str(d)]) == 0
    names = sorted(p.name for p in d.iterdir())
    assert names[-1] == "audit.log" and len(names) == 4
    backups = names[:-1]
    assert all(re.fullmatch(r"audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log", b) for b in backups), backups
    assert backups == sorted(backups)                           # oldest first
    chunks = [(d / b).read_text().splitlines() for b in backups] + [(d / "audit.log").read_text().splitlines()]
    assert sum(chunks, []) == list(auditgen.generate(1000, seed=2))
    for b, chunk in zip(backups, chunks):                        # named after the rotation time
        last = json.loads(chunk[-1])["stageTimestamp"]
        assert b == "audit-" + last[:10] + "T" + last[11:19].replace(":", "-") + last[19:23] + ".log"


def test_cli_rotate_with_gzip_compresses_backups(tmp_path):
    d = tmp_path / "logs"
    assert auditgen.main(["-n", "300", "--rotate", "3", "--gzip", "-o", str(d)]) == 0
    names = sorted(p.name for p in d.iterdir())
    assert names[-1] == "audit.log" and all(n.endswith(".log.gz") for n in names[:-1]) and len(names) == 3
    lines = sum((gzip.decompress((d / n).read_bytes()).decode().splitlines() for n in names[:-1]), [])
    lines += (d / "audit.log").read_text().splitlines()
    assert lines == list(auditgen.generate(300))


def test_cli_as_a_script(tmp_path):
    out = tmp_path / "x.log"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "auditgen.py"), "-n", "50", "--level", "request",
                    "-o", str(out)], check=True, timeout=60)
    assert out.read_text().splitlines() == list(auditgen.generate(50, level="request"))


def test_cli_writes_stdout_by_default(capsysbinary):
    assert auditgen.main(["-n", "5"]) == 0
    assert capsysbinary.readouterr().out.decode().splitlines() == list(auditgen.generate(5))
