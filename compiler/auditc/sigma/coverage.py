"""Which imported Sigma rules the rules already loaded (the pack) cover.

An imported rule is *covered* when, over every test event the two rule sets
hold (the pack's tests, which are real audit events including its routine
and evasion cases, and the imported rule's generated tests), each event the
Sigma rule fires on is one where

- a pack detection fires too (the alert would double), or
- the pack says on purpose that it does not: the event is a test of a pack
  detection expecting it not to fire, or a pack test with an exact
  `detections` list (the pack tuned that case out: a dry run, a controller's
  routine write),

and at least one event is of the first kind. The pack rules that fire on
those shared events (the fewest that account for all of them) are what
covers it. An event where only the Sigma rule fires and no pack test claims
anything (for example its own generated sample) means the Sigma rule sees
something the pack does not: it is not covered, and is reported as
*overlapping* when it shares events with pack rules.

A pack rule can also declare what it covers with a tag `sigma.<Sigma rule
id>` (the tag the importer itself gives each imported rule).

Outcomes are computed with the reference evaluator (ir/evaluate.py), which
the differential tests hold to what the generated Lua computes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from auditc import ir, shipped
from auditc import model as m
from auditc.frontend.loader import discover, load_rules
from auditc.frontend.repo import expand
from auditc.errors import DiagnosticSink, Location
from auditc.ir.evaluate import holds


@dataclass
class Coverage:
    rule_id: str  # the imported rule
    covered_by: list[str] = field(default_factory=list)  # pack detections, most shared events first
    declared_by: list[str] = field(default_factory=list)  # pack rules tagged sigma.<id>
    shared: int = 0  # events the Sigma rule and some pack detection both fire on
    tuned: dict[str, int] = field(default_factory=dict)  # pack rule (or test) -> events it tunes out on purpose
    only_sigma: list[str] = field(default_factory=list)  # tests where only the Sigma rule fires

    @property
    def covered(self) -> bool:
        return bool(self.declared_by) or bool(self.covered_by) and not self.only_sigma

    @property
    def overlaps(self) -> bool:
        return bool(self.covered_by) and not self.covered

    def summary(self) -> str:
        if self.declared_by:
            return f"covered by {', '.join(self.declared_by)} (tagged sigma.<id> of this rule)"
        if not self.covered_by:
            return ""
        tuned = sum(self.tuned.values())
        head = f"{'covered by' if self.covered else 'overlaps'} {', '.join(self.covered_by)}"
        head += f" ({self.shared} shared test event{'s' if self.shared != 1 else ''}"
        head += f", {tuned} tuned out by the pack)" if tuned else ")"
        if self.only_sigma:
            head += f"; fires where the pack does not, e.g. {self.only_sigma[0]}"
        return head


@dataclass(frozen=True)
class _Event:
    event: dict
    label: str  # "file:line: test name", for messages
    claims_no_other: bool  # the test says exactly which detections fire (or that its owner does not)
    owner: str | None


@dataclass
class _Against:
    """The rule set imported rules are compared with, evaluated once per process."""

    detections: list  # IRRule of kind detect
    events: list[_Event]
    fired: list[list[str]]  # per event: the pack detections firing on it
    tags: dict[str, list[str]]  # sigma.<id> tag -> pack rules carrying it
    description: str


def compare(files: dict[str, str], sigma_ids: dict[str, str], against: list[Path],
            exclude: Path | None = None) -> dict[str, Coverage]:
    """Coverage of every rule in the rule files `files` (name -> text, as the importer
    writes them) by the rules under `against`; `sigma_ids` maps rule id -> Sigma id.
    Files under `exclude` (the import's own output directory) are no part of what is
    compared with: a previous import never covers itself."""
    base = _against(tuple(against), _fingerprint(against), exclude.resolve() if exclude else None)
    with tempfile.TemporaryDirectory(prefix="auditc-sigma-cover-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        rs = load_rules(tmp).ruleset
    program = ir.lower(rs)
    own = [_Event(e, f"the generated test {t.name!r} of {t.owner}", False, t.owner) for t in rs.tests for e in t.events]
    own_fired = [[d.id for d in base.detections if holds(d.pred, e.event)] for e in own]
    out = {}
    for rule in program.of_kind("detect"):
        cov = Coverage(rule.id)
        cov.declared_by = base.tags.get(f"sigma.{sigma_ids.get(rule.id, '')}", []) if sigma_ids.get(rule.id) else []
        shared: list[set[str]] = []
        for ev, fired in zip(base.events + own, base.fired + own_fired):
            if not holds(rule.pred, ev.event):
                continue
            if fired:
                shared.append(set(fired))
            elif ev.claims_no_other:
                key = ev.owner or ev.label
                cov.tuned[key] = cov.tuned.get(key, 0) + 1
            else:
                cov.only_sigma.append(ev.label)
        cov.shared = len(shared)
        cov.covered_by = _fewest_covering(shared)
        out[rule.id] = cov
    return out


def describe(against: list[Path], exclude: Path | None = None) -> str:
    """What `compare` compares with, in words: the paths, their detections and test events."""
    return _against(tuple(against), _fingerprint(against), exclude.resolve() if exclude else None).description


def _fewest_covering(shared: list[set[str]]) -> list[str]:
    """Greedy set cover: the pack rules that account for every shared event, most events first."""
    left = list(shared)
    chosen: list[str] = []
    while left:
        counts: dict[str, int] = {}
        for fired in left:
            for rid in fired:
                counts[rid] = counts.get(rid, 0) + 1
        best = max(sorted(counts), key=lambda rid: counts[rid])
        chosen.append(best)
        left = [f for f in left if best not in f]
    return chosen


def _fingerprint(against: list[Path]) -> tuple:
    """Changes whenever a file of the compared rule set does (the cache key)."""
    sink = DiagnosticSink()
    stamp = []
    for root in expand([Path(p) for p in against], sink):
        for f in discover(root.path) if root.path.exists() else []:
            st = f.stat()
            stamp.append((str(f.resolve()), st.st_mtime_ns, st.st_size))
    return tuple(stamp)


@lru_cache(maxsize=4)
def _against(against: tuple, _stamp: tuple, exclude: Path | None) -> _Against:
    rs = load_rules(list(against)).ruleset
    if exclude is not None:
        rs = _without(rs, exclude)
    program = ir.lower(rs)
    detections = program.of_kind("detect")
    kinds = {r.id: r.kind for r in rs.rules}
    events = []
    for t in rs.tests:
        owner_is_detect = t.owner is not None and kinds.get(t.owner) == "detect"
        claims = t.expect.detections is not None or (owner_is_detect and t.expect.fires is False)
        label = f"{t.loc.file}:{t.loc.line}: {t.name!r}" if t.loc.line else f"{t.loc.file}: {t.name!r}"
        events.extend(_Event(e, label, claims, t.owner if owner_is_detect else None) for e in t.events)
    fired = [[d.id for d in detections if holds(d.pred, e.event)] for e in events]
    tags: dict[str, list[str]] = {}
    for r in rs.rules:
        if isinstance(r, m.DetectRule) and r.enabled:
            for tag in r.tags:
                if tag.startswith("sigma."):
                    tags.setdefault(tag, []).append(r.id)
    pack = shipped.pack_dir().resolve()
    shown = ", ".join("the default pack" if Path(p).resolve() == pack else str(p) for p in against)
    return _Against(detections, events, fired, tags,
                    f"{shown} ({len(detections)} detections, {len(events)} test events)")


def _without(rs: m.RuleSet, exclude: Path) -> m.RuleSet:
    def outside(loc) -> bool:
        try:
            Path(loc.file).resolve().relative_to(exclude)
            return False
        except ValueError:
            return True
    return m.RuleSet(rules=[r for r in rs.rules if outside(r.loc)], lists=rs.lists, macros=rs.macros,
                     tests=[t for t in rs.tests if outside(t.loc)],
                     files=[f for f in rs.files if outside(Location(f))])
