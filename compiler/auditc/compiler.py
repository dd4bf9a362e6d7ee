"""The pipeline in one place: rules directory -> RuleSet -> IR -> artifacts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from auditc import ir
from auditc.analysis.fields import field_path_warnings
from auditc.artifacts import header
from auditc.backends import alerting, k8s
from auditc.backends.fluentbit import snippets as fluentbit_snippets
from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files
from auditc.backends.lua.generator import LuaOptions, generate
from auditc.frontend.loader import load_rules
from auditc.errors import Diagnostic
from auditc.model import RuleSet

SCRIPT_NAME = "auditc.lua"


@dataclass(frozen=True)
class BuildOptions:
    call: str = "auditc_filter"
    max_depth: int = 20
    match: str = "kube-audit*"
    script_dir: str = "/fluent-bit/etc"  # where the ConfigMap is mounted in the container
    outputs: tuple = ("loki",)  # Fluent Bit outputs of the generated pipeline
    webhook_port: int = 9880
    webhook_batch_max_size: int = 100  # kube-apiserver --audit-webhook-batch-max-size


@dataclass
class Compiled:
    ruleset: RuleSet
    program: ir.Program
    lua: str
    diagnostics: list[Diagnostic] = field(default_factory=list)  # the loader's warnings


def compile_rules(rules_dir, options: BuildOptions = BuildOptions()) -> Compiled:
    """`rules_dir`: a rules directory or file, or a list of them (merged)."""
    ruleset, diagnostics = load_rules(rules_dir)
    program = ir.lower(ruleset)
    lua = generate(program, LuaOptions(call=options.call, max_depth=options.max_depth))
    warnings = sorted(diagnostics + field_path_warnings(program), key=lambda d: d.location)
    return Compiled(ruleset, program, lua, warnings)


def pipeline_options(options: BuildOptions) -> PipelineOptions:
    return PipelineOptions(config_dir=options.script_dir.rstrip("/"), script_name=SCRIPT_NAME, call=options.call,
                           tag=options.match.rstrip("*") or "kube-audit", outputs=tuple(options.outputs))


def webhook_pipeline_options(options: BuildOptions) -> PipelineOptions:
    """The webhook DaemonSet runs on the host network next to the apiserver:
    its own state directory and HTTP port, so it can share a node with the
    file-tailing one."""
    import dataclasses
    return dataclasses.replace(pipeline_options(options), source="webhook", state_dir="/var/lib/auditc-fluent-bit-webhook",
                               http_port=2021, webhook_port=options.webhook_port,
                               webhook_batch_max_size=options.webhook_batch_max_size)


@dataclass(frozen=True)
class Artifact:
    """One file `auditc build` writes: its name, the backend producing it (from the build context and
    the files produced before it), and its comment style (artifacts.header renders the "do not edit"
    line in it; every artifact starts with that line, JSON in its description field). `mounted`: the
    Fluent Bit DaemonSet mounts it from the ConfigMap."""
    name: str
    produce: Callable[["BuildContext", dict], str]
    style: str  # lua | yaml | conf | json
    mounted: bool = False


@dataclass
class BuildContext:
    compiled: Compiled
    options: BuildOptions
    _cache: dict = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], object]):
        """Backend results several artifacts share (one pipeline_files call makes .conf and .yaml)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def snippet_depth(self) -> int:
        """The snippet goes into pipelines with Fluent Bit's default coroutine stack: a lower cap."""
        return min(self.options.max_depth, fluentbit_snippets.SNIPPET_MAX_DEPTH)

    def snippet_script(self) -> str:
        return self.once("snippet_script", lambda: generate(
            self.compiled.program, LuaOptions(call=self.options.call, max_depth=self.snippet_depth())))

    def snippets(self) -> dict[str, str]:
        o = self.options
        return self.once("snippets", lambda: fluentbit_snippets.filter_snippets(
            script_path=f"{o.script_dir.rstrip('/')}/{fluentbit_snippets.SNIPPET_SCRIPT}", call=o.call,
            match=o.match, rule_count=len(self.compiled.program.rules), max_depth=self.snippet_depth()))

    def pipeline(self, webhook: bool = False) -> dict[str, str]:
        opts = webhook_pipeline_options(self.options) if webhook else pipeline_options(self.options)
        return self.once(f"pipeline{webhook}", lambda: pipeline_files(opts))

    def raw_queries(self):
        return self.once("raw", lambda: alerting.raw_queries(self.compiled.program))

    def policy(self):
        return self.once("policy", lambda: audit_policy(self.compiled))


def audit_policy(compiled: Compiled):
    """The shipped audit policy: the profile's tiers filled from the rules (policy/profile.py)."""
    from auditc.policy.generate import generate
    from auditc.policy.profile import SHIPPED

    return generate(compiled, "RULES_DIR", profile=SHIPPED)


def _mounted(files: dict) -> dict[str, str]:
    return {a.name: files[a.name] for a in ARTIFACTS if a.mounted}


ARTIFACTS: tuple[Artifact, ...] = (
    Artifact(SCRIPT_NAME, lambda c, f: c.compiled.lua, "lua", mounted=True),  # header: the Lua generator's
    # for existing pipelines: the filter with a depth cap safe under the default stack, its
    # [FILTER] section, and the [SERVICE] line it requires
    Artifact("auditc-snippet.lua", lambda c, f: c.snippet_script(), "lua"),
    Artifact("filter.conf", lambda c, f: c.snippets()["filter.conf"], "conf"),
    Artifact("filter.yaml", lambda c, f: c.snippets()["filter.yaml"], "yaml"),
    Artifact("service.conf", lambda c, f: c.snippets()["service.conf"], "conf"),
    Artifact("service.yaml", lambda c, f: c.snippets()["service.yaml"], "yaml"),
    Artifact("fluent-bit.conf", lambda c, f: c.pipeline()["fluent-bit.conf"], "conf", mounted=True),
    Artifact("fluent-bit.yaml", lambda c, f: c.pipeline()["fluent-bit.yaml"], "yaml", mounted=True),
    Artifact("parsers.conf", lambda c, f: c.pipeline()["parsers.conf"], "conf", mounted=True),
    Artifact("fluent-bit-webhook.conf", lambda c, f: c.pipeline(True)["fluent-bit-webhook.conf"], "conf", mounted=True),
    Artifact("fluent-bit-webhook.yaml", lambda c, f: c.pipeline(True)["fluent-bit-webhook.yaml"], "yaml", mounted=True),
    Artifact("configmap.yaml", lambda c, f: k8s.configmap(_mounted(f)), "yaml"),
    Artifact("kustomization.yaml", lambda c, f: k8s.kustomization(_mounted(f)), "yaml"),
    Artifact("audit-policy.yaml", lambda c, f: c.policy().text, "yaml"),
    Artifact("audit-webhook-kubeconfig.yaml", lambda c, f: k8s.webhook_kubeconfig(c.options.webhook_port), "yaml"),
    Artifact("kube-apiserver-webhook-kubeadm.yaml",
             lambda c, f: k8s.webhook_kubeadm_patch(c.options.webhook_batch_max_size), "yaml"),
    Artifact("kube-apiserver-webhook-k3s.yaml",
             lambda c, f: k8s.webhook_k3s_config(c.options.webhook_batch_max_size), "yaml"),
    Artifact("loki-rules.yaml", lambda c, f: alerting.ruler_file(c.compiled.program, c.raw_queries()), "yaml"),
    Artifact("logql-queries.yaml", lambda c, f: alerting.queries_file(c.compiled.program, c.raw_queries()), "yaml"),
    Artifact("grafana-dashboard.json", lambda c, f: alerting.dashboard(c.compiled.program), "json"),
)


def has_header(artifact: Artifact, text: str) -> bool:
    if artifact.style == "json":
        return json.loads(text).get("description") == header("json")
    return text.split("\n", 1)[0] == header(artifact.style)


def build_artifacts(compiled: Compiled, options: BuildOptions = BuildOptions()) -> dict[str, str]:
    """File name -> content for everything `auditc build` writes, in ARTIFACTS order:

    auditc.lua              the filter
    filter.conf/.yaml       just the [FILTER] section, for existing pipelines
    fluent-bit.conf/.yaml   the whole pipeline (tail -> auditc -> outputs), parsers.conf
    fluent-bit-webhook.*    the same pipeline fed by the apiserver's audit webhook
    configmap.yaml          the files the DaemonSet mounts, as a manifest
    kustomization.yaml      the same as a kustomize base (hash-suffixed name)
    audit-policy.yaml       the kube-apiserver audit policy, generated from the rules
    audit-webhook-kubeconfig.yaml, kube-apiserver-webhook-{kubeadm,k3s}.yaml   the webhook's apiserver side
    loki-rules.yaml         Loki ruler alert groups, one alert per detection
    logql-queries.yaml      hunting queries per detection (enriched and raw)
    grafana-dashboard.json  the Grafana dashboard
    """
    ctx = BuildContext(compiled, options)
    files: dict[str, str] = {}
    for artifact in ARTIFACTS:
        text = artifact.produce(ctx, files)
        if not has_header(artifact, text):  # a backend bug, not a user error
            raise AssertionError(f"{artifact.name}: does not start with the {artifact.style} 'do not edit' header")
        files[artifact.name] = text
    return files


def policy_warnings(compiled: Compiled, policy_text: str, policy_file: str = "audit-policy.yaml") -> list[Diagnostic]:
    """Detections that cannot fire, or fire only on part of what they target, under the policy `auditc
    build` writes (or any policy text): coverage warnings at the policy rule that hides them, naming the
    rule. Detections the policy declares accepted (auditc.dev/accept-blind) are not reported."""
    from auditc.policy.coverage import blind_spots
    from auditc.policy.loader import parse_policy

    policy, _ = parse_policy(policy_text, policy_file)
    return blind_spots(policy, compiled.program)
