"""Behavioural tests for auditc.regex: every translated pattern is run in
LuaJIT (via lupa) and compared with Python's ``re.search`` (the reference,
with ``$`` read as ``\\Z`` and the ``re.ASCII`` flag)."""

from __future__ import annotations

import itertools
import re

import lupa.luajit21 as lj
import pytest
from hypothesis import given, settings, strategies as st

from auditc.dialect.regex import MAX_ALTERNATIVES, RegexError, translate

_LUA = lj.LuaRuntime(encoding=None)  # encoding=None: Lua strings are bytes
_FIND_ANY = _LUA.eval(
    "function(s, pats) for i=1,#pats do if string.find(s, pats[i]) then return true end end return false end"
)


def lua_match(s: str | bytes, patterns: list[bytes]) -> bool:
    data = s.encode("utf-8") if isinstance(s, str) else s
    return bool(_FIND_ANY(data, _LUA.table_from(patterns)))


def reference(regex: str) -> str:
    """The regex with every unescaped ``$`` outside classes replaced by ``\\Z``
    (our dialect's ``$`` is end-of-string only)."""
    out, i = [], 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i : i + 2])
            i += 2
        elif c == "[":  # copy the whole class; assumes a valid regex
            j = i + 1
            j += regex[j : j + 1] == "^"
            j += regex[j : j + 1] == "]"  # a leading ']' is a member
            while regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            out.append(regex[i : j + 1])
            i = j + 1
        else:
            out.append("\\Z" if c == "$" else c)
            i += 1
    return "".join(out)


def py_match(regex: str, s: str) -> bool:
    return re.search(reference(regex), s, re.ASCII) is not None


def test_reference_helper():
    assert reference("a$") == "a\\Z"
    assert reference("[$]$") == "[$]\\Z"
    assert reference("[]$]$") == "[]$]\\Z"
    assert reference("[^]$]\\$") == "[^]$]\\$"
    assert reference("[\\s\\S]$") == "[\\s\\S]\\Z"
    assert reference("[\\]$]$") == "[\\]$]\\Z"


# ---------------------------------------------------------------------------
# Table-driven behaviour: (regex, strings that match, strings that do not)
# ---------------------------------------------------------------------------

CASES = [
    # empty regex and plain literals (search semantics)
    ("", ["", "x", "é"], []),
    ("abc", ["abc", "xabcx", "ab abc"], ["ab", "acb", "ABC", ""]),
    ("a b", ["a b"], ["ab", "a  b"]),
    # Lua magic characters as literals
    ("100%", ["100%", "x100%y"], ["100", "100x"]),
    ("a-b", ["a-b"], ["ab", "aab", "b"]),
    ("a-", ["a-", "ba-"], ["a", "b"]),
    (r"\[x\]", ["[x]"], ["x", "[x", "x]"]),
    (r"\^x", ["^x", "a^x"], ["x"]),
    (r"x\$", ["x$", "x$y"], ["x"]),
    (r"\(\)", ["()"], ["(", ")", ""]),
    (r"a\.b", ["a.b"], ["axb", "ab"]),
    (r"a\*\+\?", ["a*+?"], ["a", "aa"]),
    (r"%d", ["%d"], ["5", "d"]),
    (r"%[a]", ["%a"], ["a", "%%"]),
    ("]}", ["]}"], ["]", "}"]),
    (r"\\", ["\\"], ["", "/"]),
    (r"\/api\/", ["/api/"], ["api"]),
    # control characters, NUL and newlines
    (r"a\x00b", ["a\x00b"], ["ab", "a\x01b", "a0b"]),
    ("a\x00", ["a\x00"], ["a"]),
    (r"[\x00-\x02]", ["\x00", "\x01", "x\x02"], ["\x03", "a", ""]),
    (r"[^\x00]", ["a", "é"], ["\x00", ""]),
    (r"a\nb", ["a\nb"], ["ab", "a\\nb"]),
    (r"\t\r\f\v", ["\t\r\f\v"], ["\t\r\f"]),
    (r"a\0", ["a\x00"], ["a", "a0"]),
    (r"\01x", ["\x01x"], ["1x", "x"]),
    # dot and UTF-8
    ("a.b", ["axb", "aéb", "a€b", "a😀b", "a\x00b"], ["ab", "a\nb", "aééb", "a\u00e9\u00e9b"]),
    ("^.$", ["x", "é", "€", "😀"], ["", "ab", "éé", "\n"]),
    ("^.{2}$", ["éé", "ab", "a😀"], ["é", "ééé", "a"]),
    ("^..$", ["éé", "€x"], ["é", "ééé"]),
    ("^.+$", ["é", "ab"], ["", "a\nb"]),
    ("^.*$", ["", "é€"], ["a\n"]),
    ("..+", ["ab", "éé"], ["é", "a", ""]),
    (".[^a]+", ["xé", "éé"], ["é", "xa", "x"]),
    ("[^a]+[^b]+", ["éé", "cc"], ["é", "c", ""]),
    ("^.?$", ["", "é"], ["éé", "ab"]),
    ("^a.?b$", ["ab", "aéb", "axb"], ["aééb", "a\nb"]),
    ("^.{1,2}$", ["é", "éé", "a€"], ["", "ééé"]),
    ("^.{2,}$", ["éé", "abc"], ["é", ""]),
    ("é", ["é", "xéx"], ["e", "É", "\u0065\u0301"]),
    ("^é{2}$", ["éé"], ["é", "ééé"]),
    ("^é?x$", ["x", "éx"], ["ééx", "ex"]),
    # character classes
    ("[abc]", ["a", "xcx"], ["d", "", "A"]),
    ("^[a-z0-9_]+$", ["abc_09"], ["ab-c", "é", "", "ABC"]),
    ("[^abc]", ["d", "é", "\n"], ["abc", "", "a"]),
    ("^[^abc]$", ["é", "€", "😀", "d"], ["ab", "éé", ""]),
    ("^[^/]+$", ["éé", "x"], ["a/b", ""]),
    (r"[\]]", ["]"], ["[", "a"]),
    (r"[]a]", ["]", "a"], ["b"]),
    (r"[^]a]", ["b", "é"], ["]", "a"]),
    ("[a-]", ["a", "-"], ["b"]),
    ("[-a]", ["a", "-"], ["b"]),
    (r"[%^$.]", ["%", "^", "$", "."], ["a", ""]),
    (r"[\^]", ["^"], ["a"]),
    (r"[\\-]", ["\\", "-"], ["a"]),
    (r"[!-/]", ["!", "%", "-", "/"], ["0", " "]),
    (r"[%-]", ["%", "-"], ["a"]),
    (r"[\d.]", ["1", "."], ["a"]),
    (r"[\s]", [" ", "\t", "\n", "\v"], ["a", "\x1c"]),
    (r"[^\W]", ["a", "_", "0"], ["é", "-", ""]),
    (r"[\W\d]", ["0", "-", "é"], ["a", "_"]),
    (r"^[a\W]$", ["a", "é", "-"], ["b", "_", "0"]),
    (r"[\s\S]", ["\n", "é", "a"], [""]),
    (r"[^\s\S]", [], ["", "a", "\n"]),
    (r"^a[^\s\S]?b$", ["ab"], ["axb"]),
    (r"[\b]", ["\b"], ["b"]),
    (r"[\101]", ["A"], ["1", "\\"]),
    # class escapes outside classes (ASCII flag)
    (r"^\d+$", ["0123"], ["٣", "1a", ""]),
    (r"^\D$", ["a", "٣", "é"], ["1", "ab"]),
    (r"^\w+$", ["ab_9"], ["é", "a b"]),
    (r"^\W$", ["é", "-", "€"], ["a", "_"]),
    (r"\s", [" ", "\t", "\n", "\r", "\f", "\v"], ["\u00a0", "a"]),
    (r"^\S+$", ["é€", "ab"], ["a b", ""]),
    # quantifiers
    ("^ab*c$", ["ac", "abbbc"], ["abxc"]),
    ("^ab+c$", ["abc", "abbc"], ["ac"]),
    ("^ab?c$", ["ac", "abc"], ["abbc"]),
    ("^ab*?c$", ["ac", "abbc"], ["abxc"]),
    ("^ab+?c$", ["abc"], ["ac"]),
    ("^ab??c$", ["ac", "abc"], ["abbc"]),
    ("^a{3}$", ["aaa"], ["aa", "aaaa"]),
    ("^a{2,}$", ["aa", "aaaa"], ["a"]),
    ("^a{,2}$", ["", "a", "aa"], ["aaa"]),
    ("^a{1,2}b$", ["ab", "aab"], ["b", "aaab"]),
    ("^a{0}b$", ["b"], ["ab"]),
    ("^-+$", ["---"], ["", "-a"]),
    ("^%*$", ["", "%%"], ["x"]),
    ("^[ab]{2}$", ["ab", "ba"], ["a", "abc"]),
    # anchors
    ("^abc", ["abc", "abcd"], ["xabc"]),
    ("abc$", ["abc", "xabc"], ["abc\n", "abcx"]),
    (r"\Aab\Z", ["ab"], ["ab\n", "xab"]),
    ("^$", [""], ["\n", "a"]),
    ("^", ["", "a"], []),
    ("$", ["", "a"], []),
    ("a$|^b", ["xa", "bx"], ["ax", "xb"]),
    ("(^a|b)c", ["ac", "xbc"], ["xac"]),
    ("a(b$|c)", ["xab", "acx"], ["abx"]),
    # alternation and groups
    ("a|b", ["a", "b"], ["c", ""]),
    ("GET|POST", ["GET", "xPOSTx"], ["PUT", "get"]),
    ("^(GET|POST) /x$", ["GET /x", "POST /x"], ["PUT /x", "GET /xy"]),
    ("x(a|bc)y", ["xay", "xbcy"], ["xy", "xby", "xacy"]),
    ("x(?:a|bc)?y", ["xy", "xay", "xbcy"], ["xby"]),
    ("x(?P<n>a|b)y", ["xay", "xby"], ["xcy"]),
    ("(a|b)(c|d)", ["ac", "bd"], ["ab", "cd"]),
    ("x(|a)y", ["xy", "xay"], ["xby"]),
    ("a||b", ["", "c"], []),
    ("^(ab){2}$", ["abab"], ["ab", "ababab"]),
    ("^(ab){1,2}c$", ["abc", "ababc"], ["c", "abababc"]),
    ("^(a|é)x$", ["ax", "éx"], ["x", "aéx"]),
    ("^(a|b)*$", ["", "abba"], ["abc"]),
    ("^(?:[0-9]|x)+$", ["1x2"], ["", "1y"]),
    ("^(.)+$", ["é", "ab"], ["", "\n"]),
    ("^(é)?x$", ["x", "éx"], ["ééx"]),
    ("^(?:)*x$", ["x"], ["ax"]),
    # case-insensitivity (ASCII only)
    ("(?i)get", ["GET", "get", "gEt"], ["gat"]),
    ("(?i)^[a-c]+$", ["ABCabc"], ["d", "D"]),
    ("(?i)^[^k]$", ["x", "é", "\u212a"], ["k", "K"]),
    ("(?i)[\\Wk]", ["K", "k", "-"], ["a", "A"]),
    ("(?i)é", ["é"], ["É"]),
    ("(?i)s", ["S"], ["ſ"]),
    ("(?i)[Z-a]", ["z", "A", "_"], ["b", "y"]),
    # non-ASCII literals and escapes
    ("€uro", ["€uro"], ["euro"]),
    (r"\u00e9", ["é"], ["e"]),
    (r"\N{EURO SIGN}", ["€"], ["E"]),
    (r"\é", ["é"], ["e"]),
    ("^😀{2}$", ["😀😀"], ["😀", "😀😀😀"]),
    # realistic rules
    ("system:node:.+", ["system:node:worker-1", "system:node:é"], ["system:node:", "system:node:\n"]),
    (
        "^/api/v1/namespaces/[^/]+/pods/[^/]+/exec",
        ["/api/v1/namespaces/default/pods/web-0/exec", "/api/v1/namespaces/é/pods/ü/exec?x=1"],
        [
            "/api/v1/namespaces//pods/web/exec",
            "/api/v1/namespaces/a/b/pods/web/exec",
            "x/api/v1/namespaces/a/pods/b/exec",
        ],
    ),
    (
        r"^system:serviceaccount:kube-system:[a-z-]+$",
        ["system:serviceaccount:kube-system:foo-bar"],
        ["system:serviceaccount:kube-system:Foo", "xsystem:serviceaccount:kube-system:a"],
    ),
    (r"\.(key|pem)$", ["tls.key", "a.pem"], ["tls.keys", "key"]),
]


@pytest.mark.parametrize("regex,positives,negatives", CASES, ids=[repr(c[0]) for c in CASES])
def test_cases(regex, positives, negatives):
    patterns = translate(regex)
    for s in positives:
        assert py_match(regex, s), f"table error: {regex!r} should match {s!r} in Python"
        assert lua_match(s, patterns), f"{regex!r} -> {patterns!r} should match {s!r}"
    for s in negatives:
        assert not py_match(regex, s), f"table error: {regex!r} should not match {s!r} in Python"
        assert not lua_match(s, patterns), f"{regex!r} -> {patterns!r} should not match {s!r}"


EXPECTED_PATTERNS = [
    ("", [b""]),
    ("abc", [b"abc"]),
    ("a.b", [b"a[^\n\x80-\xbf][\x80-\xbf]*b"]),
    ("system:node:.+", [b"system:node:[^\n]+"]),
    (".[^a]+", [b"[^\n\x80-\xbf][\x80-\xbf]*[^a\x80-\xbf][^a]*"]),
    ("^/api/[^/]+/exec$", [b"^/api/[^%/]+/exec$"]),
    ("a\x00b", [b"a%zb"]),
    ("[\\x00a]", [b"[%za]"]),
    ("100%-x", [b"100%%%-x"]),
    ("(GET|POST) /x", [b"GET /x", b"POST /x"]),
    ("(a|b)c", [b"[ab]c"]),
    ("é{1,2}", ["é".encode(), "éé".encode()]),
]


@pytest.mark.parametrize("regex,expected", EXPECTED_PATTERNS, ids=[repr(c[0]) for c in EXPECTED_PATTERNS])
def test_emitted_patterns(regex, expected):
    assert translate(regex) == expected


def test_output_is_deterministic_deduplicated_bytes():
    regex = "(a|a|b)x(c|d)?|bx"
    first = translate(regex)
    assert first == translate(regex)
    assert len(first) == len(set(first)) > 0
    assert all(isinstance(p, bytes) and b"\x00" not in p for p in first)


def test_lua_nul_handling_assumption():
    # LuaJIT rejects a raw NUL inside brackets, which is why %z is used.
    with pytest.raises(lj.LuaError):
        lua_match("a", [b"[\x00a]"])
    assert lua_match("\x00", [b"[%z]"]) and lua_match("\x00", [b"%z"])


# ---------------------------------------------------------------------------
# Rejections
# ---------------------------------------------------------------------------

REJECTED = [
    ("(ab)+", "quantified group '(ab)+' cannot be expressed exactly as Lua patterns", 0),
    ("x(a|bc)*", "quantified group '(a|bc)*'", 1),
    ("(ab){2,}", "quantified group", 0),
    ("é*", "multi-byte character", 0),
    ("x€+", "multi-byte character", 1),
    ("(é|€)+", "quantified group", 0),
    (r"(a)\1", "backreference", 3),
    ("(?P<n>a)(?P=n)", "backreference", 8),
    ("a(?=b)", "lookahead", 1),
    ("a(?!b)", "negative lookahead", 1),
    ("(?<=a)b", "lookbehind", 0),
    ("(?<!a)b", "negative lookbehind", 0),
    (r"\bword", "word boundary", 0),
    (r"a\B", "word boundary", 1),
    ("a^b", "anchor '^'", 1),
    ("a$b", "anchor '$'", 1),
    (r"a\Ab", "anchor '\\\\A'", 1),
    ("(a$)b", "anchor '$'", 2),
    ("a*^b", "anchor '^'", 2),
    ("(?s)a.b", "inline flags", 0),
    ("a(?i)b", "global flags not at the start", None),
    ("(?i:a)b", "inline flags", 0),
    ("(?m)^a", "inline flags", 0),
    ("(?#note)a", "comment group", 0),
    ("(?>a)", "atomic group", 0),
    ("a*+", "possessive", 2),
    ("a{2}+", "possessive", 4),
    ("(a)?(?(1)b|c)", "conditional", 4),
    ("a{", "literal '{'", 1),
    ("a{}", "literal '{'", 1),
    ("a{1,x}", "literal '{'", 1),
    ("{1}", "nothing to repeat", 0),
    ("[é]", "non-ASCII member", 1),
    ("[a-é]", "non-ASCII member", 1),
    ("[^é]", "non-ASCII member", 2),
    ("[[a]", "nested set", 1),
    ("[a--]", "set difference", None),
    ("[a&&b]", "set intersection", None),
    (r"\ud800", "surrogate", 0),
    (r"\q", "bad escape", 0),
    (r"\101", "backreference or octal escape", 0),
    ("x😀+?", "multi-byte character", 1),
    ("(", "missing", None),
    (")", "unbalanced parenthesis", None),
    ("a**", "multiple repeat", None),
    (".{0,70}", "too many alternatives", 0),
    ("(ab|cd)(ef|gh)(ij|kl)(mn|op)(qr|st)(uv|wx)(yz|za)", "too many alternatives", None),
    ("a{101}", "exceeds the limit", 0),
    ("(" * 60 + ")" * 60, "nested", None),
]


@pytest.mark.parametrize("regex,fragment,offset", REJECTED, ids=[repr(c[0]) for c in REJECTED])
def test_rejected(regex, fragment, offset):
    with pytest.raises(RegexError) as info:
        translate(regex)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    if offset is not None:
        assert info.value.offset == offset
    assert isinstance(info.value, ValueError)


def test_alternative_cap_boundary():
    # exactly MAX_ALTERNATIVES patterns is fine, one more is not
    six = "(ab|cd)" * 6
    assert len(translate(six)) == MAX_ALTERNATIVES
    with pytest.raises(RegexError, match="too many alternatives"):
        translate(six + "(ef|gh)")


def test_type_error():
    with pytest.raises(TypeError):
        translate(b"abc")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Exhaustive check of the UTF-8 alignment argument on small inputs
# ---------------------------------------------------------------------------

# Units whose byte length varies (negated classes, '.', multi-byte literals)
# and their quantified forms, where a Lua match could split a character.
_ALIGNMENT_UNITS = [
    ".", "[^a]", r"\W", "é", "a", "[^a]+", ".*", ".+", "[^a]*", ".?", ".{2}", "é?",
    r"\S+", ".{1,2}", "(a|é)", "(?:é|.)", "€", r"\n?",
]
_SHORT_STRINGS = ["".join(p) for n in range(4) for p in itertools.product("aé€😀\n", repeat=n)]


@pytest.mark.parametrize("first", _ALIGNMENT_UNITS)
def test_utf8_alignment_exhaustive(first):
    for second in [""] + _ALIGNMENT_UNITS:
        for prefix, suffix in [("", ""), ("^", ""), ("", "$"), ("^", "$")]:
            regex = prefix + first + second + suffix
            try:
                patterns = translate(regex)
            except RegexError:
                continue
            compiled = re.compile(reference(regex), re.ASCII)
            for s in _SHORT_STRINGS:
                expected = compiled.search(s) is not None
                assert lua_match(s, patterns) == expected, (regex, patterns, s)


# ---------------------------------------------------------------------------
# Differential property test against Python's re
# ---------------------------------------------------------------------------

# The generator builds regexes from the supported subset (plus constructs that
# must be rejected, such as anchors in the middle or quantified groups) as
# pieces (regex text, reference text, sampler).  The texts differ only for
# '$' (reference: '\Z').  The sampler draws a string that *tends* to match the
# piece, so the property sees matches and near misses (mutations), not only
# random strings that almost never match.  Correctness never depends on the
# sampler: every string is judged by Python's re.

_ALPHABET = "abcAKzé€😀.%-\n\x00 _]^$0\t"

_LITERALS = [
    ("a", "a"), ("b", "b"), ("A", "A"), ("é", "é"), ("€", "€"), ("😀", "😀"),
    (r"\.", "."), ("%", "%"), ("-", "-"), (r"\n", "\n"), (r"\x00", "\x00"),
    (" ", " "), (r"\]", "]"), ("_", "_"), ("[.]", "."), (r"\^", "^"), (r"\$", "$"),
]
_CLASSES = [
    ".", "[ab]", "[^a]", "[a-c]", r"[^\n]", r"\d", r"\w", r"\W", r"\s", r"\S", r"\D",
    "[^a-z%]", "[.-]", r"[\s\S]", "[^%-]", r"[a\W]", r"[^\x00]", "[]^]",
]
_QUANTIFIERS = ["", "", "", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,}", "*?", "+?", "??"]
# Groups and multi-byte characters mostly get bounded quantifiers (unbounded
# ones are usually rejected, which would waste examples).
_BOUNDED_MOSTLY = ["", "", "", "", "", "?", "{2}", "{0,2}", "{1,2}", "??", "*"]
_COUNTS = {"": (1, 1), "*": (0, 3), "+": (1, 3), "?": (0, 1), "{2}": (2, 2), "{0,2}": (0, 2),
           "{1,2}": (1, 2), "{1,3}": (1, 3), "{2,}": (2, 4)}


def _const(text):
    return lambda rnd: text


def _one_of_chars(chars):
    return lambda rnd: rnd.choice(chars) if chars else ""


_atom = st.sampled_from(
    [(t, t, _const(ch)) for t, ch in _LITERALS]
    + [(t, t, _one_of_chars([c for c in _ALPHABET if re.fullmatch(t, c, re.ASCII)])) for t in _CLASSES]
)
_anchor = st.sampled_from(
    [(t, r, _const("")) for t, r in [("^", "^"), ("$", r"\Z"), (r"\A", r"\A"), (r"\Z", r"\Z")]]
)


def _concat(pieces):
    gens = [p[2] for p in pieces]
    text = "".join(p[0] for p in pieces)
    ref = "".join(p[1] for p in pieces)
    return text, ref, lambda rnd: "".join(g(rnd) for g in gens)


def _either(pieces):
    gens = [p[2] for p in pieces]
    return ("|".join(p[0] for p in pieces), "|".join(p[1] for p in pieces), lambda rnd: rnd.choice(gens)(rnd))


def _quantified(inner):
    def add(piece):
        text, ref, gen = piece
        multibyte = text.startswith("(") or ord(text[0]) > 0x7F
        choices = _BOUNDED_MOSTLY if multibyte else _QUANTIFIERS

        def with_quantifier(q):
            lo, hi = _COUNTS[q.rstrip("?") if len(q) > 1 else q]
            return (text + q, ref + q, lambda rnd: "".join(gen(rnd) for _ in range(rnd.randint(lo, hi))))

        return st.sampled_from(choices).map(with_quantifier)

    return inner.flatmap(add)


def _sequence(inner):
    plain = _quantified(inner)
    items = st.lists(st.one_of(*[plain] * 15, _anchor), min_size=1, max_size=4)
    return st.one_of(*[items] * 6, st.just([])).map(_concat)  # few empty alternatives


def _group(inner):
    alternation = st.lists(_sequence(inner), min_size=1, max_size=3).map(_either)
    return st.tuples(st.sampled_from(["(", "(?:"]), alternation).map(
        lambda p: (p[0] + p[1][0] + ")", p[0] + p[1][1] + ")", p[1][2])
    )


_nested = st.recursive(_atom, _group, max_leaves=6)
_empty = ("", "", _const(""))


@st.composite
def regexes(draw):
    """(regex, reference regex, sampler)."""
    flags = draw(st.sampled_from(["", "", "", "(?i)"]))
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from([_empty, _empty, ("^", "^", _const(""))]))
        body = draw(st.lists(_quantified(_nested), min_size=1, max_size=4).map(_concat))
        end = draw(st.sampled_from([_empty, _empty, ("$", r"\Z", _const(""))]))
        branches.append(_concat([start, body, end]))
    text, ref, gen = _either(branches)
    if flags:
        return flags + text, flags + ref, lambda rnd: "".join(
            c.swapcase() if rnd.random() < 0.5 else c for c in gen(rnd)
        )
    return text, ref, gen


def _mutations(s, rnd):
    """Near misses: one edit away from a (likely) match."""
    out = []
    for _ in range(4):
        i = rnd.randint(0, len(s))
        c = rnd.choice(_ALPHABET)
        out += [s[:i] + c + s[i:], s[:i] + s[i + 1 :], s[:i] + c + s[i + 1 :]]
    return out + [s + s, "x" + s, s + "\n"]


_strings = st.text(alphabet=_ALPHABET, max_size=7)

_STATS: dict[str, int] = {}


@settings(max_examples=300, deadline=None, database=None)
@given(regexes(), st.lists(_strings, max_size=8), st.randoms(use_true_random=False))
def _differential(case, strings, rnd):
    regex, ref, sample = case
    assert reference(regex) == ref  # the helper agrees with the generator
    try:
        patterns = translate(regex)
    except RegexError:
        _STATS["rejected"] += 1
        return
    _STATS["translated"] += 1
    assert patterns and len(patterns) == len(set(patterns)) <= MAX_ALTERNATIVES
    samples = [sample(rnd) for _ in range(3)]
    near_misses = [m for s in samples for m in _mutations(s, rnd)]
    candidates = strings + samples + near_misses + ["", "ééé", "😀a€"]
    outcomes = set()
    for s in candidates:
        expected = re.search(ref, s, re.ASCII) is not None
        assert lua_match(s, patterns) == expected, (regex, patterns, s)
        outcomes.add(expected)
    if len(outcomes) == 2:
        _STATS["both_outcomes"] += 1


def test_differential_against_python_re():
    _STATS.clear()
    _STATS.update(translated=0, rejected=0, both_outcomes=0)
    _differential()
    total = _STATS["translated"] + _STATS["rejected"]
    assert total >= 100
    assert _STATS["translated"] >= 0.4 * total, _STATS
    # the strings really discriminate: many regexes see matches and non-matches
    assert _STATS["both_outcomes"] >= 0.25 * _STATS["translated"], _STATS


# Generated predicates run a pattern only where a plain find sees its
# pre-check literal (backends/lua/generator._precheck_literal): that literal
# must be in every string the pattern matches, or a rule would stop firing.
@settings(max_examples=300, deadline=None, database=None)
@given(regexes(), st.lists(_strings, max_size=8), st.randoms(use_true_random=False))
def test_precheck_literal_is_in_every_match(case, strings, rnd):
    from auditc.backends.lua.generator import _precheck_literal
    regex, _ref, sample = case
    try:
        patterns = translate(regex)
    except RegexError:
        return
    samples = [sample(rnd) for _ in range(3)]
    for p in patterns:
        lit = _precheck_literal(p)
        if lit is None:
            continue
        for s in strings + samples + [m for x in samples for m in _mutations(x, rnd)]:
            if lua_match(s, [p]):
                assert lit in s.encode("utf-8"), (regex, p, lit, s)


@pytest.mark.parametrize("patterns, generated", [
    # two patterns are tested inline, more through a shared table (find_any)
    (["[&?]dryRun=All(&|$)"], 'sfind(v, "dryRun=All", 1, true) ~= nil and sfind(v, "[%&%?]dryRun=All$") ~= nil'),
    (["[&?]dryRun=All(&|$)", "/exec\\\\?", "/attach\\\\?", "^/healthz"],
     'lits = { "dryRun=All&", "dryRun=All", "/exec?", "/attach?", "/healthz" }'),
])
def test_generated_regex_tests_find_their_literal_first_and_still_decide(compile_yaml, patterns, generated):
    from tests.conftest import detect_rule
    pipe = compile_yaml(detect_rule("all:\n  - field: requestURI\n    regex: [" +
                                    ", ".join(f'"{p}"' for p in patterns) + "]\n"))
    assert generated in pipe.compiled.lua

    def fires(uri):
        return pipe.fires({"kind": "Event", "verb": "create", "requestURI": uri, "objectRef": {"resource": "pods"}})
    assert fires("/api/v1/namespaces/a/pods?dryRun=All")
    assert fires("/api/v1/namespaces/a/pods?fieldManager=kubectl&dryRun=All&x=1")
    assert not fires("/api/v1/namespaces/a/pods?dryRun=None")
    assert not fires("/api/v1/namespaces/a/pods/dryRun=All")  # not a query parameter
    assert not fires("/api/v1/namespaces/a/pods?dryRun=Allx")
    if len(patterns) > 1:
        assert fires("/api/v1/namespaces/a/pods/p/exec?command=sh")
        assert fires("/healthz?verbose")
        assert not fires("/api/v1/namespaces/a/pods/p/exec")
        assert not fires("/livez/healthz")


@pytest.mark.parametrize("op, fires_on_string", [("glob", True), ("not_glob", False)])
def test_a_glob_every_string_matches_needs_no_find(compile_yaml, op, fires_on_string):
    from tests.conftest import detect_rule
    # three patterns: past INLINE_PATTERNS, so a shared table would be used otherwise
    pipe = compile_yaml(detect_rule(f'all:\n  - field: userAgent\n    {op}: ["kubectl/*", "*", "curl/*"]\n'))
    body = pipe.compiled.lua.split("-- [1] detect r", 1)[1].split("PRED[1] =", 1)[0]
    assert "sfind" not in body and "find_any" not in body
    event = {"kind": "Event", "verb": "get", "objectRef": {"resource": "pods"}}
    assert pipe.fires({**event, "userAgent": "anything at all"}) is fires_on_string
    assert pipe.fires({**event, "userAgent": 7}) is False
