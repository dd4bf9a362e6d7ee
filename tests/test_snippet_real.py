"""The filter snippet (lua/filter.conf, filter.yaml) in a pipeline auditc did
not write: default [SERVICE] settings (Fluent Bit's 24 KiB coroutine stack),
a `file` output, and a 60-deep record. On Fluent Bit v4.2.8 the file output
crashes from depth 17 with that stack; the snippet's script caps depth at 12
so the record ships truncated and Fluent Bit exits cleanly. Skips unless
FLUENT_BIT_BIN (or fluent-bit on PATH)."""

from __future__ import annotations

import json
import subprocess

import pytest

from auditc.tools.harness.drivers import native_binaries

from conftest import ROOT

FB = native_binaries()[0]
pytestmark = pytest.mark.skipif(not FB, reason="needs a fluent-bit binary on PATH or in FLUENT_BIT_BIN")

DEEP = ('{"kind":"Event","auditID":"deep-60","verb":"create","stage":"ResponseComplete",'
        '"user":{"username":"alice"},"objectRef":{"resource":"customresourcedefinitions"},'
        '"stageTimestamp":"2026-11-20T10:00:00.000001Z","requestObject":' + '{"a":' * 60 + '1' + '}' * 60 + '}')


def _depth(x) -> int:
    if isinstance(x, dict):
        return 1 + max([_depth(v) for v in x.values()] + [0])
    if isinstance(x, list):
        return 1 + max([_depth(v) for v in x] + [0])
    return 0


def _snippet(name: str) -> str:
    return (ROOT / "lua" / name).read_text().replace("/fluent-bit/etc/", f"{ROOT}/lua/")


@pytest.mark.parametrize("service", [False, True], ids=["default_service", "with_service_conf"])
def test_snippet_in_default_pipeline_survives_60_deep_record(tmp_path, service):
    (tmp_path / "in.jsonl").write_text(DEEP + "\n")
    (tmp_path / "filter.conf").write_text(_snippet("filter.conf"))
    (tmp_path / "service.conf").write_text(_snippet("service.conf"))
    (tmp_path / "parsers.conf").write_text("[PARSER]\n    Name json\n    Format json\n")
    (tmp_path / "fb.conf").write_text(f"""
[SERVICE]
    Flush        1
    Log_Level    info
    Parsers_File {tmp_path}/parsers.conf
{"@INCLUDE " + str(tmp_path / "service.conf") if service else ""}
[INPUT]
    Name           tail
    Path           {tmp_path}/in.jsonl
    Parser         json
    Read_from_Head true
    Exit_On_Eof    true
    Tag            kube-audit

@INCLUDE {tmp_path}/filter.conf

[OUTPUT]
    Name   file
    Match  *
    Path   {tmp_path}
    File   out.jsonl
""")
    r = subprocess.run([FB, "-c", str(tmp_path / "fb.conf")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    if service:
        assert "coro_stack_size" not in r.stderr.lower() or "error" not in r.stderr.lower()
    out = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(out) == 1
    tag, rest = out[0].split(": ", 1)  # the file output's default format: `tag: [ts, {record}]`
    record = json.loads(rest)[1]
    assert record["auditID"] == "deep-60" and record["auditc"]["truncated"] >= 1
    assert _depth(record) <= 13 and "truncated" in json.dumps(record["requestObject"])


def test_service_yaml_fragment_loads(tmp_path):
    """The YAML fragment is a valid service section for Fluent Bit."""
    (tmp_path / "fb.yaml").write_text(_snippet("service.yaml") + f"""
pipeline:
  inputs:
    - name: dummy
  outputs:
    - name: null
      match: '*'
""")
    r = subprocess.run([FB, "--dry-run", "-c", str(tmp_path / "fb.yaml")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "configuration test is successful" in r.stdout + r.stderr, r.stderr[-1000:]
