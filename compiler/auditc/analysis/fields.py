"""Field paths checked against what kube-apiserver actually logs.

A misspelled path (`objectRef.namespce`) validates, builds, and silently
never matches. This check knows:

* the audit.k8s.io/v1 Event (staging/src/k8s.io/apiserver/pkg/apis/audit/v1/
  types.go: Event, ObjectReference, authentication UserInfo, metav1.Status),
  plus what auditc and Fluent Bit add (`detection`, `auditc`, `log`);
* below `requestObject` / `responseObject`, the Kubernetes OpenAPI schema of
  the kinds a rule can see, from the resources its predicate pins
  (`objectRef.resource`), as shipped by the kubernetes-validate package.
  Bodies also come as lists (`items[*]`), Tables (`rows[*].object`), JSON
  patches (`requestObject[*]`), DeleteOptions, Status, Scale and Eviction:
  a path valid in any of them is accepted. The pointer patterns of a
  `json_patch` test are checked as the body paths they name.

Unknown paths are warnings with a suggestion, never errors: CRDs, newer
fields and other shippers' enrichments are legitimate.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import resources as ilr

from auditc import jsonpatch
from auditc.errors import Diagnostic, Location
from auditc.ir import Program, Redaction, iter_tests
from auditc.operators import Op
from auditc.paths import WILDCARD, FieldPath

ANY = "any"  # anything below is accepted (free-form maps, raw objects)
STRING, NUMBER, BOOL = "string", "number", "bool"
ANY_MAP = {"*": ANY}  # a map with arbitrary keys

_USER = {"username": STRING, "uid": STRING, "groups": [STRING], "extra": {"*": [STRING]}}
_STATUS = {"kind": STRING, "apiVersion": STRING,
           "metadata": {"selfLink": STRING, "resourceVersion": STRING, "continue": STRING,
                        "remainingItemCount": NUMBER},
           "status": STRING, "message": STRING, "reason": STRING, "code": NUMBER,
           "details": {"name": STRING, "group": STRING, "kind": STRING, "uid": STRING, "retryAfterSeconds": NUMBER,
                       "causes": [{"reason": STRING, "message": STRING, "field": STRING}]}}
BODY = "body"  # checked against the OpenAPI schemas

EVENT = {
    "kind": STRING, "apiVersion": STRING, "level": STRING, "auditID": STRING, "stage": STRING,
    "requestURI": STRING, "verb": STRING, "user": _USER, "impersonatedUser": _USER, "sourceIPs": [STRING],
    "userAgent": STRING,
    "objectRef": {"resource": STRING, "namespace": STRING, "name": STRING, "uid": STRING, "apiGroup": STRING,
                  "apiVersion": STRING, "resourceVersion": STRING, "subresource": STRING},
    "responseStatus": _STATUS, "requestObject": BODY, "responseObject": BODY,
    "requestReceivedTimestamp": STRING, "stageTimestamp": STRING, "annotations": {"*": STRING},
    # added downstream: auditc's enrichment, and Fluent Bit's raw line for undecodable input
    "detection": {"severity": STRING, "rules": [STRING]},
    "auditc": ANY, "log": STRING, "items": ANY,  # EventList batches (webhook mode)
}

# Shapes a body takes besides the object itself (kind names in the OpenAPI schema).
_WRAPPERS = ("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
             "io.k8s.api.autoscaling.v1.Scale", "io.k8s.api.policy.v1.Eviction", "io.k8s.api.core.v1.Binding",
             "io.k8s.apimachinery.pkg.apis.meta.v1.Table", "io.k8s.api.authentication.v1.TokenRequest")


def _walk(spec, segments: tuple) -> tuple[bool, int, list]:
    """(known, index of the first unknown segment, names that would fit there)."""
    for i, seg in enumerate(segments):
        if spec in (ANY, BODY):
            return True, i, []  # bodies are checked against the OpenAPI schemas
        if isinstance(spec, list):
            if seg is not WILDCARD:
                return False, i, ["[*]"]
            spec = spec[0]
            continue
        if isinstance(spec, dict):
            if seg is WILDCARD:
                return False, i, sorted(k for k in spec if k != "*")
            if seg in spec:
                spec = spec[seg]
            elif "*" in spec:
                spec = spec["*"]
            else:
                return False, i, sorted(k for k in spec if k != "*")
            continue
        return False, i, []  # below a scalar
    return True, len(segments), []


# ---------------------------------------------------------------- OpenAPI

@lru_cache(maxsize=1)
def _definitions() -> dict:
    """The newest non-strict schema set kubernetes-validate ships, or {}."""
    try:
        root = ilr.files("kubernetes_validate").joinpath("kubernetes-json-schema")
        versions = [p.name for p in root.iterdir() if re.fullmatch(r"v\d+\.\d+\.\d+-local", p.name)]
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    if not versions:
        return {}
    newest = max(versions, key=lambda v: tuple(int(x) for x in v[1:].split("-")[0].split(".")))
    return json.loads(root.joinpath(newest, "_definitions.json").read_text())["$defs"]


def _plural(kind: str) -> str:
    k = kind.lower()
    if k.endswith("s"):
        return k if k == "endpoints" else k + "es"
    if k.endswith("y"):
        return k[:-1] + "ies"
    return k + "s"


@lru_cache(maxsize=1)
def _kinds_by_resource() -> dict:
    out: dict = {}
    for name, d in _definitions().items():
        for gvk in d.get("x-kubernetes-group-version-kind", ()):
            if not name.endswith("List") and gvk.get("kind"):
                out.setdefault(_plural(gvk["kind"]), []).append(name)
    return out


def _resolve(schema: dict) -> dict:
    defs = _definitions()
    while "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema and len(schema[key]) == 1:
            return _resolve(schema[key][0])
    return schema


def _schema_walk(schema: dict, segments: tuple) -> tuple[bool, int, list]:
    for i, seg in enumerate(segments):
        schema = _resolve(schema)
        if schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-int-or-string"):
            return True, i, []
        types = schema.get("type", [])
        types = types if isinstance(types, list) else [types]
        if seg is WILDCARD:
            if "array" in types or "items" in schema:
                schema = schema.get("items", {})
                continue
            return False, i, sorted(schema.get("properties", {}))
        props = schema.get("properties")
        if props and seg in props:
            schema = props[seg]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        elif not props and ("object" in types or not types):
            return True, i, []  # free-form object (RawExtension, JSON)
        else:
            return False, i, sorted(props or ())
    return True, len(segments), []


def _body_shapes(resources) -> list:
    """(label, schema) pairs a body of these resources can take."""
    defs = _definitions()
    shapes = []
    for res in sorted(resources):
        for name in _kinds_by_resource().get(res, ()):
            obj = {"$ref": f"#/$defs/{name}"}
            kind = name.rsplit(".", 1)[-1]
            shapes.append((kind, obj))
            shapes.append((f"{kind}List", {"type": "object", "properties": {
                "kind": {"type": "string"}, "apiVersion": {"type": "string"},
                "metadata": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"},
                "items": {"type": "array", "items": obj}}}))
            shapes.append(("Table", {"type": "object", "properties": {
                "kind": {"type": "string"}, "apiVersion": {"type": "string"},
                "metadata": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"},
                "columnDefinitions": {"type": "array", "items": {"type": "object"}},
                "rows": {"type": "array", "items": {"type": "object", "properties": {
                    "cells": {"type": "array", "items": {}}, "conditions": {"type": "array", "items": {}},
                    "object": obj}}}}}))
    if shapes:
        shapes.extend((w.rsplit(".", 1)[-1], {"$ref": f"#/$defs/{w}"}) for w in _WRAPPERS if w in defs)
    return shapes


# ---------------------------------------------------------------- the check

def _suggest(seg, names: list) -> str:
    if not isinstance(seg, str) or not names:
        return ""
    close = difflib.get_close_matches(seg, names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _render(segments) -> str:
    out = ""
    for s in segments:
        out += "[*]" if s is WILDCARD else (f".{s}" if out else s)
    return out


def check_path(path, resources: frozenset | None, pointer: bool = False) -> str | None:
    """A warning message for a path no event of these resources has, or None.
    `pointer`: the path comes from a json_patch pointer pattern, whose `*`
    (WILDCARD here) may also stand for a map key: not second-guessed there."""
    known, at, names = _walk(EVENT, path.segments)
    if not known:
        seg = path.segments[at]
        where = _render(path.segments[:at]) or "the audit event"
        return (f"field path '{path}': {where} has no field '{seg if isinstance(seg, str) else '[*]'}'"
                f"{_suggest(seg, names)}")
    if path.segments[0] not in ("requestObject", "responseObject") or len(path.segments) < 2:
        return None
    below = path.segments[1:]
    if below[0] is WILDCARD or not resources:
        return None  # a JSON patch, or a rule not pinned to resources
    shapes = _body_shapes(resources)
    if not shapes:
        return None  # CRDs and aggregated APIs: no schema here
    best = None
    for label, schema in shapes:
        ok, i, names = _schema_walk(schema, below)
        if ok:
            return None
        if best is None or i > best[1]:
            best = (label, i, names)
    label, i, names = best
    seg = below[i]
    if pointer and seg is WILDCARD:
        return None
    where = _render((path.segments[0],) + below[:i])
    return (f"field path '{path}': {where} has no field '{seg if isinstance(seg, str) else '[*]'}' in the "
            f"{label} schema of {', '.join(sorted(resources))}{_suggest(seg, names)}")


def pointer_paths(test) -> list[FieldPath]:
    """The body paths a json_patch test's pointer patterns name: the pattern
    below the test's field, `*`, indexes and `-` as [*]."""
    if test.op is not Op.JSON_PATCH:
        return []
    out = []
    for pattern in test.values[0].patterns:
        below = tuple(WILDCARD if seg == jsonpatch.WILD or seg == "-" or seg.isdigit() else seg for seg in pattern)
        text = f"{test.path} json_patch /" + "/".join(pattern)
        out.append(FieldPath(test.path.segments + below, text))
    return out


def field_path_warnings(program: Program) -> list[Diagnostic]:
    out, seen = [], set()
    for rule in program.rules:
        res = rule.constraints.get("objectRef.resource")
        items = [(t.path, t.loc, False) for t in iter_tests(rule.pred)]
        items += [(p, t.loc, True) for t in iter_tests(rule.pred) for p in pointer_paths(t)]
        if isinstance(rule.payload, Redaction):
            items += [(p, rule.loc, False) for p in rule.payload.paths]
        for path, loc, pointer in items:
            key = (path.text, loc)
            if key in seen:
                continue
            seen.add(key)
            msg = check_path(path, res, pointer)
            if msg:
                out.append(Diagnostic(loc if isinstance(loc, Location) else rule.loc, msg, "warning", "AUD305"))
    return out
