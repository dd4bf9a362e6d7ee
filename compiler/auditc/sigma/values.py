"""One Sigma field/value pair -> an exact auditc condition.

Sigma value semantics (pySigma's typed values after modifiers are applied):

- SigmaString: case-INSENSITIVE equality, `*` = any run of characters, `?` = one
  character (contains/startswith/endswith are wildcards pySigma already added);
- SigmaCasedString (`cased`): the same, case-sensitive;
- SigmaRegularExpression (`re`, flags `i`/`m`/`s`): PCRE, search semantics;
- SigmaNumber, SigmaBool, SigmaNull (`field: null` = absent), SigmaExists
  (`exists`), SigmaCompareExpression (`gt`...), SigmaCIDRExpression (`cidr`),
  SigmaExpansion (`windash`, `base64offset`: any of several values).

Conversions are exact or raise Unconvertible; comparisons that can never
match become the constant FALSE (with a note), so that an OR of values keeps
its other alternatives and the whole rule is skipped only when nothing is left.
"""

from __future__ import annotations

import ipaddress
import re
import warnings

from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from auditc.dialect.glob import GlobError, glob_to_lua
from auditc.dialect.regex import RegexError, translate
from auditc.sigma.fields import AUDIT_VERBS, VERB_FIXES, Target, Unconvertible


class _Const:
    def __init__(self, value: bool):
        self.value = value

    def __repr__(self) -> str:
        return "TRUE" if self.value else "FALSE"


TRUE, FALSE = _Const(True), _Const(False)

WILD, ONE = SpecialChars.WILDCARD_MULTI, SpecialChars.WILDCARD_SINGLE
ANY_RUN, ANY_CHAR = r"[\s\S]*", r"[\s\S]"  # Sigma wildcards also match newlines; auditc's '.' does not

DECISION = 'annotations["authorization.k8s.io/decision"]'
_DECISIONS = {"allow": "allow", "allowed": "allow", "deny": "forbid", "denied": "forbid", "forbid": "forbid",
              "forbidden": "forbid"}


class Notes:
    """Fix notes of one rule, in order of appearance, without duplicates.

    `items` are the full notes (they go into the rule's description),
    `short` the same as a few words each (for the summary table)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.short: list[str] = []

    def add(self, text: str, short: str | None = None) -> None:
        if text not in self.items:
            self.items.append(text)
            self.short.append(short or text)


def leaf(target: Target, value, notes: Notes):
    """The condition for `target` (a resolved Sigma field) compared with one Sigma value."""
    if target.note:
        notes.add(target.note, target.short_note)
    if isinstance(value, SigmaExpansion):
        return any_of([leaf(target, v, notes) for v in value.values])
    return any_of([_one_path(target, path, value, notes) for path in target.paths])


def any_of(items: list):
    items = [i for i in items if i is not FALSE]
    if any(i is TRUE for i in items):
        return TRUE
    if not items:
        return FALSE
    return items[0] if len(items) == 1 else {"any": items}


def _test(path: str, op: str, value) -> dict:
    return {"field": path, op: value}


def _one_path(t: Target, path: str, v, notes: Notes):
    name = t.sigma_field
    if isinstance(v, SigmaNull):
        return _test(path, "absent", True)
    if isinstance(v, SigmaExists):
        if t.nullable:
            raise Unconvertible(f"'{name}|exists': a JSON null in a request/response body counts as present in "
                                "Sigma but as absent in auditc")
        return _test(path, "exists" if v.exists else "absent", True)
    if isinstance(v, SigmaBool):
        if t.kind in ("ident", "text", "int", "ip"):
            notes.add(f"{name} is never a boolean in audit events; '{name}: {str(v.boolean).lower()}' can never match",
                      f"{name}: {str(v.boolean).lower()} never matches")
            return FALSE
        return _test(path, "equals", v.boolean)
    if isinstance(v, SigmaTimestampPart):
        raise Unconvertible(f"time modifiers ({v.timestamp_part.name.lower()}) on '{name}' have no auditc operator")
    if isinstance(v, SigmaNumber):
        return _number(t, path, v.number, notes)
    if isinstance(v, SigmaCompareExpression):
        return _compare(t, path, v)
    if isinstance(v, SigmaCIDRExpression):
        return _cidr(t, path, v)
    if isinstance(v, SigmaRegularExpression):
        return _regex(t, path, v)
    if isinstance(v, SigmaFieldReference):
        raise Unconvertible(f"'{name}|fieldref' compares two fields; auditc has no such operator")
    if isinstance(v, SigmaString):  # also SigmaCasedString
        return _string(t, path, v, isinstance(v, SigmaCasedString), notes)
    raise Unconvertible(f"value {v!r} of '{name}' ({type(v).__name__}) has no auditc form")


# ------------------------------------------------------------------ numbers


def _number(t: Target, path: str, n, notes: Notes):
    name = t.sigma_field
    if t.kind == "int":
        if isinstance(n, float) and not n.is_integer():
            notes.add(f"{name} is an integer in audit events; '{name}: {n}' can never match", f"{name}: {n} never matches")
            return FALSE
        return _test(path, "equals", int(n))
    if t.kind == "any":
        return _test(path, "equals", n)
    if t.kind in ("bool", "object"):
        notes.add(f"{name} is not a number; '{name}: {n}' can never match", f"{name}: {n} never matches")
        return FALSE
    # A number on a string field (YAML read `name: 123` as a number): the field
    # is always a string in audit events, so the rule means its text.
    notes.add(f"{name} is a string in audit events; the Sigma number {n} is compared as the text '{n}'",
              f"{name}: number {n} -> text '{n}'")
    return _test(path, "equals", str(n))


_CMP = {CompareOperators.LT: "lt", CompareOperators.LTE: "lte", CompareOperators.GT: "gt", CompareOperators.GTE: "gte"}


def _compare(t: Target, path: str, v: SigmaCompareExpression):
    if t.kind not in ("int", "any"):
        raise Unconvertible(f"numeric comparison on '{t.sigma_field}', which is not a number in audit events")
    n = v.number.number
    if v.op in _CMP:
        return _test(path, _CMP[v.op], n)
    if v.op == CompareOperators.NEQ:
        return {"not": _test(path, "equals", n)}
    raise Unconvertible(f"comparison {v.op} on '{t.sigma_field}' has no auditc operator")


# ------------------------------------------------------------------ CIDR


def _cidr(t: Target, path: str, v: SigmaCIDRExpression):
    net = v.network
    if t.kind != "ip":
        raise Unconvertible(f"'{t.sigma_field}|cidr': only sourceIPs hold IP addresses in audit events")
    if not isinstance(net, ipaddress.IPv4Network):
        raise Unconvertible(f"IPv6 CIDR {v.cidr}: no exact string form (use an IPv4 range or a regex)")
    # The apiserver prints IPv4 addresses in canonical dotted decimal (Go's
    # net.IP.String(), also for IPv4-mapped IPv6), so a network aligned to
    # whole octets is exactly a string prefix "a.b." (pySigma's own expansion).
    exact, prefixes = [], []
    for pattern in v.expand(wildcard="*"):
        if pattern == "*":
            return _test(path, "exists", True)
        if pattern.endswith("*"):
            prefixes.append(pattern[:-1])
        else:
            exact.append(pattern)
    items = []
    if exact:
        items.append(_test(path, "equals", exact[0]) if len(exact) == 1 else _test(path, "in", exact))
    if prefixes:
        items.append(_test(path, "prefix", prefixes[0] if len(prefixes) == 1 else prefixes))
    return any_of(items)


# ------------------------------------------------------------------ strings


def _has_case(s: str) -> bool:
    return s.lower() != s.upper()


def _non_ascii_letters(s: str) -> bool:
    return any(ord(c) > 0x7F and _has_case(c) for c in s)


def sigma_text(parts) -> str:
    """A SigmaString as Sigma syntax (for messages)."""
    return "".join("*" if p is WILD else "?" if p is ONE else p.replace("*", "\\*").replace("?", "\\?")
                   for p in parts)


def _string(t: Target, path: str, v: SigmaString, cased: bool, notes: Notes):
    name = t.sigma_field
    parts = list(v.s)
    if any(isinstance(p, Placeholder) for p in parts):
        raise Unconvertible(f"'{name}' uses a placeholder (expand modifier), which needs a processing pipeline")
    if t.kind in ("int",):
        return _string_on_int(t, path, parts, notes)
    if t.kind == "bool":
        return _string_on_bool(t, path, parts, notes)
    if t.kind == "object":
        if parts == [WILD]:
            # Sigma '*' on a map-valued field: the rule means "present" (a
            # string wildcard can never match a map).
            return _test(path, "exists", True)
        if t.string_subpath is None:
            raise Unconvertible(f"'{name}: {sigma_text(parts)}': '{name}' is a map in audit events "
                                f"({t.paths[0]}); only '*' (present) has an exact meaning")
        sub = Target((path + "." + t.string_subpath,), "text", sigma_field=f"{name}.{t.string_subpath}")
        return _string(sub, sub.paths[0], v, cased, notes)
    if t.kind in ("ident", "ip") and not cased:
        text = "".join(p for p in parts if isinstance(p, str))
        if any(ord(c) > 0x7F for c in text):
            notes.add(f"'{name}: {sigma_text(parts)}' has non-ASCII characters; {name} is ASCII in audit events, "
                      "so it can never match", f"{name}: {sigma_text(parts)} never matches")
            return FALSE
        # Case-insensitive equality on a field that is lower-case by definition
        # is case-sensitive equality with the lower-cased value (see fields.py).
        parts = [p.lower() if isinstance(p, str) else p for p in parts]
        cased = True
        if path == "objectRef.resource" and all(isinstance(p, str) for p in parts) and "/" in "".join(parts):
            resource, _, sub = "".join(parts).partition("/")
            notes.add(f"objectRef.resource never holds a '/': '{resource}/{sub}' is resource '{resource}' with "
                      f"subresource '{sub}' (objectRef.subresource)", f"resource {resource}/{sub} -> {resource} + {sub}")
            if not resource or not sub or "/" in sub:
                return FALSE
            return {"all": [_test(path, "equals", resource), _test("objectRef.subresource", "equals", sub)]}
        if path == "verb" and all(isinstance(p, str) for p in parts):
            verb = "".join(parts)
            if verb in VERB_FIXES:
                fixed, note = VERB_FIXES[verb]
                notes.add(note, f"verb {verb} -> {fixed}")
                parts = [fixed]
            elif verb not in AUDIT_VERBS:
                notes.add(f"verb '{verb}' does not exist in audit logs; that alternative can never match",
                          f"verb {verb} never matches")
                return FALSE
    if not cased and not any(_has_case(p) for p in parts if isinstance(p, str)):
        cased = True  # nothing to fold: a case-sensitive match is the same match
    if cased:
        return _cased(path, parts)
    for p in parts:
        if isinstance(p, str) and _non_ascii_letters(p):
            raise Unconvertible(f"case-insensitive match of non-ASCII text in '{name}: {sigma_text(parts)}' "
                                "(auditc's (?i) folds ASCII letters only)")
    return _regex_test(path, "(?i)" + _wild_regex(parts), name)


def _string_on_int(t: Target, path: str, parts, notes: Notes):
    name = t.sigma_field
    if not all(isinstance(p, str) for p in parts):
        raise Unconvertible(f"wildcards in '{name}: {sigma_text(parts)}': {name} is a number in audit events")
    text = "".join(parts)
    if re.fullmatch(r"[0-9]{1,9}", text):
        notes.add(f"{name} is a number in audit events; '{text}' compared as {int(text)}",
                  f"{name}: '{text}' -> {int(text)}")
        return _test(path, "equals", int(text))
    if name == "responseStatus.code" and text.lower() in _DECISIONS:
        decision = _DECISIONS[text.lower()]
        notes.add(f"responseStatus.code is the HTTP status code, so '{name}: {text}' can never match; "
                  f"the authorization decision is the audit annotation authorization.k8s.io/decision "
                  f"('{decision}'), mapped to that",
                  f"{name}: {text} -> authorization.k8s.io/decision: {decision}")
        return _test(DECISION, "equals", decision)
    notes.add(f"{name} is a number in audit events; '{name}: {text}' can never match", f"{name}: {text} never matches")
    return FALSE


def _string_on_bool(t: Target, path: str, parts, notes: Notes):
    name = t.sigma_field
    if parts == [WILD]:
        return _test(path, "exists", True)
    text = "".join(p for p in parts if isinstance(p, str)) if all(isinstance(p, str) for p in parts) else None
    if text is not None and text.lower() in ("true", "false"):
        notes.add(f"{name} is a boolean; '{text}' compared as {text.lower()}", f"{name}: '{text}' -> {text.lower()}")
        return _test(path, "equals", text.lower() == "true")
    notes.add(f"{name} is a boolean; '{name}: {sigma_text(parts)}' can never match",
              f"{name}: {sigma_text(parts)} never matches")
    return FALSE


def _cased(path: str, parts):
    strs = [p for p in parts if isinstance(p, str)]
    if all(isinstance(p, str) for p in parts):
        return _test(path, "equals", "".join(parts))
    if parts == [WILD]:
        return _test(path, "glob", "*")
    if len(parts) == 3 and parts[0] is WILD and parts[2] is WILD and isinstance(parts[1], str):
        return _test(path, "contains", parts[1])
    if len(parts) == 2 and isinstance(parts[0], str) and parts[1] is WILD:
        return _test(path, "prefix", parts[0])
    if len(parts) == 2 and parts[0] is WILD and isinstance(parts[1], str):
        return _test(path, "suffix", parts[1])
    if not any("[" in s for s in strs):  # auditc globs have classes but no escape for a literal '['
        glob = "".join("*" if p is WILD else "?" if p is ONE else p for p in parts)
        try:
            glob_to_lua(glob)
        except GlobError as exc:  # pragma: no cover - no '[' means no class
            raise Unconvertible(f"glob {glob!r}: {exc}") from None
        return _test(path, "glob", glob)
    return _regex_test(path, _wild_regex(parts), path)


_META = set("\\.^$*+?()[]{}|")


def regex_escape(text: str) -> str:
    """Escape regex metacharacters only (re.escape also escapes '-', '/', ' ', ... which reads badly)."""
    return "".join("\\" + c if c in _META else c for c in text)


def _wild_regex(parts) -> str:
    """A wildcard string as an anchored regex (search semantics: leading/trailing '*' just drop the anchor)."""
    out = []
    for i, p in enumerate(parts):
        if p is WILD:
            if i == 0 or i == len(parts) - 1 or parts[i - 1] is WILD:
                continue
            out.append(ANY_RUN)
        elif p is ONE:
            out.append(ANY_CHAR)
        else:
            out.append(regex_escape(p))
    head = "" if parts and parts[0] is WILD else "^"
    tail = "" if parts and parts[-1] is WILD else "$"
    return head + "".join(out) + tail


def _regex_test(path: str, regex: str, name: str):
    try:
        translate(regex)
    except RegexError as exc:
        raise Unconvertible(f"'{name}': regex {regex!r} has no exact Lua form: {exc}") from None
    return _test(path, "regex", regex)


# ------------------------------------------------------------------ regular expressions


def _scan(regex: str):
    """Yield (index, char, context) for each char; context is 'esc' (escaped char), 'class' or 'top'."""
    i, n, in_class = 0, len(regex), False
    while i < n:
        c = regex[i]
        if c == "\\" and i + 1 < n:
            yield i, regex[i:i + 2], "esc"
            i += 2
            continue
        if in_class:
            if c == "]" and not _class_start(regex, i):
                in_class = False
            yield i, c, "class"
        else:
            if c == "[":
                in_class = True
            yield i, c, "top"
        i += 1


def _class_start(regex: str, i: int) -> bool:
    """Is regex[i] == ']' the first member of a class (a literal)?"""
    j = i - 1
    if j >= 0 and regex[j] == "^":
        j -= 1
    return j >= 0 and regex[j] == "[" and (j == 0 or regex[j - 1] != "\\")


def pcre_to_auditc(regex: str, flags: set) -> str:
    """Sigma's PCRE regex (with the i/m/s flags) in auditc's dialect, exactly, or Unconvertible.

    - PCRE's `$` (and `\\Z`) also match before a final newline; auditc's `$` is
      the end of the string only, so they become `\\n?$` / `\\n?\\Z`.
    - `s` (dot matches newline): `.` becomes `[\\s\\S]`.
    - `m` (multi-line anchors): no exact form unless the regex has no anchors.
    - `i`: a leading `(?i)` (ASCII folding; non-ASCII letters are refused).
    """
    out = []
    anchors = False
    for _, tok, ctx in _scan(regex):
        if ctx == "top" and tok == "$":
            out.append(r"\n?$")
            anchors = True
        elif ctx == "top" and tok == "^":
            out.append(tok)
            anchors = True
        elif ctx == "esc" and tok == r"\Z":
            out.append(r"\n?\Z")
            anchors = True
        elif ctx == "esc" and tok == r"\A":
            out.append(tok)
            anchors = True
        elif ctx == "top" and tok == "." and SigmaRegularExpressionFlag.DOTALL in flags:
            out.append(ANY_CHAR)
        else:
            out.append(tok)
    if SigmaRegularExpressionFlag.MULTILINE in flags and anchors:
        raise Unconvertible("regex flag 'm' (multi-line anchors) has no exact auditc form")
    body = "".join(out)
    icase = SigmaRegularExpressionFlag.IGNORECASE in flags or body.startswith("(?i)")
    if body.startswith("(?i)"):
        body = body[4:]
    if icase and _non_ascii_letters(body):
        raise Unconvertible("case-insensitive regex with non-ASCII letters (auditc's (?i) folds ASCII only)")
    return ("(?i)" if icase else "") + body


def _regex(t: Target, path: str, v: SigmaRegularExpression):
    name = t.sigma_field
    if t.kind in ("int", "bool", "object"):
        raise Unconvertible(f"regex on '{name}', which is not a string in audit events")
    source = str(v.regexp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regex = pcre_to_auditc(source, set(v.flags))
    try:
        translate(regex)
    except RegexError as exc:
        raise Unconvertible(f"'{name}|re: {source}' has no exact Lua form: {exc}") from None
    return _test(path, "regex", regex)
