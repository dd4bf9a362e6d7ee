"""Which policy rule applies to a request: checker.go, line by line.

Every function here reproduces one function of
k8s.io/apiserver/pkg/audit/policy/checker.go; the comment names it. The
request is described by the same attributes the apiserver's audit filter
hands the checker (authorizer.Attributes), rebuilt from an audit event:
the apiserver's LogRequestMetadata (audit/request.go) copies exactly these
attributes into the event, so the event determines them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from auditc.policy.model import Policy, PolicyRule

# checker.go: DefaultAuditLevel, the level when no rule matches.
DEFAULT_LEVEL = "None"


@dataclass(frozen=True)
class Attributes:
    """authorizer.Attributes as the audit policy sees them."""

    verb: str
    user: str | None = None  # None: no user (then users/userGroups rules never match)
    groups: tuple[str, ...] = ()
    resource_request: bool = False
    namespace: str = ""  # "" for cluster-scoped objects and cluster-wide lists
    api_group: str = ""  # "" is the core group
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""  # non-resource requests: the URL path, without the query

    @classmethod
    def from_event(cls, event: dict) -> "Attributes":
        """request.go LogRequestMetadata wrote these fields from the attributes:
        ev.Verb, ev.User (name, groups), and ev.ObjectRef only when
        attribs.IsResourceRequest(); ev.RequestURI is req.URL.RequestURI()
        (escaped path plus query), whose path is what GetPath() returns."""
        user = event.get("user")
        username, groups = None, ()
        if isinstance(user, dict):
            username = _s(user.get("username"))
            raw_groups = user.get("groups")
            groups = tuple(g for g in raw_groups if isinstance(g, str)) if isinstance(raw_groups, list) else ()
        ref = event.get("objectRef")
        verb = _s(event.get("verb"))
        if isinstance(ref, dict):
            return cls(verb=verb, user=username, groups=groups, resource_request=True,
                       namespace=_s(ref.get("namespace")), api_group=_s(ref.get("apiGroup")),
                       resource=_s(ref.get("resource")), subresource=_s(ref.get("subresource")),
                       name=_s(ref.get("name")))
        uri = _s(event.get("requestURI"))
        try:
            path = unquote(urlsplit(uri).path)
        except ValueError:
            path = uri.split("?", 1)[0]
        return cls(verb=verb, user=username, groups=groups, resource_request=False, path=path)


def _s(v) -> str:
    return v if isinstance(v, str) else ""


@dataclass(frozen=True)
class Decision:
    rule: PolicyRule | None  # None: no rule matched
    level: str
    omit_stages: frozenset[str]
    omit_managed_fields: bool


def evaluate(policy: Policy, attrs: Attributes) -> Decision:
    """checker.go policyRuleEvaluator.EvaluatePolicyRule: the first matching
    rule decides; without one, DefaultAuditLevel (None) with the policy's
    omitStages and omitManagedFields."""
    for rule in policy.rules:
        if rule_matches(rule, attrs):
            return Decision(rule, rule.level, policy.effective_omit_stages(rule),
                            policy.effective_omit_managed_fields(rule))
    return Decision(None, DEFAULT_LEVEL, policy.effective_omit_stages(None), policy.effective_omit_managed_fields(None))


def rule_matches(r: PolicyRule, attrs: Attributes) -> bool:
    """checker.go ruleMatches."""
    if r.users:
        if attrs.user is None or attrs.user not in r.users:
            return False
    if r.user_groups:
        if attrs.user is None:
            return False
        if not any(g in r.user_groups for g in attrs.groups):
            return False
    if r.verbs:
        if attrs.verb not in r.verbs:
            return False
    # Namespaces or resources make it a resource rule, whatever nonResourceURLs
    # says (validation forbids the mix, the checker does not look).
    if r.namespaces or r.resources:
        return rule_matches_resource(r, attrs)
    if r.non_resource_urls:
        return rule_matches_non_resource(r, attrs)
    return True


def rule_matches_non_resource(r: PolicyRule, attrs: Attributes) -> bool:
    """checker.go ruleMatchesNonResource."""
    if attrs.resource_request:
        return False
    return any(path_matches(attrs.path, spec) for spec in r.non_resource_urls)


def path_matches(path: str, spec: str) -> bool:
    """checker.go pathMatches: "*", an exact path, or a trailing-* prefix.
    strings.TrimRight removes every trailing '*'."""
    if spec == "*":
        return True
    if spec == path:
        return True
    return spec.endswith("*") and path.startswith(spec.rstrip("*"))


def rule_matches_resource(r: PolicyRule, attrs: Attributes) -> bool:
    """checker.go ruleMatchesResource."""
    if not attrs.resource_request:
        return False
    if r.namespaces:
        # Non-namespaced resources (and cluster-wide lists) use the empty string.
        if attrs.namespace not in r.namespaces:
            return False
    if not r.resources:
        return True
    resource, subresource = attrs.resource, attrs.subresource
    # If subresource, the resource in the policy must match "(resource)/(subresource)".
    combined = f"{resource}/{subresource}" if subresource else resource
    for gr in r.resources:
        if gr.group != attrs.api_group:  # no group wildcard in the checker
            continue
        if not gr.resources:
            return True
        for res in gr.resources:
            if gr.resource_names and attrs.name not in gr.resource_names:
                continue
            if res == combined or res == "*":  # match "*"
                return True
            if subresource and res.startswith("*/") and subresource == res[2:]:  # match "*/subresource"
                return True
            if res.endswith("/*") and resource == res[:-2]:  # match "resource/*" (also the bare resource)
                return True
    return False
