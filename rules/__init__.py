"""The default rule pack, installed as the data package `auditc.pack`.

This directory is the pack's only copy: `auditc build rules/ -o lua/` reads it
in a clone, and pyproject.toml installs it as `auditc.pack`, which a rules
repository's `extends: [pack]` (auditc.yaml) refers to. This file holds no
rules; auditc reads only the *.yaml files here.
"""
