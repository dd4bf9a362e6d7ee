"""Sigma field names -> audit event paths, with what we know about each field.

SigmaHQ's Kubernetes rules (`product: kubernetes, service: audit`) name the
fields of the audit event itself (audit.k8s.io/v1 `Event`): `verb`,
`objectRef.resource`, `user.username`, `responseStatus.code`, ... Those map to
the same auditc path. A few names used by SigmaHQ rules are not where the
audit event holds them; they are relocated here with a note that ends up in
the generated rule (a "fix").

Every target carries a *kind*, which decides how Sigma's value semantics
(strings are case-insensitive, `*`/`?` wildcards) translate exactly:

ident   Kubernetes identifiers that are lower-case by definition: request
        verbs (the apiserver lower-cases the HTTP method for non-resource
        requests; resource verbs are a fixed lower-case set), resource and
        subresource names (plural resource names are lower-case; CRDs must
        be), API groups (DNS subdomains), API versions (`v1`, `v1beta1`) and
        namespaces (DNS-1123 labels). For these fields, Sigma's
        case-insensitive comparison of value V equals a case-sensitive
        comparison with lower(V): every real value is lower-case, so
        `field ==ci V` iff `field == lower(V)`. auditc's case-sensitive
        operators are therefore exact here (and stay fast: equals/in feed the
        compile-time dispatch index).
ip      IP addresses as the apiserver prints them (Go `net.IP.String()`):
        dotted decimal for IPv4, lower-case hex for IPv6 - lower-case, so
        like `ident`; `cidr` is supported for IPv4.
text    free text (user names, user agents, URIs, names, messages): a
        case-insensitive match needs `regex` with a leading `(?i)`, which
        auditc translates exactly (ASCII case folding).
int     integers (`responseStatus.code`).
any     request/response bodies and other values whose JSON type is not
        known: strings match as `text`, numbers and booleans type-strictly.
object  a relocated map-valued field (a pod spec's `hostPath`,
        `securityContext.capabilities`): the Sigma value `*` means "present".
bool    a relocated boolean pod-spec field (`privileged`, `hostNetwork`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditc.paths import PathError, parse_path


class Unconvertible(Exception):
    """The rule (or this part of it) has no exact auditc form; the message is a one-line reason."""


@dataclass(frozen=True)
class Target:
    paths: tuple[str, ...]  # auditc field paths; a test holds if it holds on any of them
    kind: str
    note: str | None = None  # fix note when the Sigma field name is not where the event holds it
    short_note: str | None = None  # the same in a few words
    sigma_field: str = ""
    # for kind "object": the sub-path string values apply to (hostPath: '/etc' -> hostPath.path)
    string_subpath: str | None = None
    # body fields can hold JSON null, which Sigma's `exists` counts as present and auditc as absent
    nullable: bool = False
    samples: tuple = field(default=(), compare=False)  # realistic values for generated test events


# The verbs an audit event can carry: resource verbs plus the lower-cased HTTP
# methods of non-resource requests (`/healthz`, `/version`, ...).
AUDIT_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
               "post", "put", "head", "options")
# Verbs people write in Sigma rules that the apiserver never logs, and what they mean.
VERB_FIXES = {
    "replace": ("update", "verb 'replace' does not exist in audit logs (kubectl replace is an HTTP PUT, "
                          "logged as 'update'); mapped to update"),
}

# Where a pod spec lives in a request body: Pods (also pods/ephemeralcontainers),
# pod templates of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
# ReplicationControllers, CronJobs (spec.jobTemplate...) and PodTemplates.
POD_SPEC_SHAPES = ("requestObject.spec", "requestObject.spec.template.spec",
                   "requestObject.spec.jobTemplate.spec.template.spec", "requestObject.template.spec")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_POD_NOTE = (" in request bodies (Pods and every pod template: Deployments, DaemonSets, Jobs, CronJobs, ...; "
             "needs an audit policy that logs these requests at Request level)")

_IDENT = {"verb", "objectRef.resource", "objectRef.subresource", "objectRef.apiGroup", "objectRef.apiVersion",
          "objectRef.namespace"}
_TEXT = {"kind", "apiVersion", "level", "auditID", "stage", "requestURI", "userAgent",
         "user.username", "user.uid", "impersonatedUser.username", "impersonatedUser.uid",
         "objectRef.name", "objectRef.uid", "objectRef.resourceVersion",
         "responseStatus.status", "responseStatus.reason", "responseStatus.message",
         "requestReceivedTimestamp", "stageTimestamp"}
_TEXT_ARRAYS = {"user.groups", "impersonatedUser.groups"}
_INT = {"responseStatus.code"}
_BODY_ROOTS = ("requestObject", "responseObject", "responseStatus.details", "responseStatus.metadata")
_MAP_PREFIXES = ("annotations", "user.extra", "impersonatedUser.extra")

# Keys that hold arrays wherever they appear in Kubernetes objects; a Sigma
# path through them means "any element", as Sigma backends treat JSON arrays.
ARRAY_KEYS = frozenset({
    "containers", "initContainers", "ephemeralContainers", "volumes", "volumeMounts", "env", "envFrom",
    "ports", "args", "command", "imagePullSecrets", "tolerations", "subjects", "rules", "webhooks",
    "items", "verbs", "apiGroups", "resourceNames", "nonResourceURLs", "add", "drop", "finalizers",
    "ownerReferences", "managedFields", "groups", "usages", "hostAliases", "topologySpreadConstraints",
})

# Short names some Sigma rules use for objectRef fields.
_OBJECTREF_ALIASES = ("apiGroup", "apiVersion", "resource", "subresource", "namespace")


def _q(key: str) -> str:
    """A key as an auditc path segment (quoted when it holds dots, slashes, ...)."""
    try:
        if parse_path(key).segments == (key,):
            return key
    except PathError:
        pass
    return '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'


def _join(prefix: str, key: str) -> str:
    seg = _q(key)
    return prefix + (seg if seg.startswith("[") else "." + seg)


def _body_path(name: str) -> str:
    """requestObject.spec.containers.image -> requestObject.spec.containers[*].image.

    Keys after `annotations` / `labels` are one key (they hold dots and slashes)."""
    parts = name.split(".")
    out = parts[0]
    i = 1
    while i < len(parts):
        key = parts[i]
        if parts[i - 1] in ("annotations", "labels") and i > 1:
            return _join(out, ".".join(parts[i:]))
        out = _join(out, key)
        if key in ARRAY_KEYS:
            out += "[*]"
        i += 1
    return out


def _pod_paths(suffix: str, containers: bool) -> tuple[str, ...]:
    if containers:
        return tuple(f"{shape}.{lst}[*].{suffix}" for shape in POD_SPEC_SHAPES for lst in CONTAINER_LISTS)
    return tuple(f"{shape}.{suffix}" for shape in POD_SPEC_SHAPES)


def _relocated(name: str) -> Target | None:
    if name == "hostPath":
        return Target(_pod_paths("volumes[*].hostPath", False), "object", sigma_field=name,
                      string_subpath="path", short_note="hostPath -> pod spec volumes[*].hostPath",
                      note="'hostPath' is not a field of an audit event; mapped to the pod spec's "
                           "volumes[*].hostPath" + _POD_NOTE,
                      samples=({"path": "/etc", "type": "Directory"},))
    if name == "capabilities":
        return Target(_pod_paths("securityContext.capabilities", True), "object", sigma_field=name,
                      short_note="capabilities -> containers[*].securityContext.capabilities",
                      note="'capabilities' is not a field of an audit event; mapped to the containers' "
                           "securityContext.capabilities (containers, initContainers, ephemeralContainers)"
                           + _POD_NOTE,
                      samples=({"add": ["SYS_ADMIN"]},))
    if name == "privileged":
        return Target(_pod_paths("securityContext.privileged", True), "bool", sigma_field=name,
                      short_note="privileged -> containers[*].securityContext.privileged",
                      note="'privileged' is not a field of an audit event; mapped to the containers' "
                           "securityContext.privileged" + _POD_NOTE)
    if name in ("hostNetwork", "hostPID", "hostIPC"):
        return Target(_pod_paths(name, False), "bool", sigma_field=name, short_note=f"{name} -> pod spec {name}",
                      note=f"'{name}' is not a field of an audit event; mapped to the pod spec's {name}" + _POD_NOTE)
    if name in _OBJECTREF_ALIASES:
        kind = "ident"
        return Target((f"objectRef.{name}",), kind, sigma_field=name, short_note=f"{name} -> objectRef.{name}",
                      note=f"'{name}' is not a top-level field of an audit event; mapped to objectRef.{name}")
    return None


def resolve(name: str) -> Target:
    """The audit event target of a Sigma field name; raises Unconvertible for unknown fields."""
    if name in _IDENT:
        return Target((name,), "ident", sigma_field=name)
    if name in _TEXT:
        return Target((name,), "text", sigma_field=name)
    if name in _TEXT_ARRAYS:
        return Target((name + "[*]",), "text", sigma_field=name)
    if name in _INT:
        return Target((name,), "int", sigma_field=name)
    if name == "sourceIPs":
        return Target(("sourceIPs[*]",), "ip", sigma_field=name)
    for prefix in _MAP_PREFIXES:
        if name.startswith(prefix + ".") and len(name) > len(prefix) + 1:
            path = _join(prefix, name[len(prefix) + 1:])
            return Target((path + ("[*]" if prefix != "annotations" else ""),), "text", sigma_field=name)
    if any(name == root or name.startswith(root + ".") for root in _BODY_ROOTS):
        if "[" in name:  # written in auditc path syntax already
            try:
                parse_path(name)
            except PathError as exc:
                raise Unconvertible(f"field '{name}' is not a valid path: {exc}") from None
            return Target((name,), "any", sigma_field=name, nullable=True)
        return Target((_body_path(name),), "any", sigma_field=name, nullable=True)
    relocated = _relocated(name)
    if relocated is not None:
        return relocated
    raise Unconvertible(f"field '{name}' is not a field of a Kubernetes audit event")


def sample_values() -> dict:
    """Realistic values of relocated map fields, by path, for generated test events."""
    out = {}
    for name in ("hostPath", "capabilities"):
        t = _relocated(name)
        for path in t.paths:
            out[path] = t.samples[0]
    return out
