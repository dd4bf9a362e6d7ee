"""Read an audit policy file the way kube-apiserver does at start-up.

kube-apiserver (k8s.io/apiserver/pkg/audit/policy/reader.go,
LoadPolicyFromBytes) decodes the file strictly; on a strict-decoding error
(an unknown or duplicate field) it logs a warning and decodes leniently, so
unknown fields are *ignored*. Type errors fail decoding. Then it requires the
group-version audit.k8s.io/v1, runs validation.ValidatePolicy
(k8s.io/apiserver/pkg/apis/audit/validation/validation.go) and refuses a
policy with no rules. Any of these failures keeps the apiserver in
CrashLoopBackOff, so they are errors here, each at its file:line:col and with
the apiserver's own wording where it has one. Unknown fields are warnings:
the apiserver starts, but the field (often a typo such as `omitStage`) does
nothing.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from auditc.errors import Diagnostic, DiagnosticSink, Location
from auditc.frontend.yamlsource import LocatedDocument, load_yaml
from auditc.policy.levels import LEVELS, STAGES
from auditc.policy.model import GroupResources, Policy, PolicyRule

API_VERSION = "audit.k8s.io/v1"  # reader.go apiGroupVersions: only v1 since Kubernetes 1.24

# audit/v1/types.go: the JSON fields of each type.
ACCEPT_BLIND_ANNOTATION = "auditc.dev/accept-blind"
ACCEPT_PARTIAL_ANNOTATION = "auditc.dev/accept-partial"
POLICY_FIELDS = ("apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields")
RULE_FIELDS = ("level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs",
               "omitStages", "omitManagedFields")
GROUP_RESOURCES_FIELDS = ("group", "resources", "resourceNames")

# apimachinery/pkg/util/validation IsDNS1123Subdomain, used by NameIsDNSSubdomain.
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1123_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def load_policy(path: str | Path) -> tuple[Policy, list[Diagnostic]]:
    """Read and check a policy file; raises AuditcError (errors and warnings) if the apiserver would refuse it."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_policy(text, str(path))


def parse_policy(text: str, file: str) -> tuple[Policy, list[Diagnostic]]:
    """Returns the policy and its warnings, or raises AuditcError with every problem found."""
    doc = load_yaml(text, file)
    reader = _Reader(doc)
    policy = reader.read()
    reader.sink.raise_if_errors()
    return policy, sorted(reader.sink.items, key=lambda d: d.location)


def _path_text(path: tuple) -> str:
    """Go's field.Path rendering: rules[2].resources[0].group."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Reader:
    def __init__(self, doc: LocatedDocument):
        self.doc, self.sink = doc, DiagnosticSink()

    # -- decoding (reader.go: strict, then lenient decoding into the v1 types) --------------

    def err(self, path: tuple, message: str, key: bool = False) -> None:
        loc = self.doc.key_loc(path) if key else self.doc.loc(path)
        self.sink.error(loc, message)

    def decode_error(self, path: tuple, expected: str, value) -> None:
        hint = " (quote it)" if isinstance(value, (bool, int, float)) and expected.startswith("a string") else ""
        self.err(path, f"failed decoding: {_path_text(path)}: expected {expected}, got {_kind(value)}{hint}")

    def unknown_fields(self, path: tuple, data: dict, known: tuple) -> None:
        for key in data:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            where = _path_text(path + (key,))
            self.sink.warning(self.doc.key_loc(path + (key,)),
                              f'unknown field "{where}": kube-apiserver ignores it (strict decoding fails and it '
                              f'falls back to lenient decoding){hint}')

    def strings(self, path: tuple, value) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.decode_error(path, "a list of strings", value)
            return ()
        out = []
        for i, item in enumerate(value):
            if item is None:
                out.append("")  # encoding/json leaves a string zero-valued for null
            elif isinstance(item, str):
                out.append(item)
            else:
                self.decode_error(path + (i,), "a string", item)
        return tuple(out)

    def string(self, path: tuple, value) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.decode_error(path, "a string", value)
            return ""
        return value

    def boolean(self, path: tuple, value) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.decode_error(path, "a boolean (true or false)", value)
            return None
        return value

    def read(self) -> Policy:
        data = self.doc.data
        file = self.doc.file
        if data is None:
            # reader.go: the decoder finds no apiVersion/kind in an empty file.
            self.sink.error(Location(file, 1, 1), "failed decoding: the policy file is empty "
                                                  "(kube-apiserver: Object 'Kind' is missing)")
            return Policy(file, [])
        if not isinstance(data, dict):
            self.err((), f"failed decoding: a policy must be a mapping, got {_kind(data)}")
            return Policy(file, [])
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if kind is None:
            self.err((), "failed decoding: Object 'Kind' is missing (add `kind: Policy`)")
        elif kind != "Policy":
            self.err(("kind",), f'failed decoding: no kind "{kind}" is registered for version "{api_version}" '
                                '(use `kind: Policy`)')
        if api_version is None:
            self.err((), f"failed decoding: Object 'apiVersion' is missing (add `apiVersion: {API_VERSION}`)")
        elif api_version != API_VERSION:
            # reader.go: "unknown group version field %v in policy"; v1alpha1/v1beta1 were removed in 1.24.
            self.err(("apiVersion",), f"unknown group version {api_version!r} in policy: kube-apiserver accepts "
                                      f"only {API_VERSION}")
        self.unknown_fields((), data, POLICY_FIELDS)
        if "metadata" in data and data["metadata"] is not None and not isinstance(data["metadata"], dict):
            self.decode_error(("metadata",), "a mapping", data["metadata"])
        accept_blind = self.accept_blind(data.get("metadata"))
        accept_partial = self.accept_blind(data.get("metadata"), ACCEPT_PARTIAL_ANNOTATION)

        omit_stages = self.strings(("omitStages",), data.get("omitStages"))
        self.validate_stages(("omitStages",), omit_stages)
        omit_mf = self.boolean(("omitManagedFields",), data.get("omitManagedFields"))

        rules: list[PolicyRule] = []
        raw_rules = data.get("rules")
        if raw_rules is not None and not isinstance(raw_rules, list):
            self.decode_error(("rules",), "a list of rules", raw_rules)
            raw_rules = None
        for i, raw in enumerate(raw_rules or []):
            rule = self.rule(i, raw)
            if rule is not None:
                rules.append(rule)
        if not raw_rules and not self.sink.errors:
            # reader.go LoadPolicyFromBytes: checked after ValidatePolicy.
            self.err(("rules",) if "rules" in data else (), "loaded illegal policy with 0 rules", key="rules" in data)
        return Policy(file, rules, omit_stages, bool(omit_mf), loc=self.doc.loc(()),
                      omit_stages_loc=self.doc.key_loc(("omitStages",)) if "omitStages" in data else None,
                      rules_loc=self.doc.key_loc(("rules",)) if "rules" in data else None, accept_blind=accept_blind,
                      accept_partial=accept_partial)

    def accept_blind(self, metadata, key: str = ACCEPT_BLIND_ANNOTATION) -> tuple[str, ...]:
        """metadata.annotations[key]: detections the policy's author accepts losing under its None rules
        (accept-blind, what `policy check --accept-blind` takes) or seeing only in part (accept-partial);
        kube-apiserver ignores annotations."""
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        value = annotations.get(key) if isinstance(annotations, dict) else None
        if value is None:
            return ()
        if not isinstance(value, str):
            self.decode_error(("metadata", "annotations", key), "a string", value)
            return ()
        return tuple(sorted({v.strip() for v in value.split(",") if v.strip()}))

    def rule(self, i: int, raw) -> PolicyRule | None:
        path = ("rules", i)
        if not isinstance(raw, dict):
            self.decode_error(path, "a mapping (a policy rule)", raw)
            return None
        self.unknown_fields(path, raw, RULE_FIELDS)
        level = self.string(path + ("level",), raw.get("level"))
        groups: list[GroupResources] = []
        raw_res = raw.get("resources")
        if raw_res is not None and not isinstance(raw_res, list):
            self.decode_error(path + ("resources",), "a list of {group, resources, resourceNames}", raw_res)
            raw_res = None
        for j, gr in enumerate(raw_res or []):
            gpath = path + ("resources", j)
            if not isinstance(gr, dict):
                self.decode_error(gpath, "a mapping with group, resources, resourceNames", gr)
                continue
            self.unknown_fields(gpath, gr, GROUP_RESOURCES_FIELDS)
            groups.append(GroupResources(
                group=self.string(gpath + ("group",), gr.get("group")),
                resources=self.strings(gpath + ("resources",), gr.get("resources")),
                resource_names=self.strings(gpath + ("resourceNames",), gr.get("resourceNames")),
                loc=self.doc.loc(gpath)))
        rule = PolicyRule(
            number=i + 1, level=level,
            users=self.strings(path + ("users",), raw.get("users")),
            user_groups=self.strings(path + ("userGroups",), raw.get("userGroups")),
            verbs=self.strings(path + ("verbs",), raw.get("verbs")),
            resources=tuple(groups),
            namespaces=self.strings(path + ("namespaces",), raw.get("namespaces")),
            non_resource_urls=self.strings(path + ("nonResourceURLs",), raw.get("nonResourceURLs")),
            omit_stages=self.strings(path + ("omitStages",), raw.get("omitStages")),
            omit_managed_fields=self.boolean(path + ("omitManagedFields",), raw.get("omitManagedFields")),
            loc=self.doc.loc(path))
        self.validate_rule(path, rule, raw)
        return rule

    # -- validation.go ------------------------------------------------------------------------

    def validate_rule(self, path: tuple, rule: PolicyRule, raw: dict) -> None:
        # validatePolicyRule -> validateLevel
        if "level" not in raw or raw.get("level") in (None, ""):
            self.err(path + ("level",) if "level" in raw else path, f"{_path_text(path + ('level',))}: Required value")
        elif isinstance(raw.get("level"), str) and rule.level not in LEVELS:
            supported = ", ".join(f'"{v}"' for v in LEVELS)
            close = difflib.get_close_matches(rule.level, LEVELS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.err(path + ("level",), f'{_path_text(path + ("level",))}: Unsupported value: "{rule.level}": '
                                        f"supported values: {supported}{hint}")
        # validateNonResourceURLs
        for k, url in enumerate(rule.non_resource_urls):
            upath = path + ("nonResourceURLs", k)
            if url == "*":
                continue
            if not url.startswith("/"):
                self.err(upath, f'{_path_text(upath)}: Invalid value: "{url}": non-resource URL rules must begin '
                                f"with a '/' character")
            if url and "*" in url[:-1]:
                self.err(upath, f'{_path_text(upath)}: Invalid value: "{url}": non-resource URL wildcards \'*\' '
                                f"must be the final character of the rule")
        # validateResources
        for j, gr in enumerate(rule.resources):
            gpath = path + ("resources", j)
            if gr.group:
                msgs = []
                if len(gr.group) > 253:
                    msgs.append("must be no more than 253 characters")
                if not _DNS1123_SUBDOMAIN.fullmatch(gr.group):
                    msgs.append(_DNS1123_MSG)
                if msgs:
                    hint = ""
                    if gr.group == "*":
                        hint = " (there is no group wildcard: list each group, or leave `resources` out to match every group)"
                    elif "/" in gr.group:
                        hint = f" (a group has no version: use {gr.group.split('/')[0]!r})"
                    self.err(gpath + ("group",), f'{_path_text(gpath + ("group",))}: Invalid value: "{gr.group}": '
                                                 + ",".join(msgs) + hint)
            if gr.resource_names and not gr.resources:
                self.err(gpath + ("resourceNames",), f"{_path_text(gpath + ('resourceNames',))}: Invalid value: "
                                                     f"{json.dumps(list(gr.resource_names))}: using resourceNames requires at "
                                                     f"least one resource")
        # validateOmitStages
        self.validate_stages(path + ("omitStages",), rule.omit_stages)
        if rule.non_resource_urls and (rule.resources or rule.namespaces):
            self.err(path + ("nonResourceURLs",), f"{_path_text(path + ('nonResourceURLs',))}: Invalid value: "
                                                  f"{json.dumps(list(rule.non_resource_urls))}: rules cannot apply to both "
                                                  f"regular resources and non-resource URLs")

    def validate_stages(self, path: tuple, stages: tuple[str, ...]) -> None:
        # validation.go validateOmitStages (also applied to the policy-wide list by ValidatePolicy).
        for k, stage in enumerate(stages):
            if stage not in STAGES:
                self.err(path + (k,), f'{_path_text(path + (k,))}: Invalid value: "{stage}": allowed stages are '
                                      + ",".join(STAGES))
