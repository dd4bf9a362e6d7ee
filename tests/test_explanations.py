"""A failing rule test says which condition decided it and what value it saw."""

from __future__ import annotations

from auditc.compiler import compile_rules
from auditc.tools.testing import run_tests

from conftest import write_rules

RULE = """
rules:
  - id: exec-prod
    kind: detect
    title: t
    description: d
    severity: high
    match:
      all:
        - {field: objectRef.subresource, equals: exec}
        - {field: objectRef.namespace, in: [prod, payments]}
    tests:
      - name: exec in staging
        event: {verb: create, objectRef: {resource: pods, subresource: exec, namespace: staging}}
        expect: {fires: true}
      - name: exec in prod
        event: {verb: create, objectRef: {resource: pods, subresource: exec, namespace: prod}}
        expect: {fires: false}
"""


def test_failures_name_the_deciding_condition_and_the_value_seen(tmp_path):
    results = run_tests(compile_rules(write_rules(tmp_path, {"r.yaml": RULE})))
    by_name = {}
    for r in results:
        by_name.setdefault(r.test.name, []).extend(r.failures)
    staging = "\n".join(by_name["exec in staging"])
    assert "because objectRef.namespace in 'prod', 'payments' was false: saw 'staging'" in staging
    prod = "\n".join(by_name["exec in prod"])
    # expected not to fire: both conditions held, and both are named
    assert "because objectRef.subresource equals 'exec' was true: saw 'exec'" in prod
    assert "objectRef.namespace in 'prod', 'payments' was true: saw 'prod'" in prod


def test_a_failure_alike_in_both_null_modes_prints_once(tmp_path, capsys):
    from auditc.cli import main
    write_rules(tmp_path / "r", {"r.yaml": RULE})
    assert main(["test", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert out.count("FAIL ") == 2  # two tests, each once
    assert "exec-prod › exec in staging [enable_flb_null=off, on]" in out


PATCH_RULE = """
rules:
  - id: nodeport-by-json-patch
    kind: detect
    title: t
    description: d
    severity: medium
    match:
      field: requestObject
      json_patch: {path: /spec/type, equals: NodePort}
    tests:
      - name: a JSON patch to LoadBalancer
        event: {verb: patch, objectRef: {resource: services},
                requestObject: [{op: replace, path: /spec/type, value: LoadBalancer}]}
        expect: {fires: true}
      - name: a JSON patch of a label
        event: {verb: patch, objectRef: {resource: services},
                requestObject: [{op: add, path: /metadata/labels/a, value: b}]}
        expect: {fires: true}
"""


def test_json_patch_failures_say_what_the_patch_writes_there(tmp_path):
    results = run_tests(compile_rules(write_rules(tmp_path, {"r.yaml": PATCH_RULE})))
    by_name = {}
    for r in results:
        by_name.setdefault(r.test.name, []).extend(r.failures)
    assert "saw the patch write 'LoadBalancer'" in "\n".join(by_name["a JSON patch to LoadBalancer"])
    assert "saw no operation writing there" in "\n".join(by_name["a JSON patch of a label"])
