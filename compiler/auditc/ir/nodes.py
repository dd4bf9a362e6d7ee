"""IR nodes: predicates (Test, And, Or, Not, Const), rules with a payload per
kind, and the Program every backend is a pure function of.

The IR holds everything a backend needs and nothing that points back into
the model: operators are `operators.Op`, glob/regex operands are compiled
`dialect.Pattern`s (with their source text, Lua and RE2 forms), lists are
expanded, macros inlined, alert exclusions resolved to plain usernames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from auditc.errors import Location
from auditc.operators import Op
from auditc.paths import FieldPath


@dataclass(frozen=True)
class Test:
    path: FieldPath
    op: Op  # never ABSENT: lowered to Not(Test(EXISTS))
    values: tuple  # operands: literals, or dialect.Pattern for glob/regex
    loc: Location


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Const:
    value: bool


Pred = Union[Test, And, Or, Not, Const]


@dataclass(frozen=True)
class Alert:
    """A detection's alerting hints, with `exclude` expanded to plain usernames."""

    threshold: int | None = None
    window: str | None = None
    for_: str | None = None
    group_by: tuple = ()  # FieldPath
    severity: str | None = None
    exclude: tuple = ()
    escalate: tuple | None = None  # (threshold, severity)
    runbook: str | None = None


@dataclass(frozen=True)
class Detection:
    severity: str
    title: str = ""
    description: str = ""
    tags: tuple = ()
    alert: Alert = Alert()


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class Redaction:
    paths: tuple = ()  # FieldPath
    mode: str = "mask"  # mask | remove | replace | scrub
    replacement: str = "[REDACTED]"
    scrub_patterns: tuple = ()  # scrub/scan modes: Lua patterns (bytes), each once
    # Per pattern, its pre-check: (literal bytes every match contains, found
    # case-insensitively?) or None (no literal: the pattern always runs).
    prechecks: tuple = ()
    # credentials mode: anchored Lua patterns for lower-cased names that hold
    # credentials, and for those that do not (each once), and the literals
    # (lower case) of which a name matching `names` holds at least one, or
    # None when some name pattern has no literal.
    names: tuple = ()
    except_names: tuple = ()
    name_literals: tuple | None = ()
    # scrub/scan: per pattern, whether its first capture (what preceded \K in
    # the regex) is kept in front of the replacement
    scrub_keep: tuple = ()
    # scrub/scan: per pattern, the bytes every match starts with, as
    # (bytes, case-insensitive?), or None: the filter tries the pattern only
    # where they occur (dialect/lua_literal.leading_literal)
    anchors: tuple = ()

    @property
    def whole_record(self) -> bool:
        """scan mode without fields scans every string of the record, keys
        included; credentials mode without fields walks both bodies and the
        event's annotations."""
        return self.mode in ("scan", "credentials") and not self.paths

    def redacts_below(self, top: str) -> bool:
        """Does the rule act on the top-level field `top` (e.g. requestObject)?
        A whole-record credentials rule walks both bodies; a whole-record scan
        only replaces secret-shaped strings, which is not masking a body."""
        if self.whole_record and self.mode == "credentials":
            return top in ("requestObject", "responseObject", "annotations")
        return any(p.segments[0] == top for p in self.paths)


KIND_OF = {Detection: "detect", Drop: "drop", Redaction: "redact"}
KIND_ORDER = {"detect": 0, "drop": 1, "redact": 2}  # the order the filter runs kinds in


@dataclass
class IRRule:
    number: int  # 1-based evaluation order across all kinds
    id: str
    loc: Location
    pred: Pred
    payload: Detection | Drop | Redaction
    constraints: dict = field(default_factory=dict)  # index FieldPath.text -> frozenset | None
    residual: Pred = Const(True)  # pred without the tests the dispatch index already guarantees

    @property
    def kind(self) -> str:
        return KIND_OF[type(self.payload)]


@dataclass
class Program:
    rules: list[IRRule]
    source_files: list[str]

    def of_kind(self, kind: str) -> list[IRRule]:
        return [r for r in self.rules if r.kind == kind]


def iter_tests(pred):
    """Every Test of a predicate, depth first, in source order."""
    if isinstance(pred, Test):
        yield pred
    elif isinstance(pred, (And, Or)):
        for item in pred.items:
            yield from iter_tests(item)
    elif isinstance(pred, Not):
        yield from iter_tests(pred.item)
