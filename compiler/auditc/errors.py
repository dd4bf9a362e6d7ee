"""Diagnostics that carry their source location.

Every problem auditc reports about user input is a `Diagnostic` with a
`file:line:col` location (1-based, like compilers and yamllint print them), so
the CLI can print it as text or as a GitHub annotation. Code that finds
several problems collects them and raises one `AuditcError` at the end, so a
user sees every mistake of a run at once instead of fixing them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown (e.g. a whole-file problem)
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    message: str
    level: str = "error"  # "error" or "warning"

    def format(self, style: str = "text") -> str:
        loc = self.location
        if style == "github":
            # https://docs.github.com/actions/reference/workflow-commands-for-github-actions
            props = f"file={loc.file}"
            if loc.line > 0:
                props += f",line={loc.line},col={loc.col}"
            msg = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            return f"::{self.level} {props}::{msg}"
        return f"{loc}: {self.level}: {self.message}"


@dataclass
class AuditcError(Exception):
    """One or more problems in the user's input. Never a bug in auditc."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


class DiagnosticSink:
    """Collects diagnostics; `raise_if_errors` turns them into one AuditcError."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, location: Location, message: str) -> None:
        self.items.append(Diagnostic(location, message, "error"))

    def warning(self, location: Location, message: str) -> None:
        self.items.append(Diagnostic(location, message, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise AuditcError(sorted(self.items, key=lambda d: d.location))
