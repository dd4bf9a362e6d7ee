"""Every operator and combinator, matched and not matched, through generated Lua.

Each case compiles a one-rule pack and runs events through the in-process
Fluent Bit runtime in both enable_flb_null modes (Pipeline.fires checks
that the two agree).
"""

from __future__ import annotations

import pytest

from conftest import detect_rule

POD = {"verb": "create", "objectRef": {"resource": "pods", "namespace": "default"},
       "user": {"username": "alice", "groups": ["devs", "system:authenticated"]},
       "responseStatus": {"code": 201},
       "requestObject": {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{..}"}},
                         "spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": True}}]}}}

CASES = [
    # (name, match, event, fires)
    ("equals string", "field: verb\nequals: create", POD, True),
    ("equals other", "field: verb\nequals: delete", POD, False),
    ("equals is type-strict", "field: responseStatus.code\nequals: '201'", POD, False),
    ("equals number", "field: responseStatus.code\nequals: 201", POD, True),
    ("equals bool", "field: requestObject.spec.containers[*].securityContext.privileged\nequals: true", POD, True),
    ("equals bool vs string", "field: requestObject.spec.containers[*].securityContext.privileged\nequals: 'true'", POD, False),
    ("in", "field: verb\nin: [update, create]", POD, True),
    ("in miss", "field: verb\nin: [update, patch]", POD, False),
    ("in numbers", "field: responseStatus.code\nin: [200, 201]", POD, True),
    ("prefix", "field: user.username\nprefix: ali", POD, True),
    ("prefix list", "field: user.username\nprefix: ['system:', al]", POD, True),
    ("prefix miss", "field: user.username\nprefix: lice", POD, False),
    ("prefix longer than value", "field: user.username\nprefix: alice-and-more", POD, False),
    ("suffix", "field: user.username\nsuffix: ice", POD, True),
    ("suffix longer than value", "field: user.username\nsuffix: malice", POD, False),
    ("empty suffix matches any string", "field: user.username\nsuffix: ''", POD, True),
    ("contains", "field: user.username\ncontains: lic", POD, True),
    ("contains is literal, not a pattern", "field: user.username\ncontains: 'a.i'", POD, False),
    ("glob", "field: user.username\nglob: 'a*e'", POD, True),
    ("glob anchored", "field: user.username\nglob: 'a*c'", POD, False),
    ("glob ?", "field: user.username\nglob: 'al?ce'", POD, True),
    ("glob class", "field: user.username\nglob: '[a-c]lice'", POD, True),
    ("glob negated class", "field: user.username\nglob: '[!a]lice'", POD, False),
    ("regex", "field: user.username\nregex: '^al(i|y)ce$'", POD, True),
    ("regex miss", "field: user.username\nregex: '^bob'", POD, False),
    ("exists", "field: objectRef.namespace\nexists: true", POD, True),
    ("exists missing", "field: objectRef.name\nexists: true", POD, False),
    ("absent", "field: objectRef.name\nabsent: true", POD, True),
    ("absent present", "field: objectRef.namespace\nabsent: true", POD, False),
    ("gt", "field: responseStatus.code\ngt: 200", POD, True),
    ("gt equal", "field: responseStatus.code\ngt: 201", POD, False),
    ("gte", "field: responseStatus.code\ngte: 201", POD, True),
    ("lt", "field: responseStatus.code\nlt: 300", POD, True),
    ("lte", "field: responseStatus.code\nlte: 200", POD, False),
    ("numeric op ignores strings", "field: verb\ngt: 0", POD, False),
    ("wildcard any element", "field: user.groups[*]\nequals: devs", POD, True),
    ("wildcard no element", "field: user.groups[*]\nequals: ops", POD, False),
    ("wildcard absent = no element has it", "field: requestObject.spec.containers[*].securityContext\nabsent: true", POD, False),
    ("quoted key", "field: 'requestObject.metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]'\nexists: true", POD, True),
    ("path through a string", "field: verb.length\nexists: true", POD, False),
    ("all", "all:\n  - {field: verb, equals: create}\n  - {field: objectRef.resource, equals: pods}", POD, True),
    ("all one false", "all:\n  - {field: verb, equals: create}\n  - {field: objectRef.resource, equals: secrets}", POD, False),
    ("any", "any:\n  - {field: verb, equals: delete}\n  - {field: objectRef.resource, equals: pods}", POD, True),
    ("any none", "any:\n  - {field: verb, equals: delete}\n  - {field: objectRef.resource, equals: secrets}", POD, False),
    ("not", "not: {field: verb, equals: delete}", POD, True),
    ("not true", "not: {field: verb, equals: create}", POD, False),
    ("nested", "all:\n  - any:\n    - {field: verb, equals: x}\n    - not: {field: verb, equals: y}\n  - {field: verb, equals: create}", POD, True),
]


@pytest.mark.parametrize("name,match,event,fires", CASES, ids=[c[0] for c in CASES])
def test_operator(compile_yaml, name, match, event, fires):
    pipeline = compile_yaml(detect_rule(match))
    assert pipeline.fires(event) is fires


def test_null_counts_as_absent_in_both_modes(compile_yaml):
    p = compile_yaml(detect_rule("field: objectRef.name\nabsent: true"))
    assert p.fires({"objectRef": {"name": None}})
    p = compile_yaml(detect_rule("field: objectRef.name\nexists: true"))
    assert not p.fires({"objectRef": {"name": None}})
    assert p.fires({"objectRef": {"name": "x"}})


def test_wildcard_skips_null_elements(compile_yaml):
    p = compile_yaml(detect_rule("field: items[*].x\nequals: 1"))
    assert p.fires({"items": [None, {"x": 1}]})
    assert not p.fires({"items": [None, None]})
    assert not p.fires({"items": {"0": {"x": 1}}})  # a map is not an array


def test_nested_wildcards(compile_yaml):
    p = compile_yaml(detect_rule("field: a[*].b[*]\nequals: hit"))
    assert p.fires({"a": [{"b": ["x"]}, {"b": ["y", "hit"]}]})
    assert not p.fires({"a": [{"b": ["x"]}, {"b": "hit"}]})


def test_exceptions_suppress(compile_yaml):
    extra = "    exceptions:\n      - {field: user.username, in: {list: admins}}\nlists:\n  - name: admins\n    items: [root]\n"
    p = compile_yaml(detect_rule("field: verb\nequals: create", extra=extra))
    assert p.fires({"verb": "create", "user": {"username": "alice"}})
    assert not p.fires({"verb": "create", "user": {"username": "root"}})


def test_macros_expand(compile_yaml):
    extra = "macros:\n  - name: m\n    condition: {field: verb, in: [create, update]}\n"
    p = compile_yaml(detect_rule("macro: m", extra=extra))
    assert p.fires({"verb": "update"}) and not p.fires({"verb": "get"})


def test_disabled_rule_never_fires(compile_yaml):
    text = detect_rule("field: verb\nequals: create").replace("    severity: high", "    severity: high\n    enabled: false")
    assert not compile_yaml(text).fires(POD)


def test_enrichment_lists_rules_in_rule_order_with_highest_severity(compile_yaml):
    text = """\
rules:
  - id: low-one
    kind: detect
    title: t
    description: d
    severity: low
    match: {field: verb, equals: create}
  - id: critical-one
    kind: detect
    title: t
    description: d
    severity: critical
    match: {field: objectRef.resource, equals: pods}
  - id: medium-one
    kind: detect
    title: t
    description: d
    severity: medium
    match: {field: user.username, equals: alice}
"""
    p = compile_yaml(text)
    out = p.run(POD)[0].record
    assert out["detection"] == {"severity": "critical", "rules": ["low-one", "critical-one", "medium-one"]}
    # nothing else in the record changed
    assert {k: v for k, v in out.items() if k != "detection"} == POD
