"""Field paths are checked against the audit Event and the Kubernetes OpenAPI
schemas of the resources a rule matches: typos warn, real paths do not."""

from __future__ import annotations

import pytest

from auditc.analysis.fields import field_path_warnings
from auditc.compiler import compile_rules

from conftest import ROOT, detect_rule, write_rules


def _warnings(tmp_path, match: str) -> list[str]:
    compiled = compile_rules(write_rules(tmp_path, {"r.yaml": detect_rule(match)}))
    return [d.format() for d in field_path_warnings(compiled.program)]


def test_the_default_pack_uses_only_real_paths():
    assert [d.format() for d in field_path_warnings(compile_rules(ROOT / "rules").program)] == []


@pytest.mark.parametrize("match, expected", [
    ("field: objectRef.namespce\nequals: kube-system", "objectRef has no field 'namespce' (did you mean 'namespace'?)"),
    ("field: user.usrname\nequals: alice", "user has no field 'usrname' (did you mean 'username'?)"),
    ("field: verbs\nequals: get", "the audit event has no field 'verbs' (did you mean 'verb'?)"),
    ("all:\n  - {field: objectRef.resource, equals: pods}\n"
     "  - {field: 'requestObject.spec.containers[*].securityContxt.privileged', equals: true}",
     "requestObject.spec.containers[*] has no field 'securityContxt' in the Pod schema of pods "
     "(did you mean 'securityContext'?)"),
])
def test_misspelled_paths_warn_with_a_suggestion(tmp_path, match, expected):
    warnings = _warnings(tmp_path, match)
    assert len(warnings) == 1 and expected in warnings[0] and ": warning: " in warnings[0], warnings


@pytest.mark.parametrize("match", [
    "field: 'annotations[\"authorization.k8s.io/decision\"]'\nequals: forbid",
    "field: 'user.extra[\"authentication.kubernetes.io/pod-name\"][*]'\nexists: true",
    "field: 'responseStatus.details.causes[*].field'\nexists: true",
    # lists, tables and JSON patches of a pinned resource
    "all:\n  - {field: objectRef.resource, equals: secrets}\n  - {field: 'responseObject.items[*].data', exists: true}",
    "all:\n  - {field: objectRef.resource, equals: secrets}\n  - {field: 'responseObject.rows[*].object.data', exists: true}",
    "all:\n  - {field: objectRef.resource, equals: secrets}\n  - {field: 'requestObject[*].path', prefix: /data}",
    "all:\n  - {field: objectRef.resource, equals: pods}\n  - {field: 'requestObject.propagationPolicy', exists: true}",
    # free-form maps and CRDs are not second-guessed
    "all:\n  - {field: objectRef.resource, equals: pods}\n  - {field: 'requestObject.metadata.labels.app', exists: true}",
    "all:\n  - {field: objectRef.resource, equals: rollouts}\n  - {field: 'requestObject.spec.anything', exists: true}",
    "field: 'requestObject.spec.whatever'\nexists: true",  # no resource pinned
])
def test_real_paths_do_not_warn(tmp_path, match):
    assert _warnings(tmp_path, match) == []


def test_json_patch_pointer_patterns_are_checked_as_body_paths(tmp_path):
    match = ("all:\n  - {field: objectRef.resource, in: [deployments]}\n"
             "  - field: requestObject\n    json_patch:\n"
             "      path: [/spec/template/spec/hostNetwok, /spec/template/spec/containers/-/securityContext/privileged,\n"
             "             /spec/template/spec/volumes/0/hostPath/path, /metadata/labels/*, /metadata/annotations/a~1b]\n"
             "      exists: true")
    warnings = _warnings(tmp_path, match)
    assert len(warnings) == 1, warnings
    assert ("'requestObject json_patch /spec/template/spec/hostNetwok': requestObject.spec.template.spec has no "
            "field 'hostNetwok' in the Deployment schema of deployments (did you mean 'hostNetwork'?)") in warnings[0]
