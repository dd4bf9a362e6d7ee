"""Read the source map in a generated script's header.

Used to turn a Lua error location (`auditc.lua:214: ...`) back into the rule
YAML `file:line:col` that produced line 214.
"""

from __future__ import annotations

import re

_ENTRY = re.compile(r"^--   (\d+)(?:-(\d+))?\s+(\S.*)$")
_LUA_ERR = re.compile(r"(?:^|[\s\"'])(?:@?[^\s:]*auditc\.lua|\[string [^\]]*\]):(\d+):")


def parse(lua_text: str) -> list[tuple[int, int, str]]:
    entries, in_map = [], False
    for line in lua_text.splitlines():
        if line.startswith("-- source map"):
            in_map = True
            continue
        if line.startswith("-- end of header"):
            break
        if in_map:
            m = _ENTRY.match(line)
            if m:
                start = int(m.group(1))
                entries.append((start, int(m.group(2) or start), m.group(3).strip()))
    return entries


def lookup(lua_text: str, line: int) -> str | None:
    for start, end, where in parse(lua_text):
        if start <= line <= end:
            return where
    return None


def explain_error(lua_text: str, message: str) -> str:
    """Append the rule location to a Lua error message when the map knows it."""
    m = _LUA_ERR.search(message)
    if not m:
        return message
    where = lookup(lua_text, int(m.group(1)))
    return f"{message} (generated from {where})" if where else message
