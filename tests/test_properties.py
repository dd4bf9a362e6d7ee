"""Property tests: rule text cannot break the Lua, events cannot break the filter.

(a) arbitrary strings in rule values (quotes, ]], newlines, NUL, unicode)
    compile to valid Lua that matches exactly those strings;
(b) arbitrary JSON-shaped events never make the filter raise (which would
    make Fluent Bit pass the batch through), never produce output Fluent Bit
    cannot encode, and never lose a record no drop rule targets;
(c) whatever shape a secret's data has, the planted value never leaves.
"""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from auditc.compiler import compile_rules
from auditc.runtime import FluentBitLua

from conftest import write_rules

# Surrogates cannot be encoded as UTF-8 and never occur in a YAML file.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NASTY = st.sampled_from(['"', "'", "]]", "[[", "]=]", "\\", "\n", "\r", "\x00", "--", "%", "é", "\u2028", "\U0001F600", "\x7f"])
VALUE = st.lists(st.one_of(TEXT, NASTY), min_size=1, max_size=6).map("".join).filter(bool)


def _pack(value: str) -> str:
    def rule(rule_id, op):
        return {"id": rule_id, "kind": "detect", "title": "t", "description": "d", "severity": "low",
                "match": {"field": "user.username", op: value}}
    return yaml.safe_dump({"rules": [rule("eq", "equals"), rule("pre", "prefix"),
                                     rule("suf", "suffix"), rule("has", "contains")]}, allow_unicode=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUE)
@example(value="<")  # a prefix of "<<>", and "!" a suffix of "!!": probes overlap the value
@example(value="!")
def test_rule_strings_match_exactly(tmp_path_factory, value):
    d = write_rules(tmp_path_factory.mktemp("r"), {"a.yaml": _pack(value)})
    compiled = compile_rules(d)
    fb = FluentBitLua(compiled.lua, "auditc_filter")

    def fired(username):
        rec = fb.filter([{"user": {"username": username}}]).records[0].record
        return set(rec.get("detection", {}).get("rules", []))

    def expected(s):
        # what each operator means, in Python; the probes below usually give
        # the sets in the comments, but not always ("<" is a prefix of "<<>")
        return {rule for rule, holds in (("eq", s == value), ("pre", s.startswith(value)),
                                         ("suf", s.endswith(value)), ("has", value in s)) if holds}

    assert fired(value) == {"eq", "pre", "suf", "has"}
    for probe in ("<" + value + ">",  # {"has"}
                  value + "!",        # {"pre", "has"}
                  "!" + value,        # {"suf", "has"}
                  value[:-1]):        # set()
        assert fired(probe) == expected(probe), probe


PACK = """\
rules:
  - id: priv
    kind: detect
    title: t
    description: d
    severity: critical
    match:
      all:
        - field: objectRef.resource
          in: [pods, deployments]
        - field: requestObject.spec.containers[*].securityContext.privileged
          equals: true
  - id: uri
    kind: detect
    title: t
    description: d
    severity: low
    match: {any: [{field: requestURI, regex: '^/api/v1/namespaces/[^/]+/pods/[^/]+/exec'}, {field: 'user.groups[*]', glob: 'system:*'}]}
  - id: num
    kind: detect
    title: t
    description: d
    severity: low
    match: {field: responseStatus.code, gte: 400}
  - id: drop-watch
    kind: drop
    description: d
    match: {field: verb, equals: watch}
  - id: red
    kind: redact
    description: d
    when: {field: objectRef.resource, equals: secrets}
    fields:
      - requestObject.data
      - responseObject.items[*].data
      - 'requestObject.metadata.annotations["a.b/c"]'
  - id: rm
    kind: redact
    description: d
    mode: remove
    when: {field: verb, exists: true}
    fields: [requestObject.spec.token]
"""

KEYS = st.sampled_from(["verb", "objectRef", "resource", "requestObject", "responseObject", "spec", "containers",
                        "securityContext", "privileged", "data", "items", "metadata", "annotations", "a.b/c",
                        "requestURI", "user", "groups", "responseStatus", "code", "token", "1", ""]) | TEXT
SCALARS = st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats(allow_nan=False, allow_infinity=False) \
    | TEXT | st.sampled_from(["pods", "secrets", "watch", "system:x", "/api/v1/namespaces/a/pods/b/exec"])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=30)
EVENTS = st.dictionaries(KEYS, JSON, max_size=8)


def _deep(depth: int, leaf):
    for i in range(depth):
        leaf = {"k": leaf} if i % 3 else [leaf]
    return leaf


_CACHE: dict = {}


def _pack_runtimes(tmp_path_factory):
    if "rt" not in _CACHE:
        compiled = compile_rules(write_rules(tmp_path_factory.mktemp("p"), {"p.yaml": PACK}))
        _CACHE["rt"] = [FluentBitLua(compiled.lua, "auditc_filter", enable_flb_null=m) for m in (False, True)]
    return _CACHE["rt"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENTS | st.builds(lambda d, e: {**e, "requestObject": _deep(d, "x")},
                                           st.integers(0, 60), EVENTS), min_size=1, max_size=5))
def test_events_never_break_the_filter(tmp_path_factory, events):
    for fb in _pack_runtimes(tmp_path_factory):
        result = fb.filter(events)
        assert not result.passthrough, result.error
        assert not result.problems, result.problems
        for event, out in zip(events, result.per_input):
            if event.get("verb") != "watch":
                assert len(out) == 1, "a record no drop rule targets was lost"


SECRET = "S3CR3T-planted-value"
SECRET_DATA = st.recursive(st.just(SECRET) | SCALARS,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                           max_leaves=10)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=SECRET_DATA, items=st.lists(SECRET_DATA, max_size=3), verb=st.sampled_from(["get", "list", "create", "patch"]))
def test_secret_data_never_leaks(tmp_path_factory, data, items, verb):
    event = {"verb": verb, "objectRef": {"resource": "secrets"},
             "requestObject": {"data": data, "metadata": {"annotations": {"a.b/c": SECRET}}},
             "responseObject": {"items": [{"data": d} for d in items]}}
    for fb in _pack_runtimes(tmp_path_factory):
        out = fb.filter([event]).records
        assert len(out) == 1
        assert SECRET not in json.dumps(out[0].record, ensure_ascii=False)
