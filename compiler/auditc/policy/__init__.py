"""Audit policy tooling: `auditc policy check | simulate | generate` and `auditc estimate`.

The kube-apiserver audit policy decides which events exist at all and how
much of each is kept; the detection rules are blind to whatever it drops or
trims. Modules:

  model, levels      the Policy types; levels and stages
  loader             read and validate a policy as kube-apiserver does (reader.go, validation.go)
  matcher            which rule applies to a request (checker.go)
  trim, simulate     what an event looks like at a level (request.go); policy simulate
  k8s_resources      built-in API groups, resources, subresources and their verbs
  needs              what each detection reads, the level it needs, the requests it targets
  tristate, regions  three-valued evaluation of a detection on a class of requests; a policy
                     rule's relation to such a class
  coverage, lint     policy check: blind detections, and policies that do not do what they say
  express, generate  drop rules as policy rules; policy generate
  estimate, render   auditc estimate; tables and JSON
"""

from auditc.policy.levels import LEVELS, level_rank
from auditc.policy.loader import load_policy, parse_policy
from auditc.policy.model import GroupResources, Policy, PolicyRule

__all__ = ["LEVELS", "level_rank", "load_policy", "parse_policy", "GroupResources", "Policy", "PolicyRule"]
