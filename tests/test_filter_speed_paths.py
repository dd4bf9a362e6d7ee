"""The filter's fast paths keep its behaviour: what a kept or dropped record
hands back to Fluent Bit, the scan skipping strings of UUID and timestamp
characters, and the detections compiled per plan at load time."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from auditc.backends.lua.generator import STAMP_CHARS, _scan_skips_stamps
from auditc.compiler import compile_rules
from auditc.runtime import FluentBitLua

from conftest import ROOT

LUA = (ROOT / "lua" / "auditc.lua").read_text()
KEPT = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "stage": "ResponseComplete",
        "auditID": "5d0e2b4c-4c1e-4d43-9a5e-8f3c2b1a0d9e", "verb": "get",
        "requestURI": "/api/v1/namespaces/shop/pods/web-0", "user": {"username": "alice@example.com",
                                                                     "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.4.17"], "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-0",
                                                  "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": "2026-11-20T10:00:01.125910Z", "stageTimestamp": "2026-11-20T10:00:01.130002Z"}
WATCH = {**KEPT, "verb": "watch", "requestURI": "/api/v1/pods?watch=true",
         "user": {"username": "system:kube-scheduler", "groups": ["system:authenticated"]},
         "objectRef": {"resource": "pods", "apiVersion": "v1"}}


def _raw_call(record: dict):
    """What the script hands back to Fluent Bit: code and the record table."""
    rt = FluentBitLua(LUA, "auditc_filter")
    call = rt.lua.eval(b"function(h, line) local c, ts, r = auditc_filter('t', 0, h.decode(line)); "
                       b"return c, type(r), next(r) == nil end")
    return call(rt.h, json.dumps(record).encode()), rt


def test_kept_and_dropped_records_hand_back_an_empty_table():
    """Fluent Bit 4.2.8 packs the returned record whatever the code and drops
    the packing for -1 and 0: an empty table saves it a full re-encode."""
    (code, kind, empty), rt = _raw_call(KEPT)
    assert (code, kind, empty) == (0, b"table", True)
    (code, kind, empty), _ = _raw_call(WATCH)
    assert (code, kind, empty) == (-1, b"table", True)
    # and what ships is still the original record, byte for byte
    assert rt.filter([KEPT]).records[0].record == KEPT
    assert rt.filter([WATCH]).records == []


def test_changed_records_still_hand_back_the_record():
    token_request = {**KEPT, "level": "RequestResponse", "verb": "create",
                     "requestURI": "/api/v1/namespaces/shop/serviceaccounts/web/token",
                     "objectRef": {"resource": "serviceaccounts", "subresource": "token", "namespace": "shop",
                                   "name": "web", "apiVersion": "v1"},
                     "responseObject": {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                                        "status": {"token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
                                                   "expirationTimestamp": "2026-11-20T11:00:01Z"}}}
    (code, kind, empty), rt = _raw_call(token_request)
    assert code == 2 and not empty
    assert "eyJhbGci" not in json.dumps(rt.filter([token_request]).records[0].record)


def _scan_patterns() -> list[bytes]:
    program = compile_rules(ROOT / "rules").program
    return [p for r in program.of_kind("redact") if r.payload.whole_record and r.payload.mode == "scan"
            for p in r.payload.scrub_patterns]


PATTERNS = _scan_patterns()
_LUA = FluentBitLua("function f(t, ts, r) return 0, ts, r end", "f").lua
_ANY_MATCH = _LUA.eval(b"function(s, pats) for i = 1, #pats do if string.find(s, pats[i]) then return i end end "
                       b"return false end")
_PATS = _LUA.table_from(PATTERNS)


def test_the_pack_skips_strings_of_stamp_characters():
    assert 'local SCAN_STAMP_CHARS = "0123456789abcdef-:.TZ+"' in LUA


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=STAMP_CHARS.decode(), min_size=1, max_size=80))
def test_no_scan_pattern_of_the_pack_matches_a_string_of_stamp_characters(s):
    """Why skipping them is exact: not one pattern (not just its literal)
    matches anywhere in such a string."""
    assert _ANY_MATCH(s.encode(), _PATS) is False


def test_a_literal_made_of_stamp_characters_turns_the_skip_off(compile_yaml):
    rules = """
rules:
  - id: hexish
    kind: redact
    mode: scan
    description: a secret shape whose literal is hex
    patterns: ['deadbeef[0-9]{6}']
"""
    pipe = compile_yaml(rules)
    assert "local SCAN_STAMP_CHARS = false" in pipe.compiled.lua
    event = {**KEPT, "auditID": "deadbeef123456-0000-0000-0000-00000000"}
    rec = pipe.run(event)[0].record
    assert "deadbeef123456" not in json.dumps(rec)


def test_scan_skip_decision():
    class Red:  # the two fields the decision reads
        def __init__(self, checks):
            self.prechecks = checks
    assert _scan_skips_stamps([Red([(b"ghp_", False), (b"password", True)])])
    assert _scan_skips_stamps([Red([(b"ACCA", False)])])  # upper-case hex is not a stamp character
    assert not _scan_skips_stamps([Red([(b"abc1", False)])])
    assert not _scan_skips_stamps([Red([(b"tz", True)])])  # (?i): compared lower-cased
    assert not _scan_skips_stamps([Red([None])])  # a pattern without a literal runs on everything
    assert not _scan_skips_stamps([])


def test_detections_run_per_plan_as_compiled_functions():
    """Every plan's list became one function; each rule still fires alone and
    in rule order when several match."""
    rt = FluentBitLua(LUA, "auditc_filter")
    anonymous_admin = {**KEPT, "user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]},
                       "annotations": {"authorization.k8s.io/decision": "allow"},
                       "impersonatedUser": {"username": "admin"}}
    rules = rt.filter([anonymous_admin]).records[0].record["detection"]["rules"]
    assert rules[:1] == ["anonymous-request-allowed"] and "impersonation-used" in rules
    ids = [r.id for r in compile_rules(ROOT / "rules").program.of_kind("detect")]
    assert rules == sorted(rules, key=ids.index)


# Anchored scan patterns: a pattern whose matches all begin with the same
# bytes is tried only where they occur. Differential check against the same
# pack with the anchors taken away (every pattern through plain gsub).
_PROGRAM = compile_rules(ROOT / "rules").program
_SCAN = [r.payload for r in _PROGRAM.of_kind("redact") if r.payload.whole_record and r.payload.mode == "scan"][0]
_ANCHORED_RT = FluentBitLua(LUA, "auditc_filter")
_PLAIN_LUA = LUA.replace("}, anchors = { ", "}, anchors_off = { ")
_PLAIN_RT = FluentBitLua(_PLAIN_LUA, "auditc_filter")
_FRAGMENTS = sorted({a[0].decode("latin-1") for a in _SCAN.anchors if a}) + [
    "user:pw@", "u:p@h", "eyJhbGciOiJSUzI1NiJ9", ".eyJzdWIiOiJ4In0", ".c2ln", "RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA", "Bearer ", "bEaReR ", "abcdefgh12345678",
    "0123456789ABCDEFGHIJ", "\\\"", "\": \"", "=", ": ", "\n", " ", "@", "Authorization: ", "TOKEN", "Password=",
]


def test_most_scan_patterns_of_the_pack_are_anchored():
    assert "://" in [a[0].decode() for a in _SCAN.anchors if a]  # the URL userinfo pattern
    assert sum(1 for a in _SCAN.anchors if a) >= len(_SCAN.anchors) - 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS),
                          st.text(alphabet="aAzZ09:/@._-=\"\\ \n+%~", max_size=4)), max_size=14).map("".join))
def test_anchored_patterns_redact_exactly_what_gsub_does(text):
    event = {**KEPT, "responseStatus": {"code": 422, "message": text, "reason": "Invalid"},
             "annotations": {"note/" + text[:40]: text}}
    ours = _ANCHORED_RT.filter([event]).records
    plain = _PLAIN_RT.filter([event]).records
    assert [r.record for r in ours] == [r.record for r in plain]


def test_the_differential_pack_runs_without_anchors():
    """The check above compares against something: the pack without anchors
    loads, scans with plain gsub and redacts."""
    assert _PLAIN_LUA.count("anchors_off = {") >= 1 and "}, anchors = { " not in _PLAIN_LUA
    event = {**KEPT, "responseStatus": {"code": 422, "message": "dial postgres://app:Sup3rS3cret@db:5432"}}
    for rt in (_PLAIN_RT, _ANCHORED_RT):
        rec = rt.filter([event]).records[0].record
        assert "auditc" in rec and "error" not in rec["auditc"]
        assert rec["responseStatus"]["message"] == "dial postgres://[REDACTED]db:5432"


def test_a_repeated_object_copy_is_redacted_the_same_every_time():
    """cred_text remembers what it made of long strings (last-applied
    copies repeat from event to event): the second, third... event gets the
    same answer, escapes and all, and a changed copy is read afresh."""
    rt = FluentBitLua(LUA, "auditc_filter")

    def patch(pw: str, note: str) -> dict:
        applied = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "app", "annotations": {
            "note": note}}, "data": {"app.env": f"DB_PASSWORD={pw}\nMODE=\"prod\"\n", "db_password": pw}}
        return {**KEPT, "level": "Request", "verb": "patch",
                "objectRef": {"resource": "configmaps", "namespace": "shop", "name": "app", "apiVersion": "v1"},
                "requestObject": {"metadata": {"annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied) + "\n"}}}}

    first = [rt.filter([patch("Planted-Memo-1", 'say "hi"\\n' * 30)]).records[0].record for _ in range(3)]
    assert first[0] == first[1] == first[2]
    assert "Planted-Memo-1" not in json.dumps(first[0])
    again = rt.filter([patch("Planted-Memo-2", 'say "hi"\\n' * 30)]).records[0].record
    assert "Planted-Memo-2" not in json.dumps(again)
    applied_out = json.loads(again["requestObject"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"])
    assert applied_out["data"]["db_password"] == "[REDACTED]"
    assert applied_out["metadata"]["annotations"]["note"] == 'say "hi"\\n' * 30


def test_a_record_too_deep_for_the_redaction_walk_fails_closed():
    """Redaction walks a record before the depth cap: one deep enough to
    overflow Lua's stack there loses its bodies, keeps its identity, and
    leaks nothing."""
    rt = FluentBitLua(LUA, "auditc_filter")
    for depth in (200, 5000):
        inner = '{"password":"Planted-Deep-Pw","note":"ghp_R8x2KfQm7LpW3nZt9VbY4cHd6JsA1eGu0oTi"}'
        deep = '{"a":' * depth + inner + "}" * depth
        line = ('{"kind":"Event","level":"Request","auditID":"d1","verb":"create","user":{"username":"alice"},'
                '"objectRef":{"resource":"configmaps","namespace":"a","name":"x","apiVersion":"v1"},'
                '"requestObject":{"kind":"ConfigMap","data":{"deep":' + deep + "}}}")
        out = rt.replay_batch(line.encode() + b"\n", want_output=True)
        text = out.output.decode() if isinstance(out.output, bytes) else str(out.output)
        assert "Planted-Deep-Pw" not in text and "ghp_R8x2" not in text
        rec = json.loads(text.splitlines()[0])
        assert rec["auditID"] == "d1"
        if depth == 200:
            assert rec["auditc"]["truncated"] == 1
        else:
            assert "error" in rec["auditc"] and "requestObject" not in rec
