"""Command-line conventions: -q/-v everywhere, several RULES, harness subcommands, file:line
references, progress on a terminal."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from auditc.cli import main
from auditc.cli.common import Progress
from auditc.cli.main import parser

from conftest import ROOT, write_rules
from test_cli import RULE
from test_replay import LINES

FIXTURES = Path(__file__).parent / "fixtures" / "policy"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def commands(p: argparse.ArgumentParser, prefix=()):
    """(words, parser) of every command that runs something (leaves of the subcommand tree)."""
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, p
    for action in subs:
        for name, sp in action.choices.items():
            yield from commands(sp, (*prefix, name))


def test_every_command_takes_quiet_and_verbose():
    found = dict(commands(parser()))
    assert {("build",), ("validate",), ("test",), ("replay",), ("query",), ("alerts",), ("policy", "check"),
            ("policy", "simulate"), ("policy", "generate"), ("estimate",), ("import", "sigma"), ("harness", "up"),
            ("harness", "down"), ("harness", "replay"), ("harness", "query"), ("harness", "status")} <= set(found)
    for words, p in found.items():
        options = {o for a in p._actions for o in a.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, words


@pytest.fixture
def rules(tmp_path):
    return write_rules(tmp_path / "rules", {"exec.yaml": RULE})


def test_quiet_leaves_only_errors_and_the_output(capsys, rules, tmp_path):
    assert run(capsys, "validate", rules, "-q") == (0, "", "")
    code, out, err = run(capsys, "build", rules, "-o", tmp_path / "out", "-q")
    assert code == 0 and out == "" and err == ""
    code, out, err = run(capsys, "alerts", rules, "-o", tmp_path / "alerts.yaml", "-q")
    assert code == 0 and out == err == "" and (tmp_path / "alerts.yaml").is_file()
    code, out, err = run(capsys, "policy", "check", FIXTURES / "policy.yaml", "--rules", FIXTURES / "rules", "-q")
    assert code == 0 and err == "" and "warning:" not in out and "Coverage of the rule pack" in out
    loud = run(capsys, "policy", "check", FIXTURES / "policy.yaml", "--rules", FIXTURES / "rules")
    assert "warning:" in loud[1] and "coverage of 5 detections" in loud[2]


def test_build_and_alerts_merge_several_rule_paths(capsys, rules, tmp_path):
    other = write_rules(tmp_path / "more", {"x.yaml": RULE.replace("id: exec", "id: exec2")})
    code, _, err = run(capsys, "build", rules, other / "x.yaml", "-o", tmp_path / "out")
    assert code == 0 and "2 rules from 2 files" in err
    assert "exec2" in (tmp_path / "out" / "loki-rules.yaml").read_text()
    code, out, _ = run(capsys, "alerts", rules, other, "-o", "-")
    assert code == 0 and out.count("  - alert: ") == 2


def test_harness_down_with_nothing_running_exits_0(capsys, tmp_path):
    code, out, err = run(capsys, "harness", "down", "--workdir", tmp_path / "none")
    assert code == 0 and out == "" and "nothing to stop" in err
    assert run(capsys, "harness", "down", "--workdir", tmp_path / "none", "-q") == (0, "", "")
    code, _, err = run(capsys, "harness", "status", "--workdir", tmp_path / "none")
    assert code == 1 and "no harness running" in err  # status is a question: none running is the answer 1


def test_harness_subcommands_show_their_own_options(capsys):
    def help_of(*words):
        with pytest.raises(SystemExit) as info:
            main([*words, "--help"])
        assert info.value.code == 0
        return capsys.readouterr().out

    up = help_of("harness", "up")
    assert "usage: auditc harness up" in up
    assert all(o in up for o in ("--mode", "--source", "--lua-dir", "--loki-port", "--fluent-bit-port"))
    assert "--since" not in up and "--timeout" not in up and "LOGQL" not in up
    replay = help_of("harness", "replay")
    assert "--timeout" in replay and "LOG" in replay and "--mode" not in replay
    assert "--since" in help_of("harness", "query")
    assert "--workdir" in help_of("harness", "down")


def test_harness_replay_of_a_missing_file_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "harness", "replay", tmp_path / "missing.log", "--workdir", tmp_path)
    assert code == 2 and "missing.log: no such file" in err


def test_malformed_lines_read_file_colon_line(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    log = tmp_path / "m.log"
    log.write_text("\n".join(LINES[:2] + ["{broken"] + LINES[2:]) + "\n")
    code, out, _ = run(capsys, "replay", log, "--lua", "lua/auditc.lua", "--format", "table")
    assert code == 0 and f"  {log}:3\n" in out and ":line" not in out
    code, out, _ = run(capsys, "policy", "simulate", FIXTURES / "policy.yaml", log)
    assert code == 0 and f"{log}:3" in out


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_throttled_and_erased(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    term = FakeTerminal()
    p = Progress("replaying", total_bytes=4_000_000, stream=term)
    for i in range(1, 101):  # 100 updates in 1 s
        clock[0] += 0.01
        p.update(i * 1000, i * 40_000)
    p.close()
    frames = [f for f in term.getvalue().split("\r") if f.startswith("replaying")]
    assert 4 <= len(frames) <= 7  # the first at once, then one per INTERVAL (0.2 s)
    assert frames[0].startswith("replaying: 1,000 events, 0.0 MB of 4.0 MB (1%)")
    assert "100,000 events" in frames[-1] or "(99%)" in frames[-1] or "(100%)" in frames[-1]
    assert term.getvalue().endswith("\r\x1b[K")  # erased: the table starts on a clean line


def test_progress_only_on_a_terminal_and_not_with_quiet(monkeypatch):
    args = argparse.Namespace(quiet=0)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert Progress.start(args, "x") is None
    monkeypatch.setattr("sys.stderr", FakeTerminal())
    assert Progress.start(args, "x") is not None
    assert Progress.start(argparse.Namespace(quiet=1), "x") is None


@pytest.mark.parametrize("argv, label", [
    (("policy", "simulate", FIXTURES / "policy.yaml", FIXTURES / "capture.jsonl"), "simulating: 10 events"),
    (("estimate", "--sample", FIXTURES / "capture.jsonl"), "measuring the sample: 10 events"),
    (("estimate", "--sample", FIXTURES / "capture.jsonl", "--policy", FIXTURES / "policy.yaml"),
     "measuring the sample: 10 events"),
    (("replay", FIXTURES / "capture.jsonl", "--lua", ROOT / "lua" / "auditc.lua", "--format", "json"),
     "replaying: 11 events"),  # the malformed line goes through the filter too
])
def test_long_commands_show_progress_on_a_terminal(monkeypatch, capsys, argv, label):
    term = FakeTerminal()
    monkeypatch.setattr("sys.stderr", term)
    assert main([str(a) for a in argv]) == 0
    size = (FIXTURES / "capture.jsonl").stat().st_size
    assert label in term.getvalue() and f"of {size / 1e6:,.1f} MB (100%)" in term.getvalue()
    assert term.getvalue().endswith("\r\x1b[K")
    json_or_table = capsys.readouterr().out
    assert "\r" not in json_or_table  # progress never reaches stdout
