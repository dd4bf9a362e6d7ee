"""Rule files as deterministic YAML text."""

from __future__ import annotations

import yaml


class Flow(dict):
    """A mapping written in flow style ({a: 1}), as test events are in the default pack."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # never &anchors / *aliases: auditc reads `*` in paths
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)  # "- item" indented under its key, as in rules/


def _str(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _flow(dumper: yaml.SafeDumper, value: Flow):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Flow, _flow)


def flow_tree(value):
    """Nested maps of an event, all in flow style."""
    if isinstance(value, dict):
        return Flow((k, flow_tree(v)) for k, v in value.items())
    if isinstance(value, list):
        return [flow_tree(v) for v in value]
    return value


def dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096, indent=2,
                     default_flow_style=False)


def comment(text: str) -> str:
    """One `#` comment line (newlines folded)."""
    return "# " + " ".join(text.split())
