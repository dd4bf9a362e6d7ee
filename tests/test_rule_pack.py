"""The default rule pack: valid, its own tests pass, and lua/ is its fresh build."""

from __future__ import annotations

from auditc.artifacts import differences
from auditc.compiler import build_artifacts, compile_rules
from auditc.testing import run_tests

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
