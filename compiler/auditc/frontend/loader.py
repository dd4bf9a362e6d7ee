"""Rules directory -> RuleSet: discover files, validate, build the typed model.

Stages, each reporting `file:line:col` diagnostics:
1. YAML with positions and duplicate-key rejection (yamlsource);
2. the JSON Schema shipped in `schema/rules.schema.json` (unknown keys, types);
3. the model builder (field paths, list/macro references, tests);
4. merge of lists and macros across files (definition, `extend`, `override`).
All problems of a run are collected and raised together as one AuditcError.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import jsonschema
from jsonschema.exceptions import best_match

from auditc import jsonpatch
from auditc import model as m
from auditc.errors import AuditcError, Diagnostic, DiagnosticSink, Location
from auditc.paths import WILDCARD, PathError, parse_path
from auditc.frontend import repo
from auditc.frontend.overrides import RuleChange, apply_changes, read_changes
from auditc.frontend.semantics import check_credential_names, check_scrub_patterns, check_translatable
from auditc.frontend.yamlsource import LocatedDocument, load_yaml
from auditc.operators import OPERATOR_NAMES, PATCH_INNER_OPS, Op, Operand

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@lru_cache(maxsize=1)
def rule_schema() -> dict:
    return json.loads(resources.files("auditc").joinpath("schema/rules.schema.json").read_text())


def discover(rules_dir: str | Path) -> list[Path]:
    """Every rule file under `rules_dir`, at any depth, in a stable order."""
    root = Path(rules_dir)
    if root.is_file():
        return [root]
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix in RULE_FILE_SUFFIXES]
    # Hidden folders (.git, editor state) never hold rules.
    files = [p for p in files if not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


class LoadResult(NamedTuple):
    """What a successful load gives: the rule set and its diagnostics (warnings only; errors raise)."""

    ruleset: m.RuleSet
    diagnostics: list[Diagnostic]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]


def load_rules(rules: str | Path | Sequence[str | Path]) -> LoadResult:
    """Load one rules path (directory, file, or rules repository) or several, merged
    into one rule set in the order given (files of a directory in path order; a
    repository's `extends` before its own rules, see frontend/repo.py). Raises
    AuditcError with every problem found; returns the rule set with its warnings."""
    given = [Path(rules)] if isinstance(rules, (str, Path)) else [Path(r) for r in rules]
    missing = [r for r in given if not r.exists()]
    if missing:
        raise AuditcError([Diagnostic(Location(str(r)), "no such file or directory", code="AUD101") for r in missing])
    sink = DiagnosticSink()
    files: list[tuple[Path, str, int]] = []  # (file, name shown, layer)
    seen: set[Path] = set()
    for root in repo.expand(given, sink):
        found = discover(root.path)
        if not found:
            sink.error(Location(root.display), "no rule files (*.yaml, *.yml) found", "AUD107")
        for f in found:
            if f.resolve() in seen:
                continue
            seen.add(f.resolve())
            shown = root.display if root.path.is_file() else str(Path(root.display) / f.relative_to(root.path))
            files.append((f, shown, root.layer))
    builders = []
    for path, name, layer in files:
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"), name)
        except UnicodeDecodeError as exc:
            sink.error(Location(name), f"not UTF-8 text: {exc.reason} at byte {exc.start}", "AUD101")
            continue
        except AuditcError as exc:
            sink.items.extend(exc.diagnostics)
            continue
        if doc.data is None:
            sink.warning(Location(name, 1, 1), "empty rule file", "AUD107")
            continue
        schema_errors = schema_diagnostics(doc)
        if schema_errors:
            sink.items.extend(schema_errors)
            continue
        builder = _FileBuilder(doc, sink, layer)
        builder.build()
        builders.append(builder)
    ruleset = _merge(builders, [name for _, name, _ in files], sink)
    apply_changes(ruleset, [c for b in builders for c in b.changes], sink)
    check_semantics(ruleset, sink)
    sink.raise_if_errors()
    return LoadResult(ruleset, sorted(sink.warnings, key=lambda d: d.location))


# ---------------------------------------------------------------- schema

_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


_SCHEMA_TYPES = {"object": "a mapping", "array": "a list", "string": "a string", "number": "a number",
                 "integer": "an integer", "boolean": "a boolean", "null": "null"}


def schema_diagnostics(doc: LocatedDocument, schema: dict | None = None) -> list[Diagnostic]:
    """Every schema problem of `doc` in words, at its own location (default: the rule-file schema)."""
    validator = jsonschema.Draft202012Validator(schema or rule_schema())
    out = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path)):
        out.extend(_describe(error, doc))
    # One mistake can violate several schema branches at the same spot; show it once.
    seen, unique = set(), []
    for d in out:
        if (d.location, d.message) not in seen:
            seen.add((d.location, d.message))
            unique.append(d)
    # A vague "invalid value" adds nothing where a precise message names the same spot.
    precise = {d.location for d in unique if not d.message.startswith("invalid value at ")}
    return [d for d in unique if not (d.message.startswith("invalid value at ") and d.location in precise)]


def _describe(error, doc: LocatedDocument, prefix: tuple = ()) -> list[Diagnostic]:
    """Words for one jsonschema error. `prefix` is the document path of the
    instance the validation started from (a sub-validation of one condition
    has paths relative to that condition)."""
    path = prefix + tuple(error.absolute_path)
    where = _where(path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        inst = error.instance
        if _looks_like_condition(error.schema):
            if isinstance(inst, dict):
                return [_condition_problem(inst, path, doc)]
            got = _TYPE_NAMES.get(type(inst), type(inst).__name__)
            return [Diagnostic(doc.loc(path), f"expected a condition (a mapping: field and operator, or "
                               f"all/any/not/macro){where}, got {got}", code="AUD105")]
        # absolute_path of a context error runs from the same validation root.
        return _describe(best_match(error.context), doc, prefix)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        return [Diagnostic(doc.key_loc(path + (k,)),
                           f"unknown key '{k}'{where} (allowed: {', '.join(allowed)})", code="AUD103") for k in extra]
    if error.validator == "required":
        name = where.replace(" at ", "", 1) or "document"
        return [Diagnostic(doc.loc(path), f"{name}: {error.message.replace(' is a required property', '')} is required", code="AUD104")]
    if error.validator == "type":
        want = error.validator_value
        want = " or ".join(_SCHEMA_TYPES.get(w, w) for w in (want if isinstance(want, list) else [want]))
        got = _TYPE_NAMES.get(type(error.instance), type(error.instance).__name__)
        return [Diagnostic(doc.loc(path), f"expected {want}{where}, got {got}", code="AUD105")]
    if error.validator == "enum":
        return [Diagnostic(doc.loc(path), f"{error.instance!r}{where} is not one of: {', '.join(map(str, error.validator_value))}", code="AUD105")]
    if error.validator == "const":
        return [Diagnostic(doc.loc(path), f"{where.strip() or 'value'} must be {json.dumps(error.validator_value)}", code="AUD105")]
    if error.validator == "pattern":
        return [Diagnostic(doc.loc(path), f"{error.instance!r}{where} does not match the required form {error.validator_value}", code="AUD105")]
    if error.validator in ("minProperties", "maxProperties") and "field" in error.schema.get("properties", {}):
        return [_condition_problem(error.instance, path, doc)]
    return [Diagnostic(doc.loc(path), _plain(error, where), code="AUD105")]


def _plain(error, where: str) -> str:
    """A readable sentence for the validators not handled above (never a schema dump)."""
    v, val = error.validator, error.validator_value
    if v == "minItems":
        return f"list{where} needs at least {val} item{'s' if val != 1 else ''}"
    if v == "maxItems":
        return f"list{where} takes at most {val} item{'s' if val != 1 else ''}"
    if v == "minLength":
        return f"value{where} must not be empty"
    if v in ("minimum", "exclusiveMinimum"):
        return f"value{where} must be {'at least' if v == 'minimum' else 'above'} {val}"
    if v == "minProperties":
        return f"mapping{where} must not be empty"
    if v == "maxProperties":
        return f"mapping{where} takes at most {val} key{'s' if val != 1 else ''}"
    if v == "uniqueItems":
        return f"list{where} has duplicate items"
    if v in ("oneOf", "anyOf", "not"):
        return f"invalid value{where}"
    text = error.message
    return (text if len(text) <= 120 else text[:117] + "...") + where


def _where(path: tuple) -> str:
    if not path:
        return ""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f" at {text}"


def _looks_like_condition(schema: dict) -> bool:
    return any(isinstance(b, dict) and "all" in b.get("required", ()) for b in schema.get("oneOf", ()))


def _condition_problem(inst: dict, path: tuple, doc: LocatedDocument) -> Diagnostic:
    """A precise message for a malformed condition (jsonschema's oneOf text is unreadable)."""
    where = _where(path)
    combinators = [k for k in ("all", "any", "not", "macro") if k in inst]
    ops = [k for k in inst if k in OPERATOR_NAMES]
    unknown = [k for k in inst if k not in OPERATOR_NAMES and k not in ("all", "any", "not", "macro", "field")]
    if unknown:
        return Diagnostic(doc.key_loc(path + (unknown[0],)),
                          f"unknown key '{unknown[0]}' in condition{where} (a condition is one of all/any/not/macro, "
                          f"or 'field' with one operator: {', '.join(OPERATOR_NAMES)})", code="AUD103")
    if len(combinators) > 1 or (combinators and ("field" in inst or ops)):
        return Diagnostic(doc.loc(path), f"condition{where} mixes {', '.join(combinators + ops + (['field'] if 'field' in inst else []))}; "
                          "nest them under 'all' or 'any'", code="AUD106")
    if combinators:
        key = combinators[0]
        sub = _first_error(inst, path, doc, key)
        return sub or Diagnostic(doc.loc(path), f"invalid '{key}' condition{where}", code="AUD106")
    if "field" not in inst:
        return Diagnostic(doc.loc(path), f"condition{where} needs 'field' and an operator, or all/any/not/macro", code="AUD106")
    if not ops:
        return Diagnostic(doc.loc(path), f"field test{where} needs one operator: {', '.join(OPERATOR_NAMES)}", code="AUD106")
    if len(ops) > 1:
        return Diagnostic(doc.key_loc(path + (ops[1],)),
                          f"field test{where} has several operators ({', '.join(ops)}); use one per test and combine with 'all'",
                          code="AUD106")
    sub = _first_error(inst, path, doc, ops[0])
    return sub or Diagnostic(doc.loc(path), f"invalid value for '{ops[0]}'{where}", code="AUD105")


def _first_error(inst: dict, path: tuple, doc: LocatedDocument, key: str) -> Diagnostic | None:
    defs = rule_schema()["$defs"]
    if key in ("all", "any", "not", "macro"):
        branch = next(b for b in defs["condition"]["oneOf"] if key in b.get("required", ()))
    else:
        branch = defs["fieldTest"]
    schema = {"$defs": defs, **branch}
    errs = list(jsonschema.Draft202012Validator(schema).iter_errors(inst))
    if not errs:
        return None
    # The sub-validation started at the condition: its paths are relative to `path`.
    # (Never edit err.absolute_path: jsonschema rebuilds it from the parent on each read.)
    return _describe(best_match(errs), doc, prefix=path)[0]


# ---------------------------------------------------------------- model building

class _FileBuilder:
    def __init__(self, doc: LocatedDocument, sink: DiagnosticSink, layer: int = 0):
        self.doc, self.sink, self.layer = doc, sink, layer
        self.rules: list[m.Rule] = []
        self.lists: list[m.ListDef] = []
        self.macros: list[m.MacroDef] = []
        self.tests: list[m.TestCase] = []
        self.changes: list[RuleChange] = []

    def loc(self, path: tuple) -> Location:
        return self.doc.loc(path)

    def build(self) -> None:
        data = self.doc.data
        for i, item in enumerate(data.get("lists", [])):
            p = ("lists", i)
            self.lists.append(m.ListDef(item["name"], list(item["items"]), self.loc(p),
                                        item.get("extend", False), item.get("override", False)))
            if item.get("extend") and item.get("override"):
                self.sink.error(self.loc(p), f"list '{item['name']}': 'extend' and 'override' exclude each other", "AUD207")
        for i, item in enumerate(data.get("macros", [])):
            p = ("macros", i)
            self.macros.append(m.MacroDef(item["name"], self.condition(item["condition"], p + ("condition",)),
                                          self.loc(p), item.get("override", False)))
        for i, item in enumerate(data.get("rules", [])):
            rule = self.rule(item, ("rules", i))
            if rule:
                self.rules.append(rule)
                self.tests.extend(rule.tests)
        for i, item in enumerate(data.get("tests", [])):
            self.tests.append(self.test(item, ("tests", i), owner=None))
        self.changes = read_changes(self.doc, self.layer, self.alert_hints)

    def rule(self, item: dict, p: tuple) -> m.Rule | None:
        common = dict(id=item["id"], kind=item["kind"], description=item["description"].strip(),
                      loc=self.loc(p), enabled=item.get("enabled", True), layer=self.layer)
        if item["kind"] == "detect":
            alert = self.alert_hints(item["alert"], p + ("alert",)) if "alert" in item else None
            rule = m.DetectRule(**common, title=item["title"], severity=item["severity"],
                                tags=tuple(item.get("tags", [])),
                                match=self.condition(item["match"], p + ("match",)),
                                exceptions=tuple(self.condition(c, p + ("exceptions", j))
                                                 for j, c in enumerate(item.get("exceptions", []))),
                                alert=alert)
        elif item["kind"] == "drop":
            rule = m.DropRule(**common, match=self.condition(item["match"], p + ("match",)))
        else:
            fields = []
            mode = item.get("mode", "mask")
            if "fields" not in item and mode not in m.WHOLE_RECORD_MODES:
                self.sink.error(self.loc(p), f"rules[{p[1]}]: fields is required (except with modes 'scan' and "
                                             "'credentials', which cover the whole record when fields are omitted)", "AUD104")
            for j, text in enumerate(item.get("fields", ())):
                fp = self.path(text, p + ("fields", j))
                if fp is None:
                    continue
                if item.get("mode") == "remove" and fp.segments[-1] is WILDCARD:
                    self.sink.error(self.loc(p + ("fields", j)),
                                    f"mode 'remove' cannot remove array elements ('{text}' ends in [*]): "
                                    "it would leave holes that Fluent Bit serialises as nulls; use mask or replace", "AUD304")
                fields.append((fp, self.loc(p + ("fields", j))))
            if (mode in m.PATTERN_MODES) != ("patterns" in item):
                self.sink.error(self.loc(p), f"mode '{mode}' needs 'patterns'" if mode in m.PATTERN_MODES
                                else "'patterns' only works with modes 'scrub' and 'scan'", "AUD304")
            if (mode in m.NAME_MODES) != ("names" in item):
                self.sink.error(self.loc(p), f"mode '{mode}' needs 'names'" if mode in m.NAME_MODES
                                else "'names' only works with mode 'credentials'", "AUD304")
            if "except" in item and mode not in m.NAME_MODES:
                self.sink.error(self.loc(p + ("except",)), "'except' only works with mode 'credentials'", "AUD304")
            when = self.condition(item["when"], p + ("when",)) if "when" in item else None
            rule = m.RedactRule(**common, when=when,
                                fields=tuple(fields), mode=mode,
                                replacement=item.get("replacement", "[REDACTED]"),
                                patterns=tuple(item.get("patterns", ())),
                                patterns_loc=self.loc(p + ("patterns",)),
                                names=self.values(item["names"], p + ("names",), strings_only=True) if "names" in item else (),
                                except_names=self.values(item["except"], p + ("except",), strings_only=True)
                                if "except" in item else (),
                                names_loc=self.loc(p + ("names",)))
        rule.tests = [self.test(t, p + ("tests", j), owner=rule.id) for j, t in enumerate(item.get("tests", []))]
        return rule

    def alert_hints(self, a: dict, p: tuple, base: m.AlertHints | None = None) -> m.AlertHints:
        """A rule's `alert:` mapping; with `base`, keys not given keep base's value (an override)."""
        base = base or m.AlertHints()
        esc = a.get("escalate")
        hints = m.AlertHints(a.get("threshold", base.threshold), a.get("window", base.window), a.get("for", base.for_),
                             tuple(self.path(g, p + ("group_by", j)) for j, g in enumerate(a["group_by"]))
                             if "group_by" in a else base.group_by,
                             severity=a.get("severity", base.severity),
                             exclude=self.values(a["exclude"], p + ("exclude",), strings_only=True)
                             if "exclude" in a else base.exclude,
                             escalate=(esc["threshold"], esc["severity"]) if esc else base.escalate,
                             runbook=a.get("runbook", base.runbook))
        if hints.escalate and (hints.threshold or 1) >= hints.escalate[0]:
            self.sink.error(self.loc(p + ("escalate",)) if esc else self.loc(p + ("threshold",)),
                            "alert.escalate.threshold must be above alert.threshold", "AUD304")
        return hints

    def path(self, text: str, p: tuple):
        try:
            return parse_path(text)
        except PathError as exc:
            self.sink.error(self.loc(p), f"invalid field path {text!r}: {exc} (at character {exc.offset + 1})", "AUD301")
            return None

    def condition(self, node: dict, p: tuple) -> m.Condition:
        loc = self.loc(p)
        if "all" in node:
            return m.All(tuple(self.condition(c, p + ("all", i)) for i, c in enumerate(node["all"])), loc)
        if "any" in node:
            return m.Any_(tuple(self.condition(c, p + ("any", i)) for i, c in enumerate(node["any"])), loc)
        if "not" in node:
            return m.Not(self.condition(node["not"], p + ("not",)), loc)
        if "macro" in node:
            return m.MacroRef(node["macro"], self.loc(p + ("macro",)))
        (key,) = [k for k in node if k != "field"]
        op = Op(key)  # the schema admits only the table's operators
        path = self.path(node["field"], p + ("field",))
        value = node[key]
        if op is Op.JSON_PATCH:
            value = self.patch_spec(value, path, p + (key,))
        elif op.spec.operand in (Operand.SCALARS, Operand.STRINGS, Operand.NETWORKS):
            value = self.values(value, p + (key,), strings_only=op.spec.strings_only)
        return m.FieldTest(path, op, value, loc)

    def patch_spec(self, node: dict, path, p: tuple) -> m.PatchSpec:
        """A json_patch operand: pointer patterns, kinds, and one value operator."""
        loc = self.loc(p)
        texts = (node["path"],) if isinstance(node["path"], str) else tuple(node["path"])
        patterns = []
        for i, text in enumerate(texts):
            where = p + ("path",) if isinstance(node["path"], str) else p + ("path", i)
            try:
                patterns.append(jsonpatch.parse_pattern(text))
            except jsonpatch.PointerError as exc:
                self.sink.error(self.loc(where), f"invalid pointer pattern {text!r}: {exc}", "AUD301")
        kinds = tuple(node.get("op", jsonpatch.DEFAULT_KINDS))
        inner = [k for k in node if k not in ("path", "op")]
        inner_names = ", ".join(o.value for o in PATCH_INNER_OPS)
        if len(inner) != 1:
            problem = "has no value operator" if not inner else f"has {len(inner)} value operators ({', '.join(inner)})"
            self.sink.error(loc, f"json_patch {problem}: give exactly one of {inner_names} "
                                 "(combine several json_patch tests with all/any)", "AUD106")
            test = m.FieldTest(path, Op.EXISTS, True, loc)
        else:
            test = self.condition({"field": "requestObject", inner[0]: node[inner[0]]}, p)
            test = m.FieldTest(path, test.op, test.value, test.loc)
        source = json.dumps(node, separators=(", ", ": "), ensure_ascii=False)
        return m.PatchSpec(texts, tuple(patterns), kinds, test, loc, source)

    def values(self, value: Any, p: tuple, strings_only: bool) -> tuple:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, dict):
            return (m.ListRef(value["list"], self.loc(p + ("list",))),)
        out = []
        for i, v in enumerate(value):
            if isinstance(v, dict):
                out.append(m.ListRef(v["list"], self.loc(p + (i, "list"))))
            elif strings_only and not isinstance(v, str):
                self.sink.error(self.loc(p + (i,)), f"expected a string, got {v!r} (this operator tests strings)", "AUD303")
            else:
                out.append(v)
        return tuple(out)

    def test(self, item: dict, p: tuple, owner: str | None) -> m.TestCase:
        events = [item["event"]] if "event" in item else list(item["events"])
        e = item["expect"]
        ep = p + ("expect",)
        exp = m.Expectation(fires=e.get("fires"), detections=e.get("detections"), dropped=e.get("dropped"),
                            severity=e.get("severity"), not_contains=list(e.get("not_contains", [])),
                            loc=self.loc(ep), detections_loc=self.loc(ep + ("detections",)))
        if exp.fires is not None and owner is None:
            self.sink.error(self.doc.key_loc(ep + ("fires",)),
                            "'fires' only works in a test embedded in a rule; use 'detections' in file-level tests", "AUD402")
        for key, spec in e.get("fields", {}).items():
            fp = self.path(key, ep + ("fields", key))
            if fp is None:
                continue
            (kind, value), = spec.items()
            exp.fields.append(m.FieldExpectation(fp, kind, value, self.doc.key_loc(ep + ("fields", key))))
        return m.TestCase(item["name"], events, exp, self.loc(p), owner, self.layer)


# ---------------------------------------------------------------- merging and semantics

def _merge(builders: list[_FileBuilder], files: list[str], sink: DiagnosticSink) -> m.RuleSet:
    lists: dict[str, m.ListDef] = {}
    macros: dict[str, m.MacroDef] = {}
    rules: list[m.Rule] = []
    tests: list[m.TestCase] = []
    for b in builders:
        for ld in b.lists:
            prev = lists.get(ld.name)
            if prev is None:
                if ld.extend:
                    sink.error(ld.loc, f"list '{ld.name}' is extended before it is defined (files load in path order)", "AUD207")
                lists[ld.name] = m.ListDef(ld.name, list(ld.items), ld.loc)
            elif ld.extend:
                prev.items.extend(x for x in ld.items if x not in prev.items)
            elif ld.override:
                lists[ld.name] = m.ListDef(ld.name, list(ld.items), ld.loc)
            else:
                sink.error(ld.loc, f"list '{ld.name}' is already defined at {prev.loc}; "
                                   "set 'extend: true' to add items or 'override: true' to replace it", "AUD207")
        for md in b.macros:
            prev = macros.get(md.name)
            if prev is not None and not md.override:
                sink.error(md.loc, f"macro '{md.name}' is already defined at {prev.loc}; set 'override: true' to replace it", "AUD207")
                continue
            if prev is None and md.override:
                sink.warning(md.loc, f"macro '{md.name}' has 'override: true' but nothing to override", "AUD207")
            macros[md.name] = md
        rules.extend(b.rules)
        tests.extend(b.tests)
    return m.RuleSet(rules=rules, lists=lists, macros=macros, tests=tests, files=files)


def _alert_list_refs(rule: m.Rule):
    """List references outside conditions: alert exclusions, credential names."""
    if isinstance(rule, m.DetectRule) and rule.alert:
        return [v for v in rule.alert.exclude if isinstance(v, m.ListRef)]
    if isinstance(rule, m.RedactRule):
        return [v for v in (*rule.names, *rule.except_names) if isinstance(v, m.ListRef)]
    return []


def check_semantics(rs: m.RuleSet, sink: DiagnosticSink) -> None:
    seen: dict[str, m.Rule] = {}
    for rule in rs.rules:
        if rule.id in seen:
            sink.error(rule.loc, f"duplicate rule id '{rule.id}' (first defined at {seen[rule.id].loc})", "AUD206")
        else:
            seen[rule.id] = rule
    for rule in rs.rules:
        if isinstance(rule, m.RedactRule):
            check_scrub_patterns(rule, sink)
            check_credential_names(rule, rs, sink)
    conditions = rs.conditions()
    for cond in conditions:
        for node in m.walk(cond):
            if isinstance(node, m.MacroRef) and node.name not in rs.macros:
                sink.error(node.loc, f"unknown macro '{node.name}'" + _suggest(node.name, rs.macros), "AUD204")
            if isinstance(node, m.FieldTest):
                if isinstance(node.value, tuple):
                    for v in node.value:
                        if isinstance(v, m.ListRef):
                            _check_list_ref(v, node, rs, sink)
                check_translatable(node, rs, sink)
    for rule in rs.rules:
        for ref in _alert_list_refs(rule):
            if ref.name not in rs.lists:
                sink.error(ref.loc, f"unknown list '{ref.name}'" + _suggest(ref.name, rs.lists), "AUD203")
    _check_macro_cycles(rs, sink)
    _warn_unused(rs, conditions, sink, {ref.name for r in rs.rules for ref in _alert_list_refs(r)})
    for test in rs.tests:
        for rid in test.expect.detections or []:
            rule = seen.get(rid)
            if rule is None:
                sink.error(test.expect.detections_loc, f"test '{test.name}' expects unknown rule '{rid}'" + _suggest(rid, seen), "AUD401")
            elif not isinstance(rule, m.DetectRule):
                sink.error(test.expect.detections_loc, f"test '{test.name}': '{rid}' is a {rule.kind} rule, not a detection", "AUD401")
            elif not rule.value_at("enabled", test.layer):
                # Disabled where the test's author can see it (its own definition, or a disable:
                # of the same layer). A site disabling a pack rule is no mistake of the pack's tests.
                change = rule.changes.get("enabled")
                where = f" (disabled at {change.loc})" if change else ""
                sink.warning(test.expect.detections_loc, f"test '{test.name}' expects disabled rule '{rid}' to fire{where}; "
                             "auditc test leaves it out of the expected detections", "AUD403")


def _warn_unused(rs: m.RuleSet, conditions: list, sink: DiagnosticSink, lists_used: set) -> None:
    """A list or macro nothing refers to is usually a typo or a leftover, and
    tuning it silently changes nothing."""
    lists_used, macros_used = set(lists_used), set()
    for cond in conditions:
        for node in m.walk(cond):
            if isinstance(node, m.MacroRef):
                macros_used.add(node.name)
            elif isinstance(node, m.FieldTest) and isinstance(node.value, tuple):
                lists_used.update(v.name for v in node.value if isinstance(v, m.ListRef))
    for name, ld in rs.lists.items():
        if name not in lists_used:
            sink.warning(ld.loc, f"list '{name}' is never used", "AUD202")
    for name, md in rs.macros.items():
        if name not in macros_used:
            sink.warning(md.loc, f"macro '{name}' is never used", "AUD201")


def _check_list_ref(ref: m.ListRef, node: m.FieldTest, rs: m.RuleSet, sink: DiagnosticSink) -> None:
    ld = rs.lists.get(ref.name)
    if ld is None:
        sink.error(ref.loc, f"unknown list '{ref.name}'" + _suggest(ref.name, rs.lists), "AUD203")
    elif node.op.spec.strings_only:
        bad = [x for x in ld.items if not isinstance(x, str)]
        if bad:
            sink.error(ref.loc, f"list '{ref.name}' holds non-strings ({bad[0]!r}) but '{node.op}' tests strings", "AUD303")


def _check_macro_cycles(rs: m.RuleSet, sink: DiagnosticSink) -> None:
    def deps(name):
        return [n.name for n in m.walk(rs.macros[name].condition) if isinstance(n, m.MacroRef) and n.name in rs.macros]
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name, stack):
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = stack[stack.index(name):] + [name]
            sink.error(rs.macros[name].loc, f"macro cycle: {' -> '.join(cycle)}", "AUD205")
            return
        state[name] = 1
        for d in deps(name):
            visit(d, stack + [name])
        state[name] = 2

    for name in rs.macros:
        visit(name, [])


def _suggest(name: str, known) -> str:
    import difflib
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
