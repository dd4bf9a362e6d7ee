"""The pipeline in one place: rules directory -> RuleSet -> IR -> artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import ir
from .backends import fluentbit_snippets
from .backends.lua import LuaOptions, generate
from .loader import load_rules
from .model import RuleSet

SCRIPT_NAME = "auditc.lua"


@dataclass(frozen=True)
class BuildOptions:
    call: str = "auditc_filter"
    max_depth: int = 20
    match: str = "kube-audit*"
    script_dir: str = "/fluent-bit/etc"  # where the ConfigMap is mounted in the container


@dataclass
class Compiled:
    ruleset: RuleSet
    program: ir.Program
    lua: str


def compile_rules(rules_dir: str | Path, options: BuildOptions = BuildOptions()) -> Compiled:
    ruleset = load_rules(rules_dir)
    program = ir.lower(ruleset)
    lua = generate(program, LuaOptions(call=options.call, max_depth=options.max_depth))
    return Compiled(ruleset, program, lua)


def build_artifacts(compiled: Compiled, options: BuildOptions = BuildOptions()) -> dict[str, str]:
    """File name -> content for everything `auditc build` writes."""
    files = {SCRIPT_NAME: compiled.lua}
    files.update(fluentbit_snippets.filter_snippets(
        script_path=f"{options.script_dir.rstrip('/')}/{SCRIPT_NAME}", call=options.call, match=options.match,
        rule_count=len(compiled.program.rules)))
    return files
