"""The pipeline in one place: rules directory -> RuleSet -> IR -> artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditc import ir
from auditc.backends import alerting, k8s
from auditc.backends.fluentbit import snippets as fluentbit_snippets
from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files
from auditc.backends.lua.generator import LuaOptions, generate
from auditc.frontend.loader import load_rules
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


def compile_rules(rules_dir: str | Path, options: BuildOptions = BuildOptions()) -> Compiled:
    ruleset = load_rules(rules_dir)
    program = ir.lower(ruleset)
    lua = generate(program, LuaOptions(call=options.call, max_depth=options.max_depth))
    return Compiled(ruleset, program, lua)


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


def build_artifacts(compiled: Compiled, options: BuildOptions = BuildOptions()) -> dict[str, str]:
    """File name -> content for everything `auditc build` writes.

    auditc.lua              the filter
    filter.conf/.yaml       just the [FILTER] section, for existing pipelines (runs auditc-snippet.lua,
                            the filter with a depth cap safe under Fluent Bit's default stack)
    service.conf/.yaml      the [SERVICE] line the snippet requires (Coro_Stack_Size 262144)
    fluent-bit.conf/.yaml   the whole pipeline (tail -> auditc -> outputs), parsers.conf
    fluent-bit-webhook.*    the same pipeline fed by the apiserver's audit webhook
    audit-webhook-kubeconfig.yaml, kube-apiserver-webhook-{kubeadm,k3s}.yaml   its apiserver side
    loki-rules.yaml         Loki ruler alert groups, one alert per detection
    logql-queries.yaml      hunting queries per detection (enriched and raw)
    grafana-dashboard.json  the Grafana dashboard
    configmap.yaml          all of the above the DaemonSet mounts, as a manifest
    kustomization.yaml      the same as a kustomize base (hash-suffixed name)
    audit-policy.yaml       the kube-apiserver audit policy for this pipeline
    """
    files = {SCRIPT_NAME: compiled.lua}
    snippet_depth = min(options.max_depth, fluentbit_snippets.SNIPPET_MAX_DEPTH)
    files[fluentbit_snippets.SNIPPET_SCRIPT] = generate(compiled.program, LuaOptions(call=options.call, max_depth=snippet_depth))
    files.update(fluentbit_snippets.filter_snippets(
        script_path=f"{options.script_dir.rstrip('/')}/{fluentbit_snippets.SNIPPET_SCRIPT}", call=options.call,
        match=options.match, rule_count=len(compiled.program.rules), max_depth=snippet_depth))
    files.update(pipeline_files(pipeline_options(options)))
    files.update(pipeline_files(webhook_pipeline_options(options)))
    mounted = {name: files[name] for name in (SCRIPT_NAME, "fluent-bit.conf", "parsers.conf", "fluent-bit.yaml",
                                              "fluent-bit-webhook.conf", "fluent-bit-webhook.yaml")}
    files["configmap.yaml"] = k8s.configmap(mounted)
    files["kustomization.yaml"] = k8s.kustomization(mounted)
    files["audit-policy.yaml"] = k8s.AUDIT_POLICY
    files["audit-webhook-kubeconfig.yaml"] = k8s.webhook_kubeconfig(options.webhook_port)
    files["kube-apiserver-webhook-kubeadm.yaml"] = k8s.webhook_kubeadm_patch(options.webhook_batch_max_size)
    files["kube-apiserver-webhook-k3s.yaml"] = k8s.webhook_k3s_config(options.webhook_batch_max_size)
    raw = alerting.raw_queries(compiled.program)
    files["loki-rules.yaml"] = alerting.ruler_file(compiled.program, raw)
    files["logql-queries.yaml"] = alerting.queries_file(compiled.program, raw)
    files["grafana-dashboard.json"] = alerting.dashboard()
    return files
