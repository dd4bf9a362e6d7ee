"""Load YAML while keeping where every node came from.

PyYAML's default loaders throw away positions and silently keep the last of
duplicate keys. We compose the node graph ourselves and convert it to plain
Python data plus two maps from a JSON-pointer-like path (a tuple of keys and
indexes) to the `Location` of the value and of the mapping key. jsonschema
errors and the model builder both speak in such paths, so every error can
name `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from auditc.errors import AuditcError, Diagnostic, Location

Path = tuple  # tuple[str | int, ...]


@dataclass
class LocatedDocument:
    file: str
    data: Any
    value_locs: dict[Path, Location] = field(default_factory=dict)
    key_locs: dict[Path, Location] = field(default_factory=dict)

    def loc(self, path: Path) -> Location:
        """Location of the value at `path`, or of its nearest located ancestor."""
        path = tuple(path)
        while True:
            if path in self.value_locs:
                return self.value_locs[path]
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]

    def key_loc(self, path: Path) -> Location:
        """Location of the mapping key that holds `path` (falls back to the value)."""
        return self.key_locs.get(tuple(path)) or self.loc(path)


class _Composer(yaml.SafeLoader):
    """SafeLoader used only for composing nodes and constructing scalars."""


def _mark_loc(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def load_yaml(text: str, file: str) -> LocatedDocument:
    """Parse one YAML document into a LocatedDocument, or raise AuditcError."""
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _mark_loc(file, mark) if mark else Location(file)
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}; {problem}"
        if mark and "alias" in (exc.context or "") and "[*" in text.splitlines()[mark.line][max(0, mark.column - 2):]:
            # `items[*]` inside a flow collection ({...} or [...]) reads as an alias.
            problem += " (quote field paths that contain [*] when they sit inside {...} or [...])"
        raise AuditcError([Diagnostic(loc, f"invalid YAML: {problem}", code="AUD101")]) from None
    except yaml.YAMLError as exc:  # e.g. reader errors on bad bytes
        raise AuditcError([Diagnostic(Location(file), f"invalid YAML: {exc}", code="AUD101")]) from None
    finally:
        loader.dispose()

    doc = LocatedDocument(file=file, data=None)
    if node is None:
        return doc
    errors: list[Diagnostic] = []
    doc.data = _convert(node, (), doc, loader, errors)
    if errors:
        raise AuditcError(errors)
    return doc


def _convert(node, path, doc, loader, errors):
    doc.value_locs[path] = _mark_loc(doc.file, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_loc = _mark_loc(doc.file, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                errors.append(Diagnostic(key_loc, "mapping keys must be plain strings", code="AUD102"))
                continue
            key = loader.construct_object(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                errors.append(Diagnostic(key_loc, "YAML merge keys ('<<') are not supported", code="AUD102"))
                continue
            if not isinstance(key, str):
                # YAML turns `on:`/`yes:`/`1:` keys into bools/ints; in rule files
                # that is always a mistake, so say so instead of guessing.
                errors.append(Diagnostic(key_loc, f"mapping key {key_node.value!r} must be a string (quote it)", code="AUD102"))
                continue
            if key in out:
                first = doc.key_locs[path + (key,)]
                errors.append(Diagnostic(key_loc, f"duplicate key '{key}' (first defined at {first.line}:{first.col})", code="AUD102"))
                continue
            doc.key_locs[path + (key,)] = key_loc
            out[key] = _convert(value_node, path + (key,), doc, loader, errors)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), doc, loader, errors) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        errors.append(Diagnostic(doc.value_locs[path], f"invalid YAML value: {exc.problem}", code="AUD101"))
        return None
