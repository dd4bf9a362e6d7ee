"""The default rule pack: valid, its own tests pass, and lua/ is its fresh build."""

from __future__ import annotations

from auditc.artifacts import differences
from auditc.compiler import build_artifacts, compile_rules
from auditc.tools.testing import run_tests

from conftest import ROOT


def test_committed_lua_is_fresh(monkeypatch):
    monkeypatch.chdir(ROOT)  # file names in the header are relative: rules/...
    compiled = compile_rules("rules")
    stale = differences("lua", build_artifacts(compiled))
    assert not stale, f"{stale}: run `auditc build rules/ -o lua/` and commit lua/"


def test_rule_pack_tests_pass(monkeypatch):
    monkeypatch.chdir(ROOT)
    results = run_tests(compile_rules("rules"))
    failures = [f"{r.test.loc}: {r.label}: {r.failures}" for r in results if not r.passed]
    assert results and not failures, "\n".join(failures)


def test_every_rule_has_positive_and_negative_tests(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    rs = load_rules("rules").ruleset
    missing = []
    for rule in rs.rules:
        positive = any(t.expect.fires is True or rule.id in (t.expect.detections or []) for t in rule.tests)
        negative = any(t.expect.fires is False or (t.expect.detections is not None and rule.id not in t.expect.detections)
                       or (rule.kind == "drop" and t.expect.dropped is False) for t in rule.tests)
        if not (positive and negative):
            missing.append(rule.id)
    assert not missing, f"rules without both a positive and a negative test: {missing}"


# Each kind of pack rule has its table in the reference pages under docs/.
RULE_TABLES = {"detect": "detections.md", "drop": "rule-pack.md", "redact": "redaction.md"}


def test_docs_document_every_rule(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    undocumented = []
    for rule in load_rules("rules").ruleset.rules:
        page = RULE_TABLES[rule.kind]
        if f"| `{rule.id}`" not in (ROOT / "docs" / page).read_text():
            undocumented.append(f"{rule.id} (docs/{page})")
    assert not undocumented, f"add these rules to the tables of their docs pages: {undocumented}"


def test_pack_size_and_metadata(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    rules = load_rules("rules").ruleset.rules
    detections = [r for r in rules if r.kind == "detect"]
    assert len(detections) >= 25
    for r in detections:
        assert r.tags and any(t.startswith("attack.t") for t in r.tags), f"{r.id} needs an ATT&CK technique tag"
        assert len(r.description) > 80, f"{r.id}: say why it matters and how to tune it"
