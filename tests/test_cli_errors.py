"""No Python showing through: human units, hints, short errors, Ctrl-C, truncated input."""

from __future__ import annotations

import gzip
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditc.cli import main

from conftest import ROOT, write_rules
from test_cli import RULE
from test_replay import LINES

FIXTURES = Path(__file__).parent / "fixtures" / "policy"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def estimate(capsys, *options) -> dict:
    code, out, err = run(capsys, "estimate", "--rate", "Metadata=10/s", *options, "--format", "json")
    assert code == 0, err
    return json.loads(out)["levels"][0]


# -- units -----------------------------------------------------------------------------------

@pytest.mark.parametrize("given, days", [("1y", 365), ("90d", 90), ("90", 90), ("2w", 14), ("12h", 0.5),
                                         ("6mo", 180), ("1.5y", 547.5), ("3 days", 3)])
def test_retention_takes_human_units(capsys, given, days):
    row = estimate(capsys, "--retention", f"Metadata={given}")
    assert row["retention_days"] == days
    assert row["stored_bytes"] == pytest.approx(10 * 86400 * 1000 * days)


@pytest.mark.parametrize("given, hint", [("6m", "write 6mo for months"), ("soon", "12h, 90d, 2w, 6mo, 1y"),
                                         ("0d", "more than 0")])
def test_bad_retention_is_a_usage_error_in_words(capsys, given, hint):
    code, out, err = run(capsys, "estimate", "--rate", "Metadata=10/s", "--retention", f"Metadata={given}")
    assert code == 2 and hint in err and "float" not in err and out == ""


@pytest.mark.parametrize("given, size", [("1.2kb", 1200), ("1.2KB", 1200), ("1.5KiB", 1536), ("2MB", 2e6),
                                         ("1GiB", 2**30), ("900B", 900), ("900", 900), ("9k", 9000),
                                         ("1.2 kB", 1200)])
def test_size_takes_human_units(capsys, given, size):
    assert estimate(capsys, "--size", f"Metadata={given}")["avg_bytes"] == size


def test_bad_size_is_a_usage_error(capsys):
    code, _, err = run(capsys, "estimate", "--rate", "Metadata=10/s", "--size", "Metadata=1.2 parsecs")
    assert code == 2 and "invalid size '1.2 parsecs'" in err and "1.5KiB" in err


def test_retention_shows_in_the_table(capsys):
    code, out, _ = run(capsys, "estimate", "--rate", "Metadata=10/s", "--retention", "Metadata=1y")
    assert code == 0 and "365 d" in out


# -- Loki ------------------------------------------------------------------------------------

@pytest.fixture
def rules(tmp_path):
    return write_rules(tmp_path / "rules", {"exec.yaml": RULE})


def test_loki_url_without_scheme_is_a_usage_error_with_the_fix(capsys, rules):
    code, out, err = run(capsys, "query", "exec", "--rules", rules, "--loki", "127.0.0.1:3100")
    assert code == 2 and out == ""
    assert "add the scheme, e.g. http://127.0.0.1:3100" in err and "adapters" not in err


def test_unreachable_loki_is_one_short_line(capsys, rules):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = run(capsys, "query", "exec", "--rules", rules, "--loki", f"http://127.0.0.1:{port}")
    assert code == 1 and out == ""
    assert err == f"auditc: error: cannot reach Loki at http://127.0.0.1:{port}: connection refused\n"


class _NotLoki(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>a web server</html>")

    def log_message(self, *a):
        pass


def test_a_web_server_that_is_not_loki_says_so(capsys, rules):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotLoki)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, _, err = run(capsys, "query", "exec", "--rules", rules, "--loki", url)
    finally:
        server.shutdown()
    assert code == 1 and "did not answer as Loki does" in err and len(err.splitlines()) == 1
    assert "internal error" not in err


# -- Sigma -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, problem", [
    ("hello\n", "not a Sigma rule file: the file is a string, not a rule"),
    ("- a\n- b\n", "not a Sigma rule file: the file is a list, not a rule"),
    ("title: x\n---\n42\n", "not a Sigma rule file: document 2 is a number"),
    ("title: x\n  bad: [\n", ":2:6: not a Sigma rule file: invalid YAML: mapping values are not allowed here"),
])
def test_a_file_that_is_not_sigma_is_named_in_words(capsys, tmp_path, text, problem):
    path = tmp_path / "notes.yml"
    path.write_text(text)
    code, out, err = run(capsys, "import", "sigma", path, "-o", tmp_path / "out", "--format", "json")
    (rule,) = json.loads(out)["rules"]
    assert code == 1 and rule["status"] == "error"
    assert rule["source"] == "notes.yml" and rule["details"] == [rule["details"][0]]
    assert rule["details"][0].startswith("notes.yml")  # the file named, as in the table's first column
    assert problem in rule["details"][0] and "object has no attribute" not in out


# -- truncated input -------------------------------------------------------------------------

@pytest.fixture
def truncated(tmp_path) -> Path:
    full = gzip.compress(("\n".join(LINES * 50) + "\n").encode())
    path = tmp_path / "cut.log.gz"
    path.write_bytes(full[: len(full) // 2])
    return path


def test_truncated_gzip_fails_replay_simulate_and_estimate(capsys, monkeypatch, truncated):
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "replay", truncated, "--lua", "lua/auditc.lua", "--format", "json")
    events = json.loads(out)["events"]
    assert code == 1 and 0 < events < 350
    assert f"auditc: error: {truncated}: truncated gzip stream; stopped after line {events}" in err
    code, out, err = run(capsys, "policy", "simulate", FIXTURES / "policy.yaml", truncated)
    assert code == 1 and "Per level" in out and f"{truncated}: truncated gzip stream" in err
    code, _, err = run(capsys, "estimate", "--sample", truncated)
    assert code == 1 and f"auditc: error: {truncated}: truncated gzip stream" in err
    whole = truncated.with_name("whole.log.gz")
    whole.write_bytes(gzip.compress(("\n".join(LINES) + "\n").encode()))
    assert run(capsys, "replay", whole, "--lua", "lua/auditc.lua", "--format", "json")[0] == 0


# -- Ctrl-C ----------------------------------------------------------------------------------

def test_ctrl_c_in_replay_exits_130_without_traceback(tmp_path):
    """A real SIGINT while replay waits for more input on stdin, its progress on a terminal."""
    import pty

    master, slave = pty.openpty()
    out = tmp_path / "shipped.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "auditc.cli", "replay", "--lua", "lua/auditc.lua", "-",
                             "--format", "json", "--output", str(out)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=slave, env=dict(os.environ, AUDITC_DEBUG="0"),
                            # a runner started in the background ignores SIGINT, and children inherit that
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(slave)
    seen = b""
    try:
        proc.stdin.write(("\n".join(LINES * 3000) + "\n").encode())  # several MiB: blocks go through
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while b"replaying:" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 65536)
        assert b"replaying:" in seen, seen  # the progress line: the replay is under way
        proc.send_signal(signal.SIGINT)  # stdin stays open: replay is waiting for more
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
        proc.stdout.close()
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    text = seen.decode(errors="replace")
    assert code == 130 and "Traceback" not in text and "auditc: interrupted" in text
    assert text.rstrip().endswith("auditc: interrupted")  # the progress line was erased first
    assert not out.exists()  # no partial output
