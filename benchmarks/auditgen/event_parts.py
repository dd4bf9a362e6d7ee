"""The parts of one audit event a scenario returns (Request), and the JSON fragments they are made of."""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from .goformat import dumps

if TYPE_CHECKING:
    from .world import Actor

S200 = '{"metadata":{},"code":200}'
S201 = '{"metadata":{},"code":201}'
S101 = '{"metadata":{},"code":101}'
S_WATCH_CLOSED = '{"metadata":{},"status":"Success","message":"Connection closed early","code":200}'
STARTED, COMPLETE = "ResponseStarted", "ResponseComplete"
M, R, RR = "Metadata", "Request", "RequestResponse"    # tiers of the "mix" policy


class Request(NamedTuple):
    """One event's parts, as a scenario returns them; scenarios build it with request()."""
    verb: str
    uri: str                        # requestURI, JSON-escaped
    actor: Actor
    oref: str                       # objectRef JSON, or "" for non-resource URLs
    status: str                     # responseStatus JSON
    annotations: str                # annotations JSON
    latency: int                    # µs from requestReceivedTimestamp to stageTimestamp
    stage: str = COMPLETE
    tier: str = M                   # level under the "mix" policy: M, R or RR
    body: str | None = None         # the bodies.Bodies family for requestObject/responseObject; None: no bodies
    body_values: dict | None = None  # its placeholder values (often a shared world dict: copied before use)
    body_extra: dict | None = None  # per-event placeholder values on top


# Request(...) by keyword, for the once-per-event calls: on CPython 3.11 a keyword call of a class goes
# through a kwargs dict and costs over twice as much as this call of the NamedTuple's own __new__.
request = partial(Request.__new__, Request)


def authz_annotations(decision: str, reason: str, extra: dict | None = None) -> str:
    d = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": reason}
    if extra:
        d.update(extra)
    return dumps(dict(sorted(d.items())))


_AUTHZ_CACHE: dict = {}


def authz(decision: str, reason: str) -> str:
    """authz_annotations(decision, reason), cached."""
    key = (decision, reason)
    a = _AUTHZ_CACHE.get(key)
    if a is None:
        a = _AUTHZ_CACHE[key] = authz_annotations(decision, reason)
    return a


ANN_NODE = authz_annotations("allow", "")


def crb_reason(binding: str, role: str, kind: str, subject: str) -> str:
    return f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{role}" to {kind} "{subject}"'


def rb_reason(binding: str, ns: str, role_kind: str, role: str, kind: str, subject: str) -> str:
    return f'RBAC: allowed by RoleBinding "{binding}/{ns}" of {role_kind} "{role}" to {kind} "{subject}"'


def object_ref(resource, ns="", name="", uid="", group="", version="v1", rv="", sub="") -> str:
    s = '{"resource":"' + resource + '"'
    if ns:
        s += ',"namespace":"' + ns + '"'
    if name:
        s += ',"name":"' + name + '"'
    if uid:
        s += ',"uid":"' + uid + '"'
    if group:
        s += ',"apiGroup":"' + group + '"'
    s += ',"apiVersion":"' + version + '"'
    if rv:
        s += ',"resourceVersion":"' + rv + '"'
    if sub:
        s += ',"subresource":"' + sub + '"'
    return s + "}"


def failure_status(code: int, reason: str, message: str, details: dict | None) -> str:
    d = {"metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        d["details"] = details
    d["code"] = code
    return dumps(d)
