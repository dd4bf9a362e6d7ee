"""IR nodes: predicates (Test, And, Or, Not, Const), rules, and the Program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditc.errors import Location
from auditc.paths import FieldPath


@dataclass(frozen=True)
class Test:
    path: FieldPath
    op: str
    values: tuple  # literals; for glob/regex: tuple of Lua patterns (bytes)
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


@dataclass
class IRRule:
    number: int  # 1-based evaluation order across all kinds
    id: str
    kind: str
    loc: Location
    pred: Any
    severity: str | None = None
    redact_paths: tuple = ()  # FieldPath
    mode: str = "mask"
    replacement: str = "[REDACTED]"
    scrub_patterns: tuple = ()  # Lua patterns (bytes), scrub mode
    constraints: dict = field(default_factory=dict)  # FieldPath.text -> frozenset | None
    residual: Any = None  # pred without the tests the dispatch index already guarantees
    title: str = ""
    description: str = ""
    tags: tuple = ()
    alert: Any = None  # model.AlertHints with `exclude` expanded to plain usernames


@dataclass
class Program:
    rules: list[IRRule]
    source_files: list[str]

    def of_kind(self, kind: str) -> list[IRRule]:
        return [r for r in self.rules if r.kind == kind]


KIND_ORDER = {"detect": 0, "drop": 1, "redact": 2}


def iter_tests(pred):
    """Every Test of a predicate, depth first, in source order."""
    if isinstance(pred, Test):
        yield pred
    elif isinstance(pred, (And, Or)):
        for item in pred.items:
            yield from iter_tests(item)
    elif isinstance(pred, Not):
        yield from iter_tests(pred.item)
