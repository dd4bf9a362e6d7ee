"""`auditc policy generate`: the audit policy a rule pack needs, and no more.

Built from the pack, in first-match order:

1. body rules: each detection that reads a body gets Request (requestObject)
   or RequestResponse (responseObject) for exactly the requests it targets
   (needs.py), grouped into as few rules as share a level and verbs;
2. keep rules: Metadata for the requests of detections that a None rule
   below would otherwise take (e.g. Secret watches before `watch: None`);
3. None rules: the pack's drop rules, where a policy rule can express them
   (express.py) *and* no detection can fire on what they take (coverage.py
   decides; a blocked candidate is written out commented, with the
   detections it would blind). Pipeline drop rules never drop an event a
   detection matches; a policy has no such exception, so for rules such as
   `forbidden-request` (any request RBAC refuses) most noise stays in the
   log and the pipeline drops it after the detections have seen it;
4. Metadata for everything else, with omitStages [RequestReceived] and
   omitManagedFields for all.

The result is deterministic and its own coverage check is clean: the
generator parses what it wrote and checks it again (coverage and lints).
`accept_blind` names detections the caller accepts losing under None rules
(the trade the article's tiered policy makes); `auditc policy check
--accept-blind` takes the same list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from auditc import __version__, ir
from auditc.errors import AuditcError, Diagnostic, Location
from auditc.policy import k8s_resources as k8s
from auditc.policy.coverage import coverage, diagnostics
from auditc.ir.passes.normal_form import dnf
from auditc.policy.express import expressible
from auditc.policy.levels import level_rank
from auditc.policy.lint import covers, lint, order_trap, sensitive
from auditc.policy.loader import parse_policy
from auditc.policy.model import GroupResources, Policy, PolicyRule
from auditc.policy.needs import NEED_TEXT, OTHER, DetectionNeeds, analyse_program, describe_targets
from auditc.policy.profile import Profile, TierRule
from auditc.policy.regions import describe, relate

FLOOR = "floor:"  # ids of the profile's floors among the detections of a body rule

_VERB_ORDER: dict[str, int] = {}
for _v in k8s.RESOURCE_VERBS + k8s.NON_RESOURCE_VERBS:
    _VERB_ORDER.setdefault(_v, len(_VERB_ORDER))
_LOC = Location("<generated>")


def _verbs(vs) -> tuple:
    return tuple(sorted(set(vs), key=lambda v: (_VERB_ORDER.get(v, 99), v)))


def _group_key(g: str) -> tuple:
    return (g != "", g)


@dataclass
class Planned:
    rule: PolicyRule
    kind: str  # tier (the profile's sensitive tier) | body | keep | none | default
    comment: list[str] = field(default_factory=list)
    detections: set = field(default_factory=set)
    source: ir.IRRule | None = None  # the drop rule of a None rule
    blocked: dict = field(default_factory=dict)  # detection id -> example text


@dataclass
class Generated:
    text: str
    policy: Policy
    blocked: list[Planned]
    inexpressible: list[str]
    warnings: list[Diagnostic] = field(default_factory=list)  # sensitive bodies no redaction rule masks
    # With a profile: detections the profile's fixed tiers (or an unnamed API group) leave blind or degraded.
    blind: list[Diagnostic] = field(default_factory=list)


def _pattern(t) -> str:
    if t.sub == "":
        return t.resource
    if t.sub in (None, OTHER):
        return f"{t.resource}/*"  # checker.go: "resource/*" also matches the bare resource
    return f"{t.resource}/{t.sub}"


def _plan_levels(entries: dict, level_of, kind: str, why) -> list[Planned]:
    """entries: (group, pattern) -> {verb (None: any): detection ids}; (None, None) stands for "any resource".
    One rule per (level, verbs), resources grouped by API group; the highest levels first, so where two
    rules overlap the request gets the higher level (enough for both)."""
    slots: dict[tuple, dict] = {}
    for (group, pattern), verbs in entries.items():
        by_level: dict[str, dict] = {}
        for verb, dets in verbs.items():
            by_level.setdefault(level_of(dets), {})[verb] = dets
        for lv, vmap in by_level.items():
            verbs_key = () if None in vmap else _verbs(vmap)
            slot = slots.setdefault((lv, verbs_key, group is None), {"resources": {}, "dets": set()})
            slot["dets"] |= set().union(*vmap.values())
            if group is not None:
                slot["resources"].setdefault(group, set()).add(pattern)

    def order(item):
        (lv, verbs, generic), slot = item
        first = min(((_group_key(g), min(p)) for g, p in slot["resources"].items()), default=((False, ""), ""))
        return (-level_rank(lv), generic, first, verbs)

    planned = []
    for (lv, verbs, _generic), slot in sorted(slots.items(), key=order):
        # "res/*" already takes the bare resource (checker.go), so "res" next to it is redundant.
        res = {g: {p for p in ps if "/" in p or f"{p}/*" not in ps} for g, ps in slot["resources"].items()}
        groups = tuple(GroupResources(g, tuple(sorted(res[g])), (), _LOC) for g in sorted(res, key=_group_key))
        rule = PolicyRule(number=0, level=lv, verbs=verbs, resources=groups, loc=_LOC)
        planned.append(Planned(rule, kind, why(lv, slot["dets"]), slot["dets"]))
    return planned


def _clear_of(earlier: list[Planned], candidates: list[Planned], blocked: list[Planned]) -> list[Planned]:
    """None candidates that earlier rules would take entirely or in part (which `policy check` would flag)
    lose the verbs those rules take, or are left out."""
    out = []
    for c in candidates:
        rule = c.rule
        for e in earlier:
            verbs = order_trap(e.rule, rule)
            if covers(e.rule, rule) or (verbs is not None and not (verbs and rule.verbs)):
                rule = None
                break
            if verbs is not None:
                rule = PolicyRule(**{**rule.__dict__, "verbs": tuple(v for v in rule.verbs if v not in verbs)})
                if not rule.verbs:
                    rule = None
                    break
        if rule is None:
            c.blocked.setdefault("(taken by the body rules above)", "all of it")
            blocked.append(c)
        else:
            c.rule = rule
            out.append(c)
    return out


def _drop_covered(planned: list[Planned]) -> list[Planned]:
    """Leave out rules an earlier (higher-level) rule already takes entirely, and the verbs an earlier
    catch-all takes from a later resource rule (`policy check` would flag the overlap); credit their
    detections to it."""
    kept: list[Planned] = []
    for p in planned:
        owner = next((k for k in kept if covers(k.rule, p.rule)), None)
        for k in kept if owner is None else ():
            taken = order_trap(k.rule, p.rule)
            if taken and p.rule.verbs:
                left = tuple(v for v in p.rule.verbs if v not in taken)
                k.detections |= p.detections
                if not left:
                    owner = k
                    break
                p.rule = PolicyRule(**{**p.rule.__dict__, "verbs": left})
        if owner is None:
            kept.append(p)
        else:
            owner.detections |= p.detections
            owner.comment.append("Also covers: " + ", ".join(sorted(p.detections)) + ".")
    return kept


def _number(planned: list[Planned]) -> Policy:
    rules = []
    for i, p in enumerate(planned, start=1):
        p.rule = PolicyRule(**{**p.rule.__dict__, "number": i})
        rules.append(p.rule)
    return Policy("<generated>", rules, ("RequestReceived",), True)


def _unnamed(t) -> bool:
    # A policy names every resource with its group; for a custom resource we do not know it.
    return t.kind == "resource" and bool(t.resource) and t.group is None


def _unnamed_diagnostic(det: DetectionNeeds, t, level: str = "error") -> Diagnostic:
    return Diagnostic(det.loc, f"{det.id} reads the {NEED_TEXT[det.needs]} of {t.resource!r}, which is not a "
                               f"built-in resource: add an objectRef.apiGroup test to the rule so the policy can "
                               f"name its API group", level)


def unnamed_groups(dets: list[DetectionNeeds]) -> list[Diagnostic]:
    """Warnings for detections reading bodies of resources whose API group no policy rule can name."""
    found = {_unnamed_diagnostic(d, t, "warning") for d in dets if d.needs != "Metadata" for t in d.targets
             if _unnamed(t)}
    return sorted(found, key=lambda d: (d.location, d.message))


def _tier_rule(t: TierRule) -> PolicyRule:
    groups = tuple(GroupResources(g, tuple(res), (), _LOC) for g, res in t.resources)
    return PolicyRule(number=0, level=t.level, verbs=_verbs(t.verbs), resources=groups, loc=_LOC)


def generate(compiled, rules_dir: str, accept_blind: tuple = (), command: str | None = None,
             profile: Profile | None = None) -> Generated:
    """Without a profile: the policy the pack needs and no more (`auditc policy generate`). With one
    (profile.SHIPPED for `auditc build`): the profile's tiers filled from the pack; detections the
    profile's fixed tiers leave blind are returned in Generated.blind instead of failing."""
    program = compiled.program
    dets = analyse_program(program)
    by_id = {d.id: d for d in dets}
    unknown = [a for a in accept_blind if a not in by_id]
    if unknown:
        raise ValueError(f"--accept-blind: no enabled detection {unknown[0]!r} in {rules_dir}")
    accept = set(accept_blind)
    if profile is not None:
        accept |= {a for a in profile.accept_blind if a in by_id}
    planned_tier = [Planned(_tier_rule(t), "tier", [t.why]) for t in (profile.sensitive if profile else ())]

    # 1. Bodies.
    body: dict = {}
    unnamed: list[Diagnostic] = []
    unnamed_ids: set = set()
    level_gap_ids: set = set()  # profile mode: detections reading bodies of any resource
    for det in dets:
        if det.needs == "Metadata":
            continue
        for t in det.targets:
            if _unnamed(t):
                unnamed.append(_unnamed_diagnostic(det, t))
                unnamed_ids.add(det.id)
                continue
            if profile is not None and not (t.kind == "resource" and t.resource):
                # A body read on any resource (pod templates matched by shape, CRDs included)
                # would log every write's body: the shipped policy keeps bodies only for the
                # resources it names (its floors), and coverage reports the rest.
                level_gap_ids.add(det.id)
                continue
            key = (t.group, _pattern(t)) if t.kind == "resource" and t.resource else (None, None)
            body.setdefault(key, {}).setdefault(t.verb, set()).add(det.id)
    unnamed = sorted(set(unnamed), key=lambda d: (d.location, d.message))
    if unnamed and profile is None:
        raise AuditcError(unnamed)
    floor_level: dict[str, str] = {}
    for t in (profile.floors if profile else ()):
        fid = f"{FLOOR}{len(floor_level)}"
        floor_level[fid] = t.level
        for group, resources in t.resources:
            for res in resources:
                verbs = body.setdefault((group, res), {})
                for verb in (t.verbs or (None,)):
                    verbs.setdefault(verb, set()).add(fid)

    def body_why(level, ids):
        names = sorted(i for i in ids if i not in floor_level)
        if len(names) == len(ids):
            return [f"{level}: {', '.join(names)} read{'s' if len(names) == 1 else ''} the {NEED_TEXT[level]}."]
        parts = []
        for need in ("RequestResponse", "Request"):
            some = [i for i in names if by_id[i].needs == need]
            if some:
                parts.append(f"{', '.join(some)} read{'s' if len(some) == 1 else ''} the {NEED_TEXT[need]}")
        return [f"{level}: the profile's forensic floor keeps these bodies" + "".join(f"; {p}" for p in parts) + "."]

    def body_level(ids):
        return max((floor_level[i] if i in floor_level else by_id[i].needs for i in ids), key=level_rank)

    planned_body = _drop_covered(_plan_levels(body, body_level, "body", body_why))
    planned_body = [p for p in planned_body if not any(covers(t.rule, p.rule) for t in planned_tier)]
    for p in planned_body:
        p.detections -= set(floor_level)
    for p in planned_body:
        p.comment += _redaction_notes(p.rule, program)

    # 3. None candidates from the drop rules.
    candidates: list[Planned] = []
    inexpressible: list[str] = []
    for drop in program.of_kind("drop"):
        conjuncts = dnf(drop.pred) or []
        specs = [s for s in (expressible(c) for c in conjuncts) if s is not None]
        if len(specs) < len(conjuncts) or not conjuncts:
            inexpressible.append(f"{drop.id} ({drop.loc}): " + ("partly" if specs else "not") +
                                 " expressible as a policy rule (it tests what the apiserver's policy cannot see)")
        for spec in specs:
            candidates.append(Planned(_spec_rule(spec), "none", [], set(), drop))

    default = Planned(PolicyRule(number=0, level="Metadata", loc=_LOC), "default",
                      ["Everything else: who, what, when and the result, without bodies."])

    # 2 and 4. Keep rules for the candidates still alive; drop candidates that would blind a detection.
    alive = list(candidates)
    blocked: list[Planned] = []
    while True:
        planned_keep = [p for p in _keep_rules(dets, accept, alive)
                        if not any(covers(b.rule, p.rule) for b in planned_tier + planned_body)]
        alive = _clear_of(planned_tier + planned_body + planned_keep, alive, blocked)
        planned = planned_tier + planned_body + planned_keep + alive + [default]
        policy = _number(planned)
        hit = False
        for cov in coverage(policy, dets, accept | level_gap_ids):
            for gap in cov.gaps:
                owner = next((p for p in planned if p.rule is gap.rule), None) if gap.rule else None
                if owner is None or owner.kind != "none":
                    continue
                example = describe(gap.examples[0]) if gap.examples else describe_targets([gap.target])
                owner.blocked.setdefault(cov.det.id, example)
                hit = True
        if not hit:
            break
        blocked += [p for p in alive if p.blocked]
        alive = [p for p in alive if not p.blocked]

    for p in alive:
        p.comment = [f"None: {p.source.id} ({p.source.loc}) drops these in the pipeline, and no detection "
                     + ("outside --accept-blind " if accept else "") + "can fire on them."]
    planned = planned_tier + planned_body + planned_keep + alive + [default]
    _tier_notes(planned_tier, _number(planned), dets, accept, program)
    partial = set(level_gap_ids)
    if profile is not None:
        # Detections the fixed tiers cap on purpose (Secret write responses are never logged) but that
        # still fire on part of what they target: the profile's trade, declared, not a finding.
        tiers = {p.rule.number for p in planned_tier}
        for cov in coverage(_number(planned), dets, accept):
            if cov.status == "partial" and all(g.rule is not None and g.rule.number in tiers for g in cov.gaps):
                partial.add(cov.det.id)
    text = _render(planned, blocked, inexpressible, rules_dir, accept, command, profile, partial)

    # Self-check: what we wrote must parse, cover every detection and pass the lints. Sensitive bodies
    # without a redaction rule are the pack's to fix (a detection reads them): reported, not a bug.
    parsed, warnings = parse_policy(text, "<generated policy>")
    unredacted = sensitive(parsed, program, rules_dir)
    problems = warnings + [d for d in lint(parsed, program, rules_dir) if d not in unredacted]
    tier_numbers = {p.rule.number for p in planned_tier}
    blind: list[Diagnostic] = []
    for cov in coverage(parsed, dets, accept):
        expected = cov.det.id in unnamed_ids | level_gap_ids or all(g.rule is not None and g.rule.number in tier_numbers
                                                    for g in cov.gaps)
        (blind if profile is not None and expected else problems).extend(diagnostics(parsed, [cov]))
    if problems:
        raise AuditcError([Diagnostic(d.location, "generated policy is not clean (auditc bug): " + d.message)
                           for d in problems])
    return Generated(text, parsed, blocked, inexpressible, unredacted, unnamed + blind)


def _tier_notes(planned_tier: list[Planned], policy: Policy, dets, accept, program) -> None:
    """The profile's fixed rules say which detections they serve and which they leave blind (from the
    rules, so the profile names no rule ids)."""
    served: dict[int, set] = {}
    short: dict[int, set] = {}
    for cov in coverage(policy, dets, accept):
        for rule in cov.covered_by.values():
            if rule is not None:
                served.setdefault(rule.number, set()).add(cov.det.id)
        for gap in cov.gaps:
            if gap.rule is not None:
                short.setdefault(gap.rule.number, set()).add(cov.det.id)
    for p in planned_tier:
        n = p.rule.number
        if p.rule.level != "Metadata":
            p.comment += _redaction_notes(p.rule, program)
        needed = served.get(n, set()) - short.get(n, set())
        if needed:
            p.comment.append("Needed by: " + ", ".join(sorted(needed)) + ".")
        if short.get(n):
            p.comment.append("Too low for: " + ", ".join(sorted(short[n])) + " (`auditc build` warns).")


def _keep_rules(dets: list[DetectionNeeds], accept: set, none_rules: list[Planned]) -> list[Planned]:
    """Metadata for the requests of detections that a None rule would otherwise take."""
    keep: dict = {}
    for det in dets:
        if det.needs != "Metadata" or det.id in accept:
            continue
        for t in det.targets:
            if t.kind != "resource" or not t.resource or t.group is None:
                continue
            if any(relate(c.rule, t).kind != "none" for c in none_rules):
                keep.setdefault((t.group, _pattern(t)), {}).setdefault(t.verb, set()).add(det.id)
    return _plan_levels(keep, lambda ids: "Metadata", "keep", lambda lv, ids: [
        f"Metadata, ahead of the None rules below: {', '.join(sorted(ids))} need{'s' if len(ids) == 1 else ''} "
        f"these requests."])


def _spec_rule(spec) -> PolicyRule:
    resources: tuple = ()
    if spec.resources is not None:
        by_group: dict[str, set] = {}
        for res in sorted(spec.resources):
            groups = sorted(spec.api_groups) if spec.api_groups is not None else list(k8s.groups_of(res) or ())
            known_subs = k8s.subresources_of(res)
            if spec.subresources is not None:
                patterns = {f"{res}/{s}" if s else res for s in spec.subresources}
            elif known_subs == ():
                patterns = {res}
            else:
                patterns = {f"{res}/*"}
            for g in groups:
                served = k8s.groups_of(res)
                if served is not None and g not in served:
                    continue
                by_group.setdefault(g, set()).update(patterns)
        resources = tuple(GroupResources(g, tuple(sorted(p)), tuple(sorted(spec.names or ())), _LOC)
                          for g, p in sorted(by_group.items(), key=lambda kv: _group_key(kv[0])))
    return PolicyRule(number=0, level="None", users=tuple(sorted(spec.users or ())),
                      user_groups=tuple(sorted(spec.groups or ())), verbs=_verbs(spec.verbs or ()),
                      resources=resources, namespaces=tuple(sorted(spec.namespaces or ())),
                      non_resource_urls=tuple(sorted(spec.paths or ())), loc=_LOC)


def _redaction_notes(rule: PolicyRule, program) -> list[str]:
    from auditc.policy.lint import SENSITIVE

    notes = []
    for (group, resource, sub), _bodies in SENSITIVE.items():
        label = f"{resource}/{sub}" if sub else resource
        if not any(gr.group == group and any(p in (label, "*", f"{resource}/*") for p in gr.resources)
                   for gr in rule.resources):
            continue
        redactors = sorted(r.id for r in program.of_kind("redact")
                           if resource in (r.constraints.get("objectRef.resource") or {resource})
                           and any(p.segments[0] in ("requestObject", "responseObject") for p in r.payload.paths))
        notes.append(f"{label} bodies hold secret material: the pipeline masks it ({', '.join(redactors)}).")
    return notes


# -- YAML ---------------------------------------------------------------------------------------

def _flow(values) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _list_lines(key: str, values, indent: str) -> list[str]:
    one = f"{indent}{key}: {_flow(values)}"
    if len(one) <= 110:
        return [one]
    return [f"{indent}{key}:"] + [f"{indent}  - {json.dumps(v)}" for v in values]


def _rule_lines(rule: PolicyRule, indent: str = "  ") -> list[str]:
    lines = [f"{indent}- level: {rule.level}"]
    inner = indent + "  "
    for key, values in (("users", rule.users), ("userGroups", rule.user_groups), ("verbs", rule.verbs)):
        if values:
            lines += _list_lines(key, values, inner)
    if rule.resources:
        lines.append(f"{inner}resources:")
        for gr in rule.resources:
            lines.append(f"{inner}  - group: {json.dumps(gr.group)}")
            lines += _list_lines("resources", gr.resources, inner + "    ")
            if gr.resource_names:
                lines += _list_lines("resourceNames", gr.resource_names, inner + "    ")
    for key, values in (("namespaces", rule.namespaces), ("nonResourceURLs", rule.non_resource_urls)):
        if values:
            lines += _list_lines(key, values, inner)
    return lines


def _wrap(text: str, prefix: str = "  # ", width: int = 110) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(prefix) + len(cur) + 1 + len(w) > width:
            lines.append(prefix + cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(prefix + cur)
    return lines


def _render(planned: list[Planned], blocked: list[Planned], inexpressible: list[str], rules_dir: str,
            accept: set, command: str | None, profile: Profile | None = None, partial: set = frozenset()) -> str:
    if profile is None:
        cmd = command or f"auditc policy generate --rules {rules_dir}"
        out = [f"# generated by auditc {__version__} (`{cmd}`): do not edit, regenerate after rule changes.",
               "# kube-apiserver --audit-policy-file for this rule pack. Rules are first-match. Every enabled "
               "detection",
               "# gets the level it needs for the requests it targets, and no more; everything else is logged at",
               "# Metadata. Check it with `auditc policy check POLICY --rules " + rules_dir
               + (" --accept-blind " + ",".join(sorted(accept)) if accept else "") + "`."]
    else:
        from auditc.artifacts import header

        out = [header("yaml"),
               f"# kube-apiserver --audit-policy-file for this rule pack: auditc's {profile.name!r} profile",
               "# (compiler/auditc/policy/profile.py) filled from the rules. Rules are first-match: the sensitive",
               "# tier at fixed levels, bodies where a detection reads them or the profile's forensic floors keep",
               "# them, Metadata for what a detection needs ahead of the None rules, the pack's drop rules at None",
               "# where no detection can fire on what they take, and Metadata for everything else.",
               "# `auditc policy check POLICY --rules " + rules_dir + "` checks it."]
    out += ["#",
            "# Noise is set to None only where no detection can fire on it: the pipeline's drop rules never drop an",
            "# event a detection matches, but a policy rule has no such exception, so what the apiserver cannot tell",
            "# apart (e.g. a watch RBAC refuses) is written and dropped by Fluent Bit after the detections saw it."]
    if accept and profile is None:
        out += _wrap("Accepted blind under None rules (--accept-blind): " + ", ".join(sorted(accept)) + ".", "# ")
    elif accept:
        out += _wrap("Accepted blind under the None rules (the metadata annotation; `policy check` honours it): "
                     + ", ".join(sorted(accept)) + " can fire on any request, and a policy cannot say \"unless "
                     "refused\", \"unless impersonated\" or \"unless from this address\". `auditc policy generate --rules " + rules_dir
                     + "` writes a policy without that trade.", "# ")
    if partial:
        out += _wrap("Accepted partially blind (the metadata annotation): " + ", ".join(sorted(partial))
                     + " read bodies of any resource (pod templates matched by shape, custom resources "
                     "included); this policy keeps bodies only for the resources it names, so they see the "
                     "request bodies of those and not the rest.", "# ")
    out += ["apiVersion: audit.k8s.io/v1", "kind: Policy"]
    if (accept or partial) and profile is not None:
        from auditc.policy.loader import ACCEPT_BLIND_ANNOTATION, ACCEPT_PARTIAL_ANNOTATION

        out += ["metadata:", "  annotations:"]
        if accept:
            out.append(f"    {ACCEPT_BLIND_ANNOTATION}: {json.dumps(','.join(sorted(accept)))}")
        if partial:
            out.append(f"    {ACCEPT_PARTIAL_ANNOTATION}: {json.dumps(','.join(sorted(partial)))}")
    out += [
            "# RequestReceived repeats what ResponseComplete says; managedFields are bookkeeping, not evidence.",
            'omitStages: ["RequestReceived"]', "omitManagedFields: true", "rules:"]
    first_none = next((i for i, p in enumerate(planned) if p.kind in ("none", "default")), len(planned))
    for i, p in enumerate(planned):
        if i == first_none and (blocked or inexpressible):
            out.append("")
            for note in inexpressible:
                out += _wrap(note)
            for b in blocked:
                out += _wrap(f"Not at None: {b.source.id} ({b.source.loc}) would blind "
                             + "; ".join(f"{d} (e.g. {ex})" for d, ex in sorted(b.blocked.items()))
                             + ". The pipeline drops these after the detections have seen them.")
                out += ["  # " + line for line in _rule_lines(b.rule, "")]
        out.append("")
        for c in p.comment:
            out += _wrap(c)
        out += _rule_lines(p.rule)
    return "\n".join(out) + "\n"
