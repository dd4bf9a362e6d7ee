"""What each detection needs from the audit policy.

For every enabled detection of a compiled rule pack:

- what it reads: only metadata, or the `requestObject` / `responseObject`
  bodies (any test on a path under them, also inside exceptions);
- hence the level it needs: Metadata < Request (request body) <
  RequestResponse (response body), the levels at which request.go keeps them;
- which requests it targets: API group x resource x subresource x verb,
  from the predicate's exact constraints (ir.constraint), the built-in API
  table (k8s_resources) for groups and subresources, and pruned with
  three-valued evaluation so a target is only kept if the predicate can hold
  on it (a rule testing `objectRef.subresource: {absent: true}` does not
  target pods/status).

A detection that cannot fire without a body only targets subresources
whose body is the object itself (pods/status, pods/ephemeralcontainers),
not pods/binding or pods/exec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditc import ir
from auditc.errors import Location
from auditc.paths import parse_path
from auditc.policy import k8s_resources as k8s
from auditc.policy.levels import BODY_LEVEL, bodies_at, level_rank
from auditc.policy.tristate import ABSENT, PRESENT, Concrete, evaluate

OTHER = "<subresource>"  # some subresource whose name is not known

_SUB = parse_path("objectRef.subresource")
_GROUP = parse_path("objectRef.apiGroup")

NEED_TEXT = {"Metadata": "metadata", "Request": "requestObject", "RequestResponse": "responseObject"}


@dataclass(frozen=True, order=True)
class Target:
    """A class of requests a detection can fire on. None means "any"."""

    kind: str  # "resource", "nonresource" or "any"
    group: str | None = None
    resource: str | None = None
    sub: str | None = None  # "" the bare resource; OTHER some subresource; None either
    verb: str | None = None

    def facts(self) -> dict:
        f: dict = {}
        if self.kind == "resource":
            f["objectRef"] = PRESENT
        elif self.kind == "nonresource":
            f["objectRef"] = ABSENT
        if self.group is not None:
            f["objectRef.apiGroup"] = Concrete(self.group) if self.group else ABSENT
        if self.resource is not None:
            f["objectRef.resource"] = Concrete(self.resource)
        if self.sub == "":
            f["objectRef.subresource"] = ABSENT
        elif self.sub == OTHER:
            f["objectRef.subresource"] = PRESENT
        elif self.sub is not None:
            f["objectRef.subresource"] = Concrete(self.sub)
        if self.verb is not None:
            f["verb"] = Concrete(self.verb)
        return f

    def what(self) -> str:
        """The resource part: `pods/status`, `events.events.k8s.io`, `any resource`."""
        if self.kind == "nonresource":
            return "non-resource URLs"
        if self.resource is None:
            return "any request" if self.kind == "any" else "any resource"
        name = self.resource
        defaults = k8s.groups_of(self.resource)
        if self.group is None:
            name += " (any API group)"
        elif defaults is None or self.group != defaults[0]:
            name += f".{self.group}" if self.group else " (core group)"
        if self.sub == OTHER:
            return name + "/<any subresource>"
        if self.sub is None:
            return name + "/*"
        return f"{name}/{self.sub}" if self.sub else name


def describe_targets(targets) -> str:
    """`pods create/patch/update, pods/status patch/update` (verbs grouped per resource)."""
    verbs: dict[str, list] = {}
    for t in sorted(targets, key=lambda t: (t.what(), t.verb or "")):
        verbs.setdefault(t.what(), [])
        if t.verb is None:
            verbs[t.what()] = None
        elif verbs[t.what()] is not None and t.verb not in verbs[t.what()]:
            verbs[t.what()].append(t.verb)
    parts = []
    for what, vs in verbs.items():
        parts.append(what if not vs else f"{what} {'/'.join(vs)}")
    return ", ".join(parts)


@dataclass
class DetectionNeeds:
    id: str
    loc: Location
    pred: object
    reads: tuple[str, ...]  # bodies it tests, in BODY_LEVEL order
    needs: str  # level
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_text(self) -> str:
        return NEED_TEXT[self.needs]

    def can_fire(self, facts: dict, level: str) -> bool:
        """Can the detection still fire on an event logged at `level` (bodies it lacks are absent)?"""
        if level == "None":
            return False
        f = dict(facts)
        for body in BODY_LEVEL:
            if body not in bodies_at(level):
                f[body] = ABSENT
        return evaluate(self.pred, f) is not False


def analyse(rule: ir.IRRule) -> DetectionNeeds:
    reads = tuple(b for b in BODY_LEVEL if any(t.path.segments[0] == b for t in ir.iter_tests(rule.pred)))
    needs = max((BODY_LEVEL[b] for b in reads), key=level_rank, default="Metadata")
    det = DetectionNeeds(rule.id, rule.loc, rule.pred, reads, needs)
    det.targets = _targets(rule, det)
    return det


def analyse_program(program: ir.Program) -> list[DetectionNeeds]:
    return [analyse(r) for r in program.rules if r.kind == "detect"]


def _targets(rule: ir.IRRule, det: DetectionNeeds) -> list[Target]:
    pred = rule.pred
    resources = rule.constraints.get("objectRef.resource")
    verbs = rule.constraints.get("verb")
    subs = ir.constraint(pred, _SUB)
    groups = ir.constraint(pred, _GROUP)
    verb_list = sorted(verbs) if verbs is not None else [None]

    def keep(t: Target) -> bool:
        return evaluate(pred, t.facts()) is not False

    if resources is None:
        as_resource = evaluate(pred, {"objectRef": PRESENT}) is not False
        as_url = evaluate(pred, {"objectRef": ABSENT}) is not False
        kind = "any" if as_resource and as_url else "resource" if as_resource else "nonresource"
        if not (as_resource or as_url):
            return []
        return [t for t in (Target(kind, verb=v) for v in verb_list) if keep(t)]

    # Cannot fire on an event without bodies: only requests whose body is the object count.
    body_only = det.reads and not det.can_fire({}, "Metadata")
    out: list[Target] = []
    for res in sorted(resources):
        known_groups = k8s.groups_of(res)
        if groups is not None:
            group_list = sorted(groups)
        elif known_groups:
            group_list = list(known_groups)
        else:
            group_list = [None]
            det.notes.append(f"{res!r} is not a built-in resource and the rule does not test objectRef.apiGroup: "
                             f"any API group is assumed")
        known_subs = k8s.subresources_of(res)
        if subs is not None:
            sub_list = sorted(subs)
        elif known_subs is not None:
            sub_list = [""] + [s for s in known_subs if not body_only or s in k8s.OWN_BODY_SUBRESOURCES]
        else:
            sub_list = ["", OTHER]
        for group in group_list:
            for sub in sub_list:
                served = k8s.verbs_of(res, sub) if sub != OTHER else None
                if res not in k8s.RESOURCE_GROUPS and sub == "":
                    served = None
                vs = verb_list
                if served is not None:
                    vs = [v for v in verb_list if v is None or v in served]
                    if verbs is None:
                        vs = list(served)
                for v in vs:
                    t = Target("resource", group, res, sub, v)
                    if keep(t):
                        out.append(t)
    return out
