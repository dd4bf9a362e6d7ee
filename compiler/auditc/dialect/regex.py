"""Exact translation of a small regex dialect into Lua patterns.

Fluent Bit runs filters in LuaJIT 2.1 (Lua 5.1 semantics), which has no regex
engine, only Lua patterns: a sequence of single-byte items, each optionally
followed by ``*``, ``+``, ``-`` or ``?``, with no grouping and no alternation.
This module translates a regex into a *list* of Lua patterns such that the
regex matches a string iff at least one pattern matches it with
``string.find(s, pattern)``.  The translation is exact (match/no-match
equivalence) or it fails with :class:`RegexError`; it never approximates.

Reference semantics (the dialect)
---------------------------------
The dialect is Python's ``re`` with these fixed choices:

* search semantics: the regex may match anywhere (``re.search``);
* flags: ``re.ASCII`` (``\\d`` = ``[0-9]``, ``\\w`` = ``[A-Za-z0-9_]``,
  ``\\s`` = ``[ \\t\\n\\r\\f\\v]``, case folding for ``(?i)`` is ASCII-only),
  not DOTALL (``.`` matches any character except ``\\n``), not MULTILINE;
* ``$`` and ``\\Z`` mean "end of string" only (Python's ``$`` would also match
  before a final ``\\n``; we define it as ``\\Z``); ``^`` and ``\\A`` mean
  "start of string".

So for every ``s`` that is a Python ``str`` (without lone surrogates)::

    any(lua_find(s.encode("utf-8"), p) for p in translate(r))
        == (re.search(r_with_dollar_replaced_by_backslash_Z, s, re.ASCII) is not None)

Lua sees the UTF-8 bytes of the string while Python sees code points; the
equivalence is guaranteed for valid UTF-8 input only.  (On invalid UTF-8 the
patterns still behave sensibly byte-wise, but there is no reference.)

Supported constructs
--------------------
* literal characters, including non-ASCII ones (emitted as their UTF-8 bytes);
* escapes: punctuation (``\\.``, ``\\\\``, ``\\/``, ...), ``\\t \\n \\r \\f \\v \\a``,
  ``\\xhh``, ``\\uhhhh``, ``\\Uhhhhhhhh``, ``\\N{name}``, ``\\0`` (octal), and the
  classes ``\\d \\D \\w \\W \\s \\S``;
* ``.`` and character classes ``[...]`` / ``[^...]`` whose members (literals,
  ranges, class escapes; octal escapes and ``\\b`` = backspace inside classes)
  are ASCII;
* quantifiers ``* + ? {n} {n,} {,m} {n,m}`` and their lazy forms (laziness
  does not change whether a match exists);
* groups ``(...)``, ``(?:...)``, ``(?P<name>...)`` with alternation, expanded by
  distributing into several patterns; a group may carry a *bounded* quantifier
  (``?``, ``{n,m}``), which is expanded too; a group that boils down to one
  character class (``(a|b|[0-9])``) may carry any quantifier;
* anchors ``^``/``\\A`` at the very start and ``$``/``\\Z`` at the very end of an
  alternative (after expansion);
* a leading ``(?i)`` (ASCII case-insensitivity);
* the empty regex (matches everything, pattern ``b""``).

Everything else raises :class:`RegexError`: unbounded quantifiers on groups
(``(ab)+``, ``(a|b)*``) and on multi-byte characters (``é*``), backreferences,
lookarounds, ``\\b``/``\\B``, conditionals, atomic groups, possessive
quantifiers, comments, inline flags other than a leading ``(?i)``, anchors
elsewhere, a literal ``{`` (ambiguous: escape it), non-ASCII class members,
constructs Python itself warns about (``[[``, ``--`` in classes), and
expansions beyond the caps (:data:`MAX_ALTERNATIVES` patterns,
:data:`MAX_REPEAT` repetitions, :data:`MAX_PATTERN_BYTES` bytes per pattern).

How code points become bytes (why this is exact)
------------------------------------------------
After expansion every alternative is a sequence of *units*, each matching
code points.  A unit is emitted as one of five byte-level shapes, where ``S``
is always a set of ASCII code points and ``C`` = ``[\\128-\\191]`` is the set of
UTF-8 continuation bytes:

A. ASCII-only set ``[S]`` with any quantifier (``1 ? * +``).  ASCII bytes only
   ever encode ASCII characters, so this is exact as a single Lua item.
L. a non-ASCII literal: its exact UTF-8 bytes (no quantifier; bounded
   quantifiers are expanded into repetitions/alternatives).
D. one character of a negated set ``[^S]`` (also ``.``, ``\\W``, ``\\D``, ``\\S``):
   ``[^S C]C*`` -- a non-continuation byte not in ``S`` plus continuation bytes.
P. one or more: ``[^S C][^S]*`` -- or ``[^S]+`` where that is safe (see below).
T. zero or more: ``[^S]*``.

``?`` / ``{n,m}`` on a D unit cannot be one Lua item, so they are expanded
into alternatives (one pattern per count).

Proof sketch that a Lua match on valid UTF-8 implies a regex match (the
converse is immediate: each shape accepts the encoding of every character
string its unit accepts, and Lua's matcher backtracks exhaustively over
``* + ?`` items and tries every start position).  Take a Lua match and the
byte positions ``p0 <= p1 <= ... <= pk`` where the units split it.  Replace
every ``pi`` by the next character boundary at or after it (``ceil``).
Each unit still matches its new span at the code point level:

* A, L, D and ``[^S C]``-initial P start with a non-continuation byte, so when
  they consume anything they start on a boundary; A and L also end on one
  (ASCII bytes are whole characters; a lead byte fixes the length of L);
* D starts on a boundary and can only swallow continuation bytes of its own
  character, so its new span is exactly that one character, whose lead byte
  is not in ``S`` (and a non-ASCII character is never in the ASCII set ``S``);
* P and T only gain or lose continuation bytes, which are never in ``S``;
  T may shrink to empty, P cannot since it starts on a boundary;
* ``^`` pins ``p0 = 0`` and ``$`` pins ``pk = len``, both boundaries.

The short form ``[^S]+`` for P can start on a continuation byte, which would
break the argument (``.[^a]+`` must not match ``"é"``: D would take ``\\xc3``
and ``[^a]+`` the ``\\xa9``).  It is therefore only used where the unit is
known to start on a boundary: right after an A unit that consumed at least one
byte (quantifier ``1`` or ``+``), right after an L unit, or as the first unit
of the pattern (anchored: position 0; unanchored: a match starting inside a
character can be moved back to the character's lead byte, which ``[^S]+``
also accepts, because ``S`` is ASCII).

Lua details: the magic characters ``^$()%.[]*+-?`` are escaped with ``%``;
NUL is written ``%z`` (LuaJIT accepts a raw NUL outside brackets but rejects
it inside ``[...]``); classes are spelled with explicit byte ranges, never
with locale-dependent ``%a``/``%d``/``%s``/``%w``.
"""

from __future__ import annotations

import re
import string
import unicodedata
import warnings
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "MAX_ALTERNATIVES",
    "MAX_PATTERN_BYTES",
    "MAX_REPEAT",
    "RegexError",
    "translate",
]

MAX_ALTERNATIVES = 64  # Lua patterns produced for one regex
MAX_REPEAT = 100  # largest n/m accepted in {n,m}
MAX_PATTERN_BYTES = 2048  # length of one emitted Lua pattern
MAX_NESTING = 50  # group depth (keeps the recursive parser well inside the stack)


class RegexError(ValueError):
    """A regex that cannot be translated exactly into Lua patterns.

    ``str(e)`` is a one-line message naming the construct and the reason;
    ``e.offset`` is the 0-based position of the problem in the regex, or None.
    """

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


# ---------------------------------------------------------------------------
# Code point sets
# ---------------------------------------------------------------------------

_DIGIT = frozenset(range(ord("0"), ord("9") + 1))
_LOWER = frozenset(range(ord("a"), ord("z") + 1))
_UPPER = frozenset(range(ord("A"), ord("Z") + 1))
_WORD = _DIGIT | _LOWER | _UPPER | {ord("_")}
_SPACE = frozenset(b" \t\n\r\f\v")


@dataclass(frozen=True)
class CharSet:
    """A set of code points: ``members`` (all ASCII), or, when ``negated``,
    every code point except ``members``.  This shape is closed under union and
    complement, and it is exactly what ASCII-only classes can express."""

    members: frozenset[int]
    negated: bool = False

    def union(self, other: CharSet) -> CharSet:
        if not self.negated and not other.negated:
            return CharSet(self.members | other.members)
        if self.negated and other.negated:
            return CharSet(self.members & other.members, True)
        pos, neg = (self, other) if other.negated else (other, self)
        return CharSet(neg.members - pos.members, True)

    def complement(self) -> CharSet:
        return CharSet(self.members, not self.negated)


_CLASS_ESCAPES = {
    "d": CharSet(_DIGIT),
    "D": CharSet(_DIGIT, True),
    "w": CharSet(_WORD),
    "W": CharSet(_WORD, True),
    "s": CharSet(_SPACE),
    "S": CharSet(_SPACE, True),
}
_DOT = CharSet(frozenset({ord("\n")}), True)


def _caseclose(cps: frozenset[int]) -> frozenset[int]:
    """Add the other case of every ASCII letter (re.ASCII | re.IGNORECASE).

    Python lowercases the input character and looks it up in the lowercased
    literal members, which is the same as testing the case-closed members.
    The class escapes are already closed under ASCII case swapping."""
    extra = {c ^ 0x20 for c in cps if c in _LOWER or c in _UPPER}
    return frozenset(cps | extra)


# ---------------------------------------------------------------------------
# AST and expansion items
# ---------------------------------------------------------------------------


class _Item(NamedTuple):
    """One unit of an expanded alternative (also a leaf of the AST).

    kind 'set': value is a CharSet, quant one of '1' '?' '*' '+';
    kind 'lit': value is a non-ASCII code point (quant '1');
    kind '^'/'$': value is (offset, source text) of the anchor."""

    kind: str
    value: object
    quant: str = "1"


@dataclass(frozen=True)
class _Group:
    branches: tuple  # tuple of tuples of nodes
    start: int
    end: int


@dataclass(frozen=True)
class _Repeat:
    item: object  # a node
    lo: int
    hi: int | None  # None = unbounded
    start: int  # offset of the repeated item
    end: int  # offset after the quantifier


_Node = _Item | _Group | _Repeat
_Seq = tuple  # tuple of _Item: one alternative


# ---------------------------------------------------------------------------
# Parser (recursive descent, mirroring Python's re/_parser.py decisions)
# ---------------------------------------------------------------------------

_HEX = "0123456789abcdefABCDEF"
_OCT = "01234567"
_DEC = "0123456789"
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_ASCII_LETTERS = string.ascii_letters
_BRACE_MESSAGE = "literal '{' is ambiguous (Python reads it as a quantifier or a literal); escape it as '\\{'"
# Doubled characters Python reserves for future set operations in classes.
_SET_OPERATIONS = {"-": "difference", "&": "intersection", "~": "symmetric difference", "|": "union"}


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.pos = 0
        self.icase = False
        self.depth = 0

    # -- helpers ----------------------------------------------------------

    def peek(self, k: int = 0) -> str | None:
        i = self.pos + k
        return self.src[i] if i < len(self.src) else None

    def take_while(self, chars: str, limit: int) -> str:
        start = self.pos
        while self.pos - start < limit and self.peek() is not None and self.peek() in chars:
            self.pos += 1
        return self.src[start : self.pos]

    # -- grammar ----------------------------------------------------------

    def parse(self) -> tuple:
        if self.src.startswith("(?i)"):
            self.icase = True
            self.pos = 4
        branches = self.parse_alt()
        if self.pos < len(self.src):
            raise RegexError(f"unbalanced parenthesis {self.src[self.pos]!r}", self.pos)
        return branches

    def parse_alt(self) -> tuple:
        branches = [self.parse_seq()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.parse_seq())
        return tuple(branches)

    def parse_seq(self) -> tuple:
        items = []
        while self.peek() is not None and self.peek() not in "|)":
            start = self.pos
            atom = self.parse_atom()
            items.append(self.parse_quantifier(atom, start))
        return tuple(items)

    def parse_atom(self) -> _Node:
        c = self.src[self.pos]
        if c == "(":
            return self.parse_group()
        if c == "[":
            return self.parse_class()
        if c == ".":
            self.pos += 1
            return _Item("set", _DOT)
        if c in "^$":
            self.pos += 1
            return _Item(c, (self.pos - 1, c))
        if c == "\\":
            return self.parse_escape()
        if c in "*+?":
            raise RegexError(f"nothing to repeat before {c!r}", self.pos)
        if c == "{":
            raise RegexError(_BRACE_MESSAGE, self.pos)
        self.pos += 1
        return self.literal(ord(c), self.pos - 1)

    def literal(self, cp: int, offset: int) -> _Item:
        if 0xD800 <= cp <= 0xDFFF:
            raise RegexError(f"surrogate code point U+{cp:04X} cannot occur in UTF-8 text", offset)
        if cp < 0x80:
            members = frozenset({cp})
            return _Item("set", CharSet(_caseclose(members) if self.icase else members))
        # With re.ASCII, (?i) does not fold non-ASCII characters.
        return _Item("lit", cp)

    def parse_quantifier(self, atom: _Node, start: int) -> _Node:
        c = self.peek()
        if c is not None and c in "*+?":
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            self.pos += 1
        elif c == "{":
            brace = self.parse_brace()
            if brace is None:
                raise RegexError(_BRACE_MESSAGE, self.pos)
            lo, hi = brace
        else:
            return atom
        if self.peek() == "?":  # lazy: same set of matching strings
            self.pos += 1
        elif self.peek() == "+":
            text = self.src[start : self.pos + 1]
            raise RegexError(f"possessive quantifier {text!r} is not supported", self.pos)
        if isinstance(atom, _Item) and atom.kind in "^$":
            raise RegexError(f"quantified anchor {self.src[start:self.pos]!r} is not supported", start)
        for n in (lo, hi):
            if n is not None and n > MAX_REPEAT:
                text = self.src[start : self.pos]
                raise RegexError(f"repetition count {n} in {text!r} exceeds the limit of {MAX_REPEAT}", start)
        if hi is not None and hi < lo:
            raise RegexError(f"min repeat greater than max repeat in {self.src[start:self.pos]!r}", start)
        return _Repeat(atom, lo, hi, start, self.pos)

    def parse_brace(self) -> tuple[int, int | None] | None:
        """Parse ``{n}``, ``{n,}``, ``{,m}``, ``{n,m}`` like Python does; return
        None where Python would read the ``{`` as a literal."""
        save = self.pos
        self.pos += 1
        if self.peek() == "}":
            self.pos = save
            return None
        lo = self.take_while(_DEC, len(self.src))
        if self.peek() == ",":
            self.pos += 1
            hi = self.take_while(_DEC, len(self.src))
        else:
            hi = lo
        if self.peek() != "}":
            self.pos = save
            return None
        self.pos += 1
        return (int(lo) if lo else 0, int(hi) if hi else None)

    def parse_group(self) -> _Group:
        start = self.pos
        self.pos += 1
        rest = self.src[self.pos :]
        if rest.startswith("?"):
            if rest.startswith("?:"):
                self.pos += 2
            elif rest.startswith("?P<"):
                close = self.src.find(">", self.pos)
                if close < 0:
                    raise RegexError("unterminated group name", start)
                self.pos = close + 1
            else:
                raise RegexError(self.extension_error(rest), start)
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RegexError(f"groups nested deeper than {MAX_NESTING}", start)
        branches = self.parse_alt()
        self.depth -= 1
        if self.peek() != ")":
            raise RegexError("missing ')', unterminated group", start)
        self.pos += 1
        return _Group(branches, start, self.pos)

    @staticmethod
    def extension_error(rest: str) -> str:
        kinds = [
            ("?P=", "backreference"),
            ("?=", "lookahead"),
            ("?!", "negative lookahead"),
            ("?<=", "lookbehind"),
            ("?<!", "negative lookbehind"),
            ("?#", "comment group"),
            ("?(", "conditional group"),
            ("?>", "atomic group"),
        ]
        for prefix, name in kinds:
            if rest.startswith(prefix):
                return f"{name} '({prefix}...)' cannot be expressed as Lua patterns"
        text = "(" + (rest[: rest.find(")") + 1] if ")" in rest else rest)
        return f"inline flags {text!r} are not supported (only a leading '(?i)' is)"

    def parse_escape(self) -> _Item:
        start = self.pos
        c = self.peek(1)
        if c is None:
            raise RegexError("bad escape (end of pattern)", start)
        if c in "AZ":
            self.pos += 2
            return _Item("^" if c == "A" else "$", (start, "\\" + c))
        if c in "bB":
            raise RegexError(f"word boundary '\\{c}' cannot be expressed as Lua patterns", start)
        if c in _CLASS_ESCAPES:
            self.pos += 2
            return _Item("set", _CLASS_ESCAPES[c])
        return self.literal(self.escaped_codepoint(in_class=False), start)

    def escaped_codepoint(self, in_class: bool) -> int:
        """Parse an escape that denotes one code point (self.pos at '\\')."""
        start = self.pos
        c = self.src[self.pos + 1]
        self.pos += 2
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        if c == "b" and in_class:
            return 8  # backspace, as in Python
        if c in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits = self.take_while(_HEX, width)
            if len(digits) != width:
                raise RegexError(f"incomplete escape \\{c}{digits}", start)
            cp = int(digits, 16)
            if cp > 0x10FFFF:
                raise RegexError(f"bad escape \\{c}{digits}", start)
            return cp
        if c == "N":
            close = self.src.find("}", self.pos)
            if self.peek() != "{" or close < 0:
                raise RegexError("bad escape \\N (expected \\N{name})", start)
            name = self.src[self.pos + 1 : close]
            self.pos = close + 1
            try:
                return ord(unicodedata.lookup(name))
            except KeyError:
                raise RegexError(f"undefined character name {name!r}", start) from None
        if c == "0" or (in_class and c in _OCT):
            digits = c + self.take_while(_OCT, 2)
            cp = int(digits, 8)
            if cp > 0o377:
                raise RegexError(f"octal escape \\{digits} out of range", start)
            return cp
        if c in _DEC:
            raise RegexError(
                f"backreference or octal escape '\\{c}...' is not supported (use \\xhh for a character)", start
            )
        if c in _ASCII_LETTERS:
            raise RegexError(f"unsupported escape '\\{c}'", start)
        return ord(c)  # escaped punctuation or non-ASCII character

    def parse_class(self) -> _Item:
        start = self.pos
        self.pos += 1
        if self.peek() == "[":
            raise RegexError(
                "'[' at the start of a character class is ambiguous (possible nested set); escape it", self.pos
            )
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        acc = CharSet(frozenset())
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise RegexError("unterminated character set", start)
            if c == "]" and not first:
                self.pos += 1
                break
            if c in _SET_OPERATIONS and not first and self.peek(1) == c:
                raise RegexError(
                    f"'{c}{c}' in a character class is ambiguous "
                    f"(possible set {_SET_OPERATIONS[c]}); escape it",
                    self.pos,
                )
            member_start = self.pos
            lo = self.class_member()
            if self.peek() == "-":
                self.pos += 1
                if self.peek() is None:
                    raise RegexError("unterminated character set", start)
                if self.peek() == "]":
                    acc = acc.union(self.member_set(lo, member_start)).union(CharSet(frozenset({ord("-")})))
                    self.pos += 1
                    break
                if self.peek() == "-":
                    raise RegexError(
                        "'--' in a character class is ambiguous (possible set difference); escape it", self.pos
                    )
                hi = self.class_member()
                if isinstance(lo, CharSet) or isinstance(hi, CharSet) or hi < lo:
                    raise RegexError(f"bad character range {self.src[member_start:self.pos]!r}", member_start)
                acc = acc.union(self.range_set(lo, hi, member_start))
            else:
                acc = acc.union(self.member_set(lo, member_start))
            first = False
        return _Item("set", acc.complement() if negate else acc)

    def class_member(self) -> int | CharSet:
        c = self.src[self.pos]
        if c == "\\":
            e = self.peek(1)
            if e is None:
                raise RegexError("bad escape (end of pattern)", self.pos)
            if e in _CLASS_ESCAPES:
                self.pos += 2
                return _CLASS_ESCAPES[e]
            return self.escaped_codepoint(in_class=True)
        self.pos += 1
        return ord(c)

    def member_set(self, member: int | CharSet, offset: int) -> CharSet:
        if isinstance(member, CharSet):
            return member  # class escapes are closed under case swapping
        return self.range_set(member, member, offset)

    def range_set(self, lo: int, hi: int, offset: int) -> CharSet:
        if hi >= 0x80:
            text = self.src[offset : self.pos]
            raise RegexError(f"non-ASCII member {text!r} in a character class is not supported", offset)
        members = frozenset(range(lo, hi + 1))
        return CharSet(_caseclose(members) if self.icase else members)


# ---------------------------------------------------------------------------
# Expansion: AST -> list of alternatives (tuples of _Item)
# ---------------------------------------------------------------------------


class _Expander:
    def __init__(self, src: str):
        self.src = src

    def cap(self, seqs: list, offset: int | None) -> list:
        """Deduplicate (keeping first occurrences) and enforce the cap."""
        out = list(dict.fromkeys(seqs))
        if len(out) > MAX_ALTERNATIVES:
            raise RegexError(
                f"too many alternatives: the regex expands to more than {MAX_ALTERNATIVES} Lua patterns",
                offset,
            )
        return out

    def product(self, left: list, right: list, offset: int | None) -> list:
        # Both sides are already capped, so this is at most 64 * 64 tuples.
        return self.cap([a + b for a in left for b in right], offset)

    def alt(self, branches: tuple, offset: int | None) -> list:
        out: list = []
        for branch in branches:
            out.extend(self.seq(branch))
        return self.cap(out, offset)

    def seq(self, items: tuple) -> list:
        acc: list = [()]
        for node in items:
            acc = self.product(acc, self.node(node), self.offset_of(node))
        return acc

    @staticmethod
    def offset_of(node: _Node) -> int | None:
        if isinstance(node, (_Group, _Repeat)):
            return node.start
        if node.kind in "^$":
            return node.value[0]
        return None

    def node(self, node: _Node) -> list:
        if isinstance(node, _Item):
            return [(node,)]
        if isinstance(node, _Group):
            alts = self.alt(node.branches, node.start)
            # (a|b|[0-9]) is one character class: one unit instead of
            # several alternatives keeps the pattern count down.
            atom = self.as_atom(alts)
            return [(atom,)] if atom is not None else alts
        return self.repeat(node)

    def repeat(self, node: _Repeat) -> list:
        alts = self.node(node.item)
        text = self.src[node.start : node.end]
        if all(len(s) == 0 for s in alts):
            return [()]  # repeating nothing is nothing
        atom = self.as_atom(alts)
        if atom is not None:
            return self.repeat_atom(atom, node, text)
        if node.hi is None:
            raise RegexError(
                f"quantified group {text!r} cannot be expressed exactly as Lua patterns "
                "(only '?' or '{n,m}' on a group, or any quantifier on a single character, is supported)",
                node.start,
            )
        out: list = []
        power: list = [()]
        for count in range(node.hi + 1):
            if count >= node.lo:
                out = self.cap(out + power, node.start)
            if count < node.hi:
                power = self.product(power, alts, node.start)
        return out

    @staticmethod
    def as_atom(alts: list) -> _Item | None:
        """A group that is one character (``(a|[0-9]|.)``, ``(é)``) can carry
        any quantifier: merge it into one unit."""
        if any(len(s) != 1 or s[0].quant != "1" for s in alts):
            return None
        items = [s[0] for s in alts]
        if all(i.kind == "set" for i in items):
            merged = items[0].value
            for i in items[1:]:
                merged = merged.union(i.value)
            return _Item("set", merged)
        if len(items) == 1 and items[0].kind == "lit":
            return items[0]
        return None

    def repeat_atom(self, atom: _Item, node: _Repeat, text: str) -> list:
        lo, hi = node.lo, node.hi
        if atom.kind == "set" and not atom.value.negated:
            # One ASCII byte per character: every Lua quantifier applies directly.
            seq = [atom] * lo
            if hi is None:
                seq = seq[:-1] + [atom._replace(quant="+")] if seq else [atom._replace(quant="*")]
            else:
                seq += [atom._replace(quant="?")] * (hi - lo)
            return [tuple(seq)]
        if atom.kind == "set" and hi is None:
            # Shapes P and T handle unbounded repetition of a negated set.
            seq = [atom] * lo
            seq = seq[:-1] + [atom._replace(quant="+")] if seq else [atom._replace(quant="*")]
            return [tuple(seq)]
        if hi is None:
            raise RegexError(
                f"unbounded quantifier in {text!r} on the multi-byte character {chr(atom.value)!r} "
                "cannot be expressed exactly as Lua patterns",
                node.start,
            )
        # A multi-byte character may match a variable number of times only by
        # listing every count as its own alternative.
        return self.cap([(atom,) * count for count in range(lo, hi + 1)], node.start)


# ---------------------------------------------------------------------------
# Emission: alternative -> Lua pattern bytes
# ---------------------------------------------------------------------------

_ALL = frozenset(range(256))
_CONT = frozenset(range(0x80, 0xC0))  # UTF-8 continuation bytes
_LUA_MAGIC = frozenset(b"^$()%.[]*+-?")
_PUNCT = frozenset(string.punctuation.encode())
_RANGE_UNSAFE = frozenset(b"%]^-") | {0}  # never a raw range endpoint


def _lit_byte(c: int) -> bytes:
    """A byte as a Lua pattern item outside brackets."""
    if c == 0:
        return b"%z"
    if c in _LUA_MAGIC:
        return b"%" + bytes([c])
    return bytes([c])


def _class_byte(c: int) -> bytes:
    """A byte inside brackets: punctuation is escaped (covers ``] ^ - %``),
    letters never are (``%a`` etc. are classes), NUL is ``%z``."""
    if c == 0:
        return b"%z"
    if c in _PUNCT:
        return b"%" + bytes([c])
    return bytes([c])


def _class_run(lo: int, hi: int) -> bytes:
    """A run of consecutive bytes inside brackets.  A raw ``lo-hi`` range is
    used only with endpoints that Lua cannot misread; others are peeled off."""
    if hi - lo < 2:
        return b"".join(_class_byte(c) for c in range(lo, hi + 1))
    if lo in _RANGE_UNSAFE:
        return _class_byte(lo) + _class_run(lo + 1, hi)
    if hi in _RANGE_UNSAFE:
        return _class_run(lo, hi - 1) + _class_byte(hi)
    return bytes([lo, ord("-"), hi])


def _class_body(bs: frozenset[int]) -> bytes:
    out = b""
    cs = sorted(bs)
    i = 0
    while i < len(cs):
        j = i
        while j + 1 < len(cs) and cs[j + 1] == cs[j] + 1:
            j += 1
        out += _class_run(cs[i], cs[j])
        i = j + 1
    return out


def _byteset(bs: frozenset[int]) -> bytes:
    """One Lua single-byte item matching exactly the bytes in ``bs``."""
    if not bs:
        return b"[^%z\x01-\xff]"  # matches no byte at all
    if bs == _ALL:
        return b"."
    if len(bs) == 1:
        return _lit_byte(next(iter(bs)))
    positive = b"[" + _class_body(bs) + b"]"
    negative = b"[^" + _class_body(_ALL - bs) + b"]"
    return negative if len(negative) < len(positive) else positive


def _ends_on_boundary(item: _Item) -> bool:
    """True if the unit always consumes at least one byte and ends on a
    character boundary (shapes A with '1'/'+', and L)."""
    if item.kind == "lit":
        return True
    return item.kind == "set" and not item.value.negated and item.quant in "1+"


def _emit_item(item: _Item, starts_on_boundary: bool) -> bytes:
    if item.kind == "lit":
        return b"".join(_lit_byte(b) for b in chr(item.value).encode("utf-8"))
    cs: CharSet = item.value
    if not cs.negated:  # shape A
        return _byteset(cs.members) + (b"" if item.quant == "1" else item.quant.encode())
    rest = _ALL - cs.members  # every byte except the excluded ASCII ones
    if item.quant == "1":  # shape D
        return _byteset(rest - _CONT) + _byteset(_CONT) + b"*"
    if item.quant == "*":  # shape T
        return _byteset(rest) + b"*"
    assert item.quant == "+", item
    if starts_on_boundary:  # shape P, short form (see module docstring)
        return _byteset(rest) + b"+"
    return _byteset(rest - _CONT) + _byteset(rest) + b"*"  # shape P


def _anchor_error(item: _Item) -> RegexError:
    offset, text = item.value
    where = "start" if item.kind == "^" else "end"
    return RegexError(
        f"anchor {text!r} is only supported at the very {where} of the regex or of an alternative",
        offset,
    )


def _emit(seq: _Seq) -> bytes:
    items = list(seq)
    anchored_start = anchored_end = False
    while items and items[0].kind == "^":
        anchored_start = True
        items.pop(0)
    while items and items[-1].kind == "$":
        anchored_end = True
        items.pop()
    out = b"^" if anchored_start else b""
    on_boundary = True  # position 0, or a movable unanchored start
    for item in items:
        if item.kind in "^$":
            raise _anchor_error(item)
        out += _emit_item(item, on_boundary)
        on_boundary = _ends_on_boundary(item)
    if anchored_end:
        out += b"$"
    if len(out) > MAX_PATTERN_BYTES:
        raise RegexError(f"translated Lua pattern exceeds {MAX_PATTERN_BYTES} bytes", None)
    return out


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _check_with_python(regex: str) -> None:
    """Reject anything Python's own ``re`` rejects, with its message; the
    parser below assumes a syntactically valid regex in corner cases."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(regex, re.ASCII)
        except re.error as e:
            raise RegexError(f"invalid regex: {e.msg}", e.pos) from None
        except Warning as w:
            # FutureWarning for '[[', '--', '&&', ... in classes, whose
            # meaning Python plans to change: too ambiguous to accept.
            where = re.search(r"position (\d+)", str(w))
            raise RegexError(f"ambiguous regex: {w}", int(where.group(1)) if where else None) from None
        except (OverflowError, RecursionError) as e:
            raise RegexError(f"invalid regex: {e}", None) from None


def translate(regex: str) -> list[bytes]:
    """Translate ``regex`` into a non-empty list of Lua patterns (bytes).

    The regex matches a string iff at least one pattern matches it with
    ``string.find(s, pattern)`` (see the module docstring for the dialect).
    The list is deterministic and duplicate-free.  Raises RegexError when no
    exact translation exists."""
    if not isinstance(regex, str):
        raise TypeError(f"regex must be str, not {type(regex).__name__}")
    _check_with_python(regex)
    branches = _Parser(regex).parse()
    seqs = _Expander(regex).alt(branches, None)
    return list(dict.fromkeys(_emit(seq) for seq in seqs))


# ---------------------------------------------------------------------------
# The same dialect for Python (the reference evaluator) and RE2 (LogQL)
# ---------------------------------------------------------------------------


def python_source(regex: str) -> str:
    """The regex for Python's ``re`` with the dialect's meaning: every
    unescaped ``$`` outside a class becomes ``\\Z`` (end of string only)."""
    out, i, in_class = [], 0, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            # A ']' right after '[' or '[^' is a member, not the end.
            if c == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
        elif c == "[":
            in_class = True
            if regex[i + 1:i + 2] == "^":
                out.append("[^")
                i += 2
                continue
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


def to_python(regex: str) -> re.Pattern:
    """A compiled Python regex to `search` with (ASCII, as the dialect says)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(python_source(regex), re.ASCII)


def to_re2(regex: str) -> str | None:
    """The regex as an anchored RE2 that Loki applies to the whole value
    (search semantics become `.*` on both sides), or None where RE2 spells a
    construct differently (named characters, \\u escapes, backreferences)."""
    if re.search(r"\\[NuU]|\(\?P=|\\[1-9]", regex):
        return None
    body = regex.replace("\\Z", "\\z")
    return f"(?s:.*)(?:{body})(?s:.*)"
