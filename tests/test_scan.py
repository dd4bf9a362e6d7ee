"""scan mode: secret-shaped values replaced in every string of the record,
map keys included, behind a literal pre-check."""

from __future__ import annotations

import json

from auditc.dialect.lua_literal import required_literal
from auditc.dialect.regex import translate

SCAN = """
rules:
  - id: scan
    kind: redact
    mode: scan
    description: secret shapes anywhere
    patterns: ['ghp_[0-9A-Za-z]{36}', '(?i)password=[^&" ]+']
"""
TOKEN = "ghp_" + "a1B2" * 9


def test_scan_replaces_matches_in_every_string_and_key(compile_yaml):
    pipe = compile_yaml(SCAN)
    event = {"kind": "Event", "verb": "get", "requestURI": f"/api/v1/x?Password=hunter2&a=1",
             "annotations": {"patch.webhook.admission.k8s.io/round_0_index_0": json.dumps({"patch": TOKEN})},
             "responseStatus": {"code": 422, "message": f"invalid value {TOKEN!r}"},
             "requestObject": {"data": {TOKEN: "v", "list": [None, TOKEN, None]}}}
    for mode in (False, True):
        rec = pipe.run(json.loads(json.dumps(event)), mode)[0].record
        text = json.dumps(rec)
        assert TOKEN not in text and "hunter2" not in text, text
        assert rec["requestURI"] == "/api/v1/x?[REDACTED]&a=1"
        assert rec["requestObject"]["data"]["[REDACTED]"] == "v"  # the key itself was the secret
        assert rec["auditc"] == {"redacted": ["scan"]}


def test_scan_leaves_clean_records_untouched(compile_yaml):
    pipe = compile_yaml(SCAN)
    clean = {"kind": "Event", "verb": "get", "requestURI": "/api/v1/namespaces/a/pods?password", "user": {"username": "x"}}
    assert pipe.runtimes[False].filter([clean]).codes == [0]


def test_required_literals():
    assert required_literal(translate("ghp_[0-9A-Za-z]{36}")[0]) == (b"ghp_", False)
    assert required_literal(translate("(?i)x-api-key: ?[^ ]+")[0]) == (b"x-api-key:", True)
    assert required_literal(translate("[ab]+")[0]) is None
    assert required_literal(translate("-----BEGIN [A-Z ]*PRIVATE KEY-----")[0]) == (b"PRIVATE KEY-----", False)


def test_the_pack_scans_what_credentials_reencoded(compile_yaml):
    """Whole-record scans run last, on the strings as the other rules left
    them: a token kept in last-applied-configuration beside a credential
    env var goes, though credentials decoded and re-encoded that JSON."""
    from conftest import ROOT
    from auditc.runtime import FluentBitLua
    rt = FluentBitLua((ROOT / "lua" / "auditc.lua").read_text(), "auditc_filter")
    applied = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
        "name": "web", "namespace": "shop", "annotations": {"notes": f"pull with {TOKEN}"}},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:1", "env": [
            {"name": "DB_PASSWORD", "value": "Planted-Applied-Pw"}]}]}}}}
    body = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "shop",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied) + "\n"}},
            "spec": {"replicas": 2}}
    event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "verb": "patch",
             "auditID": "b9a1f3e2-0c4d-4e5f-8a6b-7c8d9e0f1a2b", "stage": "ResponseComplete",
             "requestURI": "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-client-side-apply",
             "user": {"username": "alice@example.com", "groups": ["system:authenticated"]},
             "objectRef": {"resource": "deployments", "namespace": "shop", "name": "web", "apiGroup": "apps",
                           "apiVersion": "v1"},
             "responseStatus": {"metadata": {}, "code": 200}, "requestObject": body}
    rec = rt.filter([event]).records[0].record
    text = json.dumps(rec)
    assert TOKEN not in text and "Planted-Applied-Pw" not in text
    assert rec["auditc"]["redacted"] == ["mask-credential-values", "scan-secret-shapes"]
