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
