"""Tables at 80 and 120 columns: ids and numbers whole, no line wider than the terminal,
columns chosen by priority, names wrapped only between their parts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditc.cli import main
from auditc.tools.table import Column, Table, cut, output_width, wrap

from conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "policy"
WIDTHS = (80, 120)


def run(capsys, monkeypatch, width, *argv):
    monkeypatch.setenv("COLUMNS", str(width))
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_fits(text: str, width: int) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"lines wider than {width}: {long}"


def cells(text: str, header: str) -> list[list[str]]:
    """The rows after the header line starting with `header`, split on runs of 2+ spaces."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("("):  # the end, or the note naming left-out columns
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


# -- the helper ------------------------------------------------------------------------------

def demo_table() -> Table:
    t = Table([Column("rule"), Column("count", align="right"), Column("what it matches", fit="cut", priority=2),
               Column("namespace/name", fit="wrap", priority=1)], title="Demo")
    t.add_row("serviceaccount-created-in-system-namespace", "1,234",
              "verbs: create, update, patch; resources: configmaps, pods, secrets", "kube-system/coredns-7db6d8ff4d")
    t.add_row("exec-into-pod", "5", "every request", "prod/api-0")
    return t


@pytest.mark.parametrize("width", (40, 60, *WIDTHS))
def test_ids_and_numbers_are_never_cut_and_no_line_is_wider(width):
    text = demo_table().render(width)
    lines = text.splitlines()
    assert lines[2].split()[:2] == ["serviceaccount-created-in-system-namespace", "1,234"]
    assert [line.split()[:2] for line in lines if line.startswith("exec")] == [["exec-into-pod", "5"]]
    if width >= 60:
        assert_fits(text, width)
    else:  # the id alone is wider: it is shown whole, aligned, and only its rows overflow
        assert lines[1].index("count") + len("count") == lines[2].index("1,234") + len("1,234")


def test_columns_are_chosen_by_priority_and_the_rest_is_named():
    narrow = demo_table().render(70)
    assert "namespace/name" in narrow and "what it matches" not in narrow.splitlines()[1]
    assert "(left out at 70 columns: what it matches;" in narrow
    wide = demo_table().render(120)
    assert "what it matches" in wide and "namespace/name" in wide and "left out" not in wide
    tiny = demo_table().render(40)  # only the columns of priority 0
    assert tiny.splitlines()[1].split() == ["rule", "count"]
    assert "(left out at 40 columns: what it matches, namespace/name;" in " ".join(tiny.split())


def test_names_wrap_between_their_parts_and_prose_is_cut_at_a_word():
    assert wrap("kube-system/coredns-7db6d8ff4d", 14) == ["kube-system/", "coredns-7db6d8ff4d"]
    assert wrap("privileged-container, host-namespace-or-sensitive-mount", 30) == [
        "privileged-container,", "host-namespace-or-sensitive-mount"]  # a longer word stands whole
    assert cut("verbs: create, update, patch; resources: configmaps", 24) == "verbs: create, update…"
    assert cut("every request", 20) == "every request"
    lines = demo_table().render(80).splitlines()  # namespace/name wraps after the '/'
    assert lines[2].endswith("  kube-system/") and lines[3].strip() == "coredns-7db6d8ff4d"


def test_piped_output_keeps_every_row_on_one_line(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)

    class Pipe:
        def isatty(self):
            return False
    assert output_width(Pipe()) is None
    text = demo_table().render(None)
    assert "verbs: create, update, patch; resources: configmaps, pods, secrets" in text
    assert len(text.splitlines()) == 4
    monkeypatch.setenv("COLUMNS", "97")
    assert output_width(Pipe()) == 97


def test_colour_does_not_change_the_layout():
    from auditc.tools.table import Styled
    t = Table([Column("severity"), Column("rule")])
    t.add_row(Styled("critical", "1;31"), "exec-into-pod")
    plain, coloured = t.render(80), t.render(80, color=True)
    assert "\x1b[1;31mcritical\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


# -- the commands ----------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_policy_simulate_keeps_every_number(width, capsys, monkeypatch):
    policy, capture = FIXTURES / "policy.yaml", FIXTURES / "capture.jsonl"
    code, out, _ = run(capsys, monkeypatch, width, "policy", "simulate", policy, capture, "--format", "json")
    data = json.loads(out)
    code, text, _ = run(capsys, monkeypatch, width, "policy", "simulate", policy, capture)
    assert code == 0
    assert_fits(text, width)
    from auditc.tools.replay_report import human_bytes
    levels = {row[0]: row for row in cells(text, "level")}
    for level, b in data["per_level"].items():
        assert levels[level][:5] == [level, f"{b['events_in']:,}", human_bytes(b["bytes_in"]),
                                     f"{b['events_out']:,}", human_bytes(b["bytes_out"])]
    rules = {row[0]: row for row in cells(text, "rule")}
    for r in data["per_rule"]:
        row = rules[f"#{r['rule']}" if r["rule"] else "-"]
        assert row[1:5] == [r["level"], f"{r['events_in']:,}", human_bytes(r["bytes_in"]), human_bytes(r["bytes_out"])]


@pytest.mark.parametrize("width", WIDTHS)
def test_coverage_table_never_cuts_a_detection_id(width, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, width, "policy", "check", ROOT / "lua" / "audit-policy.yaml",
                       "--rules", ROOT / "rules", "--format", "json")
    coverage = json.loads(out)["coverage"]
    code, text, _ = run(capsys, monkeypatch, width, "policy", "check", ROOT / "lua" / "audit-policy.yaml",
                        "--rules", ROOT / "rules")
    assert code == 0
    assert_fits(text, width)
    table = text[text.index("Coverage of the rule pack"):]
    first_words = [line.split()[0] for line in table.splitlines()[2:] if line and not line.startswith(" ")]
    ids = [c["detection"] for c in coverage]
    assert [w for w in first_words if w in ids] == ids  # every id whole, once, in order
    assert "status" in table.splitlines()[1]
    if width >= 120:
        assert "requests it targets" in table


@pytest.mark.parametrize("width", WIDTHS)
def test_replay_timeline_has_a_time_column(width, capsys, monkeypatch, tmp_path):
    from test_replay import LINES
    monkeypatch.chdir(ROOT)
    log = tmp_path / "a.log"
    log.write_text("\n".join(LINES) + "\n")
    code, out, _ = run(capsys, monkeypatch, width, "replay", log, "--format", "json", "--timeline")
    timeline = json.loads(out)["timeline"]
    code, text, _ = run(capsys, monkeypatch, width, "replay", log, "--format", "table", "--timeline")
    assert code == 0 and timeline
    assert_fits(text, width)
    rows = cells(text, "time ")
    assert [r[0] for r in rows if r[0].startswith("20")] == [t["ts"][:19] + "Z" for t in timeline]
    for t in timeline:
        for rule in t["rules"].split(","):
            assert re.search(rf"(^|\s){re.escape(rule)}(,|\s|$)", text, re.M), rule
    detections = [r for r in cells(text, "severity") if r[0] in ("critical", "high", "medium", "low", "info")]
    assert {r[1] for r in detections} == {d for t in timeline for d in t["rules"].split(",")}
    if width >= 120:
        assert "namespace/name" in text and "prod" in text


def test_test_summary_wraps_file_names_between_directories(capsys, monkeypatch, tmp_path):
    from conftest import write_rules
    from test_cli import RULE
    monkeypatch.chdir(tmp_path)
    write_rules(Path("rules-of-team-a/kubernetes-audit"), {"exec-rules.yaml": RULE})
    code, _, err = run(capsys, monkeypatch, 50, "test", "rules-of-team-a")
    assert code == 0
    assert_fits(err, 50)
    assert [line.split()[0] for line in err.splitlines()[2:]] == [
        "rules-of-team-a/", "kubernetes-audit/", "exec-rules.yaml"]
    assert err.splitlines()[2].split()[1:] == ["4", "4", "0"]
