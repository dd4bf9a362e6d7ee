"""Diagnostics that carry their source location and a stable code.

Every problem auditc reports about user input is a `Diagnostic` with a
`file:line:col` location (1-based, like compilers and yamllint print them)
and a code from `CODES` (documented in docs/diagnostics.md), so the CLI can
print it as text (`file:line:col: error: message [AUD201]`) or as a GitHub
annotation. Code that finds several problems collects them and raises one
`AuditcError` at the end, so a user sees every mistake of a run at once.

Exceptions: `AuditcError` is a problem in the user's input (exit 1),
`UsageError` a bad command-line option value (exit 2). Anything else that
escapes is a bug in auditc (exit 3, "internal error").
"""

from __future__ import annotations

from dataclasses import dataclass, field

# One table of every diagnostic code: code -> one-line meaning.
# 1xx YAML and schema, 2xx references/lists/macros, 3xx patterns and values,
# 4xx tests, 5xx build and policy.
CODES: dict[str, str] = {
    "AUD101": "file cannot be read as YAML (syntax error, not UTF-8, missing)",
    "AUD102": "bad mapping key (duplicate, not a string, merge key)",
    "AUD103": "unknown key",
    "AUD104": "required key missing",
    "AUD105": "value of the wrong type or not one of the allowed values",
    "AUD106": "malformed condition (no operator, several operators, mixed combinators)",
    "AUD107": "no rule files found, or an empty rule file",
    "AUD201": "macro is never used",
    "AUD202": "list is never used",
    "AUD203": "unknown list",
    "AUD204": "unknown macro",
    "AUD205": "macro cycle",
    "AUD206": "duplicate rule id",
    "AUD207": "list or macro defined twice, extended before definition, or override of nothing",
    "AUD208": "disable: or override: names a rule that is not loaded",
    "AUD209": "override: that cannot apply (not a detection, the same key overridden twice, the rule is disabled)",
    "AUD210": "auditc.yaml: an extends or rules entry that does not exist, or an extends cycle",
    "AUD211": "a rule directory of a rules repository given alone (what the repository extends is not loaded)",
    "AUD301": "invalid field path",
    "AUD302": "regex or pattern cannot be translated exactly to Lua",
    "AUD303": "value of the wrong kind for its operator (e.g. a number where strings are tested)",
    "AUD304": "rule options that do not work together (mode/patterns, remove of [*], escalate threshold)",
    "AUD305": "field path no audit event has (not in audit.k8s.io/v1 Event, or not in the OpenAPI schema of the resources the rule matches)",
    "AUD401": "test expects a rule that does not exist or is not a detection",
    "AUD402": "'fires' in a file-level test",
    "AUD403": "test expects a disabled rule to fire (it is left out of the expected detections)",
    "AUD404": "test failed (auditc test)",
    "AUD501": "generated file is out of date (build --check)",
    "AUD502": "policy problem (policy check)",
}


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
    code: str = ""  # a key of CODES

    def format(self, style: str = "text") -> str:
        loc = self.location
        if style == "github":
            # https://docs.github.com/actions/reference/workflow-commands-for-github-actions
            props = f"file={loc.file}"
            if loc.line > 0:
                props += f",line={loc.line},col={loc.col}"
            if self.code:
                props += f",title={self.code}"
            msg = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            return f"::{self.level} {props}::{msg}"
        return f"{loc}: {self.level}: {self.message}" + (f" [{self.code}]" if self.code else "")

    def to_dict(self) -> dict:
        loc = self.location
        return {"file": loc.file, "line": loc.line, "col": loc.col, "level": self.level,
                "code": self.code, "message": self.message}


@dataclass
class AuditcError(Exception):
    """One or more problems in the user's input. Never a bug in auditc."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)

    def __hash__(self) -> int:
        return id(self)


class UsageError(Exception):
    """A bad command-line option value or combination (exit 2)."""


class DiagnosticSink:
    """Collects diagnostics; `raise_if_errors` turns them into one AuditcError."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, location: Location, message: str, code: str = "") -> None:
        self.items.append(Diagnostic(location, message, "error", code))

    def warning(self, location: Location, message: str, code: str = "") -> None:
        self.items.append(Diagnostic(location, message, "warning", code))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise AuditcError(sorted(self.items, key=lambda d: d.location))
