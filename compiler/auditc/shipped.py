"""What the installed auditc ships besides code: the default rule pack, the rule
schemas and the Kubernetes manifests.

All three are package data (pyproject.toml), so a pip-installed auditc finds
them wherever it runs; in a clone (editable install) they are the repository's
`rules/`, `compiler/auditc/schema/` and `fluent-bit/` themselves.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# How files of the shipped pack are named in diagnostics and generated files: a
# stable name, never the install path (which differs between machines and would
# make `auditc build --check` fail on every other machine). `auditc pack --path`
# prints where the pack really is.
PACK_DISPLAY = "auditc-pack"
PACK_NAME = "pack"  # what `extends:` in auditc.yaml calls it


def _dir(package: str) -> Path:
    root = resources.files(package)
    # A regular package: files() is a real directory (wheels install unzipped).
    return Path(str(root))


def pack_dir() -> Path:
    """The default rule pack of this auditc."""
    return _dir("auditc.pack")


def manifests_dir() -> Path:
    """The shipper's Kubernetes manifests (DaemonSet, kustomizations, apiserver flags)."""
    return _dir("auditc.manifests")


def schema_path(name: str = "rules.schema.json") -> Path:
    """rules.schema.json (rule files) or auditc.schema.json (a rules repo's auditc.yaml)."""
    return Path(str(resources.files("auditc").joinpath("schema", name)))
