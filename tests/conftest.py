from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditc.compiler import compile_rules
from auditc.runtime import FluentBitLua

ROOT = Path(__file__).resolve().parents[1]


def write_rules(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


class Pipeline:
    """A compiled rule set plus one runtime per enable_flb_null mode."""

    def __init__(self, compiled):
        self.compiled = compiled
        self.runtimes = {mode: FluentBitLua(compiled.lua, "auditc_filter", enable_flb_null=mode)
                         for mode in (False, True)}

    def run(self, event, flb_null=False):
        result = self.runtimes[flb_null].filter([event])
        assert not result.passthrough, result.error
        assert not result.problems, result.problems
        return result.per_input[0]

    def detections(self, event, flb_null=False):
        out = self.run(event, flb_null)
        if not out:
            return None  # dropped
        return out[0].record.get("detection", {}).get("rules", [])

    def fires(self, event) -> bool:
        """Fired in both null modes (and the modes agree)."""
        got = [bool(self.detections(event, mode)) for mode in (False, True)]
        assert got[0] == got[1], f"enable_flb_null modes disagree: {got}"
        return got[0]


@pytest.fixture
def compile_yaml(tmp_path):
    def _compile(text: str, name: str = "rules.yaml") -> Pipeline:
        d = write_rules(tmp_path / "rules", {name: text})
        return Pipeline(compile_rules(d))
    return _compile


def detect_rule(match_yaml: str, rule_id: str = "r", extra: str = "") -> str:
    """A one-rule file whose match condition is `match_yaml` (a YAML mapping)."""
    body = textwrap.indent(textwrap.dedent(match_yaml).strip(), " " * 6)
    return (f"rules:\n  - id: {rule_id}\n    kind: detect\n    title: t\n    description: d\n"
            f"    severity: high\n    match:\n{body}\n{extra}")
