"""Coverage: does a policy give every detection the level it needs?

For each detection (needs.py) and each class of requests it targets, walk
the policy's rules in order, first match wins (checker.go
EvaluatePolicyRule), with relations from regions.py:

- a rule at or above the needed level that matches the whole target ends
  the walk: covered;
- a rule below the needed level that matches the whole target ends it too:
  a gap, the rule is to blame;
- a rule that matches part of the target only matters when it is below the
  needed level *and* the detection could fire on that part (three-valued
  evaluation: `forbidden-request` excludes the control plane, so a None rule
  for the scheduler's lease renewals does not blind it);
- no rule at all: kube-apiserver's DefaultAuditLevel, None.

A gap is *blind* when the detection cannot fire at all at the level it gets
(no event, or it reads a body that level does not keep), otherwise it
degrades (e.g. at Request a rule reading requestObject or responseObject
only sees the request half). A detection is blind when every target ends in
a blind gap, partially blind when some do or some part of a target is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditc.errors import Diagnostic, Location
from auditc.policy.levels import at_least
from auditc.policy.model import Policy, PolicyRule
from auditc.policy.needs import NEED_TEXT, DetectionNeeds, Target, describe_targets
from auditc.policy.regions import describe, merge, relate
from auditc.policy.tristate import evaluate


@dataclass
class Gap:
    rule: PolicyRule | None  # None: no rule matched (DefaultAuditLevel None)
    level: str
    partial: bool  # the rule takes only part of the target
    can_fire: bool  # the detection can still fire at that level (degraded, not blind)
    target: Target
    examples: tuple = ()  # partial: facts of regions where the detection could fire (a few)


@dataclass
class DetectionCoverage:
    det: DetectionNeeds
    gaps: list[Gap] = field(default_factory=list)
    covered_by: dict[Target, PolicyRule | None] = field(default_factory=dict)
    status: str = "ok"  # ok | partial | blind | accepted (blind only where --accept-blind allows)
    accepted: list[Gap] = field(default_factory=list)  # gaps under None rules the user accepts (--accept-blind)

    def to_dict(self) -> dict:
        return {
            "detection": self.det.id, "location": str(self.det.loc), "needs": self.det.needs,
            "reads": list(self.det.reads) or ["metadata"],
            "targets": describe_targets(self.det.targets), "status": self.status,
            "gaps": [{"policy_rule": g.rule.number if g.rule else None, "level": g.level, "partial": g.partial,
                      "blind": not g.can_fire, "target": describe_targets([g.target]),
                      "examples": [describe(f) for f in g.examples]} for g in self.gaps],
            "accepted_gaps": len(self.accepted),
            "notes": self.det.notes,
        }


def relevant(det: DetectionNeeds, base: dict, regions, limit: int = 5) -> tuple:
    """Facts of (up to `limit`) regions where the detection could fire; () if it cannot fire in any."""
    if not regions:  # too many combinations to enumerate: assume it could
        return (dict(base),)
    found = []
    for region in regions:
        facts = merge(base, region)
        if evaluate(det.pred, facts) is not False:
            found.append(facts)
            if len(found) >= limit:
                break
    return tuple(found)


def walk(policy: Policy, det: DetectionNeeds, target: Target) -> tuple[list[Gap], PolicyRule | None, bool]:
    """Gaps for one target, the rule that took the rest (None: default level), and whether it ended blind.

    checker.go EvaluatePolicyRule over a class of requests: rules in order, the first that matches all of
    the target ends the walk, and without one kube-apiserver's DefaultAuditLevel (None) applies. A rule
    matching only part of it may be shadowed there by an earlier partial rule; it is still reported (the
    walk does not subtract regions), which errs on the side of a warning."""
    base = target.facts()
    gaps: list[Gap] = []
    served = False  # an earlier rule logs part of the target at a level the detection can fire at
    for rule in policy.rules:
        rel = relate(rule, target)
        if rel.kind == "none":
            continue
        enough = at_least(rule.level, det.needs)
        if rel.kind == "full":
            if not enough:
                fires = det.can_fire(base, rule.level)
                # the rest of the target ends here; what earlier rules served is not lost
                gaps.append(Gap(rule, rule.level, served, fires, target))
                return gaps, rule, not fires and not served
            return gaps, rule, False
        if enough and relevant(det, base, rel.regions):
            served = True
        if not enough:
            examples = relevant(det, base, rel.regions)
            if examples:
                gaps.append(Gap(rule, rule.level, True, det.can_fire(base, rule.level), target, examples))
    gaps.append(Gap(None, "None", False, False, target))
    return gaps, None, True


def coverage(policy: Policy, detections: list[DetectionNeeds], accept=()) -> list[DetectionCoverage]:
    """`accept`: detection ids whose gaps under None rules are accepted (reported apart, not as findings),
    with those the policy itself declares (its auditc.dev/accept-blind annotation)."""
    accept = set(accept) | set(policy.accept_blind)
    out = []
    for det in detections:
        cov = DetectionCoverage(det)
        blind_targets = 0
        for target in det.targets:
            gaps, rule, blind = walk(policy, det, target)
            if det.id in accept:
                cov.accepted += [g for g in gaps if g.rule is not None and g.level == "None"]
                gaps = [g for g in gaps if g.rule is None or g.level != "None"]
                blind = blind and any(not g.partial for g in gaps)
            cov.gaps.extend(gaps)
            cov.covered_by[target] = rule
            blind_targets += blind
        if det.targets and blind_targets == len(det.targets):
            cov.status = "blind"
        elif cov.gaps and det.id in policy.accept_partial:
            cov.accepted += cov.gaps  # the policy declares this partial view (auditc.dev/accept-partial)
            cov.gaps = []
            cov.status = "accepted"
        elif cov.gaps:
            cov.status = "partial"
        elif cov.accepted:
            cov.status = "accepted"
        out.append(cov)
    return out


def diagnostics(policy: Policy, results: list[DetectionCoverage]) -> list[Diagnostic]:
    """One warning per detection and responsible policy rule, at the rule."""
    diags = []
    for cov in results:
        groups: dict[tuple, list[Gap]] = {}
        for gap in cov.gaps:
            key = (gap.rule.number if gap.rule else 0, gap.partial, gap.can_fire)
            groups.setdefault(key, []).append(gap)
        for (number, partial, can_fire), gaps in sorted(groups.items()):
            rule = gaps[0].rule
            det = cov.det
            targets = describe_targets([g.target for g in gaps])
            state = "blind" if cov.status == "blind" else "partially blind"
            need = NEED_TEXT[det.needs]
            if rule is None:
                loc = policy.rules_loc or policy.loc or Location(policy.file, 1, 1)
                blame = "no policy rule matches them, so kube-apiserver logs them at None (add a catch-all rule)"
            else:
                loc = rule.loc
                some = "them"
                if partial:
                    examples = []
                    for g in gaps:
                        for facts in g.examples:
                            text = describe(facts)
                            if text not in examples:
                                examples.append(text)
                    some = "some of them (e.g. " + "; ".join(examples[:3]) + ")"
                blame = f"policy rule {rule.summary()} logs {some} at {rule.level}"
                if rule.level != "None" and can_fire:
                    got = {"Metadata": "metadata only", "Request": "the requestObject only"}[rule.level]
                    blame += f" (it sees {got}: tests on the missing body cannot hold)"
            diags.append(Diagnostic(loc, f"{det.id} ({det.loc}) is {state}: it needs {need} for {targets}; {blame}",
                                    "warning"))
    return diags


def blind_spots(policy: Policy, program) -> list[Diagnostic]:
    """Coverage warnings for every enabled detection of `program` the policy leaves blind or partially
    blind (what `policy check --rules` reports, without the lints), honouring the policy's accepted ones."""
    from auditc.policy.generate import unnamed_groups
    from auditc.policy.needs import analyse_program

    dets = analyse_program(program)
    return unnamed_groups(dets) + diagnostics(policy, coverage(policy, dets))
