"""Typed rule model: what a rule file means, independent of YAML and of Lua.

Every node keeps the `Location` it was written at, so later stages (IR,
backends, the test runner) can point back at the user's YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from auditc.errors import Location
from auditc.operators import Op
from auditc.paths import FieldPath
from auditc.severity import SEVERITIES, SEVERITY_RANK  # noqa: F401 (re-exported)

# Redaction modes that replace regex matches inside strings.
PATTERN_MODES = ("scrub", "scan")
NAME_MODES = ("credentials",)  # modes that take `names` (and `except`)
WHOLE_RECORD_MODES = ("scan", "credentials")  # modes whose fields may be omitted

# What each operator means lives in operators.py (the one operator table).

Scalar = Union[str, int, float, bool]


@dataclass(frozen=True)
class ListRef:
    name: str
    loc: Location


@dataclass(frozen=True)
class FieldTest:
    path: FieldPath
    op: Op
    # equals/gt..: a scalar; in/prefix/..: tuple of Scalar | ListRef; exists/absent: True;
    # json_patch: a PatchSpec
    value: Any
    loc: Location


@dataclass(frozen=True)
class PatchSpec:
    """A `json_patch` test's value: pointer patterns (as written, and parsed
    into segment tuples by jsonpatch.parse_pattern), the operation kinds that
    count, and the test on the values written. `test` is a FieldTest whose
    path is the outer test's (unused) so list references, patterns and
    networks in it are checked and lowered like any other test's."""

    pointers: tuple  # of str
    patterns: tuple  # of segment tuples
    kinds: tuple  # of str
    test: "FieldTest"
    loc: Location
    source: str = ""  # the operand as written (compact), for explanations


@dataclass(frozen=True)
class All:
    items: tuple
    loc: Location


@dataclass(frozen=True)
class Any_:
    items: tuple
    loc: Location


@dataclass(frozen=True)
class Not:
    item: Any
    loc: Location


@dataclass(frozen=True)
class MacroRef:
    name: str
    loc: Location


Condition = Union[FieldTest, All, Any_, Not, MacroRef]


@dataclass
class ListDef:
    name: str
    items: list
    loc: Location
    extend: bool = False
    override: bool = False


@dataclass
class MacroDef:
    name: str
    condition: Condition
    loc: Location
    override: bool = False


@dataclass
class AlertHints:
    threshold: int | None = None
    window: str | None = None
    for_: str | None = None
    group_by: tuple = ()
    severity: str | None = None
    exclude: tuple = ()  # usernames and ListRefs
    escalate: tuple | None = None  # (threshold, severity)
    runbook: str | None = None


@dataclass
class FieldExpectation:
    path: FieldPath
    kind: str  # equals | contains | absent | exists | redacted
    value: Any
    loc: Location


@dataclass
class Expectation:
    fires: bool | None = None
    detections: list[str] | None = None
    dropped: bool | None = None
    severity: str | None = None
    fields: list[FieldExpectation] = field(default_factory=list)
    not_contains: list[str] = field(default_factory=list)
    loc: Location | None = None
    detections_loc: Location | None = None


@dataclass
class TestCase:
    name: str
    events: list[dict]
    expect: Expectation
    loc: Location
    owner: str | None = None  # id of the rule it is embedded in
    layer: int = 0  # of the file it is written in (frontend/repo.py): what its `detections` may speak about


@dataclass(frozen=True)
class Change:
    """A `disable:` or `override:` entry that changed a rule defined elsewhere."""

    key: str  # "enabled", "severity", "title", "tags", "alert"
    before: Any  # the rule's own value
    loc: Location
    layer: int


@dataclass
class Rule:
    id: str
    kind: str
    description: str
    loc: Location
    enabled: bool = True
    tests: list[TestCase] = field(default_factory=list)
    layer: int = 0  # of the file defining it (frontend/repo.py)
    changes: dict[str, Change] = field(default_factory=dict)  # by key, from disable/override

    def value_at(self, key: str, layer: int):
        """The rule's `key` as a test of `layer` sees it: changes made in higher layers
        (a site's override of a pack rule) are invisible to the layers below."""
        change = self.changes.get(key)
        current = getattr(self, key)
        return change.before if change is not None and change.layer > layer else current


@dataclass
class DetectRule(Rule):
    title: str = ""
    severity: str = "medium"
    tags: tuple = ()
    match: Condition | None = None
    exceptions: tuple = ()
    alert: AlertHints | None = None


@dataclass
class DropRule(Rule):
    match: Condition | None = None


@dataclass
class RedactRule(Rule):
    when: Condition | None = None  # None: every record
    fields: tuple = ()  # of (FieldPath, Location); scan mode: () is the whole record
    mode: str = "mask"  # mask | replace | remove | scrub | scan | credentials
    replacement: str = "[REDACTED]"
    patterns: tuple = ()  # scrub and scan modes: regexes
    patterns_loc: Location | None = None
    names: tuple = ()  # credentials mode: globs and ListRefs of credential names
    except_names: tuple = ()  # credentials mode: globs and ListRefs of names that are not
    names_loc: Location | None = None


def walk(cond):
    """Every node of a condition tree, depth first (macros not expanded); the
    value test inside a json_patch test comes right after it."""
    yield cond
    if isinstance(cond, FieldTest) and isinstance(cond.value, PatchSpec):
        yield cond.value.test
    elif isinstance(cond, (All, Any_)):
        for c in cond.items:
            yield from walk(c)
    elif isinstance(cond, Not):
        yield from walk(cond.item)


def rule_conditions(rule: "Rule") -> list:
    if isinstance(rule, DetectRule):
        return [rule.match, *rule.exceptions]
    if isinstance(rule, DropRule):
        return [rule.match]
    return [rule.when] if rule.when is not None else []


@dataclass
class RuleSet:
    """Everything loaded from a rules directory, lists and macros merged."""

    rules: list[Rule]
    lists: dict[str, ListDef]
    macros: dict[str, MacroDef]
    tests: list[TestCase]  # file-level and embedded tests, in file order
    files: list[str]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def conditions(self) -> list:
        """Every condition of every rule and macro."""
        return [c for r in self.rules for c in rule_conditions(r)] + [md.condition for md in self.macros.values()]
