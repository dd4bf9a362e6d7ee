"""Rules paths -> the rule roots to load, in layers.

A RULES path given on the command line is a directory (or file) of rule
files, or a *rules repository*: a directory holding `auditc.yaml`, which names
what the repository extends (`pack`, the default pack of the installed auditc,
or paths to other rule sets) and its own rule directories:

    extends: [pack]
    rules: [rules]

Every path, and every entry a repository extends, becomes one *layer*, in
load order; a repository's own rule directories share one layer above what it
extends. Layers decide what a rule test may speak about: a test's `detections`
list is compared with the detections of its own layer and the layers below it
(tools/testing.py), so rules a site adds on top of the pack never break the
pack's tests.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from auditc import shipped
from auditc.errors import AuditcError, DiagnosticSink, Location
from auditc.frontend.yamlsource import load_yaml

CONFIG_NAME = "auditc.yaml"
DEFAULT_RULE_DIRS = ("rules",)


@dataclass(frozen=True)
class Root:
    """One place rule files are discovered in."""

    path: Path  # directory or file on disk
    display: str  # how its files are named in diagnostics and generated files
    layer: int
    repo: Path | None = None  # the rules repository it belongs to, if any


def config_of(path: Path) -> Path | None:
    """The auditc.yaml that makes `path` a rules repository, if it is one."""
    if path.is_dir() and (path / CONFIG_NAME).is_file():
        return path / CONFIG_NAME
    if path.is_file() and path.name == CONFIG_NAME:
        return path
    return None


def expand(paths: list[Path], sink: DiagnosticSink) -> list[Root]:
    """The roots to load for RULES paths, lowest layer first; problems go to `sink`."""
    roots: list[Root] = []
    seen: set[Path] = set()
    layer = 0
    for given in paths:
        config = config_of(given)
        if config is None:
            if _add(roots, seen, Root(given, str(given), layer)):
                _hint_enclosing_repo(given, sink)
                layer += 1
            continue
        layer = _expand_repo(config, roots, seen, layer, sink, stack=())
    return roots


def _add(roots: list[Root], seen: set[Path], root: Root) -> bool:
    key = root.path.resolve()
    if key in seen:  # the same rules twice (e.g. the pack given and extended): load them once
        return False
    seen.add(key)
    roots.append(root)
    return True


def _expand_repo(config: Path, roots: list[Root], seen: set[Path], layer: int, sink: DiagnosticSink,
                 stack: tuple) -> int:
    from auditc.frontend.loader import schema_diagnostics  # the loader imports this module

    repo = config.parent
    if repo.resolve() in stack:
        chain = " -> ".join(str(p) for p in (*stack, repo.resolve()))
        sink.error(Location(str(config), 1, 1), f"extends cycle: {chain}", "AUD210")
        return layer
    name = str(config)
    try:
        doc = load_yaml(config.read_text(encoding="utf-8"), name)
    except AuditcError as exc:
        sink.items.extend(exc.diagnostics)
        return layer
    except (OSError, UnicodeDecodeError) as exc:
        sink.error(Location(name), f"cannot read: {exc}", "AUD101")
        return layer
    data = doc.data if doc.data is not None else {}
    schema = json.loads(shipped.schema_path("auditc.schema.json").read_text(encoding="utf-8"))
    problems = schema_diagnostics(doc, schema) if doc.data is not None else []
    if problems:
        sink.items.extend(problems)
        return layer
    for i, entry in enumerate(data.get("extends", [])):
        where = doc.loc(("extends", i))
        if entry == shipped.PACK_NAME:
            if _add(roots, seen, Root(shipped.pack_dir(), shipped.PACK_DISPLAY, layer, repo)):
                layer += 1
            continue
        target = repo / entry
        if not target.exists():
            hint = " (did you mean 'pack', the default pack of auditc?)" if difflib.get_close_matches(
                entry, [shipped.PACK_NAME], n=1, cutoff=0.6) else ""
            sink.error(where, f"extends: {entry!r} is neither 'pack' nor an existing path "
                              f"(paths are relative to {repo}, where {config.name} is)" + hint, "AUD210")
            continue
        inner = config_of(target)
        if inner is not None:
            layer = _expand_repo(inner, roots, seen, layer, sink, stack + (repo.resolve(),))
        elif _add(roots, seen, Root(target, str(target), layer, repo)):
            layer += 1
    added = False
    for i, entry in enumerate(data.get("rules", list(DEFAULT_RULE_DIRS))):
        target = repo / entry
        if not target.exists():
            where = doc.loc(("rules", i)) if "rules" in data else Location(name, 1, 1)
            sink.error(where, f"rules: {str(target)!r} does not exist (paths are relative to {repo}, "
                              f"where {config.name} is)", "AUD210")
            continue
        added = _add(roots, seen, Root(target, str(target), layer, repo)) or added
    return layer + 1 if added else layer


def _hint_enclosing_repo(given: Path, sink: DiagnosticSink) -> None:
    """`auditc test rules/` inside a rules repository loads neither the pack it extends nor
    its other rule directories: say so (the lists it extends would be 'not defined')."""
    here = given.resolve()
    for parent in here.parents:
        config = parent / CONFIG_NAME
        if config.is_file():
            try:
                shown_text = str(parent.relative_to(Path.cwd().resolve()))
            except ValueError:
                shown_text = str(parent)
            sink.warning(Location(str(given)),
                         f"{given} is inside the rules repository {shown_text} ({config.name}); pass the repository "
                         f"(`{shown_text}`) to load what it extends and all its rule directories", "AUD211")
            return
        if (parent / ".git").exists():  # the top of a checkout: no repository encloses it
            return
