"""Coverage of a rule pack by a policy, lints, and the generated policy.

The pack is tests/fixtures/policy/rules/pack.yaml: privileged-pod (reads the
request body of pod creations), secrets-listed (metadata of cluster-wide
secret list/watch), token-secret (request *or* response body of secret
writes), forbidden (any request RBAC refuses, except the scheduler and
kubelets), exec (metadata of pods/exec), three drop rules and a redaction
of secret values.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditc.compiler import compile_rules
from auditc.policy import parse_policy
from auditc.policy.coverage import coverage, diagnostics
from auditc.policy.generate import generate
from auditc.policy.lint import lint
from auditc.policy.needs import analyse_program

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "tests" / "fixtures" / "policy" / "rules"


@pytest.fixture(scope="module")
def compiled():
    return compile_rules(PACK)


@pytest.fixture(scope="module")
def detections(compiled):
    return analyse_program(compiled.program)


def policy(rules_yaml: str, omit=True):
    head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
    if omit:
        head += 'omitStages: ["RequestReceived"]\n'
    p, _ = parse_policy(head + "rules:\n" + textwrap.indent(textwrap.dedent(rules_yaml), "  "), "p.yaml")
    return p


def check(p, detections, accept=()):
    results = coverage(p, detections, accept)
    return {r.det.id: r for r in results}, [d.message for d in diagnostics(p, results)]


CATCH_ALL = "- level: Metadata\n"


def test_what_each_detection_needs(detections):
    needs = {d.id: (d.needs, d.reads) for d in detections}
    assert needs == {
        "privileged-pod": ("Request", ("requestObject",)),
        "secrets-listed": ("Metadata", ()),
        "token-secret": ("RequestResponse", ("requestObject", "responseObject")),
        "forbidden": ("Metadata", ()),
        "exec": ("Metadata", ()),
    }
    targets = {d.id: sorted((t.resource, t.sub, t.verb) for t in d.targets) for d in detections}
    assert targets["privileged-pod"] == [("pods", "", "create")]  # subresource absent: only the bare resource
    assert targets["exec"] == [("pods", "exec", "create"), ("pods", "exec", "get")]
    assert targets["forbidden"] == [(None, None, None)]  # any request


def test_a_metadata_catch_all_blinds_the_body_rules(detections):
    by_id, msgs = check(policy(CATCH_ALL), detections)
    assert by_id["privileged-pod"].status == "blind"
    assert by_id["token-secret"].status == "blind"
    assert by_id["secrets-listed"].status == by_id["exec"].status == by_id["forbidden"].status == "ok"
    assert any(m.startswith("privileged-pod (") and "it needs requestObject for pods create; policy rule #1 "
               "(Metadata; every request) logs them at Metadata" in m for m in msgs), msgs


def test_the_rule_to_blame_is_the_first_that_takes_the_requests(detections):
    p = policy("""\
        - level: RequestResponse
          resources: [{group: "", resources: [secrets]}]
        - level: Metadata
          resources: [{group: "", resources: [pods]}]
        - level: Request
          resources: [{group: "", resources: [pods]}]
        - level: Metadata
    """)
    by_id, msgs = check(p, detections)
    assert by_id["privileged-pod"].status == "blind"
    assert [g.rule.number for g in by_id["privileged-pod"].gaps] == [2]
    assert by_id["token-secret"].status == "ok"


def test_watch_none_before_secrets_partially_blinds_the_secret_list_rule(detections):
    """The article's order: cluster-wide Secret watches were never logged."""
    p = policy("""\
        - level: None
          verbs: [watch]
        - level: Metadata
          resources: [{group: "", resources: [secrets]}]
        - level: Metadata
    """)
    by_id, msgs = check(p, detections)
    gaps = by_id["secrets-listed"].gaps
    assert by_id["secrets-listed"].status == "partial"
    assert [(g.rule.number, g.target.verb, g.partial) for g in gaps] == [(1, "watch", False)]
    assert any(m.startswith("secrets-listed") and "needs metadata for secrets watch; policy rule #1 (None; verbs: "
               "watch) logs them at None" in m for m in msgs)
    # forbidden can fire on any refused watch: partially blind, with an example
    assert by_id["forbidden"].status == "partial"
    assert any(m.startswith("forbidden") and "logs some of them (e.g. watch requests) at None" in m for m in msgs)
    # the lint names the order trap too
    assert any("policy rule #2 (Metadata) does not apply to all the resources it names: rule #1" in d.message
               for d in lint(p))


def test_secrets_before_watch_none_is_fine_for_secrets(detections):
    p = policy("""\
        - level: Metadata
          resources: [{group: "", resources: [secrets]}]
        - level: None
          verbs: [watch]
        - level: Metadata
    """)
    by_id, _ = check(p, detections)
    assert by_id["secrets-listed"].status == "ok"


def test_none_for_identities_a_detection_excludes_does_not_blind_it(detections):
    scheduler = policy("""\
        - level: None
          users: ["system:kube-scheduler"]
          resources: [{group: coordination.k8s.io, resources: [leases]}]
        - level: None
          userGroups: ["system:nodes"]
          resources: [{group: coordination.k8s.io, resources: [leases]}]
        - level: Metadata
    """)
    by_id, _ = check(scheduler, detections)
    assert by_id["forbidden"].status == "ok"  # excludes system:kube-scheduler and system:node:* (group system:nodes)
    everyone = policy("""\
        - level: None
          users: ["system:kube-scheduler", "alice"]
          resources: [{group: coordination.k8s.io, resources: [leases]}]
        - level: Metadata
    """)
    by_id, msgs = check(everyone, detections)
    assert by_id["forbidden"].status == "partial"
    assert any("e.g. leases by alice" in m for m in msgs), msgs


def test_no_catch_all_leaves_requests_at_the_default_level_none(detections):
    p = policy("""\
        - level: RequestResponse
          resources: [{group: "", resources: [secrets]}]
    """)
    by_id, msgs = check(p, detections)
    assert by_id["exec"].status == "blind"
    assert any(m.startswith("exec") and "no policy rule matches them, so kube-apiserver logs them at None" in m
               for m in msgs)


def test_request_level_gives_half_of_a_request_or_response_rule(detections):
    p = policy("""\
        - level: Request
          resources: [{group: "", resources: [secrets, pods]}]
        - level: Metadata
    """)
    by_id, msgs = check(p, detections)
    cov = by_id["token-secret"]
    assert cov.status == "partial" and all(g.can_fire for g in cov.gaps)
    assert any(m.startswith("token-secret") and "it needs responseObject for secrets create/patch/update; policy "
               "rule #1" in m and "(it sees the requestObject only" in m for m in msgs)
    assert by_id["privileged-pod"].status == "ok"


def test_subresource_wildcards_follow_the_checker(detections):
    # pods/* also matches the bare resource (checker.go), */exec matches exec of any resource
    p = policy("""\
        - level: Request
          resources: [{group: "", resources: ["pods/*"]}]
        - level: None
    """)
    by_id, _ = check(p, detections)
    assert by_id["privileged-pod"].status == by_id["exec"].status == "ok"
    p = policy("""\
        - level: None
          resources: [{group: "", resources: ["*/exec"]}]
        - level: RequestResponse
    """)
    by_id, _ = check(p, detections)
    assert by_id["exec"].status == "blind" and by_id["privileged-pod"].status == "ok"


def test_accepted_blindness_is_not_reported(detections):
    p = policy("""\
        - level: None
          verbs: [watch]
        - level: RequestResponse
    """)
    by_id, msgs = check(p, detections, accept=("forbidden",))
    assert by_id["forbidden"].status == "accepted" and not any(m.startswith("forbidden") for m in msgs)
    assert by_id["secrets-listed"].status == "partial"  # not accepted


# -- lints ------------------------------------------------------------------------------------

def lint_messages(rules_yaml: str, compiled=None, omit=True):
    p = policy(rules_yaml, omit)
    return [d.message for d in lint(p, compiled.program if compiled else None, "rules")]


def test_shadowed_rule():
    msgs = lint_messages("""\
        - level: Metadata
          resources: [{group: "", resources: ["pods/*"]}]
        - level: Request
          verbs: [create]
          resources: [{group: "", resources: [pods]}]
        - level: Metadata
    """)
    assert any(m.startswith("policy rule #2 never applies: rule #1 (Metadata; resources: pods/*) comes first")
               for m in msgs), msgs


def test_rules_that_can_never_match():
    msgs = lint_messages("""\
        - level: Request
          users: ["system:masters"]
          userGroups: ["system:node:worker-1"]
          verbs: [GET, escalate]
          resources:
            - group: ""
              resources: [deployments, pods/exe]
        - level: None
          verbs: [list]
          nonResourceURLs: ["/metrics"]
        - level: Metadata
    """)
    expected = ["'deployments' never matches in the core group", "pods has no subresource 'exe'",
                "verb 'GET' never matches", "(verbs are lower case: 'get')", "verb 'escalate' never matches",
                "users entry 'system:masters' is a group", "userGroups entry 'system:node:worker-1' is a user name",
                "policy rule #2: never matches: nonResourceURLs requests carry HTTP methods"]
    for text in expected:
        assert any(text in m for m in msgs), (text, msgs)


def test_request_received_not_omitted():
    msgs = lint_messages(CATCH_ALL, omit=False)
    assert any(m.startswith("RequestReceived is not omitted: every request is logged twice") for m in msgs)
    assert not any("RequestReceived" in m for m in lint_messages(CATCH_ALL))


def test_sensitive_resources_need_a_redaction_rule(compiled):
    msgs = lint_messages("""\
        - level: RequestResponse
          resources:
            - {group: "", resources: [secrets, configmaps, serviceaccounts/token]}
        - level: Metadata
    """, compiled)
    # secrets are masked by the pack (mask-secrets); configmaps and token responses are not
    assert not any("logs secrets" in m for m in msgs)
    assert any("logs configmaps at RequestResponse, and no redaction rule in rules masks the requestObject of "
               "configmaps create/patch/update; responseObject of configmaps" in m for m in msgs), msgs
    assert any("logs serviceaccounts/token at RequestResponse" in m for m in msgs)
    no_rules = lint_messages("- level: Request\n  resources: [{group: '', resources: [secrets]}]\n")
    assert any("pass --rules DIR to check that a redaction rule masks it" in m for m in no_rules)


# -- generate ---------------------------------------------------------------------------------

def test_generated_policy_is_clean_and_commented(compiled, detections):
    g = generate(compiled, "pack")
    results = coverage(g.policy, detections)
    assert all(r.status == "ok" for r in results)
    assert lint(g.policy, compiled.program) == []
    text = g.text
    assert "# Request: privileged-pod reads the requestObject." in text
    assert "# RequestResponse: token-secret reads the responseObject." in text
    # the scheduler's leases are safe to drop (forbidden excludes it); watches and probes are not
    assert [r.level for r in g.policy.rules] == ["RequestResponse", "Request", "None", "None", "Metadata"]
    flat = text.replace("\n  # ", " ")  # comments are wrapped
    assert "Not at None: drop-watches" in flat and "would blind forbidden (e.g. watch requests)" in flat
    assert '  # - level: None\n  #   verbs: ["watch"]' in text
    assert "# None: drop-scheduler-leases" in text


def test_accept_blind_puts_noise_at_none_after_keeping_what_detections_need(compiled, detections):
    g = generate(compiled, "pack", ("forbidden",))
    levels = [(r.level, r.verbs, tuple(x for gr in r.resources for x in gr.resources), r.non_resource_urls)
              for r in g.policy.rules]
    assert levels[2] == ("Metadata", ("watch",), ("secrets",), ())  # secrets-listed keeps its watches
    assert levels[3] == ("None", ("watch",), (), ())
    assert levels[4] == ("None", (), (), ("/healthz", "/healthz/*", "/livez", "/livez/*"))
    by_id, msgs = check(g.policy, detections, accept=("forbidden",))
    assert msgs == [] and by_id["forbidden"].status == "accepted"


def test_generate_for_the_default_pack_is_deterministic_and_clean():
    compiled = compile_rules(ROOT / "rules")
    first, second = generate(compiled, "rules"), generate(compiled, "rules")
    assert first.text == second.text
    results = coverage(first.policy, analyse_program(compiled.program))
    assert [r.det.id for r in results if r.status != "ok"] == []


EXTRA = """\
rules:
  - id: annotated-anything
    kind: detect
    title: t
    description: Reads the request body of any create or update.
    severity: low
    match:
      all:
        - {field: verb, in: [create, update]}
        - {field: 'requestObject.metadata.annotations["evil"]', exists: true}
  - id: widget-spec
    kind: detect
    title: t
    description: Reads the response body of a custom resource.
    severity: low
    match:
      all:
        - {field: objectRef.resource, equals: widgets}
        - {field: responseObject.spec.x, exists: true}
"""


def test_generate_names_the_group_of_custom_resources_or_says_why_not(tmp_path):
    from conftest import write_rules
    from auditc.errors import AuditcError

    rules = write_rules(tmp_path / "rules", {"pack.yaml": (PACK / "pack.yaml").read_text(), "extra.yaml": EXTRA})
    with pytest.raises(AuditcError) as exc:
        generate(compile_rules(rules), "rules")
    assert "widget-spec reads the responseObject of 'widgets', which is not a built-in resource: add an " \
           "objectRef.apiGroup test" in str(exc.value)
    fixed = EXTRA.replace("equals: widgets}", "equals: widgets}\n        - {field: objectRef.apiGroup, equals: example.com}")
    write_rules(rules, {"extra.yaml": fixed})
    compiled = compile_rules(rules)
    g = generate(compiled, "rules")
    assert all(r.status == "ok" for r in coverage(g.policy, analyse_program(compiled.program)))
    assert any(r.level == "RequestResponse" and r.resources[0].group == "example.com"
               and r.resources[0].resources == ("widgets/*",) for r in g.policy.rules)
    # any create/update needs its request body: a rule without resources, and the bodies of ConfigMaps and
    # TokenReviews that come with it are the pack's to redact
    assert any(r.level == "Request" and r.verbs == ("create", "update") and not r.resources for r in g.policy.rules)
    assert any("logs configmaps at Request, and no redaction rule" in w.message for w in g.warnings)
    # the leases rule may no longer drop updates (taken by that rule), only gets
    assert [r.verbs for r in g.policy.rules if r.level == "None"] == [("get",), ("get",)]
