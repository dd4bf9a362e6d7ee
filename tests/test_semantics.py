"""One semantics: the operator table's reference evaluator and the generated
Lua agree, operator by operator, on generated events (hypothesis); the IR
passes each do what they say; every consumer takes operators from the table.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from auditc.compiler import compile_rules
from auditc.errors import Location
from auditc.frontend.loader import rule_schema
from auditc.ir import And, Const, Not, Or
from auditc.ir import Test as IRTest
from auditc.ir.evaluate import explain, holds
from auditc.ir.passes.index import constraint, residual
from auditc.ir.passes.normal_form import dnf, nnf
from auditc.ir.passes.required import guard_clauses, required_clauses
from auditc.ir.passes.simplify import simplify
from auditc.operators import OPERATOR_NAMES, OPS, Op
from auditc.paths import parse_path
from auditc.runtime import FluentBitLua
from conftest import write_rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

# Operands per operator: a few each, over a small alphabet so that generated
# values match often enough to exercise both outcomes.
OPERANDS = {
    Op.EQUALS: ["ab", 1, 2.5, True, ""],
    Op.IN: [["ab", "b"], [1, "1"], [False, 0]],
    Op.PREFIX: ["a", ["b", "ab"], ""],
    Op.SUFFIX: ["b", ["a", "ba"], ""],
    Op.CONTAINS: ["ab", ["%", "."], ""],
    Op.GLOB: ["a*", "?b", "[!a]*", "*.*", "[a-b]?"],
    Op.NOT_GLOB: ["a*", ["?b", "*.*"], "*"],
    Op.REGEX: ["^a", "b$", "a.b", "(ab|ba){1,2}c?", "^[^a]*$", "(?i)AB", r"\d"],
    Op.GT: [1, 2.5], Op.GTE: [1], Op.LT: [2], Op.LTE: [0.5],
    Op.CIDR: ["10.0.0.0/8", ["192.168.1.0/24", "fd00::/8"], "2001:db8::/33", "0.0.0.0/0", "::ffff:0:0/96"],
    Op.NOT_CIDR: ["10.0.0.0/8", ["192.168.1.0/24", "fd00::/8"], "2001:db8::/33", ["0.0.0.0/0", "::/0"]],
    Op.JSON_PATCH: [{"path": "/a", "equals": "ab"}, {"path": ["/a/*/b", "/b/0"], "op": ["add", "copy"], "exists": True}],
    Op.EXISTS: [True], Op.ABSENT: [True],
}
FIELDS = ["requestObject.a", "requestObject.items[*]", "requestObject.items[*].a"]


def _rules_yaml() -> str:
    rules = []
    for op, operands in OPERANDS.items():
        for i, operand in enumerate(operands):
            for j, field in enumerate(FIELDS):
                rules.append({"id": f"{op.value}-{i}-{j}", "kind": "detect", "title": "t", "description": "d",
                              "severity": "low", "match": {"field": field, op.value: operand}})
    return json.dumps({"rules": rules})  # JSON is YAML


@lru_cache(maxsize=1)
def _pack(tmp: str):
    compiled = compile_rules(write_rules(Path(tmp), {"ops.yaml": _rules_yaml()}))
    runtimes = {mode: FluentBitLua(compiled.lua, "auditc_filter", enable_flb_null=mode) for mode in (False, True)}
    return compiled, runtimes


ODD_ADDRESSES = ["10.1.2.3", "010.1.2.3", "10.1.2", "192.168.1.255", "192.168.2.1", "fd12::1",
                                 "fe80::1%eth0", "::", "::ffff:10.0.0.1", "2001:db8:7fff::1", "2001:db8:8000::1",
                                 "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
                                 "12345::", "1:2:3:4:5:6:7::", "::g", "256.1.1.1", " 10.1.2.3", "1.2.3.4.5", "0.0.0.0",
                 "FD00::ABCD", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7", ":1::", "1::2:", "::ffff:1.2.3", "1.2.3.04"]
ips = st.one_of(st.ip_addresses().map(str), st.sampled_from(ODD_ADDRESSES))
scalars = st.one_of(st.sampled_from(["", "a", "b", "ab", "ba", "abc", "a.b", "%", "1", "AB", "é", "a\nb", "x9"]), ips,
                    st.text(alphabet="ab.%9\n", max_size=5),
                    st.integers(-2, 3), st.sampled_from([0.5, 1.0, 2.5, -0.0]), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)),
                      max_leaves=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=values, items=values)
def test_reference_evaluator_agrees_with_generated_lua(tmp_path_factory, a, items):
    compiled, runtimes = _pack(str(tmp_path_factory.getbasetemp() / "semantics"))
    event = {"kind": "Event", "verb": "create", "objectRef": {"resource": "pods"},
             "requestObject": {"a": a, "items": items}}
    want = sorted(r.id for r in compiled.program.of_kind("detect") if holds(r.pred, event))
    for mode, runtime in runtimes.items():
        result = runtime.filter([json.loads(json.dumps(event))])
        assert not result.passthrough, result.error
        out = result.per_input[0]
        got = sorted(out[0].record.get("detection", {}).get("rules", [])) if out else []
        assert got == want, (mode, event)


def test_cidr_agrees_on_odd_addresses(tmp_path_factory):
    compiled, runtimes = _pack(str(tmp_path_factory.getbasetemp() / "semantics"))
    rules = [r for r in compiled.program.of_kind("detect") if r.id.startswith(("cidr-", "not_cidr-"))]
    for addr in ODD_ADDRESSES:
        event = {"kind": "Event", "requestObject": {"a": addr, "items": [addr]}}
        want = sorted(r.id for r in rules if holds(r.pred, event))
        out = runtimes[True].filter([event]).per_input[0]
        got = sorted(x for x in (out[0].record.get("detection", {}).get("rules", []) if out else [])
                     if x.startswith(("cidr-", "not_cidr-")))
        assert got == want, addr


# JSON patch documents: operations of every kind (and junk) on pointers that
# hit, miss, escape (~0, ~1), append (-), index, or are not pointers at all.
PATCH_OPERANDS = [
    {"path": "/spec/containers/*/privileged", "equals": True},
    {"path": ["/spec/a~1b", "/spec/x~0y/*"], "op": ["add", "replace", "test"], "in": ["ab", 1]},
    {"path": "/spec/*/*/name", "op": ["copy", "move", "remove", "add"], "exists": True},
    {"path": "/spec/containers/0/ports/*/hostPort", "gt": 0},
    {"path": "/spec/containers/*/image", "op": ["copy", "move", "add"], "glob": "a*"},  # copy/move: never a glob's
    {"path": "/spec/containers/1", "op": ["replace"], "contains": "a"},
    {"path": ["/spec/containers/01/name", "/spec/~01/*"], "prefix": "a"},  # "01" is a key, never element 1
]
POINTERS = ["", "/", "/spec", "/spec/containers", "/spec/containers/0", "/spec/containers/1", "/spec/containers/-",
            "/spec/containers/01", "/spec/containers/0/privileged", "/spec/containers/-/privileged",
            "/spec/a~1b", "/spec/a/b", "/spec/x~0y", "/spec/~01", "/spec/~01/name", "/spec/x~0y/q", "/spec/x~y", "/spec/x~", "spec", "/spec/*",
            "/spec/containers/0/ports", "/spec/containers/0/ports/0/hostPort", "/spec/containers/0/image", 7, None]
PATCH_KEYS = ["spec", "containers", "privileged", "name", "image", "ports", "hostPort", "a/b", "x~y", "~1", "0", "1", "01",
              "-"]
patch_leaves = st.one_of(st.booleans(), st.sampled_from(["ab", "a", "b", 1, 0, 2.5, ""]), st.none())
patch_noise = st.recursive(patch_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(PATCH_KEYS), inner, max_size=2)), max_leaves=4)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@st.composite
def _value_along(draw, keys):
    """A value reached along `keys` (each step a map, or an array when the
    key is an index or *), among noise."""
    value = draw(st.sampled_from([True, "ab", 1, 2, "a", "abc", False, None]))
    for key in reversed(keys):
        if (key.isdigit() or key == "*") and draw(st.integers(0, 3)):
            at = min(int(key), 2) if key.isdigit() else draw(st.integers(0, 2))
            siblings = draw(st.lists(patch_noise, max_size=2))
            value = siblings[:at] + [value] + siblings[at:]
        else:
            if key == "*":
                key = draw(st.sampled_from(PATCH_KEYS))
            value = {**draw(st.dictionaries(st.sampled_from(PATCH_KEYS), patch_noise, max_size=1)), key: value}
    return value


@st.composite
def _aimed_op(draw):
    """An operation aimed at one of the patterns: its pointer a prefix of the
    pattern (wildcards filled, sometimes one segment changed), its value
    built along the rest, so hits and near misses are both common."""
    operand = draw(st.sampled_from(PATCH_OPERANDS))
    texts = [operand["path"]] if isinstance(operand["path"], str) else operand["path"]
    segments = draw(st.sampled_from(texts))[1:].split("/")
    segments = [s.replace("~1", "/").replace("~0", "~") for s in segments]
    filled = [draw(st.sampled_from(["0", "1", "-", "name", "a", "x~"])) if s == "*" else s for s in segments]
    if draw(st.integers(0, 5)) == 0:
        filled[draw(st.integers(0, len(filled) - 1))] = draw(st.sampled_from(PATCH_KEYS))
    cut = draw(st.integers(0, len(filled)))
    kinds = operand.get("op", ["add", "replace"])
    op = {"op": draw(st.one_of(st.sampled_from(kinds), st.sampled_from(["add", "replace", "test", "copy", "move", "remove"]))),
          # unescaped now and then: "x~y" is then not a pointer, "a/b" two segments
          "path": "".join("/" + (_escape(s) if draw(st.integers(0, 3)) else s) for s in filled[:cut])}
    if draw(st.integers(0, 7)):
        op["value"] = draw(_value_along(segments[cut:]))
    return op


patch_ops = st.one_of(_aimed_op(), st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "test", "copy", "move", "remove", "bogus", 3])},
    optional={"path": st.sampled_from(POINTERS), "value": patch_noise, "from": st.sampled_from(POINTERS)}))
patch_docs = st.one_of(st.lists(st.one_of(_aimed_op(), patch_ops, patch_noise), min_size=1, max_size=4),
                       st.lists(_aimed_op(), min_size=1, max_size=3), patch_noise)


@lru_cache(maxsize=1)
def _patch_pack(tmp: str):
    rules = [{"id": f"jp-{i}", "kind": "detect", "title": "t", "description": "d", "severity": "low",
              "match": {"field": "requestObject", "json_patch": operand}} for i, operand in enumerate(PATCH_OPERANDS)]
    compiled = compile_rules(write_rules(Path(tmp), {"jp.yaml": json.dumps({"rules": rules})}))
    return compiled, {mode: FluentBitLua(compiled.lua, "auditc_filter", enable_flb_null=mode) for mode in (False, True)}


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=patch_docs)
def test_json_patch_reference_agrees_with_generated_lua(tmp_path_factory, doc):
    _patch_differential(tmp_path_factory, doc)


def _patch_differential(tmp_path_factory, doc):
    compiled, runtimes = _patch_pack(str(tmp_path_factory.getbasetemp() / "jsonpatch"))
    event = {"kind": "Event", "verb": "patch", "objectRef": {"resource": "pods"}, "requestObject": doc}
    want = sorted(r.id for r in compiled.program.of_kind("detect") if holds(r.pred, event))
    for mode, runtime in runtimes.items():
        result = runtime.filter([json.loads(json.dumps(event))])
        assert not result.passthrough, result.error
        out = result.per_input[0]
        got = sorted(out[0].record.get("detection", {}).get("rules", [])) if out else []
        assert got == want, (mode, event)
    return want


# Edge cases too rare for the generator: malformed escapes at a wildcard,
# leading zeros, the append marker and the root pointer.
EDGE_PATCHES = [
    ([{"op": "add", "path": "/spec/containers/x~/privileged", "value": True}], []),
    ([{"op": "add", "path": "/spec/containers/x~2/privileged", "value": True}], []),
    ([{"op": "add", "path": "/spec/containers/x~0/privileged", "value": True}], ["jp-0"]),
    ([{"op": "add", "path": "/spec/containers/-/privileged", "value": True}], ["jp-0"]),
    ([{"op": "replace", "path": "", "value": {"spec": {"containers": [{"privileged": True}]}}}], ["jp-0"]),
    ([{"op": "add", "path": "/spec/containers/01", "value": {"name": "ab"}}], ["jp-2", "jp-6"]),
    ([{"op": "add", "path": "/spec/containers", "value": [{"name": "x"}, {"name": "ab"}]}], ["jp-2"]),
    ([{"op": "add", "path": "/spec/containers", "value": {"01": {"name": "ab"}}}], ["jp-2", "jp-6"]),
    ([{"op": "move", "from": "/spec/a", "path": "/spec/containers/0/image"}], []),
    ([{"op": "copy", "from": "/spec/a", "path": "/spec/q/r/name"}], ["jp-2"]),
    ([{"op": "remove", "path": "/spec/q/r/name"}], ["jp-2"]),
    ([{"op": "remove", "path": "/spec/containers/0/image"}], []),  # only `exists` sees a removal
    ({"spec": {"containers": [{"privileged": True}]}}, []),  # a merge patch is not a JSON patch
]


def test_json_patch_edge_cases_agree(tmp_path_factory):
    for doc, expected in EDGE_PATCHES:
        assert _patch_differential(tmp_path_factory, doc) == expected, doc


def test_json_patch_reference_semantics():
    """What the operator means, on hand-written patches (the differential
    test above only shows that Lua and the reference agree)."""
    from auditc import jsonpatch
    pattern = jsonpatch.parse_pattern("/spec/template/spec/containers/*/securityContext/privileged")
    leaf = [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/privileged", "value": True}]
    ancestor = [{"op": "replace", "path": "/spec/template",
                 "value": {"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": True}}]}}}]
    append = [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"securityContext": {"privileged": True}}}]
    below = [{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/privileged/x", "value": True}]
    copied = [{"op": "copy", "from": "/spec/hostNetwork", "path": "/spec/template/spec/containers/0/securityContext/privileged"}]
    for doc in (leaf, ancestor, append):
        assert jsonpatch.written(doc, (pattern,), ("add", "replace")) == [True], doc
    assert jsonpatch.written(below, (pattern,), ("add", "replace")) == []
    assert jsonpatch.written(leaf, (pattern,), ("replace",)) == []
    assert jsonpatch.written(copied, (pattern,), ("add", "replace")) == []
    assert jsonpatch.written(copied, (pattern,), ("copy",)) == [jsonpatch.OPAQUE]
    # RFC 6901 escapes: ~1 is '/', ~0 is '~', and ~01 is '~1' (not '/')
    assert jsonpatch.parse_pointer("/metadata/annotations/a~1b~0c~01") == ("metadata", "annotations", "a/b~c~1")
    assert jsonpatch.parse_pointer("/a~2") is None and jsonpatch.parse_pointer("a") is None
    assert jsonpatch.parse_pointer("") == ()
    # canonical indexes only: "01" is not element 1
    assert jsonpatch.follow([["x", "y"]], ("0", "1")) == ["y"] and jsonpatch.follow(["x", "y"], ("01",)) == []


def test_every_operator_has_a_table_entry_and_the_schema_agrees():
    assert set(OPS) == set(Op)
    field_test = rule_schema()["$defs"]["fieldTest"]
    schema_ops = {k for k in field_test["properties"] if k != "field"}
    assert schema_ops == set(OPERATOR_NAMES)


def test_no_module_compares_operator_names_as_strings():
    """Operators are Op members everywhere but the table (and the loader's
    single Op(key) conversion)."""
    names = "|".join(re.escape(n) for n in OPERATOR_NAMES + ("pattern",))
    bad = re.compile(rf"""\.op\s*(==|!=)\s*["']|\.op\s*(in|not in)\s*[\(\[]\s*["']|\bop\s*==\s*["']({names})["']""")
    offenders = []
    for path in (ROOT / "compiler" / "auditc").rglob("*.py"):
        if path.name == "operators.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if bad.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_backends_do_not_import_the_model_or_the_frontend():
    for path in (ROOT / "compiler" / "auditc" / "backends").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"auditc(\.| import )(model|frontend)\b", text), path


# ---------------------------------------------------------------- passes, one by one

L = Location("t.yaml", 1, 1)


def T(path: str, op: Op = Op.EQUALS, *values) -> IRTest:
    return IRTest(parse_path(path), op, values or ("x",), L)


a, b, c = T("a"), T("b"), T("c")


def test_simplify_flattens_and_folds_constants_keeping_order():
    assert simplify(And((a, And((b, c))))) == And((a, b, c))
    assert simplify(Or((a, Const(True)))) == Const(True)
    assert simplify(And((Const(True), a))) == a
    assert simplify(Not(Not(a))) == a
    assert simplify(Or(())) == Const(False)


def test_nnf_pushes_negation_to_tests():
    assert nnf(Not(And((a, Or((b, Not(c))))))) == Or((Not(a), And((Not(b), c))))
    assert nnf(Not(Const(True))) == Const(False)


def test_dnf_expands_and_caps():
    assert dnf(And((a, Or((b, Not(c)))))) == [[(True, a), (True, b)], [(True, a), (False, c)]]
    wide = And(tuple(Or((T(f"x{i}"), T(f"y{i}"))) for i in range(9)))  # 512 conjunctions
    assert dnf(wide) is None


def test_index_constraints_and_residual():
    verb = parse_path("verb")
    create, update = T("verb", Op.IN, "create", "update"), T("verb", Op.EQUALS, "create")
    assert constraint(And((create, update)), verb) == {"create"}
    assert constraint(Or((create, a)), verb) is None  # a branch leaves verb free
    assert constraint(T("verb", Op.PREFIX, "cre"), verb) is None  # not exact
    assert constraint(Const(False), verb) == frozenset()
    cons = {"verb": frozenset({"create"}), "objectRef.resource": None}
    assert residual(And((update, a)), cons) == a


def test_required_clauses_of_all_any_and_not():
    req, resp = T("requestObject.spec.x"), T("responseObject.spec.x")
    REQ, RESP = (("requestObject", "spec"), "table"), (("responseObject", "spec"), "table")
    assert guard_clauses(req) == [[REQ]]  # two keys deep: a body without a spec is answered too
    assert guard_clauses(T("requestObject.kind")) == [[(("requestObject",), "table")]]
    assert guard_clauses(T("verb")) == []  # a top-level field itself: nothing to step through
    assert guard_clauses(T("sourceIPs[*]", Op.CIDR, "10.0.0.0/8")) == [[(("sourceIPs",), "table")]]
    assert guard_clauses(T("user.groups[*]")) == [[(("user", "groups"), "table")]]
    assert guard_clauses(Or((req, resp))) == [[REQ, RESP]]
    assert guard_clauses(Or((req, T("verb")))) == []  # verb alone may hold it
    assert guard_clauses(And((T("user.username"), Or((req, resp)), Not(T("objectRef.name"))))) == \
        [[REQ, RESP], [(("user",), "table")]]
    assert guard_clauses(And((req, Or((req, resp))))) == [[REQ]]  # the larger clause is implied
    assert guard_clauses(And((T("requestObject.kind"), req))) == [[REQ]]  # so is the shallower one
    # an `any` takes the strongest clause of each item
    assert guard_clauses(Or((And((T("requestObject.spec", Op.EXISTS), req)), resp))) == [[REQ, RESP]]
    patch = IRTest(parse_path("requestObject"), Op.JSON_PATCH, ("q",), L)
    assert guard_clauses(patch) == [[(("requestObject",), "list")]]  # a patch document is a list
    assert guard_clauses(Or((patch, req))) == [[(("requestObject",), "list"), REQ]]
    assert required_clauses(Const(False)) == frozenset({frozenset()})
    assert guard_clauses(Or((Const(False), req))) == [[REQ]]


_GUARD_TESTS = [T("requestObject.a"), T("responseObject.a"), T("requestObject.items[*]", Op.EXISTS),
                T("verb"), T("user.groups[*]"), T("requestObject.spec.a"), T("requestObject.spec", Op.EXISTS),
                T("responseObject.spec.items[*]", Op.EXISTS)]
_preds = st.recursive(st.sampled_from(_GUARD_TESTS) | st.sampled_from([Const(True), Const(False)]),
                      lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3).map(lambda x: And(tuple(x))),
                                              st.lists(inner, min_size=1, max_size=3).map(lambda x: Or(tuple(x))),
                                              inner.map(Not)), max_leaves=8)
_inner = st.one_of(st.none(), st.just("x"), st.just([1]), st.fixed_dictionaries({}, optional={
    "a": st.sampled_from(["x", "y"]), "items": st.lists(st.sampled_from([1, None]), max_size=2)}))
_tops = st.one_of(st.none(), st.just("x"), st.just([1]), st.fixed_dictionaries({}, optional={
    "a": st.sampled_from(["x", "y"]), "items": st.lists(st.sampled_from([1, None]), max_size=2),
    "spec": _inner, "groups": st.one_of(st.none(), st.just("g"), st.lists(st.sampled_from(["g", "h"]), max_size=2))}))


@settings(max_examples=400, deadline=None)
@given(pred=_preds, ro=_tops, rs=_tops, user=_tops, verb=st.sampled_from(["x", "y"]))
def test_a_predicate_that_holds_meets_every_required_clause(pred, ro, rs, user, verb):
    """Soundness of the guard: whenever the reference evaluator says the
    predicate holds, every clause has a requirement the event meets (the
    value at its keys is a map or list; for "list", a list)."""
    event = {"verb": verb}
    for key, v in (("requestObject", ro), ("responseObject", rs), ("user", user)):
        if v is not None:
            event[key] = v
    def met(keys, kind):
        v = event
        for k in keys:
            v = v.get(k) if isinstance(v, dict) else None
        return isinstance(v, list) if kind == "list" else isinstance(v, (dict, list))
    if holds(pred, event):
        for clause in guard_clauses(pred):
            assert any(met(keys, kind) for keys, kind in clause), (clause, event)


def test_explain_names_the_false_condition_and_what_it_saw():
    pred = And((T("verb", Op.EQUALS, "delete"), T("objectRef.resource", Op.EQUALS, "pods")))
    reasons = explain(pred, {"verb": "get", "objectRef": {"resource": "pods"}})
    assert [str(r.test.path) for r in reasons] == ["verb"] and reasons[0].seen == ("get",)
    assert "saw 'get'" in str(reasons[0])
    assert explain(pred, {"verb": "delete", "objectRef": {"resource": "pods"}}) == []


def test_nulls_inside_arrays_hide_nothing_with_enable_flb_null_off(compile_yaml):
    """A JSON null in an array is a nil hole when enable_flb_null is off, and
    Lua's `#` may stop at it: elements after it must still be matched and
    redacted (the filter uses alen, not #)."""
    pipe = compile_yaml("""
        rules:
          - id: mask-list
            kind: redact
            description: d
            when: {field: verb, equals: create}
            fields: ["requestObject.list[*]", "requestObject.objs[*].value"]
          - id: sees-later-element
            kind: detect
            title: t
            description: d
            severity: low
            match: {field: "requestObject.list[*]", equals: s3cret}
    """)
    event = {"verb": "create", "requestObject": {"list": [None, "s3cret", None],
                                                 "objs": [None, {"value": "hunter2"}, None]}}
    for mode in (False, True):
        out = pipe.run(json.loads(json.dumps(event)), flb_null=mode)[0].record
        text = json.dumps(out)
        assert "s3cret" not in text and "hunter2" not in text, (mode, text)
        assert out["detection"]["rules"] == ["sees-later-element"], mode


def test_cidr_in_logql_uses_lokis_ip_filter(tmp_path):
    from auditc.backends import logql
    compiled = compile_rules(write_rules(tmp_path, {"r.yaml": json.dumps({"rules": [{
        "id": "r", "kind": "detect", "title": "t", "description": "d", "severity": "low",
        "match": {"all": [{"field": "objectRef.resource", "equals": "pods"},
                          {"not": {"field": "annotations.ip", "cidr": ["10.0.0.0/8", "fd00::/8"]}}]}}]})}))
    q = logql.raw_query(compiled.program.rules[0])
    assert '(annotations_ip != ip("10.0.0.0/8") and annotations_ip != ip("fd00::/8"))' in q.logql, q.logql


def test_json_patch_in_logql_is_dropped_as_a_marked_superset(tmp_path):
    from auditc.backends import logql
    compiled = compile_rules(write_rules(tmp_path, {"r.yaml": json.dumps({"rules": [{
        "id": "r", "kind": "detect", "title": "t", "description": "d", "severity": "low",
        "match": {"all": [{"field": "objectRef.resource", "equals": "services"},
                          {"field": "requestObject", "json_patch": {"path": "/spec/type", "equals": "NodePort"}}]}}]})}))
    q = logql.raw_query(compiled.program.rules[0])
    assert q.exact is False and any("requestObject json_patch" in n and "superset" in n for n in q.notes), q.notes
    assert "objectRef_resource = `services`" in q.logql and "NodePort" not in q.logql


def test_a_rule_with_many_shared_operand_tables_loads_and_decides(tmp_path):
    """Operand tables are shared through K and aliased as locals only in
    rules small enough for LuaJIT's 200-locals limit; a rule with 150
    set, pattern and deep-path tests still loads and decides right."""
    tests = []
    for i in range(150):
        kind = i % 3
        if kind == 0:
            tests.append({"field": f"requestObject.spec.a{i}.b.c", "in": [f"x{i}", f"y{i}"]})
        elif kind == 1:
            tests.append({"field": f"requestObject.spec.items[*].k{i}", "regex": [f"^a{i}", f"b{i}$", f"c{i}c"]})
        else:
            tests.append({"field": f"requestObject.spec.n{i}.m.o", "cidr": ["10.0.0.0/8", "fd00::/8"]})
    # 40 tests: the most that keep locals, each with an aliased table and a dig path (and json_patch's inner set)
    narrow = [{"field": f"requestObject.spec.q{i}.r.s", "in": [f"v{i}", i]} for i in range(39)]
    narrow.append({"field": "requestObject", "json_patch": {"path": "/spec/x/y/z", "in": ["p", "q"]}})
    rules = {"rules": [{"id": "wide", "kind": "detect", "title": "t", "description": "d", "severity": "low",
                        "match": {"any": tests}},
                       {"id": "narrow", "kind": "detect", "title": "t", "description": "d", "severity": "low",
                        "match": {"any": narrow}}]}
    compiled = compile_rules(write_rules(tmp_path, {"r.yaml": json.dumps(rules)}))
    runtime = FluentBitLua(compiled.lua, "auditc_filter", enable_flb_null=True)
    hit = {"kind": "Event", "requestObject": {"spec": {"items": [{"k148": "zzc148c"}]}}}
    also = {"kind": "Event", "requestObject": {"spec": {"n149": {"m": {"o": "fd00::1"}}}}}
    miss = {"kind": "Event", "requestObject": {"spec": {"a0": {"b": {"c": "z"}}}}}
    for event, want in ((hit, True), (also, True), (miss, False)):
        assert holds(compiled.program.rules[0].pred, event) is want
        out = runtime.filter([event]).per_input[0]
        assert ("wide" in out[0].record.get("detection", {}).get("rules", [])) is want, event
    patched = {"kind": "Event", "requestObject": [{"op": "add", "path": "/spec/x", "value": {"y": {"z": "q"}}}]}
    for event, want in (({"kind": "Event", "requestObject": {"spec": {"q38": {"r": {"s": 38}}}}}, True),
                        (patched, True), (miss, False)):
        assert holds(compiled.program.rules[1].pred, event) is want
        out = runtime.filter([event]).per_input[0]
        assert ("narrow" in out[0].record.get("detection", {}).get("rules", [])) is want, event
