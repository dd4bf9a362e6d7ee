"""IR -> one self-contained Fluent Bit Lua filter script.

Layout of the generated file:
  header      ids, locations and the source map (generated line -> rule YAML)
  settings    depth cap, marker strings
  prelude     static helpers (filter.lua, before --@@ENTRY@@)
  rules       one `do ... end` block per rule: its tests and predicate
  index       (resource, verb) -> rules that can match, per kind
  entry       static evaluation and the global entry function

Rule text reaches the Lua source only through `lua_string`/`lua_value`;
identifiers are generated from counters, never from rule text.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from auditc import jsonpatch
from auditc.artifacts import header
from auditc.backends.lua.writer import (
    LuaWriter,
    check_identifier,
    lua_comment,
    lua_string,
    lua_value,
)
from auditc.ir import (
    And,
    Const,
    Detection,
    IRRule,
    Not,
    Program,
    Redaction,
    Test,
    iter_tests,
)
from auditc.dialect.lua_literal import literal_shape, required_literal
from auditc.ir.passes.required import guard_clauses
from auditc.ir.passes.screen import screen, screen_roots
from auditc.operators import Op
from auditc.paths import WILDCARD
from auditc.severity import SEVERITY_RANK

# LuaJIT allows 60 upvalues per function; above this many tests a rule's
# predicate reaches them through a table instead of locals.
MAX_LOCAL_TESTS = 40
# predicates of this many tests or more open with a guard on the maps they need
GUARD_MIN_TESTS = 3
# Pattern tests with more Lua patterns than this search a shared table
# (find_any) instead of an inline `or` chain: pattern lists such as the
# sensitive host paths appear in dozens of tests.
INLINE_PATTERNS = 2
# Field paths with at most this many keys before their first [*] step
# inline; longer ones through dig() (see _emit_test).
INLINE_STEPS = 3
# The identity screen (ir/passes/screen.py) pays for itself from this many
# screened detections: below it, one lookup per caller value costs more
# than the tests it spares.
SCREEN_MIN_RULES = 2
# A pattern whose every match contains a run of at least this many literal
# bytes is tried only where a plain string.find sees the run. LuaJIT does
# not compile string.find with a pattern: each call leaves the trace and
# costs 40-400 ns, where a plain find is compiled and costs a few; most
# values fail the plain find (a requestURI without "/exec", "dryRun=All").
PRECHECK_MIN = 3
_MAGIC = frozenset(b"^$*+?.([%-")
# Lua patterns every string matches ("." is any byte, newlines included)
_MATCH_ALL = frozenset((b"", b".*", b"^.*", b".*$", b"^.*$"))


class _Constants:
    """Operand tables (sets, networks, pattern lists) written once into the
    script's `K` table at their first use and shared by every test that has
    the same operands: the pod-spec rules repeat one list in dozens of
    tests, and the script must stay well under a ConfigMap's 1 MiB."""

    def __init__(self):
        self.refs: dict[str, str] = {}
        # Off in rules with more than MAX_LOCAL_TESTS tests: a do-block may
        # hold at most 200 active locals.
        self.aliases = True

    def ref(self, w: LuaWriter, table: str, comment: str = "", local: str | None = None) -> str:
        """The shared table's K[n] (written here at its first use), or `local`
        bound to it: a local is an upvalue of the test, one index cheaper per
        evaluation than K[n]."""
        if table not in self.refs:
            self.refs[table] = f"K[{len(self.refs) + 1}]"
            w.line(f"{self.refs[table]} = {table}" + (f" -- {lua_comment(comment)}" if comment else ""))
        if local is None or not self.aliases:
            return self.refs[table]
        w.line(f"local {local} = {self.refs[table]}")
        return local
TRUNCATED = "[auditc: truncated, nested too deep]"
UNENCODABLE = "[auditc: value Fluent Bit cannot encode]"


@dataclass(frozen=True)
class LuaOptions:
    call: str = "auditc_filter"
    max_depth: int = 20


def _static_parts() -> tuple[str, str]:
    text = resources.files("auditc.backends.lua").joinpath("filter.lua").read_text()
    prelude, entry = text.split("--@@ENTRY@@\n")
    return prelude.split("--@@PRELUDE@@\n", 1)[1], entry


def generate(program: Program, options: LuaOptions = LuaOptions()) -> str:
    check_identifier(options.call)
    if not 2 <= options.max_depth <= 28:
        raise ValueError("max_depth must be between 2 and 28 (Fluent Bit's encoders fail near 30)")
    prelude, entry = _static_parts()
    w = LuaWriter()
    w.line(f"local MAX_DEPTH = {options.max_depth}")
    w.line(f"local TRUNCATED = {lua_string(TRUNCATED)}")
    w.line(f"local UNENCODABLE = {lua_string(UNENCODABLE)}")
    w.line("local WILD = {} -- sentinel for [*] in redaction paths")
    scans = [r.payload for r in program.of_kind("redact") if r.payload.whole_record and r.payload.mode == "scan"]
    w.line(f"local SCAN_COLLECT = {'true' if scans else 'false'} -- a rule scans whole records")
    w.line(f"local SCAN_MIN = {_scan_min(scans)} -- shorter strings cannot hold any scanned literal")
    # Clean strings are remembered only when one rule decides what clean means.
    w.line(f"local SCAN_MEMO = {'true' if len(scans) == 1 else 'false'} -- remember strings the scan found clean")
    stamps = lua_string(STAMP_CHARS.decode()) if _scan_skips_stamps(scans) else "false"
    w.line(f"local SCAN_STAMP_CHARS = {stamps} -- no scanned literal fits in a string of only these")
    w.line()
    w.raw(prelude)
    w.line("local PRED, RULE_ID, KIND, RANK, REDACT = {}, {}, {}, {}, {}")
    w.line("local HITS, COUNTERS = {}, { truncated = 0, failed_closed = 0, skipped_items = 0 } -- statistics for auditc replay")
    w.line("local K = {} -- operand tables shared by tests (sets, networks, pattern lists)")
    w.line("local SCREEN = {} -- identity screens of detections (ir/passes/screen.py)")
    consts = _Constants()
    screens = _screens(program)
    for rule in program.rules:
        _emit_rule(w, rule, consts, screens.get(rule.number))
    _emit_screen_roots(w, screens)
    _emit_index(w, program)
    w.line()
    w.raw(entry.replace("function CALL(", f"function {options.call}("))
    body = w.text()
    header = _header(program, options, w, offset=0)
    header = _header(program, options, w, offset=header.count("\n"))
    return header + body


# ---------------------------------------------------------------- header

def _header(program: Program, options: LuaOptions, w: LuaWriter, offset: int) -> str:
    out = [
        header("lua"),
        f"-- Fluent Bit lua filter: Call {options.call}. Correct with enable_flb_null on or off;",
        f"-- records nesting deeper than {options.max_depth} levels are truncated (Fluent Bit's encoders crash on them).",
        "--",
        f"-- rules ({len(program.rules)}, evaluated detect -> drop -> redact):",
    ]
    width = max((len(r.id) for r in program.rules), default=0)
    for r in program.rules:
        out.append(f"--   [{r.number}] {r.kind:<6} {lua_comment(r.id):<{width}}  {lua_comment(str(r.loc))}")
    out.append("--")
    out.append("-- source map (generated lines -> rule YAML):")
    for start, end, loc in w.source_map(offset):
        span = f"{start}" if start == end else f"{start}-{end}"
        out.append(f"--   {span:<9} {lua_comment(str(loc))}")
    out.append("-- end of header")
    out.append("")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- rules

def _screens(program: Program) -> dict:
    """Rule number -> screen, for the detections evaluated on every event
    (no resource or verb constraint) whose predicate says something about
    the caller; none when fewer than SCREEN_MIN_RULES have one."""
    found = {}
    for rule in program.of_kind("detect"):
        if any(rule.constraints.get(k) is not None for k in ("objectRef.resource", "verb")):
            continue
        s = screen(rule.residual)
        if s is not None:
            found[rule.number] = s
    return found if len(found) >= SCREEN_MIN_RULES else {}


def _emit_screen_roots(w: LuaWriter, screens: dict) -> None:
    if not screens:
        return
    w.line()
    w.line("-- the caller's values the screens read: key path, read as a list?")
    w.line("SCREEN.rules = { " + ", ".join(str(n) for n in sorted(screens)) + " }")
    roots = ", ".join("{ { " + ", ".join(lua_string(k) for k in keys) + " }, " + ("true" if is_list else "false") + " }"
                      for keys, is_list in screen_roots(screens.values()))
    w.line(f"SCREEN.roots = {{ {roots} }}")


def _emit_rule(w: LuaWriter, rule: IRRule, consts: _Constants, screen_cond=None) -> None:
    w.line()
    with w.source(rule.loc):
        w.line(f"-- [{rule.number}] {rule.kind} {lua_comment(rule.id)}")
        w.line(f"RULE_ID[{rule.number}], KIND[{rule.number}], HITS[{rule.number}] = "
               f"{lua_string(rule.id)}, {lua_string(rule.kind)}, 0")
        if isinstance(rule.payload, Detection):
            severity = rule.payload.severity
            w.line(f"RANK[{rule.number}] = {SEVERITY_RANK[severity]} -- {severity}")
        w.line("do")
        w.indent()
        # The dispatch index already guarantees the resource/verb tests it
        # was built from, so the predicate evaluates only the rest.
        tests = list(dict.fromkeys(iter_tests(rule.residual)))  # each distinct test once, in order
        use_table = len(tests) > MAX_LOCAL_TESTS
        consts.aliases = not use_table
        if use_table:
            w.line("local T = {}")
        names = {}
        for i, test in enumerate(tests, start=1):
            names[test] = f"T[{i}]" if use_table else f"t{i}"
            with w.source(test.loc):
                _emit_test(w, consts, test, names[test], i, use_table)
        w.line(f"PRED[{rule.number}] = function(e)")
        w.indent()
        if len(tests) >= GUARD_MIN_TESTS:
            _emit_guard(w, guard_clauses(rule.residual))
        w.line(f"return {_cond_expr(rule.residual, names)}")
        w.dedent()
        w.line("end")
        if screen_cond is not None:
            # implied by the predicate, reads only the caller: see evaluate()
            w.line(f"SCREEN[{rule.number}] = function(e)")
            w.indent()
            w.line(f"return {_cond_expr(screen_cond, names)}")
            w.dedent()
            w.line("end")
        if isinstance(rule.payload, Redaction):
            _emit_redaction(w, rule.number, rule.payload)
        w.dedent()
        w.line("end")


def _emit_guard(w: LuaWriter, clauses: list) -> None:
    """Return false at once when no requirement of a clause the predicate
    cannot hold without is met (ir/passes/required.py): a rule testing a pod
    spec at a dozen template locations answers a write that logs no body,
    or a body without a spec, in a few lookups."""
    for clause in clauses:
        if not clause:  # the predicate never holds; its own text says so
            continue
        missing = " and ".join(_unmet(keys, kind) for keys, kind in clause)
        w.line(f"if {missing} then return false end")


def _unmet(keys: tuple, kind: str) -> str:
    """Lua: the value at keys (one or two) is not a table / not a list."""
    first = f"e[{lua_string(keys[0])}]"
    if len(keys) == 1:
        value, parts = first, []
    else:
        value = f"{first}[{lua_string(keys[1])}]"
        parts = [f'type({first}) ~= "table"']
    parts.append(f'type({value}) ~= "table"')
    if kind == "list":
        parts.append(f"not is_array({value})")
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def _scan_min(scans: list) -> int:
    """Length of the shortest literal of any whole-record scan pattern (1 if
    a pattern has none: then every string counts)."""
    checks = [c for red in scans for c in red.prechecks]
    if not checks or any(c is None for c in checks):
        return 1
    return min(len(c[0]) for c in checks)


# The characters of UUIDs (lower-case hex, as the apiserver writes them),
# RFC 3339 timestamps, resource versions and IPv4 addresses: the strings of
# an audit event that differ in every event, so the scan's memo of clean
# strings never holds them. A string made of these alone cannot contain a
# literal that has any other character, and every scan pattern runs only
# where its literal occurs: such strings need no scan. (Upper-case hex is
# left out: AWS's ACCA key prefix is made of it.) The script receives them
# as SCAN_STAMP_CHARS (false when some literal fits).
STAMP_CHARS = b"0123456789abcdef-:.TZ+"


def _scan_skips_stamps(scans: list) -> bool:
    checks = [c for red in scans for c in red.prechecks]
    if not checks or any(c is None for c in checks):
        return False
    for literal, case_insensitive in checks:
        # (?i) literals are looked for in the lower-cased string
        chars = STAMP_CHARS.lower() if case_insensitive else STAMP_CHARS
        if all(b in chars for b in literal):
            return False
    return True


def _emit_redaction(w: LuaWriter, number: int, red: Redaction) -> None:
    paths = ", ".join(_redact_path(p) for p in red.paths)
    scrub = ""
    if red.scrub_patterns:
        # gsub treats '%' in the replacement specially: double it
        pats = ", ".join(lua_string(p) for p in red.scrub_patterns)
        lits = ", ".join(lua_string(c[0]) if c else "false" for c in red.prechecks)
        ci = ", ".join("true" if c and c[1] else "false" for c in red.prechecks)
        keep = ", ".join("true" if k else "false" for k in red.scrub_keep)
        anchors = ", ".join(lua_string(a[0]) if a else "false" for a in red.anchors)
        anchor_ci = ", ".join("true" if a and a[1] else "false" for a in red.anchors)
        gsub_repl = red.replacement.replace("%", "%%")
        scrub = (f", patterns = {{ {pats} }}, literals = {{ {lits} }}, ci = {{ {ci} }}, keep = {{ {keep} }}, "
                 f"anchors = {{ {anchors} }}, anchor_ci = {{ {anchor_ci} }}, "
                 f"gsub_replacement = {lua_string(gsub_repl)}, gsub_keep = {lua_string('%1' + gsub_repl)}")
    if red.mode == "credentials":
        # no literal list: every string is a candidate
        lits = "false" if red.name_literals is None else "{ " + ", ".join(lua_string(x) for x in red.name_literals) + " }"
        scrub += (f", names = {_name_set(red.names)}, except = {_name_set(red.except_names)}, triggers = {lits}")
    if red.whole_record:
        scrub += ", whole = true"
    w.line(f"REDACT[{number}] = {{ mode = {lua_string(red.mode)}, "
           f"replacement = {lua_string(red.replacement)}, paths = {{ {paths} }}{scrub} }}")


def _name_set(patterns: tuple) -> str:
    """Credential-name patterns as cred_name() tries them: the ones that are
    only literal text with a `.*` at either end as plain lookups and finds
    (`exact` a set, `has`, `prefix`, `suffix` lists), the rest as patterns."""
    kinds: dict = {"exact": [], "has": [], "prefix": [], "suffix": [], "patterns": []}
    for p in patterns:
        shape = literal_shape(p)
        if shape is None:
            kinds["patterns"].append(p)
        else:
            kinds[shape[0]].append(shape[1])
    exact = ", ".join(f"[{lua_string(x)}] = true" for x in kinds.pop("exact"))
    lists = ", ".join(f"{k} = {{ {', '.join(lua_string(x) for x in v)} }}" for k, v in kinds.items())
    return f"{{ exact = {{ {exact} }}, {lists} }}"


def _redact_path(path) -> str:
    return "{ " + ", ".join("WILD" if s is WILDCARD else lua_string(s) for s in path.segments) + " }"


def _cond_expr(c, names: dict) -> str:
    if isinstance(c, Test):
        return f"{names[c]}(e)"
    if isinstance(c, Const):
        return "true" if c.value else "false"
    if isinstance(c, Not):
        return f"not {_cond_expr(c.item, names)}"
    joiner = " and " if isinstance(c, And) else " or "
    return "(" + joiner.join(_cond_expr(i, names) for i in c.items) + ")"


def _emit_test(w: LuaWriter, consts: _Constants, test: Test, name: str, index: int, use_table: bool) -> None:
    w.line(f"-- {lua_comment(test.path.text)} {test.op} ({lua_comment(str(test.loc))})")
    setname = _emit_operand_table(w, consts, test, str(index))
    segments = test.path.segments
    # The keys before the first [*]. Short prefixes (user.username,
    # objectRef.resource: the tests every event runs) step inline, which
    # LuaJIT traces best; deep ones (request bodies, tested only on the
    # writes their rules target) go through dig() and a shared key list,
    # which keeps the script small.
    keys = segments[:segments.index(WILDCARD)] if WILDCARD in segments else segments
    path = (consts.ref(w, "{ " + ", ".join(lua_string(k) for k in keys) + " }", local=f"D{index}")
            if len(keys) > INLINE_STEPS else None)
    w.line(f"local function {name}(e)" if not use_table else f"{name} = function(e)")
    w.indent()
    if path is None:
        w.line(f"local v = e[{lua_string(keys[0])}]")
        for seg in keys[1:]:
            w.line('if type(v) ~= "table" then return false end')
            w.line(f"v = v[{lua_string(seg)}]")
    else:
        w.line(f"local v = dig(e, {path})")
    if len(keys) == len(segments):
        w.line(f"return {_value_expr(test, 'v', setname)}")
    else:
        # [*]: true if the test holds for any element (existential).
        w.line('if type(v) ~= "table" then return false end')
        _emit_walk(w, test, segments, len(keys), "v", 0, setname)
        w.line("return false")
    w.dedent()
    w.line("end")


def _lua_patterns(test: Test) -> list:
    """A glob/regex test's Lua patterns, each once (dialect/)."""
    return list(dict.fromkeys(p for pattern in test.values for p in pattern.lua))


def _precheck_literal(pattern: bytes) -> bytes | None:
    """The plain text to find before running `pattern` (see PRECHECK_MIN), or
    None: no long enough case-sensitive run, or the pattern has no magic
    characters at all (LuaJIT compiles such a find as a plain one)."""
    if not any(b in _MAGIC for b in pattern):
        return None
    found = required_literal(pattern)
    if found is None or found[1] or len(found[0]) < PRECHECK_MIN:
        return None
    return found[0]


def _matches_every_string(test: Test) -> bool:
    """A glob/regex test one of whose patterns every string matches (a glob
    "*"): it needs no find, inline or through a shared table."""
    return any(p in _MATCH_ALL for p in _lua_patterns(test))


def _pattern_find(v: str, pattern: bytes) -> str:
    """`string.find(v, pattern) ~= nil`, behind its plain pre-check if any."""
    find = f"sfind({v}, {lua_string(pattern)}) ~= nil"
    lit = _precheck_literal(pattern)
    if lit is None:
        return find
    return f"(sfind({v}, {lua_string(lit)}, 1, true) ~= nil and {find})"


def _emit_operand_table(w: LuaWriter, consts: _Constants, test: Test, suffix: str) -> str | None:
    """The table a test's operator reads its operands from (`in`: a set,
    `cidr`: networks, glob/regex: a long pattern list, `json_patch`:
    patterns, kinds and the value test), or None; its name is what
    _value_expr gets as `setname`."""
    if test.op is Op.IN:
        items = ", ".join(f"[{lua_value(v)}] = true" for v in test.values)
        return consts.ref(w, f"{{ {items} }}", local=f"S{suffix}")
    if test.op in (Op.CIDR, Op.NOT_CIDR):
        nets = ", ".join(f"{{ {lua_string(n.network_address.packed)}, {n.prefixlen} }}" for n in test.values)
        return consts.ref(w, f"{{ {nets} }}", ", ".join(map(str, test.values)), local=f"N{suffix}")
    if test.op.spec.pattern_syntax:
        pats = _lua_patterns(test)
        if len(pats) <= INLINE_PATTERNS or _matches_every_string(test):
            return None
        lits = [_precheck_literal(p) for p in pats]
        extra = ""
        if any(lit is not None for lit in lits):
            extra = ", lits = { " + ", ".join("false" if lit is None else lua_string(lit) for lit in lits) + " }"
        return consts.ref(w, "{ " + ", ".join(lua_string(p) for p in pats) + extra + " }", local=f"P{suffix}")
    if test.op is Op.JSON_PATCH:
        query = test.values[0]
        inner = Test(test.path, query.inner, query.inner_values, test.loc)
        inner_set = _emit_operand_table(w, consts, inner, suffix + "v")
        pats = ", ".join("{ " + ", ".join("WILD" if seg == jsonpatch.WILD else lua_string(seg) for seg in pat) + " }"
                         for pat in query.patterns)
        kinds = ", ".join(f"[{lua_string(k)}] = true" for k in query.kinds)
        w.line(f"local J{suffix} = {{ pats = {{ {pats} }}, kinds = {{ {kinds} }},")
        w.line(f"  test = function(v) return {_value_expr(inner, 'v', inner_set)} end }}")
        return f"J{suffix}"
    return None


def _emit_walk(w: LuaWriter, test: Test, segments: tuple, i: int, cur: str, depth: int, setname) -> None:
    seg = segments[i]
    var = f"v{depth}"
    last = i == len(segments) - 1
    if seg is WILDCARD:
        w.line(f"for i{depth} = 1, alen({cur}) do")
        w.indent().line(f"local {var} = {cur}[i{depth}]")
    else:
        w.line(f"local {var} = {cur}[{lua_string(seg)}]")
    if last:
        w.line(f"if {_value_expr(test, var, setname)} then return true end")
    else:
        w.line(f'if type({var}) == "table" then')
        w.indent()
        _emit_walk(w, test, segments, i + 1, var, depth + 1, setname)
        w.dedent()
        w.line("end")
    if seg is WILDCARD:
        w.dedent()
        w.line("end")


def _value_expr(test: Test, v: str, setname: str | None) -> str:
    """The Lua expression for one operator on the value in variable `v`; the
    meaning of each is the operator table's (operators.py)."""
    op = test.op
    if op is Op.EXISTS:
        return f"present({v})"
    if op is Op.EQUALS:
        return f"{v} == {lua_value(test.values[0])}"
    if op is Op.IN:
        return f"{setname}[{v}] == true"
    if op is Op.CIDR:
        return f'type({v}) == "string" and in_networks({v}, {setname})'
    if op is Op.NOT_CIDR:
        return f'type({v}) == "string" and outside_networks({v}, {setname})'
    if op is Op.JSON_PATCH:
        opaque_ok = "true" if test.values[0].inner is Op.EXISTS else "false"
        return f"patch_writes({v}, {setname}.kinds, {setname}.pats, {setname}.test, {opaque_ok})"
    if op.spec.symbol:  # gt, gte, lt, lte
        return f'type({v}) == "number" and {v} {op.spec.symbol} {lua_value(test.values[0])}'
    if op.spec.pattern_syntax:
        # Each operand matches iff one of its Lua patterns does (dialect/).
        if _matches_every_string(test):  # any string matches: none does not
            return "false" if op is Op.NOT_GLOB else f'type({v}) == "string"'
        if setname is not None:  # a long list, in a shared table
            found = f"find_any({v}, {setname})"
            return f'type({v}) == "string" and ' + (f"not {found}" if op is Op.NOT_GLOB else found)
        parts = [_pattern_find(v, p) for p in _lua_patterns(test)]
        if op is Op.NOT_GLOB:  # a string none of them match
            return f'type({v}) == "string" and not (' + " or ".join(parts) + ")"
    else:
        parts = []
        for value in test.values:
            size = len(value.encode("utf-8"))
            if size == 0:
                parts = ["true"]  # the empty string is a prefix/suffix/substring of every string
                break
            parts.append(_string_test(op, v, lua_string(value), size))
    joined = parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"
    return f'type({v}) == "string" and {joined}'


def _string_test(op: Op, v: str, lit: str, size: int) -> str:
    if op is Op.PREFIX:
        return f"ssub({v}, 1, {size}) == {lit}"
    if op is Op.SUFFIX:
        return f"ssub({v}, -{size}) == {lit}"
    if op is Op.CONTAINS:
        return f"sfind({v}, {lit}, 1, true) ~= nil"
    raise AssertionError(f"no Lua emission for operator {op}")


# ---------------------------------------------------------------- index

def _emit_index(w: LuaWriter, program: Program) -> None:
    """Dispatch table: for each resource and verb the rules that can match.

    Built at compile time from each predicate's constraints on
    objectRef.resource and verb, so an event only evaluates rules that could
    match it; rule order is kept inside every list.
    """
    res_key, verb_key = "objectRef.resource", "verb"
    resources_ = sorted({v for r in program.rules for v in (r.constraints[res_key] or ())})
    plans: dict[tuple, int] = {}

    def plan_for(res, verb) -> int:
        lists = []
        for kind in ("detect", "drop", "redact"):
            rules = program.of_kind(kind)
            if kind == "redact":
                rules = sorted(rules, key=_redaction_order)
            lists.append(tuple(r.number for r in rules if _applies(r, res, verb)))
        key = tuple(lists)
        if key not in plans:
            plans[key] = len(plans) + 1
        return plans[key]

    def verbs_for(res) -> list:
        rules = [r for r in program.rules if _applies_res(r, res)]
        return sorted({v for r in rules for v in (r.constraints[verb_key] or ())})

    table = []
    for res in resources_ + [None]:
        verbs = [(verb, plan_for(res, verb)) for verb in verbs_for(res)]
        table.append((res, verbs, plan_for(res, None)))
    w.line()
    w.line("-- dispatch index: (objectRef.resource, verb) -> rules that can match, per kind")
    w.line("local P = {}")
    fmt = lambda xs: "{" + ", ".join(map(str, xs)) + "}"  # noqa: E731
    for (det, drop, red), n in plans.items():
        w.line(f"P[{n}] = {{ det = {fmt(det)}, drop = {fmt(drop)}, red = {fmt(red)} }}")
    w.line("local INDEX = {}")
    for res, verbs, other in table:
        entries = ", ".join(f"[{lua_string(v)}] = P[{n}]" for v, n in verbs)
        target = "local INDEX_ANY" if res is None else f"INDEX[{lua_string(res)}]"
        w.line(f"{target} = {{ verbs = {{ {entries} }}, other = P[{other}] }}")


def _redaction_order(rule: IRRule) -> tuple:
    """Whole-record scans last: the filter gathers their strings (sanitize)
    after every other rule has run, so they read the record as those left
    it, JSON that credentials re-encoded included, and do not spend their
    patterns on values already masked (a TokenRequest's token, a Secret's
    data)."""
    red = rule.payload
    return (1 if red.whole_record and red.mode == "scan" else 0, rule.number)


def _applies_res(rule: IRRule, res) -> bool:
    c = rule.constraints["objectRef.resource"]
    return c is None or (res is not None and res in c)


def _applies(rule: IRRule, res, verb) -> bool:
    c = rule.constraints["verb"]
    return _applies_res(rule, res) and (c is None or (verb is not None and verb in c))
