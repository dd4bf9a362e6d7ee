"""Structural checks of Fluent Bit configs, classic and YAML.

Parses the text we generate (not our model of it) and checks what would
make Fluent Bit refuse to start or silently do nothing: sections and keys it
needs, every filter/output `Match` reaching some input `Tag`, referenced
parsers existing, the lua filter's Script naming a shipped file and Call a
global function in it, filesystem storage having a storage.path, and the
health check having its HTTP server. Used by the tests and by the harness
before it starts anything.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import yaml


@dataclass
class Config:
    service: dict[str, str] = field(default_factory=dict)
    inputs: list[dict[str, str]] = field(default_factory=list)
    filters: list[dict[str, str]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    parsers: list[dict[str, str]] = field(default_factory=list)


_SECTION = re.compile(r"^\[(\w+)\]\s*$")


def parse_classic(text: str) -> Config:
    cfg = Config()
    current: dict[str, str] | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _SECTION.match(line)
        if m:
            kind = m.group(1).upper()
            current = {}
            if kind == "SERVICE":
                cfg.service = current
            elif kind in ("INPUT", "FILTER", "OUTPUT", "PARSER"):
                {"INPUT": cfg.inputs, "FILTER": cfg.filters, "OUTPUT": cfg.outputs, "PARSER": cfg.parsers}[kind].append(current)
            else:
                raise ValueError(f"line {n}: unknown section [{kind}]")
            continue
        if current is None or not raw.startswith((" ", "\t")):
            raise ValueError(f"line {n}: entry outside a section or not indented: {raw!r}")
        parts = line.split(None, 1)
        if len(parts) != 2:
            raise ValueError(f"line {n}: key without value: {raw!r}")
        current[parts[0].lower()] = parts[1]
    return cfg


def parse_yaml(text: str) -> Config:
    data = yaml.safe_load(text) or {}
    unknown = set(data) - {"service", "parsers", "pipeline", "env", "includes"}
    if unknown:
        raise ValueError(f"unknown top-level keys: {sorted(unknown)}")

    def norm(d: dict) -> dict[str, str]:
        return {str(k).lower(): str(v).lower() if isinstance(v, bool) else str(v) for k, v in d.items()}

    pipe = data.get("pipeline") or {}
    return Config(service=norm(data.get("service") or {}),
                  inputs=[norm(x) for x in pipe.get("inputs") or []],
                  filters=[norm(x) for x in pipe.get("filters") or []],
                  outputs=[norm(x) for x in pipe.get("outputs") or []],
                  parsers=[norm(x) for x in data.get("parsers") or []])


def _on(value: str | None) -> bool:
    return (value or "").lower() in ("on", "true", "yes", "1")


def check(cfg: Config, files: dict[str, str], config_dir: str, extra_parsers: list[dict] = ()) -> list[str]:
    """Problems in `cfg`; `files` are the files shipped at `config_dir` (the ConfigMap)."""
    problems = []
    parsers = {p.get("name") for p in list(cfg.parsers) + list(extra_parsers)}
    if not cfg.inputs:
        problems.append("no inputs")
    tags = []
    for i in cfg.inputs:
        if "name" not in i or "tag" not in i:
            problems.append(f"input {i.get('name', '?')}: needs Name and Tag")
            continue
        tags.append(i["tag"])
        if i.get("parser") and i["parser"] not in parsers:
            problems.append(f"input {i['name']}: parser {i['parser']!r} is not defined")
        if i.get("storage.type") == "filesystem" and not cfg.service.get("storage.path"):
            problems.append(f"input {i['name']}: storage.type filesystem needs storage.path in the service section")
        if i["name"] == "tail" and not i.get("db"):
            problems.append("input tail: no DB, offsets are lost on restart (lines duplicated or skipped)")
    for kind, items in (("filter", cfg.filters), ("output", cfg.outputs)):
        for item in items:
            name, match = item.get("name"), item.get("match")
            if not name or not match:
                problems.append(f"{kind} {name or '?'}: needs Name and Match")
                continue
            if not any(fnmatch.fnmatchcase(tag, match) for tag in tags):
                problems.append(f"{kind} {name}: Match {match!r} matches no input tag ({', '.join(tags)})")
            if kind == "filter" and name == "lua":
                problems.extend(_check_lua(item, files, config_dir))
    if not cfg.outputs:
        problems.append("no outputs")
    if _on(cfg.service.get("health_check")) and not _on(cfg.service.get("http_server")):
        problems.append("service: Health_Check needs HTTP_Server On")
    return problems


def _check_lua(item: dict[str, str], files: dict[str, str], config_dir: str) -> list[str]:
    script, call = item.get("script"), item.get("call")
    if not script or not call:
        return ["filter lua: needs Script and Call"]
    prefix = config_dir.rstrip("/") + "/"
    if not script.startswith(prefix) or script[len(prefix):] not in files:
        return [f"filter lua: Script {script} is not one of the shipped files under {config_dir}"]
    text = files[script[len(prefix):]]
    if not re.search(rf"^function {re.escape(call)}\(", text, re.M):
        return [f"filter lua: Call {call} is not a global function in {script}"]
    return []


def same_pipeline(a: Config, b: Config) -> list[str]:
    """Differences between a classic and a YAML rendering of one pipeline."""
    diffs = []
    svc_a = {k: v for k, v in a.service.items() if k != "parsers_file"}
    if svc_a != b.service:
        diffs.append(f"service differs: {svc_a} != {b.service}")
    for name in ("inputs", "filters", "outputs"):
        if getattr(a, name) != getattr(b, name):
            diffs.append(f"{name} differ")
    return diffs
