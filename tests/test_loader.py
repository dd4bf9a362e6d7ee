"""The loader: every problem is reported with file:line:col, all at once."""

from __future__ import annotations

import pytest

from auditc.errors import AuditcError
from auditc.frontend.loader import load_rules

from conftest import write_rules

GOOD_RULE = """\
rules:
  - id: exec
    kind: detect
    title: Exec
    description: d
    severity: high
    match:
      field: objectRef.subresource
      equals: exec
"""


def errors(tmp_path, files: dict[str, str]) -> list[str]:
    write_rules(tmp_path / "r", files)
    with pytest.raises(AuditcError) as info:
        load_rules(tmp_path / "r")
    return [d.format() for d in info.value.diagnostics if d.level == "error"]


def test_valid_file_loads(tmp_path):
    write_rules(tmp_path / "r", {"a.yaml": GOOD_RULE})
    rs = load_rules(tmp_path / "r").ruleset
    assert [r.id for r in rs.rules] == ["exec"]
    assert rs.rules[0].loc.line == 2 and rs.rules[0].loc.col == 5


def test_duplicate_yaml_key_is_an_error_with_location(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("severity: high", "severity: high\n    severity: low")})
    assert any(e.endswith("a.yaml:7:5: error: duplicate key 'severity' (first defined at 6:5) [AUD102]") for e in errs), errs


def test_unknown_key_names_the_key_and_allowed_keys(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("    title: Exec", "    title: Exec\n    sevrity: high")})
    assert len(errs) == 1
    assert "a.yaml:5:5: error: unknown key 'sevrity' at rules[0]" in errs[0]
    assert "severity" in errs[0]


def test_bad_enum_and_missing_key(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("severity: high", "severity: urgent")})
    assert any(":6:15: error: 'urgent' at rules[0].severity is not one of: info, low, medium, high, critical" in e for e in errs), errs
    errs = errors(tmp_path, {"b.yaml": GOOD_RULE.replace("    title: Exec\n", "")})
    assert any("b.yaml:2:5: error: rules[0]: 'title' is required" in e for e in errs), errs


def test_condition_errors_are_precise(tmp_path):
    two_ops = GOOD_RULE.replace("equals: exec", "equals: exec\n      prefix: ex")
    errs = errors(tmp_path, {"a.yaml": two_ops})
    assert any("a.yaml:10:7: error: field test at rules[0].match has several operators (equals, prefix)" in e for e in errs), errs
    unknown_op = GOOD_RULE.replace("equals: exec", "startswith: exec")
    errs = errors(tmp_path, {"b.yaml": unknown_op})
    assert any("b.yaml:9:7: error: unknown key 'startswith' in condition" in e for e in errs), errs
    bad_value = GOOD_RULE.replace("equals: exec", "in: exec")
    errs = errors(tmp_path, {"c.yaml": bad_value})
    assert any("c.yaml:9:11" in e for e in errs), errs


def test_invalid_yaml_reports_position(tmp_path):
    errs = errors(tmp_path, {"a.yaml": "rules:\n  - id: [unclosed\n"})
    assert len(errs) == 1 and "a.yaml:3:1: error: invalid YAML" in errs[0]


def test_non_string_keys_are_rejected(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE + "  - on: true\n"})
    assert any("mapping key 'on' must be a string (quote it)" in e for e in errs), errs


def test_all_problems_reported_together_across_files(tmp_path):
    errs = errors(tmp_path, {
        "a.yaml": GOOD_RULE,
        "b.yaml": GOOD_RULE,  # duplicate id
        "c.yaml": GOOD_RULE.replace("id: exec", "id: x").replace("equals: exec", "in: {list: nope}"),
        "d.yaml": GOOD_RULE.replace("id: exec", "id: y").replace("field: objectRef.subresource\n      equals: exec",
                                                                 "macro: missing"),
    })
    text = "\n".join(errs)
    assert "b.yaml:2:5: error: duplicate rule id 'exec'" in text
    assert "c.yaml:9:18: error: unknown list 'nope'" in text
    assert "d.yaml:8:14: error: unknown macro 'missing'" in text


def test_invalid_field_path(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("objectRef.subresource", "objectRef..x")})
    assert any("a.yaml:8:14: error: invalid field path 'objectRef..x': empty key in path" in e for e in errs), errs


def test_untranslatable_regex_is_rejected(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("equals: exec", "regex: '(ab)+c'")})
    assert any("a.yaml:8:7: error: regex '(ab)+c' cannot be translated exactly to Lua patterns" in e for e in errs), errs


def test_macro_cycle(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE + """\
macros:
  - name: a
    condition: {macro: b}
  - name: b
    condition: {macro: a}
"""})
    assert any("macro cycle: a -> b -> a" in e for e in errs), errs


LISTS = """\
lists:
  - name: admins
    items: [alice]
"""


def test_lists_extend_and_override_across_files(tmp_path):
    write_rules(tmp_path / "r", {
        "00-base.yaml": LISTS,
        "10-site.yaml": "lists:\n  - name: admins\n    extend: true\n    items: [bob, alice]\n",
        "rules.yaml": GOOD_RULE,
    })
    assert load_rules(tmp_path / "r").ruleset.lists["admins"].items == ["alice", "bob"]
    (tmp_path / "r" / "10-site.yaml").write_text("lists:\n  - name: admins\n    override: true\n    items: [carol]\n")
    assert load_rules(tmp_path / "r").ruleset.lists["admins"].items == ["carol"]


def test_silent_list_redefinition_is_an_error(tmp_path):
    errs = errors(tmp_path, {"a.yaml": LISTS, "b.yaml": LISTS})
    assert any("b.yaml:2:5: error: list 'admins' is already defined at" in e and "extend: true" in e for e in errs), errs


def test_tests_must_reference_known_detections(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE + """\
tests:
  - name: t
    event: {verb: get}
    expect:
      detections: [exce]
"""})
    assert any("a.yaml:14:19: error: test 't' expects unknown rule 'exce' (did you mean 'exec'?)" in e for e in errs), errs


def test_fires_only_in_embedded_tests(tmp_path):
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE + "tests:\n  - name: t\n    event: {}\n    expect: {fires: true}\n"})
    assert any("'fires' only works in a test embedded in a rule" in e for e in errs), errs


def test_remove_mode_cannot_remove_array_elements(tmp_path):
    errs = errors(tmp_path, {"a.yaml": """\
rules:
  - id: r
    kind: redact
    description: d
    mode: remove
    when: {field: verb, exists: true}
    fields: ["requestObject.items[*]"]
"""})
    assert any("a.yaml:7:14: error: mode 'remove' cannot remove array elements" in e for e in errs), errs


def test_files_at_any_depth_in_path_order(tmp_path):
    write_rules(tmp_path / "r", {
        "b/deep/x.yaml": GOOD_RULE.replace("id: exec", "id: second"),
        "a.yml": GOOD_RULE.replace("id: exec", "id: first"),
        ".hidden/z.yaml": "not: [valid",
    })
    assert [r.id for r in load_rules(tmp_path / "r").ruleset.rules] == ["first", "second"]


def test_unused_lists_and_macros_are_warned_about(tmp_path):
    write_rules(tmp_path / "r", {"a.yaml": GOOD_RULE + LISTS + "macros:\n  - name: lonely\n    condition: {field: verb, exists: true}\n"})
    result = load_rules(tmp_path / "r")
    warnings = [d.format() for d in result.diagnostics]
    assert any("a.yaml:11:5: warning: list 'admins' is never used" in w for w in warnings), warnings
    assert any("warning: macro 'lonely' is never used" in w for w in warnings), warnings


COMBINATOR_RULE = """\
rules:
  - id: r
    kind: detect
    title: T
    description: d
    severity: high
    match:
      all:
        - field: verb
          equals: get
        - field: objectRef.namespace
          {test}
"""


@pytest.mark.parametrize("test, expected", [
    ("equal: prod", "a.yaml:12:11: error: unknown key 'equal' at rules[0].match.all[1] (allowed: "),
    ("gt: prod", "a.yaml:12:15: error: expected a number at rules[0].match.all[1].gt, got a string [AUD105]"),
    ("in: delete", "a.yaml:12:15: error: expected a list at rules[0].match.all[1].in, got a string [AUD105]"),
    ("equals: [a,b]", "a.yaml:12:19: error: expected a string or a number or a boolean at "
                      "rules[0].match.all[1].equals, got a list [AUD105]"),
])
def test_errors_inside_combinators_point_at_their_own_node(tmp_path, test, expected):
    errs = errors(tmp_path, {"a.yaml": COMBINATOR_RULE.format(test=test)})
    assert len(errs) == 1 and errs[0].startswith(str(tmp_path / "r" / expected)), errs


def test_error_deep_inside_any_and_not(tmp_path):
    rule = COMBINATOR_RULE.replace("      all:\n", "      any:\n        - not:\n            all:\n").format(test="gt: prod")
    rule = rule.replace("        - field", "              - field").replace("          equals: get", "                equals: get")
    rule = rule.replace("          gt: prod", "                gt: prod")
    errs = errors(tmp_path, {"a.yaml": rule})
    assert len(errs) == 1 and ":14:21: error: expected a number at rules[0].match.any[0].not.all[1].gt" in errs[0], errs


@pytest.mark.parametrize("key, line_col", [("not", "9:9"), ("all", "9:9")])
def test_list_where_a_condition_belongs_is_said_in_words(tmp_path, key, line_col):
    rule = GOOD_RULE.replace("    match:\n", f"    match:\n      {key}:\n").replace(
        "      field: objectRef.subresource\n      equals: exec", "        - field: verb\n          equals: get")
    if key == "all":
        rule = rule.replace("all:\n        - field: verb\n          equals: get", "all: {field: verb, equals: get}")
        line_col = "8:12"
    errs = errors(tmp_path, {"a.yaml": rule})
    assert len(errs) == 1, errs
    assert f"a.yaml:{line_col}: error: expected " in errs[0] and "got a" in errs[0], errs
    assert "{" not in errs[0].split("error:")[1].split("(")[0], errs  # no schema dump


def test_match_given_a_list(tmp_path):
    rule = GOOD_RULE.replace("      field: objectRef.subresource\n      equals: exec",
                             "      - field: objectRef.subresource\n        equals: exec")
    errs = errors(tmp_path, {"a.yaml": rule})
    assert errs == [f"{tmp_path / 'r' / 'a.yaml'}:8:7: error: expected a mapping at rules[0].match, got a list [AUD105]"]


def test_every_diagnostic_has_a_documented_code(tmp_path):
    from pathlib import Path
    from auditc.errors import CODES
    errs = errors(tmp_path, {"a.yaml": GOOD_RULE.replace("equals: exec", "in: {list: nope}"),
                             "b.yaml": GOOD_RULE, "c.yaml": "rules: [unclosed\n"})
    assert errs and all(e.endswith("]") and e.rsplit("[", 1)[1][:-1] in CODES for e in errs), errs
    doc = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text()
    assert all(f"`{code}`" in doc for code in CODES)


def test_several_rule_paths_merge(tmp_path):
    write_rules(tmp_path / "a", {"x.yaml": GOOD_RULE})
    write_rules(tmp_path / "b", {"y.yaml": GOOD_RULE.replace("id: exec", "id: other")})
    result = load_rules([tmp_path / "a", tmp_path / "b" / "y.yaml"])
    assert [r.id for r in result.ruleset.rules] == ["exec", "other"]


JSON_PATCH_RULE = """\
rules:
  - id: jp
    kind: detect
    title: t
    description: d
    severity: low
    match:
      field: requestObject
      json_patch:
        path: PATH
        OPERATOR
"""


@pytest.mark.parametrize("path, operator, expected", [
    ("spec/hostNetwork", "equals: true", "10:15: error: invalid pointer pattern 'spec/hostNetwork': a pointer pattern "
                                        "starts with '/'"),
    ("[/spec/ok, /spec/a~2]", "equals: true", "10:26: error: invalid pointer pattern '/spec/a~2': '~' at character 8"),
    ("/spec/hostNetwork", "op: [add]", "10:9: error: json_patch has no value operator: give exactly one of equals"),
    ("/spec/hostNetwork", "equals: true\n        in: [a]", "10:9: error: json_patch has 2 value operators (equals, in)"),
    ("/spec/hostNetwork", "absent: true", "11:9: error: unknown key 'absent' at rules[0].match.json_patch"),
    ("/spec/hostNetwork", "op: [add, patch]\n        exists: true", "11:19: error: 'patch' at rules[0].match.json_patch.op[1] "
                                                                   "is not one of: add, replace, test, copy, move, remove"),
    ("/spec/x", "in: {list: nope}", "11:20: error: unknown list 'nope'"),
    ("/spec/x", "regex: '(ab)+'", "10:9: error: regex '(ab)+' cannot be translated exactly"),
])
def test_json_patch_operand_errors_point_at_their_node(tmp_path, path, operator, expected):
    errs = errors(tmp_path, {"a.yaml": JSON_PATCH_RULE.replace("PATH", path).replace("OPERATOR", operator)})
    assert len(errs) == 1 and expected in errs[0], errs


def test_json_patch_inner_list_references_count_as_used(tmp_path):
    rule = JSON_PATCH_RULE.replace("PATH", "/spec/type").replace("OPERATOR", "in: {list: exposing}")
    write_rules(tmp_path / "r", {"a.yaml": rule + "lists:\n  - name: exposing\n    items: [NodePort]\n"})
    result = load_rules(tmp_path / "r")
    assert result.warnings == [] and result.ruleset.rules[0].match.value.kinds == ("add", "replace")
