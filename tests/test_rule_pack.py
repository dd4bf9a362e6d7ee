"""The default rule pack: valid, its own tests pass, and lua/ is its fresh build."""

from __future__ import annotations

from auditc.artifacts import differences
from auditc.compiler import build_artifacts, compile_rules
from auditc.tools.testing import run_tests

from conftest import ROOT

OPT_IN = "auditc.opt-in"  # rules silent until a site sets their allow-list


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
        positive |= OPT_IN in getattr(rule, "tags", ())  # proven with a site list below
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


def test_every_detection_is_in_the_detections_table(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    table = (ROOT / "docs" / "detections.md").read_text()
    missing = [r.id for r in load_rules("rules").ruleset.rules if r.kind == "detect" and f"| `{r.id}` |" not in table]
    assert not missing, f"add these detections to docs/detections.md: {missing}"


def test_a_site_narrowing_control_plane_networks_catches_forged_identities_from_pods(tmp_path):
    """The default control-plane-networks (private ranges) catches use from
    the internet only; a site that names its control-plane subnet also
    catches a forged controller-manager certificate used from a pod, while
    kubeadm's controller-manager dialling its node stays quiet."""
    import shutil

    from conftest import Pipeline
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "stage": "ResponseComplete",
             "auditID": "5b0b3c1e-2f52-4d0e-9d7e-6a1f0c3b9e11", "verb": "list",
             "requestURI": "/api/v1/namespaces/kube-system/secrets?limit=500",
             "user": {"username": "system:kube-controller-manager", "groups": ["system:authenticated"]},
             "userAgent": "kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc",
             "objectRef": {"resource": "secrets", "namespace": "kube-system", "apiVersion": "v1"},
             "responseStatus": {"metadata": {}, "code": 200}}
    from_pod = {**event, "sourceIPs": ["10.244.3.7"]}
    from_node = {**event, "sourceIPs": ["10.0.0.10"]}
    rule = "control-plane-identity-from-outside-control-plane-network"
    default = Pipeline(compile_rules(rules))
    assert rule not in default.detections(from_pod)
    (rules / "zz-site.yaml").write_text(
        'lists:\n  - name: control-plane-networks\n    override: true\n'
        '    items: ["127.0.0.0/8", "::1/128", "10.0.0.0/28"]\n')
    site = Pipeline(compile_rules(rules))
    assert rule in site.detections(from_pod) and rule in site.detections(from_pod, flb_null=True)
    assert rule not in site.detections(from_node)


def test_pack_size_and_metadata(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    rules = load_rules("rules").ruleset.rules
    detections = [r for r in rules if r.kind == "detect"]
    assert len(detections) >= 25
    for r in detections:
        assert r.tags and any(t.startswith("attack.t") for t in r.tags), f"{r.id} needs an ATT&CK technique tag"
        assert len(r.description) > 80, f"{r.id}: say why it matters and how to tune it"


# An opt-in rule, the site list that switches it on, and an event it must then flag.
_HUMAN = {"username": "oidc:mallory@example.com", "groups": ["oidc:engineering", "system:authenticated"]}
_BASE = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "stage": "ResponseComplete",
         "auditID": "0b6f7c52-9d61-4c1e-8a53-3f0e2d7c4b10", "sourceIPs": ["10.8.0.27"], "user": _HUMAN,
         "userAgent": "kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc", "responseStatus": {"metadata": {}, "code": 201}}
OPT_IN_CASES = {
    "user-not-allowed": ("allowed-users", ["oidc:*@corp.example.com"], {
        **_BASE, "verb": "get", "requestURI": "/api/v1/namespaces/shop/pods", "level": "Metadata",
        "objectRef": {"resource": "pods", "namespace": "shop", "apiVersion": "v1"}}),
    "namespace-not-allowed": ("allowed-namespaces", ["default", "kube-*", "team-*"], {
        **_BASE, "verb": "create", "requestURI": "/api/v1/namespaces", "objectRef": {"resource": "namespaces",
        "name": "crypto-miner", "apiVersion": "v1"}, "requestObject": {"kind": "Namespace", "metadata": {"name": "crypto-miner"}}}),
    "node-not-allowed": ("allowed-node-names", ["worker-*"], {
        **_BASE, "verb": "create", "requestURI": "/api/v1/nodes", "user": {"username": "system:node:rogue-1",
        "groups": ["system:nodes", "system:authenticated"]}, "objectRef": {"resource": "nodes", "name": "rogue-1",
        "apiVersion": "v1"}, "requestObject": {"kind": "Node", "metadata": {"name": "rogue-1"}}}),
    "image-not-allowed": ("allowed-images", ["registry.example.com/*"], {
        **_BASE, "verb": "create", "requestURI": "/api/v1/namespaces/shop/pods",
        "objectRef": {"resource": "pods", "namespace": "shop", "name": "web", "apiVersion": "v1"},
        "requestObject": {"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "registry.example.com/web:1.2"},
                                                                 {"name": "b", "image": "docker.io/xmrig/xmrig:6.21"}]}}}),
    "object-lifecycle-trail": ("lifecycle-trail-resources", ["deployments", "secrets"], {
        **_BASE, "verb": "delete", "requestURI": "/api/v1/namespaces/shop/secrets/db-password", "level": "Metadata",
        "responseStatus": {"metadata": {}, "code": 200},
        "objectRef": {"resource": "secrets", "namespace": "shop", "name": "db-password", "apiVersion": "v1"}}),
}


def test_every_opt_in_rule_is_proven_with_a_site_list(monkeypatch):
    from auditc.frontend.loader import load_rules
    monkeypatch.chdir(ROOT)
    opt_in = {r.id for r in load_rules("rules").ruleset.rules if OPT_IN in getattr(r, "tags", ())}
    assert opt_in == set(OPT_IN_CASES)


def test_opt_in_rules_fire_once_their_list_is_set(tmp_path):
    import json
    import shutil

    from conftest import Pipeline
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    default = Pipeline(compile_rules(rules))
    site = "lists:\n" + "".join(f"  - name: {lst}\n    override: true\n    items: {json.dumps(items)}\n"
                                 for lst, items, _ in OPT_IN_CASES.values())
    (rules / "zz-site.yaml").write_text(site)
    tuned = Pipeline(compile_rules(rules))
    for rule_id, (_, _, event) in OPT_IN_CASES.items():
        assert rule_id not in (default.detections(dict(event)) or []), rule_id  # silent as shipped
        for mode in (False, True):
            assert rule_id in (tuned.detections(dict(event), flb_null=mode) or []), (rule_id, mode)
    allowed = {**OPT_IN_CASES["image-not-allowed"][2], "requestObject": {"kind": "Pod", "spec": {"containers": [
        {"name": "a", "image": "registry.example.com/web:1.2"}]}}}
    assert "image-not-allowed" not in (tuned.detections(allowed) or [])
