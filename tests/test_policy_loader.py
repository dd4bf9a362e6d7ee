"""Reading a policy as kube-apiserver does at start-up (reader.go, validation.go)."""

from __future__ import annotations

import textwrap

import pytest

from auditc.errors import AuditcError
from auditc.policy import parse_policy

from conftest import ROOT

HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"


def problems(text: str) -> list[str]:
    with pytest.raises(AuditcError) as exc:
        parse_policy(textwrap.dedent(text), "p.yaml")
    return [d.format() for d in exc.value.diagnostics]


def test_the_shipped_policy_loads_without_warnings():
    policy, warnings = parse_policy((ROOT / "lua" / "audit-policy.yaml").read_text(), "audit-policy.yaml")
    assert warnings == [] and len(policy.rules) >= 10
    assert policy.omit_stages == ("RequestReceived",) and policy.omit_managed_fields is True


@pytest.mark.parametrize("body, expected", [
    ("rules:\n  - level: Metdata\n",
     'p.yaml:4:12: error: rules[0].level: Unsupported value: "Metdata": supported values: "None", "Metadata", '
     '"Request", "RequestResponse" (did you mean Metadata?)'),
    ("rules:\n  - verbs: [get]\n", "p.yaml:4:5: error: rules[0].level: Required value"),
    ("rules:\n  - level: None\n    nonResourceURLs: [healthz]\n",
     "p.yaml:5:23: error: rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must "
     "begin with a '/' character"),
    ("rules:\n  - level: None\n    nonResourceURLs: ['/a*b']\n",
     "p.yaml:5:23: error: rules[0].nonResourceURLs[0]: Invalid value: \"/a*b\": non-resource URL wildcards '*' "
     "must be the final character of the rule"),
    ("rules:\n  - level: None\n    namespaces: [a]\n    nonResourceURLs: [/x]\n",
     'p.yaml:6:22: error: rules[0].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular '
     'resources and non-resource URLs'),
    ("rules:\n  - level: None\n    resources: [{group: apps/v1, resources: [deployments]}]\n",
     "rules[0].resources[0].group: Invalid value: \"apps/v1\""),
    ("rules:\n  - level: None\n    resources: [{group: apps, resourceNames: [x]}]\n",
     'rules[0].resources[0].resourceNames: Invalid value: ["x"]: using resourceNames requires at least one resource'),
    ("rules:\n  - level: None\n    omitStages: [Received]\n",
     'p.yaml:5:18: error: rules[0].omitStages[0]: Invalid value: "Received": allowed stages are '
     'RequestReceived,ResponseStarted,ResponseComplete,Panic'),
    ("omitStages: [Done]\nrules:\n  - level: None\n", 'omitStages[0]: Invalid value: "Done"'),
    ("rules: []\n", "p.yaml:3:1: error: loaded illegal policy with 0 rules"),
    ("rules:\n  - level: None\n    verbs: get\n", "p.yaml:5:12: error: failed decoding: rules[0].verbs: expected a list "
                                                   "of strings, got a string"),
    ("rules:\n  - level: None\n    users: [1]\n", "rules[0].users[0]: expected a string, got a number (quote it)"),
    ("omitManagedFields: yes please\nrules:\n  - level: None\n", "omitManagedFields: expected a boolean"),
])
def test_validation_errors_carry_their_location(body, expected):
    found = problems(HEAD + body)
    assert any(expected in p for p in found), found


def test_group_wildcard_is_not_a_thing():
    found = problems(HEAD + "rules:\n  - level: None\n    resources: [{group: '*'}]\n")
    assert any("there is no group wildcard" in p for p in found)


@pytest.mark.parametrize("head, expected", [
    ("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\n", "unknown group version 'audit.k8s.io/v1beta1'"),
    ("kind: Policy\n", "Object 'apiVersion' is missing"),
    ("apiVersion: audit.k8s.io/v1\nkind: AuditPolicy\n", 'no kind "AuditPolicy" is registered'),
])
def test_api_version_and_kind(head, expected):
    assert any(expected in p for p in problems(head + "rules:\n  - level: None\n"))


def test_empty_file_and_bad_yaml():
    assert "the policy file is empty" in problems("")[0]
    assert "invalid YAML" in problems("rules: [\n")[0]


def test_unknown_fields_are_warnings_because_the_apiserver_ignores_them():
    policy, warnings = parse_policy(HEAD + "omitStage: [RequestReceived]\nrules:\n  - level: None\n    verb: [get]\n",
                                    "p.yaml")
    assert [w.format() for w in warnings] == [
        "p.yaml:3:1: warning: unknown field \"omitStage\": kube-apiserver ignores it (strict decoding fails and it "
        "falls back to lenient decoding); did you mean 'omitStages'?",
        "p.yaml:6:5: warning: unknown field \"rules[0].verb\": kube-apiserver ignores it (strict decoding fails and "
        "it falls back to lenient decoding); did you mean 'verbs'?"]
    assert policy.rules[0].verbs == ()  # ignored, as by the apiserver


def test_all_problems_are_reported_at_once():
    found = problems(HEAD + "rules:\n  - level: Bad\n  - level: Worse\n")
    assert len(found) == 2
