"""The identity screen: what a detection needs of who sent a request.

A dozen detections run on every event whatever its resource or verb
(anonymous access, forbidden answers, control-plane identities used from
outside their networks, system:masters credentials...). Each opens with
tests of the caller: user name and groups, source addresses, user agent,
response code. A cluster's traffic comes from a few hundred such callers,
again and again, and for nearly all of them those tests are false.

So each such detection gets a *screen*: the part of its predicate that
reads only the caller's fields (SCREEN_PATHS), and that the predicate
implies. The filter evaluates the screens once per distinct caller,
remembers which passed, and runs a detection's full predicate only when its
screen did. A screen may be weaker than the predicate (the rest of an `all`
is left out: a requestURI test, say), never stronger, so skipping a
detection whose screen failed never misses a match.

    all:  [A, B, C]   ->  all of the items that are screenable, e.g. [A, C]
    any:  [A, B]      ->  any of the items' screens, only if every item has one
    not:  X           ->  not X, only if all of X reads caller fields
"""

from __future__ import annotations

from auditc.ir.nodes import And, Const, Not, Or, Test, iter_tests

# Field paths (FieldPath.text) a screen may read: the caller's identity and
# the answer it got. Each is a scalar, or ([*]) a list of scalars: the
# filter keys its memo on their values (see screen_roots).
SCREEN_PATHS = frozenset({
    "user.username",
    "user.uid",
    "user.groups[*]",
    "impersonatedUser.username",
    "impersonatedUser.groups[*]",
    "sourceIPs[*]",
    "userAgent",
    "responseStatus.code",
})


def _reads_caller(c) -> bool:
    return all(t.path.text in SCREEN_PATHS for t in iter_tests(c))


def screen(c):
    """The weakest-useful condition implied by `c` that reads only
    SCREEN_PATHS, or None when there is none (c says nothing about the
    caller, or only under a `not` mixed with other fields)."""
    if isinstance(c, Const):
        return None
    if _reads_caller(c):
        return c
    if isinstance(c, And):
        parts = [p for p in (screen(i) for i in c.items) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))
    if isinstance(c, Or):
        parts = [screen(i) for i in c.items]
        if any(p is None for p in parts):
            return None  # an item that says nothing of the caller can hold for anyone
        return Or(tuple(parts))
    return None  # a Test of another field, or a Not that reads one


def screen_roots(screens) -> list[tuple[tuple[str, ...], bool]]:
    """The values the filter keys its memo on, in a stable order: each
    screened path up to its [*] (user.groups[*] -> user.groups), and whether
    the screens read it as a list (its elements, as alen() counts them)."""
    roots = set()
    for s in screens:
        for t in iter_tests(s):
            keys = tuple(seg for seg in t.path.segments if isinstance(seg, str))
            roots.add((keys, t.path.has_wildcard))
    return sorted(roots)
