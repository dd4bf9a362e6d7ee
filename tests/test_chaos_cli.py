"""`auditc harness chaos` without the real binaries (as in CI): its help,
the clear exit-2 errors when binaries or inputs are missing, the 80-column
table and the JSON document, and the pieces of the scenarios that need no
binaries (the alert trigger fires in the committed build, the stand-in
Alertmanager records what the ruler posts, Fluent Bit's drop messages are
recognised)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
import requests

from auditc.cli.main import main
from auditc.tools.harness import chaos
from auditc.tools.harness.chaos import alerts, scenarios
from auditc.tools.harness.chaos.report import table, to_json
from auditc.tools.harness.chaos.stack import Result, set_fb_key

from conftest import ROOT


@pytest.fixture
def no_binaries(monkeypatch, tmp_path):
    monkeypatch.delenv("FLUENT_BIT_BIN", raising=False)
    monkeypatch.delenv("LOKI_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # neither fluent-bit nor loki on it
    monkeypatch.chdir(ROOT)


def test_help_lists_every_scenario(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["harness", "chaos", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in chaos.SCENARIOS:
        assert name in out.replace("\n", " ").replace("- ", "-")
    assert "FLUENT_BIT_BIN" in out and "LOKI_BIN" in out and "--format" in out


def test_missing_binaries_exit_2_naming_how_to_provide_them(no_binaries, capsys):
    assert main(["harness", "chaos", "--scenarios", "sigkill"]) == 2
    err = capsys.readouterr().err
    assert "fluent-bit" in err and "FLUENT_BIT_BIN" in err and "--fluent-bit-bin" in err
    assert "loki" in err and "LOKI_BIN" in err
    assert "Traceback" not in err


def test_only_one_binary_missing_names_that_one(no_binaries, capsys, tmp_path):
    fake = tmp_path / "fluent-bit"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    assert main(["harness", "chaos", "--fluent-bit-bin", str(fake)]) == 2
    err = capsys.readouterr().err
    assert "LOKI_BIN" in err and "FLUENT_BIT_BIN" not in err


def test_a_binary_path_that_does_not_exist(no_binaries, capsys, tmp_path):
    assert main(["harness", "chaos", "--fluent-bit-bin", str(tmp_path / "nope"), "--loki-bin", str(tmp_path / "nope2")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--scenarios", "sigkill,explode"], "unknown scenario explode"),
    (["--scenarios", ","], "no scenario given"),
    (["--alert-interval", "soon"], "--alert-interval"),
    (["--volume-input", "/nonexistent/big.log", "--scenarios", "volume"], "no such file"),
    (["--lua-dir", "/nonexistent"], "fluent-bit.conf missing"),
])
def test_usage_errors_exit_2(no_binaries, capsys, argv, message):
    assert main(["harness", "chaos", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_python_dash_m_is_the_same_command(no_binaries):
    r = subprocess.run([sys.executable, "-m", "auditc.tools.harness.chaos", "--scenarios", "rotate"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "FLUENT_BIT_BIN" in r.stderr


def _results() -> list[Result]:
    a = Result("buffer-limit", sent=40000, arrived=20000, lost=20000, seconds=75.2, expect_loss=True,
               notes=["storage.total_limit_size 8M, Loki down 20s: the oldest chunks dropped; "
                      "fluentbit_output_dropped_records_total=20000; 21 log lines, level debug only",
                      "lost events 0-19999 (numbered in write order) " + "x" * 120])
    b = Result("latency-alert-30s", sent=8, arrived=8, latency=[3.9, 8.1, 29.6], figures={"group_interval": "30s"})
    c = Result("sigkill", sent=3000, arrived=2999, lost=1)
    return [a, b, c]


def test_table_fits_80_columns_and_shows_the_figures():
    text = table(_results())
    assert all(len(line) <= 80 for line in text.splitlines()), max(text.splitlines(), key=len)
    header, first = text.splitlines()[:2]
    assert header.split() == ["scenario", "sent", "arrived", "lost", "dups", "p50", "p99", "secs"]
    assert first.split()[:5] == ["buffer-limit", "40000", "20000", "20000", "0"]
    assert "8.10s" in text and "30s" in text  # p50 and p99 (29.6 rounds to 30s)
    assert "level debug only" in text.replace("\n    ", " ")


def test_json_has_every_figure_and_the_verdict():
    doc = json.loads(to_json(_results()))
    assert [d["scenario"] for d in doc] == ["buffer-limit", "latency-alert-30s", "sigkill"]
    # a measured loss is the buffer-limit scenario's result; anywhere else it fails
    assert [d["ok"] for d in doc] == [True, True, False]
    assert doc[1]["p50_seconds"] == 8.1 and doc[1]["figures"]["group_interval"] == "30s"


def test_the_alert_trigger_fires_its_rule_in_the_committed_build():
    user, line = alerts.trigger("t0", 3)
    alerts.check_trigger(ROOT / "lua", line)  # raises if the rule does not fire
    assert json.loads(line)["user"]["username"] == user


def test_the_generated_rules_carry_the_interval_the_scenario_runs():
    text = (ROOT / "lua" / "loki-rules.yaml").read_text()
    from auditc.backends.alerting import GROUP_INTERVAL
    assert alerts.group_interval(text) == GROUP_INTERVAL
    assert alerts.group_interval(alerts.with_interval(text, "1m")) == "1m"


def test_the_stand_in_alertmanager_records_what_the_ruler_posts():
    receiver = alerts.AlertReceiver(0)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/api/v2/alerts"
        body = [{"labels": {"alertname": "AuditcSecretsListedAllNamespaces", "auditc_rule": alerts.RULE,
                            "user_username": "chaos-x-1"}, "startsAt": "2026-12-01T00:00:00Z"}]
        assert requests.post(url, json=body, timeout=5).status_code == 200
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert receiver.first_arrival(auditc_rule=alerts.RULE, user_username="chaos-x-1") is not None
    assert receiver.first_arrival(auditc_rule=alerts.RULE, user_username="someone-else") is None


def test_fluent_bit_drop_messages_are_recognised_with_their_level():
    # as Fluent Bit 4.2.8 writes them (src/flb_input_chunk.c), seen in a buffer-limit run
    log = ("[2026/12/02 01:04:19.803570544] [debug] [task] drop task_id 0 with no active route from input plugin tail.0\n"
           "[2026/12/02 01:04:20.1] [debug] [input chunk] remove chunk 1-2.flb with 2097152 bytes from plugin loki.0, "
           "the updated fs_chunks_size is 0 bytes\n"
           "[2026/12/02 01:04:21.1] [error] [input chunk] fail to drop enough chunks in order to place new data\n"
           "[2026/12/02 01:04:27.4] [ warn] [engine] failed to flush chunk '1-2.flb', retry in 6 seconds\n")
    found = scenarios.DROP_LINES.findall(log)
    assert [level for level, _ in found] == ["debug", "debug", "error"]


def test_fluent_bit_overrides_replace_the_generated_values():
    text = (ROOT / "lua" / "fluent-bit.conf").read_text()
    new = set_fb_key(set_fb_key(text, "storage.total_limit_size", "8M"), "Log_Level", "debug")
    assert "storage.total_limit_size 8M" in new and "Log_Level                 debug" in new
    with pytest.raises(KeyError):
        set_fb_key(text, "No_Such_Key", "1")
