"""The literal text every match of a Lua pattern must contain.

Scan-mode redaction runs its patterns over every string of a record; most
records hold no secret, so each pattern gets a cheap pre-check: a plain
`string.find(s, literal, 1, true)` for the longest run of literal bytes
that any match must contain ("-----BEGIN ", "ghp_", "AKIA"). Only when the
pre-check hits does the pattern itself run.
"""

from __future__ import annotations

_CLASS_LETTERS = set(b"acdglpsuwxACDGLPSUWX")


def _items(pat: bytes):
    """(literal byte or None for a class, quantifier or b'') per item."""
    i, n = 0, len(pat)
    if pat[:1] == b"^":
        i = 1
    while i < n:
        c = pat[i]
        lit = None
        if c == ord("%"):
            nxt = pat[i + 1]
            if nxt == ord("b"):
                yield None, b"*"  # %bxy: a balanced run, may be long; contributes nothing fixed
                i += 4
                continue
            if nxt == ord("f"):
                j = _set_end(pat, i + 2)
                i = j  # a frontier matches the empty string
                continue
            lit = None if (nxt in _CLASS_LETTERS or nxt == ord("z")) else nxt
            i += 2
        elif c == ord("["):
            j = _set_end(pat, i)
            body = pat[i + 1:j - 1]
            # [Pp]: one letter in either case, what a (?i) regex becomes
            if len(body) == 2 and body[0] != ord("^") and bytes([body[0]]).lower() == bytes([body[1]]).lower() \
                    and body[0] != body[1]:
                lit = -bytes([body[0]]).lower()[0]  # negative: matches either case
            i = j
        elif c == ord("$") and i == n - 1:
            return
        elif c == ord("."):
            i += 1
        else:
            lit = c
            i += 1
        q = pat[i:i + 1] if i < n and pat[i:i + 1] in (b"*", b"+", b"-", b"?") else b""
        i += len(q)
        yield lit, q


def _set_end(pat: bytes, i: int) -> int:
    """Index just past the set starting at pat[i] == '['."""
    j = i + 1
    if pat[j:j + 1] == b"^":
        j += 1
    if pat[j:j + 1] == b"]":
        j += 1
    while pat[j] != ord("]"):
        j += 2 if pat[j] == ord("%") else 1
    return j + 1


def leading_literal(pat: bytes) -> tuple[bytes, bool] | None:
    """The bytes every match starts with, and whether they are to be found
    case-insensitively (the run came from `[Pp]`-style sets); None when the
    pattern opens with a class, a quantified item or an anchor.

    A match can then begin only where these bytes occur: the filter finds
    them with a plain `string.find` and tries the pattern, anchored, only
    there, where `string.gsub` would try it at every position of the string
    (quadratic for an opening `[a-z][a-z0-9.]*`, and slow for any long
    string)."""
    if pat[:1] == b"^":
        return None  # anchored already: it is tried once
    run: list = []
    for lit, q in _items(pat):
        if lit is None or q != b"":
            break
        run.append(lit)
    if not run:
        return None
    ci = any(b < 0 for b in run)
    text = bytes(abs(b) for b in run)
    return (text.lower(), True) if ci else (text, False)


def required_literal(pat: bytes) -> tuple[bytes, bool] | None:
    """The longest run of bytes every match contains, and whether it is to be
    found case-insensitively (in the lower-cased string: the run came from
    `[Pp]`-style sets); None when there is none (the pattern always runs)."""
    best: list = []
    run: list = []

    def close():
        nonlocal best, run
        if len(run) > len(best):
            best = run
        run = []

    for lit, q in _items(pat):
        if lit is not None and q in (b"", b"+"):
            run.append(lit)
            if q == b"+":  # one is required, more may follow: the run ends here
                close()
            continue
        close()
    close()
    if not best:
        return None
    ci = any(b < 0 for b in best)
    text = bytes(abs(b) for b in best)
    return (text.lower(), True) if ci else (text, False)


_SPECIAL = set(b"^$*+?.()[%-]\x00")  # and NUL: LuaJIT stops reading a pattern there
_SHAPE = {(True, True): "has", (False, True): "prefix", (True, False): "suffix", (False, False): "exact"}


def literal_shape(pat: bytes) -> tuple[str, bytes] | None:
    """An anchored pattern that is only literal bytes, with at most a `.*`
    at either end, as ("exact" | "prefix" | "suffix" | "has", the bytes);
    None for anything else. `^.*password.*$` is ("has", b"password"): a
    plain `string.find` answers it, where the pattern matcher would expand
    `.*` to the end of the string and step back over every byte.

    This is the shape the credential-name globs (`*password*`, `*.key`,
    `id_rsa`) translate to, and each unknown name is tried against all of
    them (docs/benchmarks.md, sixth round)."""
    if pat[:1] != b"^" or pat[-1:] != b"$" or pat[-2:-1] == b"%":
        return None
    body = pat[1:-1]
    lead = body[:2] == b".*"
    if lead:
        body = body[2:]
    trail = body[-2:] == b".*" and body[-3:-2] != b"%"
    if trail:
        body = body[:-2]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == ord("%"):
            if i + 1 >= len(body) or bytes([body[i + 1]]).isalnum():
                return None  # %a, %d, %z ...: a class, not a byte
            out.append(body[i + 1])
            i += 2
        elif c in _SPECIAL:
            return None
        else:
            out.append(c)
            i += 1
    return _SHAPE[(lead, trail)], bytes(out)
