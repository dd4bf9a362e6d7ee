"""The audit.k8s.io/v1 Policy as auditc reads it, with source locations.

Field names follow k8s.io/apiserver/pkg/apis/audit/v1/types.go (Policy,
PolicyRule, GroupResources). Rules are numbered from 1 in messages ("policy
rule #7"), the way people count them in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditc.errors import Location


@dataclass(frozen=True)
class GroupResources:
    group: str  # "" is the core API group
    resources: tuple[str, ...]  # empty: every resource of the group
    resource_names: tuple[str, ...]
    loc: Location


@dataclass(frozen=True)
class PolicyRule:
    number: int  # 1-based position in `rules`
    level: str
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    resources: tuple[GroupResources, ...] = ()
    namespaces: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()
    omit_stages: tuple[str, ...] = ()  # the rule's own list, before the union with the policy's
    omit_managed_fields: bool | None = None  # None: the policy's default applies
    loc: Location = field(default_factory=lambda: Location("<policy>"))

    @property
    def is_resource_rule(self) -> bool:
        return bool(self.resources or self.namespaces)

    def summary(self) -> str:
        """One line people recognise the rule by: `#7 (Metadata; verbs: watch; resources: secrets)`."""
        parts = [self.level]
        if self.users:
            parts.append("users: " + _short(self.users))
        if self.user_groups:
            parts.append("userGroups: " + _short(self.user_groups))
        if self.verbs:
            parts.append("verbs: " + _short(self.verbs))
        if self.resources:
            names: list[str] = []
            for gr in self.resources:
                for res in gr.resources or (f"<every resource of {gr.group or 'the core group'}>",):
                    if res not in names:
                        names.append(res)
            parts.append("resources: " + _short(tuple(names)))
        if self.namespaces:
            parts.append("namespaces: " + _short(tuple(n or '""' for n in self.namespaces)))
        if self.non_resource_urls:
            parts.append("nonResourceURLs: " + _short(self.non_resource_urls))
        if len(parts) == 1:
            parts.append("every request")
        return f"#{self.number} ({'; '.join(parts)})"


def _short(items: tuple, limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", +{len(items) - limit} more" if len(items) > limit else "")


@dataclass
class Policy:
    file: str
    rules: list[PolicyRule]
    omit_stages: tuple[str, ...] = ()
    omit_managed_fields: bool = False
    loc: Location | None = None  # where the document starts
    omit_stages_loc: Location | None = None
    rules_loc: Location | None = None
    accept_blind: tuple[str, ...] = ()  # metadata.annotations["auditc.dev/accept-blind"] (loader.py)
    accept_partial: tuple[str, ...] = ()  # metadata.annotations["auditc.dev/accept-partial"]: partial gaps accepted

    def effective_omit_stages(self, rule: PolicyRule | None) -> frozenset[str]:
        """checker.go NewPolicyRuleEvaluator/unionStages: each rule's omitStages
        is the union of its own and the policy's; no rule matched: the policy's."""
        if rule is None:
            return frozenset(self.omit_stages)
        return frozenset(self.omit_stages) | frozenset(rule.omit_stages)

    def effective_omit_managed_fields(self, rule: PolicyRule | None) -> bool:
        """checker.go isOmitManagedFields: a rule's own setting overrides the policy default."""
        if rule is None or rule.omit_managed_fields is None:
            return self.omit_managed_fields
        return rule.omit_managed_fields
