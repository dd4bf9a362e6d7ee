"""IR -> LogQL: hunting queries per detection, over raw or enriched logs.

Two forms per detection:

* enriched: what the filter already decided. `{job="kube-audit",
  severity=~".+"}` selects only flagged records (severity is a stream label
  set from the `detection` map), a line filter on the quoted rule id
  pre-selects, and `| json` + an anchored regex on `detection.rules` makes it
  exact. Cheap, and what the alert rules count.
* raw: the rule itself over un-enriched logs (history from before auditc, or
  another shipper). Each field test becomes a label filter on a value
  extracted with `| json label="path"`. Loki's json stage cannot expand
  arrays (`containers[*]`: the expression extracts the array's JSON text), so
  a test through `[*]` is replaced by a line filter that every match must
  pass (e.g. `"privileged":true`), or dropped: the query is then a superset,
  never a miss, and says so in `notes`.

Facts relied on (Loki source, pkg/logql/log/parser.go JSONExpressionParser):
a null or missing value extracts as "", an array or object as its JSON text;
label-filter regexes are Prometheus matchers, i.e. fully anchored RE2.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from auditc.ir import And, Const, IRRule, Not, Or, Test
from auditc.ir.passes.normal_form import nnf
from auditc.operators import Op
from auditc.paths import WILDCARD, FieldPath

SELECTOR = '{job="kube-audit"}'
FLAGGED_SELECTOR = '{job="kube-audit", severity=~".+"}'
# Longer queries fall back to the enriched form: proxies and Grafana URLs
# commonly cap GET requests around 8 KiB.
MAX_QUERY_LENGTH = 8192
_RE2_META = set("\\.+*?()|[]{}^$")
_LABEL = re.compile(r"[^A-Za-z0-9_]")


def quote(s: str) -> str:
    """A LogQL string: backticks (raw, no escapes) unless the value holds one."""
    if "`" not in s:
        return f"`{s}`"
    return json.dumps(s, ensure_ascii=False)  # JSON escapes are a subset of Go's


def re2_escape(s: str) -> str:
    return "".join("\\" + c if c in _RE2_META else c for c in s)


def label_name(path: FieldPath) -> str:
    """Loki's flattening convention (objectRef.resource -> objectRef_resource),
    restricted to valid label names."""
    name = "_".join(_LABEL.sub("_", s) for s in path.segments if s is not WILDCARD)
    return name if not name[:1].isdigit() else "_" + name


def json_expression(path: FieldPath) -> str:
    out = []
    for seg in path.segments:
        if seg is WILDCARD:
            raise ValueError("arrays cannot be expanded by Loki's json stage")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", seg):
            out.append(("." if out else "") + seg)
        else:
            out.append('["' + seg.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


@dataclass
class Query:
    logql: str
    exact: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class _Parts:
    line_filters: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # label -> json expression
    exact: bool = True
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- label filters

def _regex_of(test: Test) -> str | None:
    """RE2 (anchored by Loki) for string operators, or None if not exact."""
    vals, op = test.values, test.op
    if op is Op.IN:
        return "|".join(re2_escape(str(v)) for v in vals)
    if op is Op.PREFIX:
        return "(?s:" + "|".join(re2_escape(v) for v in vals) + ").*"
    if op is Op.SUFFIX:
        return "(?s).*(?:" + "|".join(re2_escape(v) for v in vals) + ")"
    if op is Op.CONTAINS:
        return "(?s).*(?:" + "|".join(re2_escape(v) for v in vals) + ").*"
    if op.spec.pattern_syntax:
        if any(p.re2 is None for p in vals):
            return None
        return "|".join(f"(?:{p.re2})" for p in vals)
    return None


def _label_filter(test: Test, label: str, negate: bool, parts: _Parts) -> str | None:
    op = test.op
    if op is Op.EXISTS:
        return f'{label} {"=" if negate else "!="} ""'
    if op is Op.EQUALS:
        v = test.values[0]
        if isinstance(v, bool):
            return f'{label} {"!=" if negate else "="} `{"true" if v else "false"}`'
        if isinstance(v, (int, float)):
            # Compared as the text the apiserver writes, not with `==`: a numeric label
            # filter on a missing or non-numeric label sets __error__, and `| __error__=""`
            # then drops the line even where another branch of an `or` matched.
            if isinstance(v, float) and not v.is_integer():
                parts.exact = False
                parts.notes.append(f"{test.path}: compared as the text {v!r}; other spellings of the number are missed")
            text = repr(int(v)) if float(v).is_integer() else repr(v)
            return f'{label} {"!=" if negate else "="} `{text}`'
        if re.fullmatch(r"-?\d+(\.\d+)?|true|false", v):
            parts.exact = False
            parts.notes.append(f"{test.path}: the string {v!r} also matches the JSON number or boolean")
        return f'{label} {"!=" if negate else "="} {quote(v)}'
    if op is Op.CIDR:  # Loki's ip() label filter matches IPv4/IPv6 CIDRs
        eq, join = ("!=", " and ") if negate else ("=", " or ")
        tests = [f'{label} {eq} ip("{net}")' for net in test.values]
        return tests[0] if len(tests) == 1 else "(" + join.join(tests) + ")"
    if op is Op.NOT_CIDR:
        if negate:  # "not an address, or inside": ip() cannot say "not an address"; dropped (a superset)
            return None
        tests = [f'{label} != ip("{net}")' for net in test.values]  # non-addresses pass too: a superset
        parts.exact = False
        parts.notes.append(f"{test.path} not_cidr: values that are not addresses also pass (a superset)")
        return tests[0] if len(tests) == 1 else "(" + " and ".join(tests) + ")"
    if op.spec.symbol:  # gt, gte, lt, lte: see above; dropped (a superset) rather than risk __error__
        return None
    if op is Op.JSON_PATCH:  # the json stage cannot look inside an array of operations: dropped (a superset)
        return None
    if op is Op.NOT_GLOB:
        regex = _regex_of(Test(test.path, Op.GLOB, test.values, test.loc))
        if negate or regex is None:  # "not a string, or matching": not expressible; dropped (a superset)
            return None
        parts.exact = False
        parts.notes.append(f"{test.path} not_glob: a missing or non-string value also passes (a superset)")
        return f"{label} !~ {quote(regex)}"
    if op is Op.IN and not all(isinstance(v, str) for v in test.values):
        return None
    regex = _regex_of(test)
    if regex is None:
        return None
    return f'{label} {"!~" if negate else "=~"} {quote(regex)}'


def _necessary(node) -> str | None:
    """An RE2 that every log line matching `node` contains, on the compact JSON
    the apiserver writes (the last key, then the value where it is fixed), or
    None. Used where a condition cannot be a label filter (arrays)."""
    if isinstance(node, Test):
        key = next((s for s in reversed(node.path.segments) if s is not WILDCARD), None)
        if key is None:
            return None
        # An array element (`verbs[*]`) has no key of its own: its value does.
        k = "" if node.path.segments[-1] is WILDCARD else re2_escape(json.dumps(key)) + ":"
        if not k and not node.op.spec.dispatchable:
            return None
        if node.op is Op.EQUALS:
            return k + re2_escape(json.dumps(node.values[0]))
        if node.op is Op.IN:
            if all(isinstance(v, str) for v in node.values):
                return k + "(?:" + "|".join(re2_escape(json.dumps(v)) for v in node.values) + ")"
            return None
        return k  # the key is in the line whatever the operator tests of its value
    if isinstance(node, And):
        return next((r for r in map(_necessary, node.items) if r), None)
    if isinstance(node, Or):
        alts = [_necessary(i) for i in node.items]
        return None if not alts or None in alts else "|".join(dict.fromkeys(alts))
    return None


def _line_filter(node) -> str | None:
    regex = _necessary(node)
    if regex is None:
        return None
    literal = _unescape_literal(regex)
    return f"|= {quote(literal)}" if literal is not None else f"|~ {quote(regex)}"


def _unescape_literal(regex: str) -> str | None:
    """The plain text an RE2 matches if it is only literals (a cheaper `|=`)."""
    out, i = [], 0
    while i < len(regex):
        c = regex[i]
        if c == "\\" and i + 1 < len(regex) and regex[i + 1] in _RE2_META:
            out.append(regex[i + 1])
            i += 2
        elif c in _RE2_META:
            return None
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------- predicates

def _compile(node, parts: _Parts, top: bool = True) -> str | None:
    """A label-filter expression for a predicate in negation normal form, or
    None when it cannot be expressed (the caller then drops it, making the
    query a superset). `top`: node is a conjunct of the whole predicate, so a
    line filter it implies narrows the query."""
    if isinstance(node, Const):
        return None
    if isinstance(node, (And, Or)):
        is_and = isinstance(node, And)
        exprs = []
        for item in node.items:
            e = _compile(item, parts, top=top and is_and)
            if e is None:
                if not is_and:
                    # An inexpressible branch of an OR: the OR could be true.
                    # At the top, a line filter every branch implies still narrows.
                    lf = _line_filter(node) if top else None
                    if lf and lf not in parts.line_filters:
                        parts.line_filters.append(lf)
                    return None
                continue
            exprs.append(e)
        if not exprs:
            return None
        joined = (" and " if is_and else " or ").join(exprs)
        return joined if len(exprs) == 1 else f"({joined})"
    negate = isinstance(node, Not)
    test = node.item if negate else node
    assert isinstance(test, Test), node
    if test.path.has_wildcard:
        parts.exact = False
        if top and not negate:
            lf = _line_filter(test)
            if lf and lf not in parts.line_filters:
                parts.line_filters.append(lf)
            parts.notes.append(f"{test.path}: Loki's json stage cannot expand arrays; "
                               f"{'line filter ' + lf if lf else 'condition dropped'} (a superset)")
        else:
            parts.notes.append(f"{test.path}: Loki's json stage cannot expand arrays; condition dropped (a superset)")
        return None
    label = label_name(test.path)
    expr = _label_filter(test, label, negate, parts)
    if expr is None:
        parts.exact = False
        parts.notes.append(f"{test.path} {test.op}: not expressible exactly in LogQL; condition dropped (a superset)")
        return None
    parts.labels.setdefault(label, json_expression(test.path))
    return expr


def _json_stage(labels: dict[str, str]) -> str:
    return "| json " + ", ".join(f"{label}={quote(expr)}" for label, expr in sorted(labels.items()))


# A label no line carries: the filter on it passes nothing. The query of a
# rule that cannot match (an opt-in rule whose list is shipped empty) must
# return nothing, not every line.
NEVER = '| auditc_rule_cannot_match="true"'


def raw_query(rule: IRRule) -> Query:
    """The rule over raw audit logs."""
    pred = nnf(rule.pred)
    if isinstance(pred, Const):  # simplify() folds constants to the top
        if pred.value:
            return Query(f'{SELECTOR} | __error__=""', True)
        return Query(f"{SELECTOR} {NEVER}", True,
                     ["the rule cannot match (a list it tests is empty): the query returns nothing"])
    parts = _Parts()
    expr = _compile(pred, parts)
    pipeline = [SELECTOR] + parts.line_filters
    if parts.labels:
        pipeline.append(_json_stage(parts.labels))
    if expr:
        pipeline.append(f"| {expr}")
    pipeline.append('| __error__=""')
    q = Query(" ".join(pipeline), parts.exact, parts.notes)
    if len(q.logql) > MAX_QUERY_LENGTH:
        fallback = enriched_query(rule)
        fallback.exact = False
        fallback.notes = [f"the raw form is {len(q.logql)} characters, over the {MAX_QUERY_LENGTH} limit; "
                          "this is the enriched form, which only sees records auditc flagged"]
        return fallback
    return q


def rule_regex(rule_id: str) -> str:
    """Matches the JSON text of detection.rules when it holds rule_id."""
    return f'.*"{re2_escape(rule_id)}"[],].*'


def enriched_query(rule: IRRule, extra_labels: dict[str, str] | None = None, exclude: tuple = ()) -> Query:
    labels = {"auditc_rules": "detection.rules", **(extra_labels or {})}
    if exclude:
        labels.setdefault("user_username", "user.username")
    stages = [FLAGGED_SELECTOR, f"|= {quote(json.dumps(rule.id))}", _json_stage(labels),
              f"| auditc_rules =~ {quote(rule_regex(rule.id))}"]
    if exclude:
        stages.append(f"| user_username !~ {quote('|'.join(re2_escape(u) for u in exclude))}")
    stages.append('| __error__=""')
    return Query(" ".join(stages), True)
