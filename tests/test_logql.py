"""LogQL: hunting queries, Loki ruler alert groups, the Grafana dashboard."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from auditc.backends import alerting, logql
from auditc.compiler import compile_rules
from auditc.paths import parse_path

from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "logql"


def _edge_cases() -> dict:
    compiled = compile_rules(GOLDEN / "rules.yaml")
    raw = alerting.raw_queries(compiled.program)
    out = {}
    for r in compiled.program.of_kind("detect"):
        out[r.id] = {"raw": raw[r.id].logql, "raw_exact": raw[r.id].exact, "notes": raw[r.id].notes,
                     "enriched": logql.enriched_query(r).logql,
                     "alerts": [{k: a[k] for k in ("alert", "expr", "labels")} for a in alerting.alert_rules(r, raw[r.id])]}
    return out


def test_golden_queries_and_alerts():
    got = _edge_cases()
    path = GOLDEN / "expected.yaml"
    if os.environ.get("AUDITC_UPDATE_GOLDEN"):
        path.write_text(yaml.safe_dump(got, sort_keys=True, width=100_000, allow_unicode=True))
    assert got == yaml.safe_load(path.read_text())


def test_quoting():
    assert logql.quote("a\\b\"c") == "`a\\b\"c`"
    assert logql.quote("it`s") == '"it`s"'
    assert logql.re2_escape("a.b+c(d)") == "a\\.b\\+c\\(d\\)"
    assert logql.label_name(parse_path('annotations["authorization.k8s.io/decision"]')) == \
        "annotations_authorization_k8s_io_decision"
    assert logql.json_expression(parse_path('a.b["c.d"]')) == 'a.b["c.d"]'


def test_array_rule_is_a_marked_superset_never_a_miss():
    q = _edge_cases()["array-rule"]
    assert q["raw_exact"] is False and "cannot expand arrays" in q["notes"][0]
    assert q["raw"].startswith('{job="kube-audit"} |= `"privileged":true`')
    alerts = q["alerts"]
    assert [a["alert"] for a in alerts] == ["AuditcArrayRule", "AuditcArrayRuleRepeated"]
    assert alerts[0]["expr"].endswith("[10m])) >= 2") and alerts[1]["expr"].endswith("[10m])) >= 5")
    assert "sum by (objectRef_namespace, user_username)" in alerts[0]["expr"] or \
        "sum by (user_username, objectRef_namespace)" in alerts[0]["expr"]
    assert "| user_username !~ `ci-bot`" in alerts[0]["expr"]
    assert alerts[1]["labels"]["severity"] == "critical"


def test_ruler_file_structure():
    doc = yaml.safe_load((ROOT / "lua" / "loki-rules.yaml").read_text())
    (group,) = doc["groups"]
    assert set(group) == {"name", "interval", "rules"}
    detections = [r for r in compile_rules(ROOT / "rules").program.of_kind("detect")]
    by_rule = {}
    for rule in group["rules"]:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}
        assert re.fullmatch(r"Auditc[A-Za-z0-9]+", rule["alert"])
        assert re.fullmatch(r"\d+[smhd]", rule["for"])
        assert rule["labels"]["severity"] in ("info", "low", "medium", "high", "critical")
        assert all(re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", k) for k in rule["labels"])
        assert {"summary", "description", "runbook", "logql", "logql_raw"} <= set(rule["annotations"])
        assert re.search(r"\) >= \d+$", rule["expr"])
        by_rule.setdefault(rule["labels"]["auditc_rule"], []).append(rule)
    assert set(by_rule) == {r.id for r in detections}, "one alert per detection"
    exec_alerts = by_rule["exec-into-pod"]
    assert [a["labels"]["severity"] for a in exec_alerts] == ["high", "critical"]  # escalating
    assert exec_alerts[1]["expr"].endswith(">= 4")  # the article's "more than 3 in 5 minutes"
    assert by_rule["forbidden-request"][0]["labels"]["severity"] == "medium"


def _all_queries() -> list[str]:
    rules = yaml.safe_load((ROOT / "lua" / "loki-rules.yaml").read_text())["groups"][0]["rules"]
    queries = yaml.safe_load((ROOT / "lua" / "logql-queries.yaml").read_text())["queries"]
    dash = json.loads((ROOT / "lua" / "grafana-dashboard.json").read_text())
    out = [r["expr"] for r in rules] + [r["annotations"]["logql"] for r in rules]
    out += [q[k] for q in queries.values() for k in ("enriched", "raw")]
    # Grafana replaces its macros before a query reaches Loki
    out += [t["expr"].replace("$__interval", "1m").replace("$__range", "24h")
            for p in dash["panels"] if p["datasource"]["type"] == "loki" for t in p["targets"]]
    for case in _edge_cases().values():
        out += [case["raw"], case["enriched"]] + [a["expr"] for a in case["alerts"]]
    return out


def test_every_query_parses_with_grafanas_logql_grammar():
    node = shutil.which("node")
    if not node:
        pytest.skip("needs node to run Grafana's LogQL grammar (@grafana/lezer-logql)")
    pkg = ROOT / "tests" / "logql"
    if not (pkg / "node_modules" / "@grafana" / "lezer-logql").exists():
        npm = shutil.which("npm")
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=pkg, capture_output=True,
                           text=True, timeout=300) if npm else None
        if r is None or r.returncode != 0:
            pytest.skip(f"could not install @grafana/lezer-logql from npm: {r.stderr[-300:] if r else 'no npm'}")
    queries = _all_queries()
    assert len(queries) > 100
    r = subprocess.run([node, "check.mjs"], cwd=pkg, input=json.dumps(queries), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    errors = [(q, e) for q, e in zip(queries, json.loads(r.stdout)) if e]
    assert not errors, "\n".join(f"{e['near']!r} in {q}" for q, e in errors[:5])


def test_queries_stay_under_the_length_limit():
    for q in _all_queries():
        assert len(q) <= logql.MAX_QUERY_LENGTH, q[:200]


def test_dashboard_panels():
    dash = json.loads((ROOT / "lua" / "grafana-dashboard.json").read_text())
    titles = [p["title"] for p in dash["panels"]]
    for want in ("Detections by severity", "Detections by rule", "Top flagged users", "Secret access", "Exec",
                 "Events by verb and resource", "redacted", "dropped"):
        assert any(want.lower() in t.lower() for t in titles), want
    assert dash["uid"] == "auditc-audit"


def test_rule_that_cannot_match_queries_nothing():
    """An opt-in rule whose list is empty folds to false: its raw query is a
    filter no line passes (it used to drop the condition and match all)."""
    q = _edge_cases()["empty-opt-in-list"]
    assert q["raw"] == '{job="kube-audit"} | auditc_rule_cannot_match="true"'
    assert q["raw_exact"] is True and "cannot match" in q["notes"][0]
