"""A small Lua code writer that records where each line came from.

Like Jinja2's CodeGenerator (writeline/indent, and `debug_info` mapping
template lines to generated lines), but the source here is rule YAML: every
line written while a location is active is mapped back to that
`file:line:col`, and the map goes into the generated file's header.
"""

from __future__ import annotations

import math
import re

from auditc.errors import Location

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LUA_KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split()
)


def lua_string(value: str | bytes) -> str:
    """The one way rule text enters generated code: a Lua string literal.

    Output is pure printable ASCII: quotes, backslashes, control bytes, DEL
    and every non-ASCII byte become 3-digit decimal escapes (Lua 5.1 has no
    \\x or \\u escapes), so no rule text can end the literal, start a comment
    or change the file's encoding.
    """
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    out = ['"']
    for b in data:
        if 0x20 <= b < 0x7F and b not in (0x22, 0x5C):
            out.append(chr(b))
        else:
            out.append("\\%03d" % b)
    out.append('"')
    return "".join(out)


def lua_value(value) -> str:
    """A Lua literal for a rule scalar (string, number, boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("NaN has no Lua literal that compares equal")
        if math.isinf(value):
            return "(1/0)" if value > 0 else "(-1/0)"
        return repr(value)
    if isinstance(value, (str, bytes)):
        return lua_string(value)
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def lua_comment(text: str) -> str:
    """Rule text inside a comment: one line, no control bytes, cannot close anything."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def check_identifier(name: str) -> str:
    if not _IDENT.match(name) or name in LUA_KEYWORDS:
        raise ValueError(f"{name!r} is not a valid Lua function name")
    return name


class LuaWriter:
    def __init__(self, indent: str = "  ") -> None:
        self.lines: list[str] = []
        self.origins: list[Location | None] = []
        self._indent = 0
        self._unit = indent
        self._loc_stack: list[Location] = []

    def line(self, text: str = "") -> None:
        self.lines.append(self._unit * self._indent + text if text else "")
        self.origins.append(self._loc_stack[-1] if self._loc_stack else None)

    def raw(self, block: str) -> None:
        """Static Lua (the prelude), line by line, without origin."""
        for text in block.rstrip("\n").split("\n"):
            self.lines.append(text)
            self.origins.append(self._loc_stack[-1] if self._loc_stack else None)

    def indent(self) -> "LuaWriter":
        self._indent += 1
        return self

    def dedent(self) -> None:
        self._indent -= 1

    def source(self, loc: Location) -> "_SourceScope":
        """Lines written inside `with writer.source(loc):` map back to loc."""
        return _SourceScope(self, loc)

    def source_map(self, offset: int = 0) -> list[tuple[int, int, Location]]:
        """Runs of consecutive generated lines (1-based, shifted by offset) sharing one origin."""
        runs: list[tuple[int, int, Location]] = []
        for i, loc in enumerate(self.origins, start=1 + offset):
            if loc is None:
                continue
            if runs and runs[-1][2] == loc and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i, loc)
            else:
                runs.append((i, i, loc))
        return runs

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class _SourceScope:
    def __init__(self, writer: LuaWriter, loc: Location) -> None:
        self.writer, self.loc = writer, loc

    def __enter__(self):
        self.writer._loc_stack.append(self.loc)
        return self.writer

    def __exit__(self, *exc):
        self.writer._loc_stack.pop()
