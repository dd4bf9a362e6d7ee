"""auditc replay: inputs, streaming, statistics, output file, exit codes."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from auditc.auditlog import reader as replay_inputs
from auditc.cli import main
from auditc.compiler import compile_rules
from auditc.tools.replay import replay
from auditc.auditlog.reader import InputState, read_blobs, rotation_key
from auditc.runtime import FluentBitLua

from conftest import ROOT

SECRET = "cGxhbnRlZC1yZXBsYXk="


def ev(n: int, **kw) -> dict:
    base = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"id-{n}",
            "stage": "ResponseComplete", "verb": "get", "user": {"username": "alice"},
            "objectRef": {"resource": "configmaps", "namespace": "a"},
            "requestReceivedTimestamp": f"2026-11-20T10:{n // 60:02d}:{n % 60:02d}.000000Z"}
    base.update(kw)
    return base


EVENTS = [
    ev(0),
    ev(1, verb="watch"),
    ev(2, verb="list", user={"username": "mallory"}, objectRef={"resource": "secrets"}),
    ev(3, requestURI="/healthz", objectRef=None),
    ev(4, verb="get", user={"username": "system:serviceaccount:a:web"}, objectRef={"resource": "secrets", "namespace": "a"},
       responseObject={"data": {"k": SECRET}}),
    ev(5, verb="get", user={"username": "bob"}, objectRef={"resource": "pods", "subresource": "exec", "namespace": "prod"}),
    ev(59, verb="update", user={"username": "system:node:w1"},
       objectRef={"resource": "leases", "apiGroup": "coordination.k8s.io", "namespace": "kube-node-lease"}),
]
for e in EVENTS:
    if e.get("objectRef") is None:
        e.pop("objectRef", None)
LINES = [json.dumps(e, separators=(",", ":")) for e in EVENTS]


@pytest.fixture(scope="module")
def pack():
    import os
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        compiled = compile_rules("rules")
    finally:
        os.chdir(cwd)
    return compiled


@pytest.fixture
def runtime(pack):
    return FluentBitLua(pack.lua, "auditc_filter", enable_flb_null=True)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rotation_order():
    names = ["audit.log", "audit.log.1", "audit.log.10", "audit.log.2.gz",
             "audit-2026-11-20T11-00-00.000.log", "audit-2026-11-20T10-00-00.000.log.gz"]
    ordered = sorted((Path(n) for n in names), key=rotation_key)
    assert [p.name for p in ordered] == ["audit-2026-11-20T10-00-00.000.log.gz", "audit-2026-11-20T11-00-00.000.log",
                                         "audit.log.10", "audit.log.2.gz", "audit.log.1", "audit.log"]


def test_statistics(tmp_path, runtime, pack):
    report = replay([str(write(tmp_path / "a.log", LINES))], runtime,
                    severities={r.id: r.payload.severity for r in pack.program.of_kind("detect")})
    assert report.events == 7 and report.dropped == 3 and report.malformed == 0
    hits = {k: v for k, (kind, v) in report.rule_hits.items() if v}
    assert hits["drop-watch-requests"] == 1 and hits["drop-health-probes"] == 1 and hits["drop-lease-renewals"] == 1
    assert hits["mask-secret-values"] == 1
    assert set(report.detections) == {"secrets-listed-all-namespaces", "secret-read-by-user", "exec-into-pod"}
    exec_det = report.detections["exec-into-pod"]
    assert exec_det.severity == "high" and exec_det.count == 1 and exec_det.examples == ["id-5"]
    assert dict(exec_det.users) == {"bob": 1} and dict(exec_det.namespaces) == {"prod": 1}
    assert report.flagged == 2
    assert report.bytes_in == sum(len(line) + 1 for line in LINES)
    assert report.span_seconds == 59.0
    assert report.per_day(report.bytes_in) == pytest.approx(report.bytes_in * 86400 / 59)


def test_output_is_what_the_pipeline_ships(tmp_path, runtime):
    out = tmp_path / "shipped.jsonl"
    replay([str(write(tmp_path / "a.log", LINES))], runtime, output=str(out))
    shipped = [json.loads(line) for line in out.read_text().splitlines()]
    reference = FluentBitLua(runtime_script(runtime), "auditc_filter", enable_flb_null=True).filter(LINES)
    assert shipped == [e.record for e in reference.records]
    assert SECRET not in out.read_text()
    assert [r["auditID"] for r in shipped] == ["id-0", "id-2", "id-4", "id-5"]


def runtime_script(runtime) -> str:
    return (ROOT / "lua" / "auditc.lua").read_text()


def test_malformed_lines_are_counted_with_line_numbers_across_blobs(tmp_path, runtime, monkeypatch):
    monkeypatch.setattr(replay_inputs, "CHUNK", 64)  # force many blobs
    lines = LINES[:2] + ["{broken", ""] + LINES[2:4] + ["[1,2]", "plain text"] + LINES[4:]
    report = replay([str(write(tmp_path / "m.log", lines))], runtime)
    assert report.events == 10  # the empty line is not an event
    assert report.malformed_refs == [f"{tmp_path / 'm.log'}:{n}" for n in (3, 7, 8)]  # file:line


def test_malformed_items_of_documents_are_referenced_by_line(tmp_path, runtime, monkeypatch):
    monkeypatch.setattr(replay_inputs, "CHUNK", 64)  # the decoder's buffer is trimmed many times
    event_list = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [EVENTS[0], "not an event", EVENTS[1]]}
    text = json.dumps(EVENTS[:2], indent=2) + "\n" + json.dumps(event_list) + "\n" + json.dumps([EVENTS[2], 7]) + "\n"
    (tmp_path / "docs.json").write_text(text)
    report = replay([str(tmp_path / "docs.json")], runtime)
    lines = text.split("\n")
    list_line = next(i for i, line in enumerate(lines, 1) if '"EventList"' in line)
    assert report.events == 7 and list_line == len(lines) - 2
    assert report.malformed_refs == [f"{tmp_path / 'docs.json'}:{list_line} (items[1])",
                                     f"{tmp_path / 'docs.json'}:{list_line + 1}"]


def test_gzip_rotated_directory_and_truncation(tmp_path, runtime):
    d = tmp_path / "logs"
    d.mkdir()
    with gzip.open(d / "audit-2026-11-20T09-00-00.000.log.gz", "wt") as fh:
        fh.write("\n".join(LINES[:3]) + "\n")
    write(d / "audit.log", LINES[3:])
    report = replay([str(d)], runtime)
    assert report.events == 7 and not report.input_issues
    assert report.sources[0].endswith(".gz") and report.sources[1].endswith("audit.log")
    full = gzip.compress(("\n".join(LINES * 50) + "\n").encode())
    (tmp_path / "cut.log.gz").write_bytes(full[: len(full) // 2])
    report = replay([str(tmp_path / "cut.log.gz")], runtime)
    assert report.events > 0
    (issue,) = report.input_issues
    assert issue == f"{tmp_path / 'cut.log.gz'}: truncated gzip stream; stopped after line {report.events}"


def test_eventlist_and_array_documents(tmp_path, runtime):
    event_list = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": EVENTS[:4]}
    (tmp_path / "batches.json").write_text(json.dumps(event_list, indent=2) + "\n" +
                                           json.dumps({**event_list, "items": EVENTS[4:]}) + "\n")
    (tmp_path / "array.json").write_text(json.dumps(EVENTS))
    lines_report = replay([str(write(tmp_path / "a.log", LINES))], runtime)
    for name in ("batches.json", "array.json"):
        report = replay([str(tmp_path / name)], runtime)
        assert report.events == 7 and report.dropped == lines_report.dropped, name
        assert set(report.detections) == set(lines_report.detections), name


def test_stdin(tmp_path, runtime, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(("\n".join(LINES)).encode())))
    report = replay(["-"], runtime)
    assert report.events == 7


def test_blobs_cover_every_line_once(tmp_path, monkeypatch):
    monkeypatch.setattr(replay_inputs, "CHUNK", 100)
    lines = [f'{{"n":{i}}}' for i in range(500)]
    state = InputState()
    blobs = list(read_blobs([str(write(tmp_path / "n.log", lines))], state))
    assert len(blobs) > 10
    seen = [line for b in blobs for line in b.data.decode().split("\n")]
    assert seen == lines
    assert [b.first_line for b in blobs] == [1 + sum(b2.data.count(b"\n") + 1 for b2 in blobs[:i]) for i in range(len(blobs))]


def test_fast_path_agrees_with_reference_path(runtime):
    fast = runtime.replay_batch("\n".join(LINES).encode(), want_output=True)
    reference = runtime.filter(LINES)
    assert [json.loads(x) for x in fast.output.split(b"\n")] == [e.record for e in reference.records]


def test_faulty_script_batches_are_reported_as_unfiltered(tmp_path):
    bad = FluentBitLua('function f(t, ts, r) if r.verb == "list" then error("boom") end return -1, ts, r end', "f")
    report = replay([str(write(tmp_path / "a.log", LINES))], bad)
    assert report.passthrough and "boom" in report.passthrough[0] and "7 events shipped unfiltered" in report.passthrough[0]
    assert report.bytes_out == report.bytes_in


def test_cli_formats_and_fail_on(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    log = write(tmp_path / "a.log", LINES)
    assert main(["replay", str(log), "--format", "json", "--timeline"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["events"] == 7 and data["dropped_by_rule"]["drop-watch-requests"] == 1
    assert [t["auditID"] for t in data["timeline"]] == ["id-2", "id-5"]
    assert main(["replay", str(log), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[-1])["type"] == "summary" and json.loads(lines[0])["type"] == "detection"
    assert main(["replay", str(log), "--format", "table", "--timeline"]) == 0
    table = capsys.readouterr().out
    assert "exec-into-pod" in table and "Storage projection" in table and "Timeline" in table
    assert main(["replay", str(log), "--fail-on", "critical", "--format", "json"]) == 1
    assert main(["replay", str(log), "--lua", "lua/auditc.lua", "--fail-on", "critical", "--format", "json"]) == 1
    capsys.readouterr()
    clean = write(tmp_path / "clean.log", LINES[:2])
    assert main(["replay", str(clean), "--fail-on", "info", "--format", "json"]) == 0
    assert main(["replay", str(tmp_path / "missing.log")]) == 2


def test_atomic_output_keeps_the_old_file_when_a_run_fails(tmp_path):
    from auditc.artifacts import atomic_output
    out = tmp_path / "shipped.jsonl"
    out.write_bytes(b"previous run\n")
    with pytest.raises(RuntimeError):
        with atomic_output(out) as fh:
            fh.write(b"partial")
            raise RuntimeError("interrupted")
    assert out.read_bytes() == b"previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["shipped.jsonl"]  # no temp file left
    with atomic_output(out) as fh:
        fh.write(b"complete\n")
    assert out.read_bytes() == b"complete\n"
    with atomic_output(None) as fh:
        assert fh is None
