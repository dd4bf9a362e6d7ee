"""The tiered profile `auditc build` turns into lua/audit-policy.yaml.

The profile says how the policy is shaped; the rules fill it in
(generate.py). First-match order of the policy it yields:

  sensitive   fixed levels for requests whose bodies are the secret (Secrets,
              token requests and reviews, ConfigMap reads). They come first,
              so no body rule can raise them: a detection that needs more is
              reported blind (`auditc build` warns, `--strict` fails).
  bodies      Request / RequestResponse exactly where a detection reads a
              body (from the rules), merged with the profile's forensic
              floors (RBAC in full, workload and admission-control writes with
              request bodies) that are kept whether or not a detection reads
              them today.
  keep        Metadata for requests a detection needs that a None rule below
              would otherwise take (from the rules).
  never       None for the pack's drop rules a policy rule can express and
              no detection outside `accept_blind` can fire on (from the rules).
  default     Metadata for everything else.

omitStages [RequestReceived] and omitManagedFields for every rule.

`accept_blind` are the detections that can fire on any request (anonymous,
refused, impersonated, system:masters, identities used from unexpected
addresses): a policy cannot say "unless refused" or "unless from here",
so the `never` tier hides some of their requests. That is the trade the
article's tiered policy makes for the volume; the policy declares it in its
auditc.dev/accept-blind annotation, and `auditc policy check` honours it.
"""

from __future__ import annotations

from dataclasses import dataclass

WRITES = ("create", "update", "patch")


@dataclass(frozen=True)
class TierRule:
    level: str
    resources: tuple  # ((group, (resource, ...)), ...)
    verbs: tuple = ()  # () for every verb
    why: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    sensitive: tuple  # TierRule, written as they are, first
    floors: tuple  # TierRule, merged into the body rules (a level at least this)
    accept_blind: tuple = ()  # detection ids (those the pack has)


SHIPPED = Profile(
    name="tiered",
    sensitive=(
        TierRule("Request", (("", ("secrets",)),), WRITES,
                 "Secret writes with the request body (its type and keys); never the response."),
        TierRule("Metadata", (("", ("secrets",)),), (),
                 "Every other Secret request (get, list, watch, delete) at Metadata: a read's response holds "
                 "every value. Ahead of the None rules, so cluster-wide Secret watches are logged."),
        TierRule("Metadata", (("", ("serviceaccounts/token",)), ("authentication.k8s.io", ("tokenreviews",))), (),
                 "Token requests and reviews: who asked for or checked a token, not the token."),
        TierRule("Metadata", (("", ("configmaps",)),), ("get", "list"),
                 "ConfigMap reads at Metadata: the response is every value (writes keep the request body)."),
    ),
    floors=(
        TierRule("RequestResponse", (("rbac.authorization.k8s.io",
                                      ("clusterrolebindings", "clusterroles", "rolebindings", "roles")),),
                 WRITES + ("delete", "deletecollection"), "RBAC changes in full."),
        TierRule("Request", (("admissionregistration.k8s.io",
                              ("mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
                               "mutatingwebhookconfigurations", "validatingadmissionpolicies",
                               "validatingadmissionpolicybindings", "validatingwebhookconfigurations")),),
                 WRITES + ("delete", "deletecollection"), "Webhooks and admission policies: any write, with bodies."),
        TierRule("Request", (("", ("configmaps", "pods", "pods/ephemeralcontainers", "podtemplates",
                                   "replicationcontrollers", "services")),
                             ("apps", ("daemonsets", "deployments", "replicasets", "statefulsets")),
                             ("batch", ("cronjobs", "jobs"))), WRITES,
                 "Workloads and what exposes or configures them: request bodies."),
        TierRule("Request", (("", ("namespaces",)),), ("create", "delete"), "Namespace lifecycle."),
        TierRule("Request", (("certificates.k8s.io", ("certificatesigningrequests",
                                                      "certificatesigningrequests/approval")),), WRITES,
                 "Certificate signing requests and their approval."),
    ),
    # The identity-by-address rules watch every request of the control plane, nodes and kube-system
    # service accounts; the None tier takes their health probes, watches and lease renewals, and
    # what a stolen credential is used for (reads, writes) is still logged.
    accept_blind=("anonymous-request-allowed", "anonymous-request-denied", "forbidden-request",
                  "impersonation-used", "system-masters-credential-used", "authentication-failed",
                  "kube-system-token-used-by-human-client", "apiserver-identity-off-loopback",
                  "control-plane-identity-from-outside-control-plane-network",
                  "node-identity-from-outside-cluster-network", "kube-system-token-used-from-outside-cluster-network",
                  "forbidden-from-public-address", "shared-admin-credential-used", "user-not-allowed"),
)
