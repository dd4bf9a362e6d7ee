"""The in-process runtime against a real Fluent Bit, where one is installed.

Runs the committed filter over the fixture set and over edge-case lines
through real Fluent Bit (tail + json parser -> lua -> file output) and the
emulation, in both enable_flb_null modes, and requires identical records
(values and JSON types). Also dry-runs the generated pipeline in both
config formats. Skips unless `fluent-bit` is on PATH or FLUENT_BIT_BIN is set;
`FLUENT_BIT_BIN=/path/to/fluent-bit python -m pytest tests/test_fluentbit_real.py`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from auditc.tools.harness.configs import native_files
from auditc.tools.harness.drivers import native_binaries
from auditc.runtime import FluentBitLua

from conftest import ROOT

FB = native_binaries()[0]
pytestmark = pytest.mark.skipif(not FB, reason="needs a fluent-bit binary on PATH or in FLUENT_BIT_BIN")

EDGE = [
    '{"auditID":"e1","a":[1,null,2,null],"b":null,"c":{},"d":[],"f":5.0,"g":1e5,"h":1E+2,"j":1152921504606846977}',
    '{"auditID":"e2","s":"caf\\u00e9 \\ud83d\\ude00 \\n\\t\\"q\\" \\\\ \\u0001","t":"é€😀"}',
    '{"auditID":"e3","arr":[null],"arr2":[null,null,1],"m":{"x":null,"y":[{}]}}',
    '{"auditID":"e5","verb":"get","objectRef":{"resource":"secrets","namespace":"a"},"user":{"username":"alice"},'
    '"responseObject":{"data":{"k":"c2VjcmV0","n":null,"z":0.5}},"num":3.0}',
    '{"auditID":"e6","dup":1,"dup":2,"nested":{"ok":true,"no":false}}',
    '{"auditID":"e7","verb":"create","objectRef":{"resource":"widgets"},"requestObject":' + '{"a":' * 40 + '1' + '}' * 40 + '}',
]


def _types(x):
    if isinstance(x, dict):
        return {k: _types(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_types(v) for v in x]
    return type(x).__name__


def _run_real(tmp: Path, lines: list[str], flb_null: bool) -> list[dict]:
    (tmp / "in.jsonl").write_text("\n".join(lines) + "\n")
    parsers = native_files(tmp, ROOT / "lua", loki_port=1, fb_port=1)[tmp / "etc" / "parsers.conf"]
    (tmp / "parsers.conf").write_text(parsers)
    (tmp / "fb.conf").write_text(f"""
[SERVICE]
    Flush           1
    Log_Level       warn
    Coro_Stack_Size 262144
    Parsers_File    {tmp}/parsers.conf
[INPUT]
    Name           tail
    Path           {tmp}/in.jsonl
    Parser         json
    Read_from_Head true
    Exit_On_Eof    true
    Tag            kube-audit
[FILTER]
    Name            lua
    Match           kube-audit*
    Script          {ROOT}/lua/auditc.lua
    Call            auditc_filter
    Enable_Flb_Null {str(flb_null).lower()}
[OUTPUT]
    Name   file
    Match  *
    Path   {tmp}
    File   out.jsonl
    Format plain
""")
    r = subprocess.run([FB, "-c", str(tmp / "fb.conf")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return [json.loads(line) for line in (tmp / "out.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("flb_null", [False, True], ids=["flb_null_off", "flb_null_on"])
def test_emulation_matches_real_fluent_bit(tmp_path, flb_null):
    lines = (ROOT / "tests" / "fixtures" / "audit-events.jsonl").read_text().splitlines() + EDGE
    real = _run_real(tmp_path, lines, flb_null)
    emulated = [e.record for e in FluentBitLua((ROOT / "lua" / "auditc.lua").read_text(), "auditc_filter",
                                               enable_flb_null=flb_null).filter(lines).records]
    assert len(real) == len(emulated)
    for got, want in zip(real, emulated):
        assert got == want and _types(got) == _types(want), got.get("auditID")


def test_generated_pipeline_loads_in_real_fluent_bit(tmp_path):
    for path, text in native_files(tmp_path, ROOT / "lua", loki_port=3100, fb_port=2020).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "audit.log").touch()
    for name in ("fluent-bit.conf", "fluent-bit.yaml"):
        r = subprocess.run([FB, "--dry-run", "-c", str(tmp_path / "etc" / name)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "configuration test is successful" in r.stdout + r.stderr, (name, r.stderr[-1000:])


def test_real_http_input_splits_event_lists_like_the_emulation(tmp_path):
    """POST EventLists to a real Fluent Bit http input (the webhook pipeline
    without TLS) and compare what the filter emits with the emulation."""
    import socket
    import time

    import requests

    def free_port():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    port = free_port()
    (tmp_path / "fb.conf").write_text(f"""
[SERVICE]
    Flush           1
    Log_Level       warn
    Coro_Stack_Size 262144
[INPUT]
    Name   http
    Listen 127.0.0.1
    Port   {port}
    Tag    kube-audit
    Successful_Response_Code 200
[FILTER]
    Name            lua
    Match           kube-audit*
    Script          {ROOT}/lua/auditc.lua
    Call            auditc_filter
    Enable_Flb_Null true
[OUTPUT]
    Name   file
    Match  *
    Path   {tmp_path}
    File   out.jsonl
    Format plain
""")
    events = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "audit-events.jsonl").read_text().splitlines()]
    proc = subprocess.Popen([FB, "-c", str(tmp_path / "fb.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"  # as in the generated webhook kubeconfig
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        for i in range(0, len(events), 50):
            body = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": events[i:i + 50]}
            r = requests.post(url, json=body, timeout=10)
            assert r.status_code < 300, r.text
        want = [e.record for e in FluentBitLua((ROOT / "lua" / "auditc.lua").read_text(), "auditc_filter",
                                               enable_flb_null=True).filter(events).records]
        out = tmp_path / "out.jsonl"
        deadline = time.time() + 30
        while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < len(want)):
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert got == want


NUMBERS = ["9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
           "-9223372036854775808", "-9223372036854775809", "1e308", "1.5", "-0.0", "1e400",
           "12345678901234567890123", "-1", "0.1", "-1.5e-300", "9007199254740993"]


def _run_script(tmp: Path, lines: list[str], script: str) -> list[dict]:
    (tmp / "in.jsonl").write_text("\n".join(lines) + "\n")
    (tmp / "f.lua").write_text(script)
    (tmp / "parsers.conf").write_text("[PARSER]\n    Name json\n    Format json\n")
    (tmp / "fb.conf").write_text(f"""
[SERVICE]
    Flush           1
    Log_Level       warn
    Coro_Stack_Size 262144
    Parsers_File    {tmp}/parsers.conf
[INPUT]
    Name           tail
    Path           {tmp}/in.jsonl
    Parser         json
    Read_from_Head true
    Exit_On_Eof    true
    Tag            t
[FILTER]
    Name   lua
    Match  *
    Script {tmp}/f.lua
    Call   f
[OUTPUT]
    Name   file
    Match  *
    Path   {tmp}
    File   out.jsonl
    Format plain
""")
    r = subprocess.run([FB, "-c", str(tmp / "fb.conf")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return [json.loads(line) for line in (tmp / "out.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("code", [0, 2])
def test_numbers_match_real_fluent_bit(tmp_path, code):
    """Big, negative and float edge numbers, record for record and type for
    type (-0.0 compared by its text), against the real tail + lua + file path."""
    script = f"function f(tag, ts, r) if r.code then r.seen = string.format('%.17g', r.code) end return {code}, ts, r end"
    lines = ['{"i":%d,"code":%s}' % (i, n) for i, n in enumerate(NUMBERS)]
    real = _run_script(tmp_path, lines, script)
    emulated = [e.record for e in FluentBitLua(script, "f").filter(lines).records]
    assert len(real) == len(emulated) == len(NUMBERS)
    for token, got, want in zip(NUMBERS, real, emulated):
        assert got == want and _types(got) == _types(want) and json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), (token, got, want)
