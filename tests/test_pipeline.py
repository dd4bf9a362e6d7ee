"""Drop, redact and detect together: order, precedence, fail-closed, depth cap."""

from __future__ import annotations

import json

from auditc.runtime import FluentBitLua

PACK = """\
rules:
  - id: secret-read
    kind: detect
    title: t
    description: d
    severity: medium
    match: {all: [{field: objectRef.resource, equals: secrets}, {field: verb, equals: get}]}
  - id: suspicious-uri
    kind: detect
    title: t
    description: d
    severity: high
    match: {field: requestURI, contains: "/exec?command="}
  - id: drop-watch
    kind: drop
    description: watches are noise
    match: {field: verb, equals: watch}
  - id: drop-secret-gets
    kind: drop
    description: would swallow secret reads; detections must win
    match: {field: objectRef.resource, equals: secrets}
  - id: mask-secret-data
    kind: redact
    description: mask data, keep keys
    when: {field: objectRef.resource, equals: secrets}
    fields:
      - requestObject.data
      - responseObject.data
      - responseObject.items[*].data
      - 'requestObject.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]'
  - id: replace-token
    kind: redact
    description: whole value replaced
    mode: replace
    replacement: "<token>"
    when: {field: objectRef.subresource, equals: token}
    fields: [responseObject.status.token]
  - id: remove-review-token
    kind: redact
    description: removed
    mode: remove
    when: {field: objectRef.resource, equals: tokenreviews}
    fields: [requestObject.spec.token]
"""

SECRET_GET = {"verb": "get", "objectRef": {"resource": "secrets", "namespace": "a", "name": "db"},
              "responseObject": {"kind": "Secret", "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
                                 "metadata": {"name": "db", "creationTimestamp": None}}}


def test_detection_sees_bodies_and_prevents_drop(compile_yaml):
    p = compile_yaml(PACK)
    for mode in (False, True):
        out = p.run(SECRET_GET, mode)
        assert len(out) == 1, "a detected event must never be dropped"
        rec = out[0].record
        assert rec["detection"] == {"severity": "medium", "rules": ["secret-read"]}
        assert rec["responseObject"]["data"] == {"password": "[REDACTED]", "user": "[REDACTED]"}
        assert rec["auditc"] == {"redacted": ["mask-secret-data"]}
        assert "aHVudGVyMg==" not in json.dumps(rec)
    # enable_flb_null keeps nulls in a modified record; without it they vanish (Fluent Bit behaviour)
    assert p.run(SECRET_GET, True)[0].record["responseObject"]["metadata"]["creationTimestamp"] is None
    assert "creationTimestamp" not in p.run(SECRET_GET, False)[0].record["responseObject"]["metadata"]


def test_drops(compile_yaml):
    p = compile_yaml(PACK)
    assert p.run({"verb": "watch", "objectRef": {"resource": "pods"}}) == []
    assert p.run({"verb": "list", "objectRef": {"resource": "secrets", "namespace": "a"}}) == []  # not detected -> dropped
    # a drop never swallows a detection
    assert p.run({"verb": "watch", "requestURI": "/api/v1/pods/x/exec?command=sh"})[0].record["detection"]["rules"] == ["suspicious-uri"]


def test_unmatched_record_is_returned_untouched_with_code_0(compile_yaml):
    p = compile_yaml(PACK)
    event = {"verb": "get", "objectRef": {"resource": "configmaps"}, "ratio": 5.0, "big": 2**60 + 1}
    result = p.runtimes[False].filter([event])
    assert result.codes == [0]
    assert result.records[0].record == event  # original bytes: 5.0 stays 5.0, no precision loss


def test_list_response_items_masked_keys_kept(compile_yaml):
    p = compile_yaml(PACK)
    event = {"verb": "list", "objectRef": {"resource": "secrets"}, "user": {"username": "x"},
             "responseObject": {"kind": "SecretList", "items": [
                 {"metadata": {"name": "a"}, "data": {"k1": "c2VjcmV0MQ==", "nested": {"deep": ["c2VjcmV0Mg=="]}}},
                 {"metadata": {"name": "b"}, "data": None}]}}
    # secret lists are dropped by drop-secret-gets unless detected; check redaction on a detected variant
    event["requestURI"] = "/exec?command=ls"
    rec = p.run(event, True)[0].record
    items = rec["responseObject"]["items"]
    assert items[0]["data"] == {"k1": "[REDACTED]", "nested": {"deep": ["[REDACTED]"]}}
    assert items[0]["metadata"] == {"name": "a"} and items[1]["data"] is None


def test_last_applied_annotation_and_request_data(compile_yaml):
    p = compile_yaml(PACK)
    event = {"verb": "get", "objectRef": {"resource": "secrets"}, "requestObject": {
        "data": {"tls.key": "LS0tLS1CRUdJTg=="},
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data":{"tls.key":"LS0tLS1CRUdJTg=="}}',
                                     "keep": "me"}}}}
    rec = p.run(event)[0].record
    assert "LS0tLS1CRUdJTg==" not in json.dumps(rec)
    assert rec["requestObject"]["metadata"]["annotations"]["keep"] == "me"


def test_replace_and_remove_modes(compile_yaml):
    p = compile_yaml(PACK)
    tok = {"verb": "create", "objectRef": {"resource": "serviceaccounts", "subresource": "token"},
           "responseObject": {"status": {"token": "eyJhbGciOi.secret", "expirationTimestamp": "x"}}}
    rec = p.run(tok)[0].record
    assert rec["responseObject"]["status"] == {"token": "<token>", "expirationTimestamp": "x"}
    review = {"verb": "create", "objectRef": {"resource": "tokenreviews"},
              "requestObject": {"spec": {"token": "eyJ.secret", "audiences": ["a"]}}}
    rec = p.run(review)[0].record
    assert rec["requestObject"]["spec"] == {"audiences": ["a"]}
    assert rec["auditc"] == {"redacted": ["remove-review-token"]}


def test_redaction_survives_wrong_shapes(compile_yaml):
    p = compile_yaml(PACK)
    for data in ["plain-string-secret", 12345, ["a", "b"], [None], {"k": [1, {"x": True}]}, None, {}]:
        event = {"verb": "get", "objectRef": {"resource": "secrets"}, "responseObject": {"data": data}}
        for mode in (False, True):
            rec = p.run(event, mode)[0].record
            leaves = json.dumps(rec["responseObject"].get("data"))
            for secret in ("plain-string-secret", "12345", '"a"', "true"):
                assert secret not in leaves, (data, rec)


FAULT = """
local find = string.find
string.find = function(s, ...)
  if s == "BOOM" then error("injected", 0) end
  return find(s, ...)
end
"""


def test_internal_error_fails_closed(tmp_path):
    from auditc.compiler import compile_rules
    from conftest import write_rules
    compiled = compile_rules(write_rules(tmp_path / "r", {"p.yaml": PACK}))
    fb = FluentBitLua(compiled.lua, "auditc_filter", preload=FAULT)
    event = dict(SECRET_GET, requestURI="BOOM", requestObject={"data": {"k": "c2VjcmV0"}})
    ok = {"verb": "get", "objectRef": {"resource": "pods"}, "requestURI": "/fine"}
    result = fb.filter([ok, event, ok])
    assert not result.passthrough, "one bad record must not make Fluent Bit pass the batch through"
    assert result.codes == [0, 2, 0]
    rec = result.per_input[1][0].record
    assert "requestObject" not in rec and "responseObject" not in rec
    assert rec["auditc"]["error"].startswith("auditc internal error")
    assert "injected" in rec["auditc"]["error"]
    assert rec["verb"] == "get"


def test_error_in_fail_closed_falls_back_to_minimal_record(tmp_path):
    from auditc.compiler import compile_rules
    from conftest import write_rules
    compiled = compile_rules(write_rules(tmp_path / "r", {"p.yaml": PACK}))
    fault = FAULT + """
local ts = tostring
tostring = function(x) if x == "injected" then error("again", 0) end return ts(x) end
"""
    fb = FluentBitLua(compiled.lua, "auditc_filter", preload=fault)
    event = dict(SECRET_GET, requestURI="BOOM", auditID="abc")
    result = fb.filter([event])
    assert result.codes == [2]
    rec = result.records[0].record
    assert set(rec) == {"auditc", "auditID", "verb"}
    assert "aHVudGVyMg==" not in json.dumps(rec)


def nested(depth: int) -> dict:
    node: dict = {"leaf": "x"}
    for _ in range(depth):
        node = {"x-kubernetes-preserve-unknown-fields": node}
    return node


def test_poison_record_is_capped(compile_yaml):
    p = compile_yaml(PACK)
    event = {"verb": "create", "objectRef": {"resource": "widgets"}, "requestObject": nested(40)}
    for mode in (False, True):
        result = p.runtimes[mode].filter([event])
        assert not result.problems
        rec = result.records[0].record
        assert rec["auditc"] == {"truncated": 1}
        depth, node = 0, rec
        while isinstance(node, dict) and node:
            node = node.get("requestObject", node.get("x-kubernetes-preserve-unknown-fields"))
            depth += 1
        assert node == "[auditc: truncated, nested too deep]"
        assert depth == 21  # subtrees deeper than max_depth (20) are replaced


def test_runtime_flags_what_would_crash_fluent_bit():
    noop = "function f(tag, ts, r) return 2, ts, r end"
    fb = FluentBitLua(noop, "f")
    assert any("crash" in p for p in fb.filter([{"a": nested(40)}]).problems)
    assert not fb.filter([{"a": nested(15)}]).problems


def test_deep_but_legal_objects_are_untouched(compile_yaml):
    p = compile_yaml(PACK)
    event = {"verb": "update", "objectRef": {"resource": "deployments"}, "requestObject": nested(17)}
    result = p.runtimes[True].filter([event])
    # nothing to change: the original bytes are shipped (an update body is the
    # apiserver's own encoding, it has no duplicated keys)
    assert result.codes == [0] and result.records[0].record == event


def test_patch_bodies_never_ship_their_original_bytes(compile_yaml):
    """Code 0 emits the bytes Fluent Bit read; of a duplicated JSON key the Lua
    view holds one value, so the other copy would pass unredacted. The
    apiserver logs patch bodies verbatim (audit.LogRequestPatch), so a record
    with a patch body is always re-encoded from the redacted view; other
    bodies are the apiserver's own encoding of an object and keep code 0 when
    nothing changed."""
    p = compile_yaml(PACK)
    for verb, planted in (("patch", '"password":"hunter2"'), ("patch", '"note":"ghp_' + "a" * 36 + '"')):
        line = ('{"kind":"Event","verb":"%s","objectRef":{"resource":"configmaps","name":"c"},'
                '"requestObject":{"data":{%s},"data":{"k":"v"}}}' % (verb, planted))
        for null in (False, True):
            result = p.runtimes[null].filter([line])
            assert result.codes == [2], (verb, planted)
            assert "hunter2" not in result.records[0].json and "ghp_" not in result.records[0].json
    update = {"kind": "Event", "verb": "update", "objectRef": {"resource": "configmaps", "name": "c"},
              "requestObject": {"kind": "ConfigMap", "data": {"k": "v"}}}
    assert p.runtimes[False].filter([update]).codes == [0]
    assert p.runtimes[False].filter([{"kind": "Event", "verb": "get", "requestURI": "/healthz"}]).codes == [0]


SCRUB = """\
rules:
  - id: scrub
    kind: redact
    description: d
    mode: scrub
    replacement: "<%1 100%>"
    when: {field: verb, exists: true}
    fields: [requestURI, notes]
    patterns: ['(?i)pass(word)?=[^&]*', 'tok-[0-9]+']
"""


def test_scrub_replaces_only_matches_everywhere_below_the_field(compile_yaml):
    p = compile_yaml(SCRUB)
    event = {"verb": "get", "requestURI": "/x?PASSWORD=abc&q=1&pass=def", "notes": {"a": ["tok-123 and tok-9", 5], "b": "clean"}}
    rec = p.run(event, True)[0].record
    assert rec["requestURI"] == "/x?<%1 100%>&q=1&<%1 100%>"  # '%' in the replacement is literal
    assert rec["notes"] == {"a": ["<%1 100%> and <%1 100%>", 5], "b": "clean"}
    assert rec["auditc"] == {"redacted": ["scrub"]}
    untouched = {"verb": "get", "requestURI": "/x?q=1"}
    assert p.runtimes[False].filter([untouched]).codes == [0]


def test_scrub_rejects_patterns_matching_empty(tmp_path):
    import pytest
    from auditc.errors import AuditcError
    from auditc.frontend.loader import load_rules
    from conftest import write_rules
    write_rules(tmp_path / "r", {"a.yaml": SCRUB.replace("'tok-[0-9]+'", "'x*'")})
    with pytest.raises(AuditcError, match="scrub pattern 'x\\*' matches the empty string"):
        load_rules(tmp_path / "r")
    write_rules(tmp_path / "s", {"a.yaml": SCRUB.replace("    patterns: ['(?i)pass(word)?=[^&]*', 'tok-[0-9]+']\n", "")})
    with pytest.raises(AuditcError, match="mode 'scrub' needs 'patterns'"):
        load_rules(tmp_path / "s")
