"""Which part of a rule predicate an audit policy can express.

`auditc policy generate` puts the pack's drop rules at level None where the
apiserver can do the same. A policy rule is a conjunction of lists
(users, userGroups, verbs, resources by group, namespaces, resourceNames,
nonResourceURLs), with no negation, so a predicate is expanded into
disjunctive normal form and each conjunct becomes a policy rule when every
literal in it maps onto one of those lists. Conjuncts that cannot be
expressed are left out: the policy then drops *less* than the filter (an
under-approximation), never more.

Translations:
- `equals`/`in` on verb, objectRef.resource/.subresource/.apiGroup/.namespace/.name,
  user.username, user.groups[*];
- `objectRef` absent: a non-resource request; `objectRef.subresource` absent:
  the bare resource; `objectRef.namespace` absent: namespace "";
- `user.username` prefix `system:node:` / `system:serviceaccount:`: the groups
  system:nodes / system:serviceaccounts (every member is named so);
- `requestURI` regexes of the form `^/(a|b)([/?]|$)`, `^/a$`, `^/a`:
  nonResourceURLs `/a`, `/a/*` (the policy matches the path without the query).
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own regex parser
from dataclasses import dataclass, field
from re._constants import (
    AT,
    AT_BEGINNING,
    AT_BEGINNING_STRING,
    AT_END,
    AT_END_STRING,
    BRANCH,
    IN,
    LITERAL,
    SUBPATTERN,
)

from auditc import ir
from auditc.operators import Op
from auditc.policy import k8s_resources as k8s

_PREFIX_GROUP = {prefix: group for group, prefix in k8s.GROUP_USER_PREFIX.items()}


@dataclass
class Spec:
    """A policy rule under construction; None in a field means "not restricted"."""

    verbs: set | None = None
    users: set | None = None
    groups: set | None = None
    resources: set | None = None
    api_groups: set | None = None
    subresources: set | None = None  # "" for the bare resource
    namespaces: set | None = None
    names: set | None = None
    nonresource: bool | None = None
    paths: set | None = None
    notes: list = field(default_factory=list)

    def restrict(self, attr: str, values) -> None:
        values = set(values)
        old = getattr(self, attr)
        setattr(self, attr, values if old is None else old & values)


def regex_to_paths(regex: str) -> set | None:
    """nonResourceURLs equivalent to a requestURI regex, for a few exact shapes; None otherwise."""


    try:
        parsed = sre_parse.parse(regex)
    except Exception:  # noqa: BLE001 - any parse problem means "cannot express"
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE):
        return None
    items = list(parsed)

    if not items or items[0] not in ((AT, AT_BEGINNING), (AT, AT_BEGINNING_STRING)):
        return None
    items = items[1:]

    def literals(seq) -> list[str] | None:
        """The finite set of strings a sequence of literals, groups and alternations matches."""
        out = [""]
        for op, arg in seq:
            if op is LITERAL:
                out = [s + chr(arg) for s in out]
            elif op is SUBPATTERN and arg[1] == 0 and arg[2] == 0:
                inner = literals(list(arg[3]))
                if inner is None:
                    return None
                out = [a + b for a in out for b in inner]
            elif op is BRANCH:
                alts = []
                for alt in arg[1]:
                    sub = literals(list(alt))
                    if sub is None:
                        return None
                    alts += sub
                out = [a + b for a in out for b in alts]
            else:
                return None
        return out

    def is_end(node) -> bool:
        return node in ((AT, AT_END), (AT, AT_END_STRING))

    def slash_or_query(node) -> bool:
        return node[0] is IN and sorted(node[1]) == sorted([(LITERAL, ord("/")), (LITERAL, ord("?"))])

    # Split into the literal head and a recognised tail.
    for cut in range(len(items), -1, -1):
        head = literals(items[:cut])
        if head is None:
            continue
        tail = items[cut:]
        if not tail:
            return {h + "*" for h in head}
        if len(tail) == 1 and is_end(tail[0]):
            return set(head)
        if len(tail) == 1 and tail[0][0] is SUBPATTERN:
            inner = list(tail[0][1][3])
            if len(inner) == 1 and inner[0][0] is BRANCH:
                alts = [list(a) for a in inner[0][1][1]]
                if len(alts) == 2 and {len(a) for a in alts} == {1}:
                    kinds = sorted(("end" if is_end(a[0]) else "sq" if slash_or_query(a[0]) else "?") for a in alts)
                    if kinds == ["end", "sq"]:
                        return {h for h in head} | {h + "/*" for h in head}
        return None
    return None


def expressible(conj: list[tuple[bool, ir.Test]]) -> Spec | None:
    spec = Spec()
    for positive, t in conj:
        key = t.path.text
        strings = all(isinstance(v, str) for v in t.values)
        if positive and t.op.spec.dispatchable and strings:
            attr = {"verb": "verbs", "objectRef.resource": "resources", "objectRef.subresource": "subresources",
                    "objectRef.apiGroup": "api_groups", "objectRef.namespace": "namespaces",
                    "objectRef.name": "names", "user.username": "users", "user.groups[*]": "groups"}.get(key)
            if attr is None:
                return None
            spec.restrict(attr, t.values)
            if attr in ("resources", "subresources", "api_groups", "namespaces", "names"):
                spec.nonresource = False
        elif positive and t.op is Op.PREFIX and key == "user.username":
            if not all(v in _PREFIX_GROUP for v in t.values):
                return None
            spec.restrict("groups", (_PREFIX_GROUP[v] for v in t.values))
        elif not positive and t.op is Op.EXISTS and key in ("objectRef", "objectRef.subresource",
                                                           "objectRef.namespace", "objectRef.apiGroup"):
            if key == "objectRef":
                spec.nonresource = True
            else:
                spec.restrict({"objectRef.subresource": "subresources", "objectRef.namespace": "namespaces",
                               "objectRef.apiGroup": "api_groups"}[key], ("",))
        elif positive and t.op is Op.EXISTS and key == "objectRef":
            spec.nonresource = False
        elif positive and key == "requestURI" and t.op in (Op.REGEX, Op.PREFIX):
            if t.op is Op.PREFIX:
                if not all(isinstance(v, str) and v.startswith("/") and "?" not in v for v in t.values):
                    return None
                paths = {v + "*" for v in t.values}
            else:
                paths = set()
                for pattern in t.values:
                    p = regex_to_paths(pattern.source)
                    if p is None:
                        return None
                    paths |= p
            spec.paths = paths if spec.paths is None else spec.paths  # two URI tests: keep the first (narrower: ANDed)
        else:
            return None
    if spec.nonresource is False and spec.paths is not None:
        return None
    if spec.paths is not None:
        # Resource URLs live under /api and /apis: a path test that could match them needs `objectRef` absent.
        if spec.nonresource is not True and any(p.startswith("/api") for p in spec.paths):
            return None
        spec.nonresource = True
    if any(getattr(spec, a) == set() for a in ("verbs", "users", "groups", "resources", "api_groups",
                                                "subresources", "namespaces", "names", "paths")):
        return None  # contradictory: matches nothing
    if spec.names is not None and spec.resources is None:
        return None  # resourceNames need resources
    if (spec.subresources is not None or spec.api_groups is not None) and spec.resources is None:
        return None
    if spec.resources is not None:
        for res in spec.resources:
            if spec.api_groups is None and not k8s.groups_of(res):
                return None  # a custom resource without objectRef.apiGroup: the group is unknown
    return spec
