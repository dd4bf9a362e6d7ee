"""`auditc policy check | simulate | generate` and `auditc estimate` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditc.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "policy"
PACK = FIXTURES / "rules"
POLICY = FIXTURES / "policy.yaml"
CAPTURE = FIXTURES / "capture.jsonl"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def generated(tmp_path, capsys):
    out = tmp_path / "policy.yaml"
    assert run(capsys, "policy", "generate", "--rules", PACK, "-o", out)[0] == 0
    return out


def test_check_reports_blind_detections_at_the_policy_rule(capsys):
    code, out, err = run(capsys, "policy", "check", POLICY, "--rules", PACK)
    assert code == 0  # only warnings: exit 0 unless --strict, as yamllint and helm lint
    assert run(capsys, "policy", "check", POLICY, "--rules", PACK, "--strict")[0] == 1
    # rule #3 logs secrets at Metadata: token-secret cannot see the bodies it reads
    assert (f"{POLICY}:11:5: warning: token-secret ({PACK / 'pack.yaml'}:26:5) is blind: it needs responseObject "
            f"for secrets create/patch/update; policy rule #3 (Metadata; resources: secrets) logs them at Metadata") in out
    assert "Coverage of the rule pack" in out and "privileged-pod" in out
    assert "coverage of 5 detections: 2 covered, 2 partially blind, 1 blind" in err


def test_check_of_the_generated_policy_is_clean(generated, capsys):
    code, out, err = run(capsys, "policy", "check", generated, "--rules", PACK)
    assert code == 0, out
    assert "5 covered, 0 partially blind, 0 blind" in err


def test_check_json_and_github(capsys):
    code, out, _ = run(capsys, "policy", "check", POLICY, "--rules", PACK, "--format", "json")
    data = json.loads(out)
    assert code == 0
    status = {c["detection"]: c["status"] for c in data["coverage"]}
    assert status == {"privileged-pod": "ok", "secrets-listed": "partial", "token-secret": "blind",
                      "forbidden": "partial", "exec": "ok"}
    gap = next(c for c in data["coverage"] if c["detection"] == "secrets-listed")["gaps"][0]
    assert gap["policy_rule"] == 2 and gap["level"] == "None" and gap["target"] == "secrets watch"
    code, out, _ = run(capsys, "policy", "check", POLICY, "--rules", PACK, "--format", "github")
    assert out.splitlines()[0].startswith(f"::warning file={POLICY},line=")


def test_check_without_rules_validates_and_lints(capsys, tmp_path, generated):
    clean = tmp_path / "clean.yaml"
    clean.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n"
                     "  - level: None\n    verbs: [watch]\n  - level: Metadata\n")
    code, out, err = run(capsys, "policy", "check", clean)
    assert code == 0 and out == "" and "0 policy problem(s)" in err
    # bodies of secrets: without --rules nobody can say they are redacted
    code, out, err = run(capsys, "policy", "check", generated)
    assert code == 0 and "pass --rules DIR to check that a redaction rule masks it" in out
    assert run(capsys, "policy", "check", generated, "--strict")[0] == 1
    code, out, err = run(capsys, "policy", "check", POLICY)
    assert code == 0 and "3 policy problem(s)" in err
    assert f"{POLICY}:11:5: warning: policy rule #3 (Metadata) does not apply to all the resources it names" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metdata\n")
    code, out, err = run(capsys, "policy", "check", bad)
    assert code == 1 and out.startswith(f"{bad}:4:12: error: rules[0].level: Unsupported value")
    assert "Traceback" not in out + err


def test_usage_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "policy", "check", tmp_path / "missing.yaml")[0] == 2
    assert run(capsys, "policy", "check", POLICY, "--rules", tmp_path / "nope")[0] == 2
    assert run(capsys, "policy", "check", POLICY, "--rules", PACK, "--accept-blind", "no-such-rule")[0] == 2
    assert run(capsys, "policy", "simulate", POLICY, tmp_path / "missing.log")[0] == 2
    assert run(capsys, "estimate")[0] == 2
    assert run(capsys, "estimate", "--rate", "Metadata=lots")[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["policy"])
    assert exc.value.code == 2


def test_simulate_text_and_json(capsys, tmp_path):
    code, out, _ = run(capsys, "policy", "simulate", POLICY, CAPTURE, "--output", tmp_path / "t.jsonl")
    assert code == 0
    for text in ("Per level", "Per policy rule", "bytes, this policy", "-41.8% vs flat RequestResponse",
                 "Projection at the observed rate"):
        assert text in out, out
    assert (tmp_path / "t.jsonl").read_text() == (FIXTURES / "capture.trimmed.jsonl").read_text()
    code, out, _ = run(capsys, "policy", "simulate", POLICY, CAPTURE, "--format", "json")
    data = json.loads(out)
    assert data["bytes_out"] == 5970 and data["per_level"]["Request"]["bytes_out"] == 1832
    assert data["projection_bytes_per_day"]["policy"] == 5970 * 24


def test_generate_is_deterministic_and_check_mode(generated, capsys):
    text = generated.read_text()
    code, out, _ = run(capsys, "policy", "generate", "--rules", PACK)
    assert code == 0 and out == text
    assert run(capsys, "policy", "generate", "--rules", PACK, "-o", generated, "--check")[0] == 0
    generated.write_text(text + "# edited\n")
    assert run(capsys, "policy", "generate", "--rules", PACK, "-o", generated, "--check")[0] == 1


def test_estimate_from_rates(capsys):
    code, out, _ = run(capsys, "estimate", "--rate", "Metadata=100/s,RequestResponse=1/s", "--size",
                       "RequestResponse=10KB", "--format", "json")
    data = json.loads(out)
    assert code == 0
    rows = {r["level"]: r for r in data["levels"]}
    assert rows["Metadata"]["bytes_per_day"] == 100 * 86400 * 1000
    assert rows["Metadata"]["stored_bytes"] == 100 * 86400 * 1000 * 90  # 90 days of Metadata by default
    assert rows["RequestResponse"]["stored_bytes"] == 86400 * 10000 * 30  # 30 days with bodies
    code, out, _ = run(capsys, "estimate", "--rate", "Metadata=8.64M/day", "--retention", "Metadata=7")
    assert "Metadata" in out and "8,640,000" in out and "7 d" in out


def test_estimate_from_a_sample_under_a_policy(capsys):
    code, out, _ = run(capsys, "estimate", "--sample", CAPTURE, "--policy", POLICY, "--format", "json")
    data = json.loads(out)
    rows = {r["level"]: r for r in data["levels"]}
    assert code == 0
    assert rows["Request"]["avg_bytes"] == 1832 / 2 and rows["Request"]["events_per_second"] == 2 / 3600
    assert rows["Metadata"]["bytes_per_day"] == pytest.approx(1346 * 24)


def test_estimate_from_a_sample_as_captured(tmp_path, capsys):
    """--sample without --policy measures the log as it was captured."""
    import json as _json

    from auditc.cli import main
    lines = [_json.dumps({"level": "Metadata", "requestReceivedTimestamp": f"2026-11-20T10:00:{s:02d}.000000Z", "pad": "x" * 90})
             for s in range(0, 50, 10)]
    (tmp_path / "s.log").write_text("\n".join(lines) + "\n")
    assert main(["estimate", "--sample", str(tmp_path / "s.log"), "--format", "json"]) == 0
    out = _json.loads(capsys.readouterr().out)
    (level,) = out["levels"]
    size = len(lines[0]) + 1
    assert level["level"] == "Metadata" and level["events_per_second"] == 5 / 40  # 5 events over 40 s
    assert level["avg_bytes"] == size and level["bytes_per_day"] == 5 / 40 * 86400 * size
