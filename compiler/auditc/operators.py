"""The operator table: what every field-test operator means, in one place.

A field test is `field: PATH` plus one operator (`equals: x`, `in: [...]`,
`glob: ...`). This table says, per operator:

* its operand (`Operand`): what the YAML value must be, so the loader can
  check it and the schema can be checked against the table;
* how lowering treats it (`absent` is `not exists`; `glob`/`regex` operands
  become compiled `dialect.Pattern`s);
* `holds(value, operands)`: its truth on one value found at the path, the
  reference semantics the generated Lua must agree with (differential tests
  in tests/test_operators.py run both on generated events);
* three-valued helpers for policy coverage (`given_prefix`, `given_members`):
  its truth when only part of a value is known, or None when that is not
  enough to decide.

Every consumer -- the loader, lowering, the Lua and LogQL backends, policy
coverage, Sigma samples, `auditc test` explanations -- asks this table
instead of comparing operator names. Adding an operator is one entry here
plus its emission in each backend (backends/lua/generator.py `_value_expr`,
backends/logql.py `_label_filter`), which fail loudly on an operator they
do not know.

Shared semantics (as the filter evaluates them): a missing or null field
matches nothing (so `absent` is the negation of `exists`); through `[*]` a
test holds if it holds for any element; string operators never match
non-strings; `equals`/`in` are type-strict except that numbers compare by
value (Lua has one number type: 201 == 201.0). `json_patch` tests a JSON
patch document: some operation writes, at a location a pointer pattern names,
a value its inner operator holds on (jsonpatch.py).
"""

from __future__ import annotations

import enum
import ipaddress
import operator
from dataclasses import dataclass
from typing import Callable

from auditc import jsonpatch


class Op(enum.Enum):
    EQUALS = "equals"
    IN = "in"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    CONTAINS = "contains"
    GLOB = "glob"
    NOT_GLOB = "not_glob"
    REGEX = "regex"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CIDR = "cidr"
    NOT_CIDR = "not_cidr"
    JSON_PATCH = "json_patch"
    EXISTS = "exists"
    ABSENT = "absent"

    def __str__(self) -> str:
        return self.value

    @property
    def spec(self) -> "OpSpec":
        return OPS[self]


class Operand(enum.Enum):
    SCALAR = "a string, number or boolean"
    SCALARS = "a list of strings, numbers or booleans, or a list reference"
    STRINGS = "a string, a list of strings, or a list reference"
    NETWORKS = "a CIDR (10.0.0.0/8, fd00::/8), a list of them, or a list reference"
    NUMBER = "a number"
    PRESENCE = "true"
    PATCH = "a mapping: path (pointer pattern or list), optional op (list of kinds), one value operator"


def same(a, b) -> bool:
    """Lua's `==` on decoded JSON values: booleans and strings only equal
    their own type, numbers compare by value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return a == b


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class OpSpec:
    op: Op
    operand: Operand
    # One value, the test's operands (always a tuple; patterns compiled) -> truth.
    holds: Callable[[object, tuple], bool]
    strings_only: bool = False  # the value must be a string for the test to hold
    pattern_syntax: str | None = None  # glob/regex: operands are dialect.Pattern
    negation_of: Op | None = None  # lowered as Not(Test(negation_of))
    dispatchable: bool = False  # string operands give the exact values the field can take
    symbol: str | None = None  # comparison operators: their infix symbol (Lua and LogQL share it)
    # Operators whose operands are alternatives (any may match): the operator
    # that takes a list of them. OR-ed tests of one family on one field merge.
    list_form: Op | None = None

    @property
    def name(self) -> str:
        return self.op.value

    def holds_on_any(self, values: list, operands: tuple) -> bool:
        """The test on everything a path reached ([*] fans out): any value."""
        if self.op is Op.EXISTS:
            return bool(values)
        if self.op is Op.ABSENT:
            return not values
        return any(self.holds(v, operands) for v in values)

    def given_prefix(self, operands: tuple, p: str) -> bool | None:
        """Truth on a string known only to start with `p` (a kubelet's user
        name, `system:node:`), or None when that does not decide it."""
        if self.op is Op.EXISTS:
            return True
        if self.dispatchable:  # equals / in
            strings = [v for v in operands if isinstance(v, str)]
            return False if not any(v.startswith(p) for v in strings) else None
        if self.op is Op.PREFIX:
            if any(p.startswith(q) for q in operands):
                return True
            if all(not q.startswith(p) for q in operands):
                return False
        return None

    def given_members(self, operands: tuple, has: frozenset, lacks: frozenset) -> bool | None:
        """Truth through `[*]` on an array known to hold all of `has` and none
        of `lacks` (a user's groups), or None when that does not decide it."""
        if self.op is Op.EXISTS:
            return True if has else None
        if self.dispatchable:
            if any(v in has for v in operands):
                return True
            if all(v in lacks for v in operands):
                return False
        return None


def _equals(v, operands: tuple) -> bool:
    return same(v, operands[0])


def _in(v, operands: tuple) -> bool:
    return any(same(v, x) for x in operands)


def _string_op(test: Callable[[str, str], bool]) -> Callable[[object, tuple], bool]:
    def holds(v, operands: tuple) -> bool:
        return isinstance(v, str) and any(test(v, x) for x in operands)
    return holds


def _pattern(v, operands: tuple) -> bool:
    return isinstance(v, str) and any(p.matches(v) for p in operands)


def _compare(fn: Callable) -> Callable[[object, tuple], bool]:
    def holds(v, operands: tuple) -> bool:
        return _is_number(v) and fn(v, operands[0])
    return holds


def _no_pattern(v, operands: tuple) -> bool:
    return isinstance(v, str) and not any(p.matches(v) for p in operands)


def ip_address(v):
    """v as an IPv4/IPv6 address the way the filter reads it, or None:
    Python's ipaddress, without IPv6 zone indexes (the filter rejects them)."""
    if not isinstance(v, str) or "%" in v:
        return None
    try:
        return ipaddress.ip_address(v)
    except ValueError:
        return None


def _in_networks(v, operands: tuple) -> bool:
    addr = ip_address(v)
    return addr is not None and any(addr.version == net.version and addr in net for net in operands)


@dataclass(frozen=True)
class PatchQuery:
    """The operand of a `json_patch` test (see jsonpatch.py): pointer patterns
    (segment tuples, jsonpatch.WILD for `*`), the operation kinds that count,
    and the test on the values they write (an operator of this table other
    than json_patch and absent, with its operands lowered like any test's)."""

    patterns: tuple
    kinds: tuple
    inner: "Op"
    inner_values: tuple
    source: str = ""  # as written, for explanations

    def holds(self, doc) -> bool:
        # OPAQUE (copy, move, remove) satisfies `exists` only
        reached = jsonpatch.written(doc, self.patterns, self.kinds)
        if self.inner is Op.EXISTS:
            return bool(reached)
        spec = self.inner.spec
        return any(spec.holds(v, self.inner_values) for v in reached if v is not jsonpatch.OPAQUE)


def _json_patch(v, operands: tuple) -> bool:
    return operands[0].holds(v)


def _outside_networks(v, operands: tuple) -> bool:
    addr = ip_address(v)
    return addr is not None and not any(addr.version == net.version and addr in net for net in operands)


def _present(v, operands: tuple) -> bool:
    return True  # a value was found at the path


def _never(v, operands: tuple) -> bool:
    return False  # `absent` holds only when nothing was found (holds_on_any)


OPS: dict[Op, OpSpec] = {spec.op: spec for spec in (
    OpSpec(Op.EQUALS, Operand.SCALAR, _equals, dispatchable=True, list_form=Op.IN),
    OpSpec(Op.IN, Operand.SCALARS, _in, dispatchable=True, list_form=Op.IN),
    OpSpec(Op.PREFIX, Operand.STRINGS, _string_op(str.startswith), strings_only=True, list_form=Op.PREFIX),
    OpSpec(Op.SUFFIX, Operand.STRINGS, _string_op(str.endswith), strings_only=True, list_form=Op.SUFFIX),
    OpSpec(Op.CONTAINS, Operand.STRINGS, _string_op(lambda v, x: x in v), strings_only=True,
           list_form=Op.CONTAINS),
    OpSpec(Op.GLOB, Operand.STRINGS, _pattern, strings_only=True, pattern_syntax="glob", list_form=Op.GLOB),
    # a string none of the globs match; through [*] "some element is such a string" (an
    # allow-list: some container image outside it), which `not: {glob}` is not. No list_form.
    OpSpec(Op.NOT_GLOB, Operand.STRINGS, _no_pattern, strings_only=True, pattern_syntax="glob"),
    OpSpec(Op.REGEX, Operand.STRINGS, _pattern, strings_only=True, pattern_syntax="regex", list_form=Op.REGEX),
    # operands: ipaddress networks (lowering parses the CIDR strings)
    OpSpec(Op.CIDR, Operand.NETWORKS, _in_networks, strings_only=True, list_form=Op.CIDR),
    # an address outside every network. Through [*] "some address is outside", which
    # `not: {cidr}` ("no address is inside") is not: sourceIPs starts with whatever
    # X-Forwarded-For the client sent, so only this form cannot be hidden behind it.
    # No list_form: OR-ed not_cidr tests are not one test of the union.
    OpSpec(Op.NOT_CIDR, Operand.NETWORKS, _outside_networks, strings_only=True),
    # operand: one PatchQuery; the field must reach the patch document (an array)
    OpSpec(Op.JSON_PATCH, Operand.PATCH, _json_patch),
    OpSpec(Op.GT, Operand.NUMBER, _compare(operator.gt), symbol=">"),
    OpSpec(Op.GTE, Operand.NUMBER, _compare(operator.ge), symbol=">="),
    OpSpec(Op.LT, Operand.NUMBER, _compare(operator.lt), symbol="<"),
    OpSpec(Op.LTE, Operand.NUMBER, _compare(operator.le), symbol="<="),
    OpSpec(Op.EXISTS, Operand.PRESENCE, _present),
    OpSpec(Op.ABSENT, Operand.PRESENCE, _never, negation_of=Op.EXISTS),
)}

OPERATOR_NAMES = tuple(op.value for op in Op)
# What a json_patch test may apply to the values written: any value operator.
PATCH_INNER_OPS = tuple(op for op in Op if op not in (Op.JSON_PATCH, Op.ABSENT))

