"""Lints: policies kube-apiserver accepts that do not do what they say.

- shadowed rules: an earlier rule matches everything a later one does
  (first match wins, checker.go EvaluatePolicyRule), so the later never applies;
- order traps: an earlier rule that names no resources (e.g. `verbs: [watch]`)
  takes part of a later resource rule (the article's cluster-wide Secret
  watches, never logged because `watch: None` came first);
- rules (or parts) that can never match: verbs no audit event carries,
  resources outside the group that serves them, unknown subresources, user
  names in userGroups and the reverse, resourceNames on create;
- RequestReceived not omitted: every request is logged twice;
- sensitive resources (Secrets, ConfigMaps, TokenRequests, TokenReviews)
  logged with bodies that no redaction rule of the pack masks.
"""

from __future__ import annotations

import re

from auditc import ir
from auditc.errors import Diagnostic, Location
from auditc.paths import parse_path
from auditc.policy import k8s_resources as k8s
from auditc.policy.levels import at_least, bodies_at
from auditc.policy.model import GroupResources, Policy, PolicyRule
from auditc.policy.needs import Target
from auditc.policy.regions import relate

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def lint(policy: Policy, program: ir.Program | None = None, rules_dir: str | None = None) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    diags += shadowing(policy)
    diags += never_matches(policy)
    diags += stages(policy)
    diags += sensitive(policy, program, rules_dir)
    return diags


# -- shadowing ----------------------------------------------------------------------------------

def _covers_list(a: tuple, b: tuple) -> bool:
    """A rule list field `a` matches everything `b` does (an empty list matches anything)."""
    return not a or (bool(b) and set(b) <= set(a))


def _pattern_covers(pi: str, pj: str) -> bool:
    if pi == "*" or pi == pj:
        return True
    if pi.endswith("/*"):  # resource/*: the resource and all its subresources
        base = pi[:-2]
        return pj == base or pj.startswith(base + "/")
    if pi.startswith("*/"):  # */sub: that subresource of anything
        return "/" in pj and pj.split("/", 1)[1] == pi[2:]
    return False


def _group_covers(gi: GroupResources, gj: GroupResources) -> bool:
    if gi.group != gj.group or not _covers_list(gi.resource_names, gj.resource_names):
        return False
    if not gi.resources:
        return True
    if not gj.resources:
        return "*" in gi.resources
    return all(any(_pattern_covers(pi, pj) for pi in gi.resources) for pj in gj.resources)


def _spec_covers(si: str, sj: str) -> bool:
    if si == "*" or si == sj:
        return True
    return si.endswith("*") and sj != "*" and sj.startswith(si.rstrip("*"))


def covers(i: PolicyRule, j: PolicyRule) -> bool:
    """Every request rule j matches is matched by rule i (checker.go ruleMatches)."""
    if not (_covers_list(i.users, j.users) and _covers_list(i.user_groups, j.user_groups)
            and _covers_list(i.verbs, j.verbs)):
        return False
    if i.is_resource_rule:
        if not j.is_resource_rule or not _covers_list(i.namespaces, j.namespaces):
            return False
        if i.resources:
            return bool(j.resources) and all(any(_group_covers(gi, gj) for gi in i.resources) for gj in j.resources)
        return True
    if i.non_resource_urls:
        return (not j.is_resource_rule and bool(j.non_resource_urls)
                and all(any(_spec_covers(si, sj) for si in i.non_resource_urls) for sj in j.non_resource_urls))
    return True


def _overlap(a: tuple, b: tuple) -> tuple | None:
    """The values both list fields match; () for "anything"; None if they cannot both match."""
    if not a:
        return b
    if not b:
        return a
    both = tuple(x for x in b if x in a)
    return both or None


def order_trap(i: PolicyRule, j: PolicyRule) -> tuple | None:
    """An earlier rule i that names no resources, paths or namespaces takes part of resource rule j at
    another level: the verbs it takes (() for all), or None when it does not."""
    if not j.resources or i.level == j.level or i.is_resource_rule or i.non_resource_urls:
        return None
    verbs = _overlap(i.verbs, j.verbs)
    if verbs is None or _overlap(i.users, j.users) is None:
        return None
    return verbs


def shadowing(policy: Policy) -> list[Diagnostic]:
    diags = []
    for j in policy.rules:
        earlier = policy.rules[: j.number - 1]
        i = next((i for i in earlier if covers(i, j)), None)
        if i is not None:
            same = " (same level: the rule is redundant)" if i.level == j.level else ""
            diags.append(Diagnostic(j.loc, f"policy rule #{j.number} never applies: rule {i.summary()} comes "
                                           f"first and matches every request it matches (first match wins){same}",
                                    "warning"))
            continue
        for i in earlier:
            verbs = order_trap(i, j)
            if verbs is None:
                continue
            what = (", ".join(verbs) + " requests") if verbs else "requests"
            if i.users or i.user_groups:
                what += " by " + ", ".join(i.users + i.user_groups)
            diags.append(Diagnostic(j.loc, f"policy rule #{j.number} ({j.level}) does not apply to all the "
                                           f"resources it names: rule {i.summary()} comes first and takes their "
                                           f"{what} at {i.level}; move rule #{j.number} above rule #{i.number} if "
                                           f"they should be logged at {j.level}", "warning"))
    return diags


# -- rules or parts that can never match --------------------------------------------------------

_KNOWN_VERBS = set(k8s.RESOURCE_VERBS) | set(k8s.NON_RESOURCE_VERBS)
_RESOURCE_ONLY_VERBS = {"list", "watch", "create", "update", "deletecollection"}


def never_matches(policy: Policy) -> list[Diagnostic]:
    diags = []

    def warn(rule: PolicyRule, msg: str, loc: Location | None = None) -> None:
        diags.append(Diagnostic(loc or rule.loc, f"policy rule #{rule.number}: {msg}", "warning"))

    for rule in policy.rules:
        for verb in rule.verbs:
            if verb in k8s.AUTHZ_ONLY_VERBS:
                warn(rule, f"verb {verb!r} never matches: it exists only for authorization checks, no audit event "
                           f"carries it" + (" (there is no verb wildcard: leave `verbs` out)" if verb == "*" else ""))
            elif verb not in _KNOWN_VERBS:
                hint = f" (verbs are lower case: {verb.lower()!r})" if verb.lower() in _KNOWN_VERBS else ""
                warn(rule, f"verb {verb!r} never matches: audit events carry " + ", ".join(sorted(_KNOWN_VERBS))
                           + hint)
        if rule.non_resource_urls and not rule.is_resource_rule and rule.verbs \
                and set(rule.verbs) <= _RESOURCE_ONLY_VERBS:
            warn(rule, "never matches: nonResourceURLs requests carry HTTP methods as verbs (get, post, put, patch, "
                       "delete, head, options), not " + ", ".join(rule.verbs))
        for user in rule.users:
            if k8s.is_group_name(user):
                warn(rule, f"users entry {user!r} is a group: no user has that name, move it to userGroups")
        for group in rule.user_groups:
            if k8s.is_user_name(group):
                warn(rule, f"userGroups entry {group!r} is a user name: move it to users")
        for ns in rule.namespaces:
            if ns and not _DNS1123_LABEL.fullmatch(ns):
                warn(rule, f"namespace {ns!r} never matches: namespace names are lower-case DNS labels")
        for gr in rule.resources:
            diags.extend(_group_resources(rule, gr))
    return diags


def _group_resources(rule: PolicyRule, gr: GroupResources) -> list[Diagnostic]:
    diags = []
    where = f"policy rule #{rule.number}"
    for res in gr.resources:
        base, _, sub = res.partition("/")
        if base == "*" or (not base):
            continue
        served_by = k8s.groups_of(base)
        if gr.group in k8s.BUILTIN_GROUPS and (served_by is None or gr.group not in served_by):
            group_name = f"group {gr.group!r}" if gr.group else "the core group (\"\")"
            if served_by:
                hint = "it is served by " + " and ".join(repr(g) if g else 'the core group ""' for g in served_by)
            elif gr.group == "":
                hint = "not a built-in core resource (custom resources are never in the core group)"
            else:
                hint = f"{gr.group!r} is a built-in group that does not serve it"
            diags.append(Diagnostic(gr.loc, f"{where}: {res!r} never matches in {group_name}: {hint}", "warning"))
            continue
        known = k8s.subresources_of(base)
        if sub and sub != "*" and known is not None and sub not in known and served_by and gr.group in served_by:
            listed = ", ".join(known) if known else "none"
            diags.append(Diagnostic(gr.loc, f"{where}: {res!r} never matches: {base} has no subresource {sub!r} "
                                            f"(known: {listed})", "warning"))
    if gr.resource_names and rule.verbs and set(rule.verbs) <= {"create"} \
            and all("/" not in r for r in gr.resources):
        diags.append(Diagnostic(gr.loc, f"{where}: resourceNames never match create requests: a create has no name "
                                        f"in its URL", "warning"))
    return diags


# -- stages -------------------------------------------------------------------------------------

def stages(policy: Policy) -> list[Diagnostic]:
    diags = []
    logging = [r for r in policy.rules if r.level != "None"]
    missing = [r for r in logging if "RequestReceived" not in policy.effective_omit_stages(r)]
    if missing:
        loc = policy.omit_stages_loc or policy.loc or Location(policy.file, 1, 1)
        which = "" if len(missing) == len(logging) else " (rules " + ", ".join(f"#{r.number}" for r in missing) + ")"
        diags.append(Diagnostic(loc, "RequestReceived is not omitted" + which + ": every request is logged twice, "
                                     "once when it arrives and once when it completes, and the first event has "
                                     "nothing the second lacks; add `omitStages: [\"RequestReceived\"]` at the top "
                                     "level", "warning"))
    for rule in logging:
        omitted = policy.effective_omit_stages(rule)
        if {"ResponseStarted", "ResponseComplete", "Panic", "RequestReceived"} <= omitted:
            diags.append(Diagnostic(rule.loc, f"policy rule #{rule.number} logs nothing: it omits every stage",
                                    "warning"))
        elif "ResponseComplete" in omitted:
            diags.append(Diagnostic(rule.loc, f"policy rule #{rule.number} omits ResponseComplete: its events never "
                                              f"carry the response status (rules on responseStatus cannot fire)",
                                    "warning"))
    return diags


# -- sensitive resources ------------------------------------------------------------------------

# (group, resource, subresource) -> {body: verbs whose body holds the secret material}
SENSITIVE = {
    ("", "secrets", ""): {"requestObject": ("create", "update", "patch"),
                          "responseObject": ("get", "list", "create", "update", "patch", "delete")},
    ("", "configmaps", ""): {"requestObject": ("create", "update", "patch"),
                             "responseObject": ("get", "list", "create", "update", "patch", "delete")},
    ("", "serviceaccounts", "token"): {"responseObject": ("create",)},
    ("authentication.k8s.io", "tokenreviews", ""): {"requestObject": ("create",), "responseObject": ("create",)},
}

_SUB = parse_path("objectRef.subresource")


def _redacted_verbs(program: ir.Program | None, resource: str, sub: str, body: str) -> set | None:
    """Verbs a redaction rule masks `body` of resource/sub for; None: every verb."""
    if program is None:
        return set()
    verbs: set = set()
    for rule in program.of_kind("redact"):
        if not rule.payload.redacts_below(body):
            continue
        res_c = rule.constraints.get("objectRef.resource")
        if res_c is not None and resource not in res_c:
            continue
        sub_c = ir.constraint(rule.pred, _SUB)
        if sub and sub_c is not None and sub not in sub_c:
            continue
        verb_c = rule.constraints.get("verb")
        if verb_c is None:
            return None
        verbs |= set(verb_c)
    return verbs


def sensitive(policy: Policy, program: ir.Program | None, rules_dir: str | None) -> list[Diagnostic]:
    diags = []
    for (group, resource, sub), bodies in SENSITIVE.items():
        label = f"{resource}/{sub}" if sub else resource
        findings: dict[int, tuple[PolicyRule, dict]] = {}
        all_verbs = sorted({v for vs in bodies.values() for v in vs})
        for verb in all_verbs:
            target = Target("resource", group, resource, sub, verb)
            for rule in policy.rules:
                rel = relate(rule, target)
                if rel.kind == "none":
                    continue
                if at_least(rule.level, "Request"):
                    for body in bodies_at(rule.level):
                        if verb not in bodies.get(body, ()):
                            continue
                        masked = _redacted_verbs(program, resource, sub, body)
                        if masked is None or verb in masked:
                            continue
                        entry = findings.setdefault(rule.number, (rule, {}))
                        entry[1].setdefault(body, []).append(verb)
                if rel.kind == "full":
                    break
        for rule, missing in findings.values():
            what = "; ".join(f"{body} of {label} {'/'.join(verbs)}" for body, verbs in missing.items())
            if program is None:
                msg = (f"policy rule #{rule.number} logs {label} at {rule.level}: {what} can hold secret material; "
                       f"pass --rules DIR to check that a redaction rule masks it")
            else:
                msg = (f"policy rule #{rule.number} logs {label} at {rule.level}, and no redaction rule in "
                       f"{rules_dir or 'the rule pack'} masks the {what}: secret material reaches the log in clear "
                       f"(log it at Metadata, or add a redact rule)")
            diags.append(Diagnostic(rule.loc, msg, "warning"))
    return diags
