"""What auditc knows about the built-in Kubernetes API (1.31-1.33).

Rules name resources (`objectRef.resource: deployments`) but rarely their
API group, and a policy must name the group (`group: apps`): this table
connects the two. It also lists the subresources of built-in resources and
the verbs each subresource serves, so coverage talks about requests that
can exist (`pods/exec` is `create` or `get`, never `update`).

Resources not listed here (CRDs, aggregated APIs) are handled as "any
group, any subresource"; a rule can pin the group with `objectRef.apiGroup`.
"""

from __future__ import annotations

_GROUPS: dict[str, tuple[str, ...]] = {
    "": ("bindings", "componentstatuses", "configmaps", "endpoints", "events", "limitranges", "namespaces",
         "nodes", "persistentvolumeclaims", "persistentvolumes", "pods", "podtemplates", "replicationcontrollers",
         "resourcequotas", "secrets", "serviceaccounts", "services"),
    "admissionregistration.k8s.io": ("mutatingwebhookconfigurations", "validatingwebhookconfigurations",
                                     "validatingadmissionpolicies", "validatingadmissionpolicybindings",
                                     "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"),
    "apiextensions.k8s.io": ("customresourcedefinitions",),
    "apiregistration.k8s.io": ("apiservices",),
    "apps": ("controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"),
    "authentication.k8s.io": ("tokenreviews", "selfsubjectreviews"),
    "authorization.k8s.io": ("localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews",
                             "subjectaccessreviews"),
    "autoscaling": ("horizontalpodautoscalers",),
    "batch": ("cronjobs", "jobs"),
    "certificates.k8s.io": ("certificatesigningrequests", "clustertrustbundles"),
    "coordination.k8s.io": ("leases", "leasecandidates"),
    "discovery.k8s.io": ("endpointslices",),
    "events.k8s.io": ("events",),
    "flowcontrol.apiserver.k8s.io": ("flowschemas", "prioritylevelconfigurations"),
    "internal.apiserver.k8s.io": ("storageversions",),
    "networking.k8s.io": ("ingressclasses", "ingresses", "ipaddresses", "networkpolicies", "servicecidrs"),
    "node.k8s.io": ("runtimeclasses",),
    "policy": ("poddisruptionbudgets",),
    "rbac.authorization.k8s.io": ("clusterrolebindings", "clusterroles", "rolebindings", "roles"),
    "resource.k8s.io": ("deviceclasses", "devicetaintrules", "podschedulingcontexts", "resourceclaims",
                        "resourceclaimtemplates", "resourceslices"),
    "scheduling.k8s.io": ("priorityclasses",),
    "storage.k8s.io": ("csidrivers", "csinodes", "csistoragecapacities", "storageclasses", "volumeattachments",
                       "volumeattributesclasses"),
    "storagemigration.k8s.io": ("storageversionmigrations",),
}

BUILTIN_GROUPS = frozenset(_GROUPS)

RESOURCE_GROUPS: dict[str, tuple[str, ...]] = {}
for _group, _resources in sorted(_GROUPS.items()):
    for _res in _resources:
        RESOURCE_GROUPS.setdefault(_res, ())
        RESOURCE_GROUPS[_res] += (_group,)

_STATUS = ("status",)
SUBRESOURCES: dict[str, tuple[str, ...]] = {
    "pods": ("attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy",
             "resize", "status"),
    "nodes": ("proxy", "status"),
    "services": ("proxy", "status"),
    "namespaces": ("finalize", "status"),
    "serviceaccounts": ("token",),
    "replicationcontrollers": ("scale", "status"),
    "deployments": ("scale", "status"),
    "replicasets": ("scale", "status"),
    "statefulsets": ("scale", "status"),
    "certificatesigningrequests": ("approval", "status"),
    **{r: _STATUS for r in ("persistentvolumeclaims", "persistentvolumes", "resourcequotas", "daemonsets", "jobs",
                            "cronjobs", "horizontalpodautoscalers", "poddisruptionbudgets",
                            "customresourcedefinitions", "apiservices", "ingresses", "validatingadmissionpolicies",
                            "flowschemas", "prioritylevelconfigurations", "resourceclaims", "volumeattachments",
                            "servicecidrs", "storageversions", "storageversionmigrations")},
}

# Verbs an audit event of a resource request can carry (RequestInfoFactory).
RESOURCE_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
# Non-resource requests carry the lower-cased HTTP method.
NON_RESOURCE_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
# Verbs that exist only for authorization checks; no audit event carries them.
AUTHZ_ONLY_VERBS = ("impersonate", "bind", "escalate", "use", "approve", "sign", "attest", "proxy", "*")
# Resources that are only ever created (reviews, bindings).
CREATE_ONLY = frozenset(("bindings", "tokenreviews", "selfsubjectreviews", "subjectaccessreviews",
                         "selfsubjectaccessreviews", "selfsubjectrulesreviews", "localsubjectaccessreviews"))

SUBRESOURCE_VERBS: dict[str, tuple[str, ...]] = {
    "status": ("get", "update", "patch"), "scale": ("get", "update", "patch"),
    "ephemeralcontainers": ("get", "update", "patch"), "resize": ("get", "update", "patch"),
    "approval": ("get", "update", "patch"), "finalize": ("update",),
    "exec": ("create", "get"), "attach": ("create", "get"), "portforward": ("create", "get"),
    "log": ("get",), "binding": ("create",), "eviction": ("create",), "token": ("create",),
    "proxy": ("get", "create", "update", "patch", "delete"),
}

# Subresources whose request body is the parent object itself (a Pod for
# pods/status or pods/ephemeralcontainers): a rule reading e.g.
# requestObject.spec can match them. The others take another kind (Scale,
# Binding, Eviction, TokenRequest) or no body at all (exec, log, proxy).
OWN_BODY_SUBRESOURCES = frozenset(("status", "ephemeralcontainers", "resize", "approval", "finalize"))

# Well-known group names (authenticators, the Node authorizer) and the
# usernames that belong to them. The Node authorizer only works when a
# kubelet's user is system:node:<name> in group system:nodes, service account
# tokens always carry both system:serviceaccount:<ns>:<name> and the
# system:serviceaccounts groups, and the anonymous user is the only member of
# system:unauthenticated.
WELL_KNOWN_GROUPS = ("system:masters", "system:nodes", "system:authenticated", "system:unauthenticated",
                     "system:serviceaccounts", "system:bootstrappers", "system:monitoring")
GROUP_USER_PREFIX = {"system:nodes": "system:node:", "system:serviceaccounts": "system:serviceaccount:"}


def groups_of(resource: str) -> tuple[str, ...] | None:
    return RESOURCE_GROUPS.get(resource)


def subresources_of(resource: str) -> tuple[str, ...] | None:
    """Known subresources; () when a known resource has none; None when unknown."""
    if resource in SUBRESOURCES:
        return SUBRESOURCES[resource]
    return () if resource in RESOURCE_GROUPS else None


def verbs_of(resource: str | None, subresource: str | None) -> tuple[str, ...] | None:
    """Verbs requests to resource[/subresource] can carry; None when unknown."""
    if subresource:
        return SUBRESOURCE_VERBS.get(subresource)
    if resource in CREATE_ONLY:
        return ("create",)
    return RESOURCE_VERBS if resource in RESOURCE_GROUPS else None


def is_group_name(name: str) -> bool:
    return name in WELL_KNOWN_GROUPS or name.startswith(("system:serviceaccounts:", "system:bootstrappers:"))


def is_user_name(name: str) -> bool:
    return name.startswith(("system:node:", "system:serviceaccount:")) or name in (
        "system:anonymous", "system:apiserver", "system:kube-scheduler", "system:kube-controller-manager",
        "system:kube-proxy", "system:cloud-controller-manager")
