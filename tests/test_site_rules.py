"""Rules repositories (auditc.yaml): a site extends a base rule set by reference, disables or
overrides its rules, and adds its own, without breaking the base's tests."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
import yaml

from auditc.cli import main
from auditc.compiler import compile_rules
from auditc.errors import AuditcError
from auditc.frontend.loader import load_rules
from auditc.tools.testing import run_tests

from conftest import write_rules


def event(verb="create", resource="pods", subresource=None, namespace="prod", name="web-0", uri=None,
          user="alice@example.com", code=200):
    """An audit.k8s.io/v1 Event as kube-apiserver logs it."""
    ref = {"resource": resource, "namespace": namespace, "name": name, "apiVersion": "v1"}
    if subresource:
        ref["subresource"] = subresource
    path = f"/api/v1/namespaces/{namespace}/{resource}/{name}" + (f"/{subresource}" if subresource else "")
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": "5d3c1b1e-6c0a-4f7e-9a52-2f1f3c8b7a10", "stage": "ResponseComplete",
            "requestURI": uri or path, "verb": verb,
            "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["10.0.0.7"],
            "userAgent": "kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc", "objectRef": ref,
            "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": "2026-03-02T10:15:02.118204Z",
            "stageTimestamp": "2026-03-02T10:15:02.131877Z",
            "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}}


EXEC_SH = event("create", subresource="exec", uri="/api/v1/namespaces/prod/pods/web-0/exec?command=sh&stdin=true")
HEALTH = event("get", resource="pods", uri="/healthz", user="system:anonymous")
CONFIGMAP_GET = event("get", resource="configmaps", name="app-config")


def flow(value) -> str:
    return json.dumps(value)


BASE = {
    "rules.yaml": f"""\
        rules:
          - id: exec
            kind: detect
            title: Exec into a pod
            description: d
            severity: high
            match:
              field: objectRef.subresource
              equals: exec
            tests:
              - name: exec with a shell fires both
                event: {flow(EXEC_SH)}
                expect: {{detections: [exec, exec-shell], severity: high}}
          - id: exec-shell
            kind: detect
            title: Exec runs a shell
            description: d
            severity: medium
            match:
              all:
                - field: objectRef.subresource
                  equals: exec
                - field: requestURI
                  contains: command=sh
            tests:
              - name: a shell fires
                event: {flow(EXEC_SH)}
                expect: {{fires: true}}
          - id: drop-health
            kind: drop
            description: d
            match:
              field: requestURI
              equals: /healthz
            tests:
              - name: a health check is dropped
                event: {flow(HEALTH)}
                expect: {{fires: true, dropped: true}}
              - name: a configmap read is kept
                event: {flow(CONFIGMAP_GET)}
                expect: {{dropped: false, detections: []}}
        """,
}

SITE_CONFIG = "extends: [../base]\nrules: [rules]\n"

SITE_RULES = f"""\
    disable: [exec-shell]
    override:
      exec: {{severity: critical, alert: {{threshold: 3, window: 10m}}}}
    rules:
      - id: site-anonymous-health
        kind: detect
        title: Anonymous health probe
        description: d
        severity: low
        match:
          field: user.username
          equals: system:anonymous
      - id: site-drop-configmap-reads
        kind: drop
        description: d
        match:
          all:
            - field: objectRef.resource
              equals: configmaps
            - field: verb
              equals: get
    tests:
      - name: the site sees its override and the base rule
        event: {flow(EXEC_SH)}
        expect: {{detections: [exec], severity: critical}}
      - name: the site sees its own detection on a health probe
        event: {flow(HEALTH)}
        expect: {{detections: [site-anonymous-health], dropped: false}}
    """


@pytest.fixture
def repo(tmp_path):
    write_rules(tmp_path / "base", BASE)
    site = tmp_path / "site"
    write_rules(site, {"auditc.yaml": SITE_CONFIG, "rules/site.yaml": SITE_RULES,
                       # YAML outside the repository's rule directories is never read as rules
                       "fluent-bit/daemonset.yaml": "apiVersion: apps/v1\nkind: DaemonSet\n"})
    return site


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_repository_loads_what_it_extends_first_then_its_rules(repo):
    result = load_rules(repo)
    rs = result.ruleset
    assert [r.id for r in rs.rules] == ["exec", "exec-shell", "drop-health", "site-anonymous-health",
                                        "site-drop-configmap-reads"]
    assert [r.layer for r in rs.rules] == [0, 0, 0, 1, 1]
    assert not rs.rule("exec-shell").enabled and rs.rule("exec").severity == "critical"
    assert rs.rule("exec").alert.threshold == 3 and rs.rule("exec").alert.window == "10m"
    assert all("fluent-bit" not in f for f in rs.files)


def test_base_tests_pass_under_the_site_and_disabled_rules_are_skipped(repo):
    results = run_tests(compile_rules(repo))
    failed = [(r.test.name, r.failures) for r in results if r.failed]
    assert failed == []
    skipped = {r.test.name: r.skipped for r in results if r.skipped}
    assert list(skipped) == ["a shell fires"]
    assert skipped["a shell fires"].startswith("rule 'exec-shell' is disabled at ") and "site.yaml:1:" in skipped["a shell fires"]


def test_the_same_base_tests_fail_when_the_site_rules_are_in_the_base_layer(repo, tmp_path):
    """Layers are what keeps the base's tests meaningful: the same files merged into one layer
    make the base's exact expectations see the site's rules."""
    flat = write_rules(tmp_path / "flat", {"a-base.yaml": (tmp_path / "base" / "rules.yaml").read_text(),
                                           "b-site.yaml": (repo / "rules" / "site.yaml").read_text()})
    results = run_tests(compile_rules(flat))
    failed = {r.test.name for r in results if r.failed}
    assert {"exec with a shell fires both", "a health check is dropped", "a configmap read is kept"} <= failed


def test_the_cli_reports_skips_and_passes(repo, tmp_path, capsys):
    junit = tmp_path / "junit.xml"
    code, out, err = run(capsys, "test", repo, "--junit", junit)
    assert code == 0, out
    suites = ET.parse(junit).getroot()
    assert suites.get("skipped") == "2" and suites.get("failures") == "0"
    assert [c.get("name") for c in suites.iter("testcase") if c.find("skipped") is not None] == [
        "exec-shell › a shell fires [enable_flb_null=off]", "exec-shell › a shell fires [enable_flb_null=on]"]
    assert out.strip().splitlines()[-1] == "10 passed, 0 failed, 2 skipped"
    assert "auditc: skipped 1 test: rule 'exec-shell' is disabled at " in err
    code, out, _ = run(capsys, "test", repo, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["summary"] == {"total": 12, "passed": 10, "failed": 0, "skipped": 2}
    assert {r["test"] for r in doc["results"] if r["skipped"]} == {"a shell fires"}


def test_a_site_test_sees_every_layer(repo):
    """Site tests speak about the pack too (the site tunes it): a wrong expectation fails."""
    site = repo / "rules" / "site.yaml"
    site.write_text(site.read_text().replace("detections: [site-anonymous-health], dropped: false",
                                             "detections: [], dropped: false"))
    results = run_tests(compile_rules(repo))
    failed = [r for r in results if r.failed]
    assert {r.test.name for r in failed} == {"the site sees its own detection on a health probe"}
    assert "expected: []" in failed[0].failures[0] and "got: ['site-anonymous-health']" in failed[0].failures[0]


def test_the_build_uses_the_overrides(repo, tmp_path, capsys):
    out = tmp_path / "lua"
    code, _, err = run(capsys, "build", repo, "-o", out)
    assert code == 0, err
    lua = (out / "auditc.lua").read_text()
    assert "exec-shell" not in lua and "site-anonymous-health" in lua
    groups = yaml.safe_load((out / "loki-rules.yaml").read_text())["groups"]
    alerts = {r["labels"]["auditc_rule"]: r for g in groups for r in g["rules"]}
    assert sorted(alerts) == ["exec", "site-anonymous-health"]
    assert alerts["exec"]["labels"]["severity"] == "critical" and "[10m]" in alerts["exec"]["expr"]
    assert "> 2" in alerts["exec"]["expr"] or ">= 3" in alerts["exec"]["expr"]
    assert run(capsys, "build", repo, "-o", out, "--check")[0] == 0


@pytest.mark.parametrize("text, message, code", [
    ("disable: [exec-shel]\n", "site.yaml:1:11: error: disable: no rule 'exec-shel' is loaded (did you mean 'exec-shell'?)",
     "AUD208"),
    ("override:\n  exce: {severity: low}\n", "site.yaml:2:3: error: override: no rule 'exce' is loaded (did you mean 'exec'?)",
     "AUD208"),
    ("override:\n  drop-health: {severity: low}\n",
     "site.yaml:2:17: error: override: 'drop-health' is a drop rule (defined at ", "AUD209"),
    ("override:\n  exec: {severity: lo}\n", "site.yaml:2:20: error: 'lo' at override.exec.severity is not one of: info",
     "AUD105"),
    ("override:\n  exec: {match: {field: verb, equals: get}}\n",
     "site.yaml:2:10: error: unknown key 'match' at override.exec (allowed: alert, severity, tags, title)", "AUD103"),
    ("override:\n  exec: {alert: {threshold: 9, escalate: {threshold: 5, severity: critical}}}\n",
     "error: alert.escalate.threshold must be above alert.threshold", "AUD304"),
])
def test_bad_disable_and_override_entries_point_at_themselves(repo, text, message, code):
    (repo / "rules" / "site.yaml").write_text(text)
    with pytest.raises(AuditcError) as exc:
        load_rules(repo)
    lines = [d.format() for d in exc.value.diagnostics]
    assert any(message in line and line.endswith(f"[{code}]") for line in lines), lines


def test_an_override_twice_is_an_error_naming_the_first(repo):
    write_rules(repo / "rules", {"more.yaml": "override:\n  exec: {severity: low}\n"})
    with pytest.raises(AuditcError) as exc:
        load_rules(repo)
    (d,) = exc.value.diagnostics
    assert d.code == "AUD209" and d.location.file.endswith("site.yaml")
    assert "the severity of 'exec' is already overridden at " in d.message and "more.yaml:2:10" in d.message


def test_overriding_a_disabled_rule_warns(repo):
    write_rules(repo / "rules", {"more.yaml": "override:\n  exec-shell: {severity: low}\n"})
    warnings = [d.format() for d in load_rules(repo).warnings]
    assert any("more.yaml:2:16: warning: override of 'exec-shell' has no effect: the rule is disabled at " in w
               for w in warnings), warnings


def test_a_test_of_the_same_layer_naming_a_disabled_rule_warns(tmp_path):
    write_rules(tmp_path / "r", BASE)
    write_rules(tmp_path / "r", {"zz-site.yaml": "disable: [exec-shell]\n"})
    warnings = [d for d in load_rules(tmp_path / "r").warnings if d.code == "AUD403"]
    assert len(warnings) == 1 and "expects disabled rule 'exec-shell' to fire (disabled at " in warnings[0].message
    # ...and the test still passes: the disabled rule is left out of what it expects.
    assert not [r for r in run_tests(compile_rules(tmp_path / "r")) if r.failed]


@pytest.mark.parametrize("config, message", [
    ("extends: [packs]\n", "auditc.yaml:1:11: error: extends: 'packs' is neither 'pack' nor an existing path "),
    ("extends: [../nowhere]\n", "auditc.yaml:1:11: error: extends: '../nowhere' is neither 'pack' nor an existing path"),
    ("extends: [../base]\nrules: [rule]\n", "auditc.yaml:2:9: error: rules: "),
    ("extend: [pack]\n", "auditc.yaml:1:1: error: unknown key 'extend' (allowed: extends, rules) [AUD103]"),
])
def test_bad_repository_configs(repo, config, message):
    (repo / "auditc.yaml").write_text(config)
    with pytest.raises(AuditcError) as exc:
        load_rules(repo)
    lines = [d.format() for d in exc.value.diagnostics]
    assert any(message in line for line in lines), lines
    if "packs" in config:
        assert any("(did you mean 'pack', the default pack of auditc?)" in line for line in lines)


def test_an_extends_cycle_is_reported(tmp_path):
    write_rules(tmp_path / "a", {"auditc.yaml": "extends: [../b]\n", "rules/x.yaml": "lists: [{name: x, items: []}]\n"})
    write_rules(tmp_path / "b", {"auditc.yaml": "extends: [../a]\n", "rules/y.yaml": "lists: [{name: y, items: []}]\n"})
    with pytest.raises(AuditcError) as exc:
        load_rules(tmp_path / "a")
    assert any(d.code == "AUD210" and "extends cycle: " in d.message for d in exc.value.diagnostics)


def test_a_rule_directory_of_a_repository_given_alone_says_so(repo, capsys):
    (repo / "rules" / "site.yaml").write_text("rules: []\n")
    code, out, _ = run(capsys, "validate", repo / "rules")
    assert code == 0
    assert f"{repo / 'rules'}: warning: {repo / 'rules'} is inside the rules repository " in out and "[AUD211]" in out


def test_several_paths_are_layers_too(tmp_path, capsys):
    """`auditc test base/ extra/`: extra/ is a layer on top of base/."""
    write_rules(tmp_path / "base", BASE)
    write_rules(tmp_path / "extra", {"x.yaml": SITE_RULES})
    code, out, _ = run(capsys, "test", tmp_path / "base", tmp_path / "extra")
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "10 passed, 0 failed, 2 skipped"
