"""Aligned text tables that fit the terminal without losing what matters.

Every table auditc prints for people goes through here. Each column says
how it may give way when the width runs out:

- `whole`: never cut nor wrapped (ids, numbers, times, names). If it does
  not fit, the column is left out, never shortened.
- `wrap`: wrapped onto more lines at word boundaries only (spaces, and after
  `/`, `,` and `;`), so a namespace/name or a file path breaks between its
  parts, never inside one. Its narrowest width is its longest word.
- `cut`: prose (descriptions, summaries) shortened at a word boundary with
  an ellipsis, down to `min_width`.

Columns are chosen by priority: all of priority 0 are always shown, then
the others in priority order as long as they fit; what is left out is named
under the table (everything is in `--format json`). A width of None (output
to a pipe, COLUMNS unset) renders every row whole on one line, for grep.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from typing import IO, Sequence

GAP = 2  # spaces between columns
ELLIPSIS = "…"
# A break opportunity: after whitespace, or after a separator inside a word.
_TOKEN = re.compile(r"[^\s/,;]*[/,;]+|\S+|\s+")


def output_width(stream: IO[str] | None = None) -> int | None:
    """Columns to fit: COLUMNS if set, the terminal's width on a terminal, else None (no limit)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if stream is not None and _isatty(stream):
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return shutil.get_terminal_size().columns
    return None


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Column:
    header: str
    align: str = "left"  # left | right
    priority: int = 0  # 0: always shown; higher numbers give way first
    fit: str = "whole"  # whole | wrap | cut
    min_width: int = 12  # `cut` only: below this the column is left out instead
    max_width: int | None = None  # `cut` only, when a width applies: never wider than this


@dataclass(frozen=True)
class Styled:
    """A cell with an ANSI SGR style (e.g. "1;31"), used only when colour is on."""

    text: str
    style: str = ""


def _words(text: str) -> list[str]:
    """Tokens with their trailing separator; whitespace tokens are kept to rebuild lines."""
    return _TOKEN.findall(text)


def _longest_word(text: str) -> int:
    return max((len(t) for t in _words(text) if not t.isspace()), default=0)


def wrap(text: str, width: int) -> list[str]:
    """Lines no wider than `width`, broken only between words (a longer word stands alone, whole)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for tok in _words(para):
            if tok.isspace():
                line += " " if line and not line.endswith(" ") else ""
                continue
            if line and len((line + tok).rstrip()) > width:
                out.append(line.rstrip())
                line = tok
            else:
                line += tok
        out.append(line.rstrip())
    return out or [""]


def cut(text: str, width: int) -> str:
    """`text` on one line in `width` columns, shortened at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    room = max(width - 1, 0)
    head = text[:room]
    boundary = max(head.rfind(c) for c in " ,;/")
    if boundary >= room // 2:  # a word boundary not too far back; else a hard cut
        head = head[:boundary].rstrip(" ,;")
    return head + ELLIPSIS


def paragraph(text: str, width: int | None, indent: str = "") -> str:
    """`text` wrapped at spaces to `width` (None: one line); words (paths, ids) are never broken."""
    if not width:
        return indent + text
    hang = indent + "  " if indent else ""  # list items hang under their first line
    return "\n".join(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=hang,
                                    break_long_words=False, break_on_hyphens=False)) or indent


@dataclass
class Table:
    columns: Sequence[Column]
    title: str | None = None
    header: bool = True
    rows: list[list] = field(default_factory=list)

    def add_row(self, *cells) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    # -- layout ------------------------------------------------------------------------------

    def _texts(self, i: int) -> list[str]:
        return [_text(r[i]) for r in self.rows]

    def _natural(self, i: int) -> int:
        col = self.columns[i]
        widths = [max((len(x) for x in t.split("\n")), default=0) for t in self._texts(i)]
        head = len(col.header) if self.header else 0
        return max([head, *widths], default=0)

    def _minimum(self, i: int, whole_headers: bool) -> int:
        col = self.columns[i]
        head = (len(col.header) if whole_headers else _longest_word(col.header)) if self.header else 0
        texts = self._texts(i)
        if col.fit == "whole":
            body = max((max((len(x) for x in t.split("\n")), default=0) for t in texts), default=0)
        elif col.fit == "wrap":
            body = max((_longest_word(t) for t in texts), default=0)
        else:
            body = min(col.min_width, self._natural(i))
        return max(head, body)

    def _upper(self, i: int, mins: dict[int, int]) -> int:
        col = self.columns[i]
        natural = self._natural(i)
        if col.fit == "cut" and col.max_width:
            return max(min(natural, col.max_width), mins[i])
        return natural

    def layout(self, width: int | None) -> tuple[list[int], dict[int, int]]:
        """Visible column indexes (in order) and their widths. Headers stay on one line unless
        wrapping them (at spaces) lets more columns be shown."""
        if width is None:
            return list(range(len(self.columns))), {i: self._natural(i) for i in range(len(self.columns))}
        whole = self._layout(width, whole_headers=True)
        wrapped = self._layout(width, whole_headers=False)
        return wrapped if len(wrapped[0]) > len(whole[0]) else whole

    def _layout(self, width: int, whole_headers: bool) -> tuple[list[int], dict[int, int]]:
        n = len(self.columns)
        mins = {i: self._minimum(i, whole_headers) for i in range(n)}
        chosen = [i for i in range(n) if self.columns[i].priority == 0]
        for i in sorted((i for i in range(n) if self.columns[i].priority > 0),
                        key=lambda i: (self.columns[i].priority, i)):
            need = sum(mins[j] for j in chosen) + mins[i] + GAP * len(chosen)
            if need <= width:
                chosen.append(i)
        chosen.sort()
        widths = {i: mins[i] for i in chosen}
        # Below zero when the priority-0 columns alone are wider than `width`: they are shown
        # whole anyway (an id is never cut), the only case a line is wider than asked.
        extra = max(width - (sum(widths.values()) + GAP * max(len(chosen) - 1, 0)), 0)
        # Spare width goes to the most important columns first, each up to its natural width.
        for i in sorted(chosen, key=lambda i: (self.columns[i].priority, i)):
            give = min(max(self._upper(i, mins) - widths[i], 0), extra)
            widths[i] += give
            extra -= give
        return chosen, widths

    # -- rendering ---------------------------------------------------------------------------

    def render(self, width: int | None = None, color: bool = False) -> str:
        visible, widths = self.layout(width)
        lines: list[str] = []
        if self.title:
            lines.append(paragraph(self.title, width))
        if self.header:
            heads = {i: wrap(self.columns[i].header, widths[i]) for i in visible}
            lines += self._lines(visible, widths, heads, {}, color=False)
        for row in self.rows:
            cells, styles = {}, {}
            for i in visible:
                cells[i] = self._cell(i, _text(row[i]), widths[i], width)
                styles[i] = row[i].style if isinstance(row[i], Styled) else ""
            lines += self._lines(visible, widths, cells, styles, color)
        hidden = [self.columns[i].header for i in range(len(self.columns)) if i not in visible]
        if hidden and self.rows:
            note = (f"(left out at {width} columns: {', '.join(hidden)}; a wider terminal or --format json "
                    f"shows them)")
            lines.append(paragraph(note, width))
        return "\n".join(lines) + "\n"

    def _cell(self, i: int, text: str, w: int, width: int | None) -> list[str]:
        fit = self.columns[i].fit
        if width is None or fit == "whole":
            return text.split("\n")
        if fit == "wrap":
            return wrap(text, w)
        return [cut(text, w)]

    def _lines(self, visible, widths, cells, styles, color) -> list[str]:
        height = max((len(cells[i]) for i in visible), default=1)
        out = []
        for k in range(height):
            parts = []
            for i in visible:
                text = cells[i][k] if k < len(cells[i]) else ""
                pad = widths[i] - len(text)
                body = text if not (color and styles.get(i) and text) else f"\x1b[{styles[i]}m{text}\x1b[0m"
                parts.append(" " * pad + body if self.columns[i].align == "right" else body + " " * pad)
            out.append((" " * GAP).join(parts).rstrip())
        return out

    def print(self, out: IO[str], width: int | None = None, color: bool | None = None) -> None:
        """To `out`, fitted to its width (output_width) unless one is given."""
        if width is None:
            width = output_width(out)
        if color is None:
            color = _isatty(out) and "NO_COLOR" not in os.environ
        out.write(self.render(width, color))


def _text(cell) -> str:
    if isinstance(cell, Styled):
        return cell.text
    return "-" if cell is None else str(cell)
