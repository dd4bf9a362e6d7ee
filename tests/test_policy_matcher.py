"""The policy matcher against checker.go's semantics, case by case.

Cases are written from k8s.io/apiserver/pkg/audit/policy/checker.go
(ruleMatches, ruleMatchesResource, ruleMatchesNonResource, pathMatches,
EvaluatePolicyRule, unionStages, isOmitManagedFields) and its checker_test.go.
"""

from __future__ import annotations

import pytest

from auditc.policy.matcher import Attributes, evaluate, path_matches, rule_matches
from auditc.policy.model import GroupResources, Policy, PolicyRule
from auditc.errors import Location

L = Location("t")


def gr(group="", resources=(), names=()):
    return GroupResources(group, tuple(resources), tuple(names), L)


def rule(level="Metadata", **kw):
    for k in ("users", "user_groups", "verbs", "namespaces", "non_resource_urls", "omit_stages"):
        if k in kw:
            kw[k] = tuple(kw[k])
    if "resources" in kw:
        kw["resources"] = tuple(kw["resources"])
    return PolicyRule(number=1, level=level, **kw)


TIM = dict(user="tim@k8s.io", groups=("humans", "developers"))
# checker_test.go's requests
NAMESPACED = Attributes(verb="get", resource_request=True, namespace="default", resource="pods", name="busybox", **TIM)
CLUSTER = Attributes(verb="get", resource_request=True, api_group="rbac.authorization.k8s.io",
                     resource="clusterroles", name="edit", **TIM)
NON_RESOURCE = Attributes(verb="get", path="/logs/kubelet.log", **TIM)
SUBRESOURCE = Attributes(verb="get", resource_request=True, namespace="default", resource="pods", subresource="log",
                         name="busybox", **TIM)
UNAUTHORIZED = Attributes(verb="get", resource_request=True, namespace="default", resource="pods", name="busybox")
CLUSTER_WIDE_LIST = Attributes(verb="list", resource_request=True, resource="secrets", user="alice")
DEPLOYMENT = Attributes(verb="create", resource_request=True, namespace="prod", api_group="apps",
                        resource="deployments", name="web", user="bob")
DEPLOYMENT_SCALE = Attributes(verb="update", resource_request=True, namespace="prod", api_group="apps",
                              resource="deployments", subresource="scale", name="web", user="bob")
POD_EXEC = Attributes(verb="create", resource_request=True, namespace="prod", resource="pods", subresource="exec",
                      name="web", user="bob")

CASES = [
    # (description, rule, request, matches)
    ("empty rule matches every request", rule(), NAMESPACED, True),
    ("empty rule matches non-resource requests", rule(), NON_RESOURCE, True),
    ("verbs", rule(verbs=["create"]), NAMESPACED, False),
    ("users", rule(users=["tim@k8s.io"]), NAMESPACED, True),
    ("users, other user", rule(users=["someone"]), NAMESPACED, False),
    ("users, no user at all", rule(users=["tim@k8s.io"]), UNAUTHORIZED, False),
    ("userGroups: any of the user's groups", rule(user_groups=["humans"]), NAMESPACED, True),
    ("userGroups, not a member", rule(user_groups=["system:serviceaccounts"]), NAMESPACED, False),
    ("userGroups, no user", rule(user_groups=["humans"]), UNAUTHORIZED, False),
    ("resource in the core group", rule(verbs=["get"], resources=[gr("", ["pods"])]), NAMESPACED, True),
    ("core group does not match another group", rule(resources=[gr("", ["pods"])]), CLUSTER, False),
    ("group must equal the request's group", rule(resources=[gr("", ["deployments"])]), DEPLOYMENT, False),
    ("named group", rule(resources=[gr("apps", ["deployments"])]), DEPLOYMENT, True),
    ("group without resources: every resource of the group", rule(resources=[gr("apps")]), DEPLOYMENT_SCALE, True),
    ("group without resources, other group", rule(resources=[gr("batch")]), DEPLOYMENT, False),
    ("a bare resource does not match its subresources", rule(resources=[gr("", ["pods"])]), SUBRESOURCE, False),
    ("resource/subresource", rule(resources=[gr("", ["pods/log"])]), SUBRESOURCE, True),
    ("resource/subresource does not match the bare resource", rule(resources=[gr("", ["pods/log"])]), NAMESPACED, False),
    ("* matches any resource", rule(resources=[gr("", ["*"])]), NAMESPACED, True),
    ("* matches subresources too", rule(resources=[gr("", ["*"])]), SUBRESOURCE, True),
    ("*/sub matches that subresource of any resource", rule(resources=[gr("", ["*/log"])]), SUBRESOURCE, True),
    ("*/sub, other subresource", rule(resources=[gr("", ["*/exec"])]), SUBRESOURCE, False),
    ("*/sub never matches a bare resource", rule(resources=[gr("", ["*/log"])]), NAMESPACED, False),
    ("res/* matches its subresources", rule(resources=[gr("", ["pods/*"])]), SUBRESOURCE, True),
    ("res/* also matches the bare resource (checker.go trims /*)", rule(resources=[gr("", ["pods/*"])]), NAMESPACED, True),
    ("res/* of another resource", rule(resources=[gr("apps", ["deployments/*"])]), DEPLOYMENT_SCALE, True),
    ("res/* does not match other resources", rule(resources=[gr("", ["secrets/*"])]), NAMESPACED, False),
    ("resourceNames", rule(resources=[gr("", ["pods"], ["busybox"])]), NAMESPACED, True),
    ("resourceNames, other name", rule(resources=[gr("", ["pods"], ["nginx"])]), NAMESPACED, False),
    ("resourceNames with a subresource", rule(resources=[gr("", ["pods/exec"], ["web"])]), POD_EXEC, True),
    ("resourceNames: a list has no name", rule(resources=[gr("", ["secrets"], ["db"])]), CLUSTER_WIDE_LIST, False),
    ("namespaces", rule(namespaces=["default"]), NAMESPACED, True),
    ("namespaces, other namespace", rule(namespaces=["kube-system"]), NAMESPACED, False),
    ('namespaces "": cluster-scoped objects', rule(namespaces=[""]), CLUSTER, True),
    ('namespaces "": cluster-wide lists of namespaced resources', rule(namespaces=[""]), CLUSTER_WIDE_LIST, True),
    ('namespaces "" does not match namespaced requests', rule(namespaces=[""]), NAMESPACED, False),
    ("namespaces make a resource rule", rule(namespaces=["default"]), NON_RESOURCE, False),
    ("resources never match non-resource requests", rule(resources=[gr("", ["*"])]), NON_RESOURCE, False),
    ("nonResourceURLs never match resource requests", rule(non_resource_urls=["*"]), NAMESPACED, False),
    ("nonResourceURLs *", rule(non_resource_urls=["*"]), NON_RESOURCE, True),
    ("nonResourceURLs trailing *", rule(non_resource_urls=["/logs*"]), NON_RESOURCE, True),
    ("nonResourceURLs exact", rule(non_resource_urls=["/logs/kubelet.log"]), NON_RESOURCE, True),
    ("nonResourceURLs exact, longer path", rule(non_resource_urls=["/logs"]), NON_RESOURCE, False),
    ("nonResourceURLs, other path", rule(non_resource_urls=["/metrics"]), NON_RESOURCE, False),
    ("resources win over nonResourceURLs in the checker",
     rule(resources=[gr("", ["pods"])], non_resource_urls=["/logs*"]), NON_RESOURCE, False),
    ("verbs and resources together", rule(verbs=["get"], resources=[gr("", ["pods"])]), NAMESPACED, True),
    ("verbs and resources, verb differs", rule(verbs=["list"], resources=[gr("", ["pods"])]), NAMESPACED, False),
    ("several groups: any matches", rule(resources=[gr("", ["secrets"]), gr("rbac.authorization.k8s.io", ["clusterroles"])]),
     CLUSTER, True),
]


@pytest.mark.parametrize("desc, r, attrs, expected", CASES, ids=[c[0] for c in CASES])
def test_rule_matches(desc, r, attrs, expected):
    assert rule_matches(r, attrs) is expected


PATHS = [
    # (path, spec, matches) - pathMatches
    ("/healthz", "/healthz", True),
    ("/healthz/etcd", "/healthz", False),
    ("/healthz/etcd", "/healthz*", True),
    ("/healthzfoo", "/healthz*", True),  # a trailing * is a plain prefix, not a path segment
    ("/healthz", "/healthz/*", False),
    ("/healthz/", "/healthz/*", True),
    ("/anything", "*", True),
    ("/api", "/ap*", True),
    ("/metrics", "/metrics**", True),  # TrimRight removes every trailing *
]


@pytest.mark.parametrize("path, spec, expected", PATHS)
def test_path_matches(path, spec, expected):
    assert path_matches(path, spec) is expected


def policy(*rules, omit_stages=(), omit_managed_fields=False):
    numbered = [PolicyRule(**{**r.__dict__, "number": i}) for i, r in enumerate(rules, start=1)]
    return Policy("t", numbered, tuple(omit_stages), omit_managed_fields)


# checker_test.go testAuditLevel: (request, rules by name, expected level)
NAMED = {
    "default": rule("Metadata"),
    "create": rule("Request", verbs=["create"]),
    "tims": rule("Metadata", users=["tim@k8s.io"]),
    "humans": rule("Metadata", user_groups=["humans"]),
    "serviceAccounts": rule("Request", user_groups=["system:serviceaccounts"]),
    "getPods": rule("RequestResponse", verbs=["get"], resources=[gr("", ["pods"])]),
    "getPodLogs": rule("Request", verbs=["get"], resources=[gr("", ["pods/log"])]),
    "getClusterRoles": rule("RequestResponse", verbs=["get"], resources=[gr("rbac.authorization.k8s.io", ["clusterroles"])],
                            namespaces=[""]),
    "getLogs": rule("RequestResponse", verbs=["get"], non_resource_urls=["/logs*"]),
    "getMetrics": rule("Request", verbs=["get"], non_resource_urls=["/metrics"]),
    "clusterRoleEdit": rule("Request", resources=[gr("rbac.authorization.k8s.io", ["clusterroles"], ["edit"])]),
}
LEVELS = [
    (NAMESPACED, ["default"], "Metadata"),
    (NAMESPACED, ["create"], "None"),
    (NAMESPACED, ["serviceAccounts"], "None"),
    (NAMESPACED, ["getPods"], "RequestResponse"),
    (NAMESPACED, ["getClusterRoles"], "None"),
    (NAMESPACED, ["getMetrics", "serviceAccounts", "default"], "Metadata"),
    (NAMESPACED, ["getMetrics", "getPods", "default"], "RequestResponse"),
    (NAMESPACED, ["getPodLogs", "getPods"], "RequestResponse"),
    (CLUSTER, ["getPods"], "None"),
    (CLUSTER, ["getClusterRoles"], "RequestResponse"),
    (CLUSTER, ["clusterRoleEdit", "getClusterRoles"], "Request"),  # first match wins
    (CLUSTER, ["getPodLogs", "getPods"], "None"),
    (NON_RESOURCE, ["getLogs"], "RequestResponse"),
    (NON_RESOURCE, ["getMetrics"], "None"),
    (NON_RESOURCE, ["getLogs", "getClusterRoles", "default"], "RequestResponse"),
    (SUBRESOURCE, ["getPodLogs", "getPods"], "Request"),
    (UNAUTHORIZED, ["tims"], "None"),
    (UNAUTHORIZED, ["tims", "default"], "Metadata"),
    (UNAUTHORIZED, ["humans", "default"], "Metadata"),
]


@pytest.mark.parametrize("attrs, names, level", LEVELS)
def test_first_match_wins_and_default_is_none(attrs, names, level):
    decision = evaluate(policy(*(NAMED[n] for n in names)), attrs)
    assert decision.level == level
    if decision.rule is not None:
        assert decision.rule.number == names.index(next(n for n in names if rule_matches(NAMED[n], attrs))) + 1


def test_omit_stages_are_the_union_of_rule_and_policy():
    p = policy(rule("Request", omit_stages=["RequestReceived"]), omit_stages=["ResponseStarted"])
    assert p.rules[0].omit_stages == ("RequestReceived",)
    assert evaluate(p, NAMESPACED).omit_stages == {"RequestReceived", "ResponseStarted"}
    # no rule matched: the policy's own stages
    assert evaluate(policy(rule(verbs=["create"]), omit_stages=["Panic"]), NAMESPACED).omit_stages == {"Panic"}


@pytest.mark.parametrize("policy_default, rule_setting, expected", [
    (False, None, False), (True, None, True), (True, False, False), (False, True, True)])
def test_omit_managed_fields_rule_overrides_policy(policy_default, rule_setting, expected):
    p = policy(rule("RequestResponse", verbs=["get"], omit_managed_fields=rule_setting),
               omit_managed_fields=policy_default)
    assert evaluate(p, NAMESPACED).omit_managed_fields is expected


def test_attributes_from_an_audit_event():
    a = Attributes.from_event({
        "verb": "get", "requestURI": "/api/v1/namespaces/a/pods?watch=1",
        "user": {"username": "alice", "groups": ["dev", 5]},
        "objectRef": {"resource": "pods", "namespace": "a", "name": "p", "subresource": "log", "apiVersion": "v1"}})
    assert a == Attributes(verb="get", user="alice", groups=("dev",), resource_request=True, namespace="a",
                           resource="pods", subresource="log", name="p")
    # a non-resource request: the path without the query, unescaped (GetPath)
    b = Attributes.from_event({"verb": "get", "requestURI": "/healthz%2Fetcd?verbose", "user": {"username": "x"}})
    assert b.resource_request is False and b.path == "/healthz/etcd"
    # no user at all
    assert Attributes.from_event({"verb": "get", "requestURI": "/version"}).user is None
