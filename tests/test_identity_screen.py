"""The identity screen (ir/passes/screen.py): detections evaluated on every
event run their full predicate only when the caller-only part of it passed,
remembered per caller. It must never change what fires: the default pack
with screens and the same pack without them decide every event alike,
including callers whose fields are not plain strings."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditc.backends.lua import generator
from auditc.compiler import compile_rules
from auditc.errors import Location
from auditc.ir.nodes import And, Const, Not, Or
from auditc.ir.nodes import Test as IRTest
from auditc.ir.passes.screen import screen, screen_roots
from auditc.operators import Op
from auditc.paths import parse_path
from auditc.runtime import FluentBitLua

LOC = Location("r.yaml", 1, 1)


def t(path: str, value="x") -> IRTest:
    return IRTest(parse_path(path), Op.EQUALS, (value,), LOC)


USER, IP, URI, NAME = t("user.username"), t("sourceIPs[*]"), t("requestURI"), t("objectRef.name")


@pytest.mark.parametrize("cond, expected", [
    (USER, USER),
    (And((USER, URI)), USER),                       # the rest of an `all` is left out
    (And((USER, IP, Not(URI))), And((USER, IP))),
    (Or((USER, IP)), Or((USER, IP))),
    (Or((USER, URI)), None),                        # URI alone can make it hold, for anyone
    (Or((And((USER, URI)), IP)), Or((USER, IP))),
    (Not(USER), Not(USER)),
    (Not(And((USER, URI))), None),                  # not(a and b) does not imply not(a)
    (And((Not(And((USER, URI))), IP)), IP),
    (URI, None),
    (Const(True), None),
])
def test_screen_is_implied_by_the_predicate_and_reads_only_the_caller(cond, expected):
    assert screen(cond) == expected


def test_screen_roots_are_the_paths_up_to_their_list():
    assert screen_roots([And((USER, IP)), t("user.groups[*]")]) == [
        (("sourceIPs",), True), (("user", "groups"), True), (("user", "username"), False)]


@pytest.fixture(scope="module")
def packs(monkeypatch_module):
    screened = compile_rules("rules").lua
    monkeypatch_module.setattr(generator, "SCREEN_MIN_RULES", 10**6)
    plain = compile_rules("rules").lua
    assert "\nSCREEN.rules = {" in screened and "\nSCREEN.rules = {" not in plain
    return (FluentBitLua(screened, "auditc_filter"), FluentBitLua(plain, "auditc_filter"),
            FluentBitLua(screened, "auditc_filter", enable_flb_null=True),
            FluentBitLua(plain, "auditc_filter", enable_flb_null=True))


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


# Callers as the apiserver logs them, and values no apiserver writes (a map
# for a name, a number for an address, null, a list with a null in it): the
# screen must answer those by running every rule, not by a wrong memo.
NAMES = st.sampled_from(["system:anonymous", "system:apiserver", "system:kube-controller-manager",
                         "system:node:worker-1", "system:serviceaccount:kube-system:default",
                         "kubernetes-admin", "alice@example.com", "system:kube-scheduler"])
GROUPS = st.lists(st.sampled_from(["system:masters", "system:authenticated", "system:unauthenticated",
                                   "system:nodes", "system:serviceaccounts", "dev"]), max_size=3)
IPS = st.lists(st.sampled_from(["10.0.0.5", "127.0.0.1", "203.0.113.9", "::1", "192.168.1.2", "not-an-ip"]),
               min_size=0, max_size=2)
ODD = st.one_of(st.none(), st.integers(0, 5), st.just({"a": "b"}), st.just(["x", None]), st.just(True))
AGENTS = st.sampled_from(["kubectl/v1.30.2 (linux/amd64) kubernetes/39683505", "curl/8.5.0",
                          "kube-controller-manager/v1.30.2", "Go-http-client/2.0", "python-requests/2.31"])
CODES = st.sampled_from([200, 201, 401, 403, 404, 500])


@st.composite
def events(draw):
    user = {"username": draw(st.one_of(NAMES, ODD)) if draw(st.integers(0, 9)) == 0 else draw(NAMES),
            "uid": "u-1", "groups": draw(GROUPS)}
    if draw(st.integers(0, 9)) == 0:
        user["groups"] = draw(ODD)
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
         "auditID": "0b1c7a52-5f7e-4f4e-9a3e-1c2d3e4f5a6b", "stage": "ResponseComplete",
         "requestURI": draw(st.sampled_from(["/api/v1/namespaces/default/pods", "/api/v1/secrets?dryRun=All",
                                             "/apis/apps/v1/namespaces/kube-system/deployments/coredns",
                                             "/api/v1/namespaces/default/pods/web/exec?command=sh"])),
         "verb": draw(st.sampled_from(["get", "list", "create", "delete", "patch"])),
         "user": user, "sourceIPs": draw(IPS) if draw(st.integers(0, 9)) else draw(ODD),
         "userAgent": draw(AGENTS),
         "objectRef": {"resource": draw(st.sampled_from(["pods", "secrets", "nodes", "configmaps"])),
                       "namespace": "default", "apiVersion": "v1"},
         "responseStatus": {"metadata": {}, "code": draw(CODES)},
         "requestReceivedTimestamp": "2026-11-20T09:49:16.911374Z",
         "stageTimestamp": "2026-11-20T09:49:16.915012Z",
         "annotations": {"authorization.k8s.io/decision": draw(st.sampled_from(["allow", "forbid"])),
                         "authorization.k8s.io/reason": ""}}
    if draw(st.integers(0, 4)) == 0:
        e["impersonatedUser"] = {"username": draw(NAMES), "groups": draw(GROUPS)}
    return e


def _outputs(rt, batch):
    """Everything Fluent Bit would emit for each event, as JSON, and the batch error."""
    res = rt.filter(batch)
    return [[e.json for e in out] for out in res.per_input], res.error


def _rules(out):
    return [json.loads(o[0]).get("detection", {}).get("rules", []) if o else None for o in out]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(events(), min_size=1, max_size=12))
def test_screened_pack_decides_every_event_as_the_unscreened_one(packs, batch):
    # the same runtimes across examples: later batches hit callers the memo holds
    for screened, plain in (packs[:2], packs[2:]):
        assert _outputs(screened, batch) == _outputs(plain, batch), json.dumps(batch)[:2000]


def test_a_memo_full_of_callers_is_dropped_and_answers_stay_right(packs):
    screened, plain = packs[0], packs[1]
    batch = []
    for i in range(4200):  # more callers than the memo keeps
        batch.append({"kind": "Event", "verb": "get", "requestURI": "/api/v1/pods", "stage": "ResponseComplete",
                      "user": {"username": f"user-{i}", "groups": ["system:authenticated"]},
                      "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.5.0",
                      "objectRef": {"resource": "pods"}, "responseStatus": {"code": 403},
                      "annotations": {"authorization.k8s.io/decision": "forbid"}})
    batch.append({"kind": "Event", "verb": "get", "requestURI": "/api/v1/pods", "stage": "ResponseComplete",
                  "user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]},
                  "sourceIPs": ["203.0.113.9"], "userAgent": "curl/8.5.0",
                  "objectRef": {"resource": "pods"}, "responseStatus": {"code": 200},
                  "annotations": {"authorization.k8s.io/decision": "allow"}})
    out, error = _outputs(screened, batch)
    assert (out, error) == _outputs(plain, batch) and error is None
    got = _rules(out)
    assert "anonymous-request-allowed" in got[-1]
    assert all("forbidden-request" in d for d in got[:-1])


def test_screened_and_plan_rules_firing_together_are_listed_in_rule_order(packs):
    # An anonymous exec, as the apiserver logs the connect request: a rule
    # every event meets (screened) and one of the pods/exec plan both fire;
    # the screened ones run first, the list still comes out in pack order.
    event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
             "auditID": "5d0f3f2e-8a0e-4c53-9d0b-1f6e0d3a9c11", "stage": "ResponseStarted",
             "requestURI": "/api/v1/namespaces/default/pods/web-0/exec?command=sh&container=web&stdin=true&tty=true",
             "verb": "create", "user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]},
             "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
             "objectRef": {"resource": "pods", "namespace": "default", "name": "web-0", "apiVersion": "v1",
                           "subresource": "exec"},
             "responseStatus": {"metadata": {}, "code": 101},
             "requestReceivedTimestamp": "2026-11-20T09:49:16.911374Z",
             "stageTimestamp": "2026-11-20T09:49:16.915012Z",
             "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}}
    screened, plain = packs[0], packs[1]
    got = _rules(_outputs(screened, [event])[0])[0]
    assert "anonymous-request-allowed" in got and "exec-into-pod" in got
    assert got == _rules(_outputs(plain, [event])[0])[0]
    ids = screened.module[b"rule_id"]
    order = [ids[i].decode() for i in range(1, len(ids) + 1)]  # the pack's rule order
    assert len(got) >= 3 and got == sorted(got, key=order.index)
