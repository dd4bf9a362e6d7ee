"""How a policy rule relates to a class of requests (a `Target`).

`relate(rule, target)` answers with checker.go's matching semantics lifted
from one request to a class of them:

- FULL: the rule matches every request of the target;
- NONE: it matches none;
- a list of *regions*: it matches some; each region is a set of facts
  (tristate.py) describing one part it matches, e.g. "user
  system:kube-scheduler, verb update". The regions are the cross product of
  the rule's own lists (users x verbs x resources ...), so a detection can be
  evaluated on each to see whether it could fire there.

Well-known identities add what the apiserver guarantees about them
(k8s_resources.WELL_KNOWN_GROUPS): a member of system:nodes is named
system:node:<name>, a named user is in system:authenticated and not in
system:unauthenticated, and the reverse for system:anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from auditc.policy import k8s_resources as k8s
from auditc.policy.model import PolicyRule
from auditc.policy.needs import OTHER, Target
from auditc.policy.tristate import ABSENT, PRESENT, Concrete, Groups, Prefix

REGION_CAP = 4096  # beyond this many combinations a partial match is assumed to matter


@dataclass(frozen=True)
class Relation:
    kind: str  # "full", "none", "partial"
    regions: tuple = ()  # partial: fact dicts; () with kind partial = too many to list


FULL = Relation("full")
NONE = Relation("none")


def merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, fact in b.items():
        old = out.get(key)
        if isinstance(old, Groups) and isinstance(fact, Groups):
            out[key] = Groups(old.has | fact.has, old.lacks | fact.lacks)
        elif isinstance(old, Concrete) and isinstance(fact, (Prefix, type(PRESENT))):
            continue  # the concrete value is the more precise fact
        else:
            out[key] = fact
    return out


def user_facts(user: str) -> dict:
    if user == "system:anonymous":
        groups = Groups(frozenset({"system:unauthenticated"}), frozenset({"system:authenticated"}))
    else:
        has = {"system:authenticated"}
        if user.startswith("system:node:"):
            has.add("system:nodes")
        if user.startswith("system:serviceaccount:"):
            has.add("system:serviceaccounts")
            ns = user.split(":")[2] if user.count(":") >= 3 else ""
            if ns:
                has.add(f"system:serviceaccounts:{ns}")
        groups = Groups(frozenset(has), frozenset({"system:unauthenticated"}))
    return {"user.username": Concrete(user), "user.groups": groups}


def group_facts(group: str) -> dict:
    if group == "system:unauthenticated":
        return {"user.username": Concrete("system:anonymous"),
                "user.groups": Groups(frozenset({group}), frozenset({"system:authenticated"}))}
    facts: dict = {"user.groups": Groups(frozenset({group, "system:authenticated"}),
                                         frozenset({"system:unauthenticated"}))}
    if group in k8s.GROUP_USER_PREFIX:
        facts["user.username"] = Prefix(k8s.GROUP_USER_PREFIX[group])
    elif group.startswith("system:serviceaccounts:"):
        facts["user.username"] = Prefix("system:serviceaccount:" + group.split(":", 2)[2] + ":")
    return facts


def path_samples(spec: str) -> tuple[str, ...]:
    """requestURI values (path and query) a nonResourceURLs entry stands for."""
    if spec.endswith("*"):
        p = spec.rstrip("*")
        if p.endswith("/"):
            return (p, p + "x", p + "x/y", p + "x?q=1")
        return (p, p + "?q=1", p + "/", p + "/x", p + "x")
    return (spec, spec + "?q=1")


def _pattern(res: str, t: Target):
    """One `resources` entry against the target's resource/subresource:
    "full", "none" or a list of fact dicts (checker.go ruleMatchesResource)."""
    R, S = t.resource, t.sub
    if res == "*":
        return "full"
    if res.startswith("*/"):  # "*/subresource": needs a subresource
        s = res[2:]
        if S == "":
            return "none"
        if S is not None and S != OTHER:
            return "full" if S == s else "none"
        return [{"objectRef.subresource": Concrete(s)}]
    if res.endswith("/*"):  # "resource/*": the resource, bare or with any subresource
        r = res[:-2]
        if R is None:
            return [{"objectRef.resource": Concrete(r)}]
        return "full" if R == r else "none"
    r, _, s = res.partition("/")
    rf: dict = {}
    if R is None:
        rf = {"objectRef.resource": Concrete(r)}
    elif R != r:
        return "none"
    if not s:  # the bare resource only
        if S == "":
            return "full" if not rf else [rf]
        if S is None:
            return [{**rf, "objectRef.subresource": ABSENT}]
        return "none"
    if S == s:
        return "full" if not rf else [rf]
    if S is None or S == OTHER:
        return [{**rf, "objectRef.subresource": Concrete(s)}]
    return "none"


def _resources(rule: PolicyRule, t: Target):
    full = False
    alts: list[dict] = []
    for gr in rule.resources:
        gfacts: dict = {}
        if t.group is None:
            gfacts = {"objectRef.apiGroup": Concrete(gr.group) if gr.group else ABSENT}
        elif t.group != gr.group:
            continue
        if not gr.resources:
            if gfacts:
                alts.append(gfacts)
            else:
                full = True
            continue
        names = [{"objectRef.name": Concrete(n) if n else ABSENT} for n in gr.resource_names]
        for res in gr.resources:
            m = _pattern(res, t)
            if m == "none":
                continue
            base = [gfacts] if m == "full" else [merge(gfacts, f) for f in m]
            if m == "full" and not gfacts and not names:
                full = True
                continue
            alts.extend(merge(b, n) for b in base for n in (names or [{}]))
    if full:
        return "full"
    return alts or "none"


def relate(rule: PolicyRule, t: Target) -> Relation:
    """checker.go ruleMatches, for a class of requests instead of one."""
    dims: list[list[dict]] = []
    if rule.users:
        dims.append([user_facts(u) for u in rule.users])
    if rule.user_groups:
        dims.append([group_facts(g) for g in rule.user_groups])
    if rule.verbs:
        if t.verb is None:
            dims.append([{"verb": Concrete(v)} for v in rule.verbs])
        elif t.verb not in rule.verbs:
            return NONE
    if rule.namespaces or rule.resources:
        if t.kind == "nonresource":
            return NONE
        if t.kind == "any":
            dims.append([{"objectRef": PRESENT}])
        if rule.namespaces:
            dims.append([{"objectRef.namespace": Concrete(ns) if ns else ABSENT} for ns in rule.namespaces])
        if rule.resources:
            res = _resources(rule, t)
            if res == "none":
                return NONE
            if res != "full":
                dims.append(res)
    elif rule.non_resource_urls:
        if t.kind == "resource":
            return NONE
        if "*" in rule.non_resource_urls:
            if t.kind == "any":
                dims.append([{"objectRef": ABSENT}])
        else:
            # One region per sample path, so a finding can name the path that matters.
            dims.append([{"objectRef": ABSENT, "requestURI": Concrete(uri)}
                         for spec in rule.non_resource_urls for uri in path_samples(spec)])
    if not dims:
        return FULL
    size = 1
    for d in dims:
        size *= len(d)
    if size > REGION_CAP:
        return Relation("partial", ())
    regions = []
    for combo in product(*dims):
        facts: dict = {}
        for part in combo:
            facts = merge(facts, part)
        regions.append(facts)
    return Relation("partial", tuple(regions))


def describe(facts: dict) -> str:
    """A region in words: `watch of endpoints by system:kube-proxy`, `get /metrics`."""
    def val(key):
        f = facts.get(key)
        return f.value if isinstance(f, Concrete) else None

    verb = val("verb")
    uri = val("requestURI")
    res, sub = val("objectRef.resource"), val("objectRef.subresource")
    what = ""
    if uri is not None:
        what = uri.split("?", 1)[0]  # the policy matches the path only
    elif res is not None:
        what = f"{res}/{sub}" if sub else res
        group = val("objectRef.apiGroup")
        if group and facts.get("objectRef.resource") is not None and k8s.groups_of(res) and group != k8s.groups_of(res)[0]:
            what += f".{group}"
    elif facts.get("objectRef") is PRESENT:
        what = "any resource"
    elif facts.get("objectRef") is ABSENT:
        what = "non-resource URLs"
    text = " ".join(x for x in (verb, what or "requests") if x)
    user = facts.get("user.username")
    groups = facts.get("user.groups")
    if isinstance(user, Concrete):
        text += f" by {user.value}"
    elif isinstance(groups, Groups) and groups.has - {"system:authenticated"}:
        text += " by group " + ", ".join(sorted(groups.has - {"system:authenticated"}))
    ns = facts.get("objectRef.namespace")
    if isinstance(ns, Concrete):
        text += f" in namespace {ns.value}"
    elif ns is ABSENT:
        text += " (cluster-scoped or all namespaces)"
    name = val("objectRef.name")
    if name:
        text += f" named {name}"
    return text
