"""Deployment artifacts: Kubernetes manifests, Fluent Bit configs, audit policy."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

import fluentbit_check as fbc
from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files
from auditc.compiler import BuildOptions, build_artifacts, compile_rules, pipeline_options

from conftest import ROOT

K8S_VERSION = "1.31"
LUA = ROOT / "lua"
FB = ROOT / "fluent-bit"


def manifests():
    for path in sorted(FB.glob("*.yaml")) + sorted((FB / "webhook").glob("*.yaml")) + [
            LUA / "configmap.yaml", FB / "apiserver" / "kubeadm-kube-apiserver.yaml",
            LUA / "kube-apiserver-webhook-kubeadm.yaml"]:
        if path.name != "kustomization.yaml":
            for doc in yaml.safe_load_all(path.read_text()):
                yield path.relative_to(ROOT), doc


@pytest.mark.parametrize("path,doc", list(manifests()), ids=lambda x: str(x) if isinstance(x, Path) else "")
def test_manifest_is_valid_kubernetes(path, doc):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def configmap_files() -> dict[str, str]:
    return yaml.safe_load((LUA / "configmap.yaml").read_text())["data"]


def test_configmap_holds_the_build_and_its_hash():
    cm = yaml.safe_load((LUA / "configmap.yaml").read_text())
    data = cm["data"]
    assert set(data) == {"auditc.lua", "fluent-bit.conf", "fluent-bit.yaml", "parsers.conf",
                         "fluent-bit-webhook.conf", "fluent-bit-webhook.yaml"}
    for name, text in data.items():
        assert text == (LUA / name).read_text(), name
    h = hashlib.sha256()
    for name in sorted(data):
        h.update(name.encode() + b"\0" + data[name].encode() + b"\0")
    assert cm["metadata"]["annotations"]["auditc.dev/content-sha256"] == h.hexdigest()
    assert len((LUA / "configmap.yaml").read_bytes()) < 900_000, "ConfigMaps are limited to 1 MiB"


def test_kustomization_wiring():
    for overlay in (FB, FB / "webhook"):
        kust = yaml.safe_load((overlay / "kustomization.yaml").read_text())
        for res in kust["resources"]:
            target = overlay / res
            assert target.is_file() or (target / "kustomization.yaml").is_file(), res
    base = yaml.safe_load((LUA / "kustomization.yaml").read_text())
    gen = base["configMapGenerator"][0]
    assert all((LUA / f).is_file() for f in gen["files"])
    ds = yaml.safe_load((FB / "daemonset.yaml").read_text())
    spec = ds["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["config"]["configMap"]["name"] == gen["name"]  # kustomize rewrites it to the hashed name
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    opts = pipeline_options(BuildOptions())
    assert mounts["config"]["mountPath"] == opts.config_dir
    assert mounts["audit-log"]["readOnly"] is True
    assert opts.audit_log.startswith(mounts["audit-log"]["mountPath"] + "/")
    assert volumes["audit-log"]["hostPath"]["path"] == mounts["audit-log"]["mountPath"]
    assert mounts["state"]["mountPath"] == opts.state_dir and not mounts["state"].get("readOnly")
    container = spec["containers"][0]
    assert container["image"].startswith("fluent/fluent-bit:") and container["image"].split(":")[1][0].isdigit()
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] and sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0] == {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}
    assert any(t["key"] == "node-role.kubernetes.io/control-plane" for t in spec["tolerations"])


def test_committed_pipeline_is_structurally_valid_in_both_formats():
    files = configmap_files()
    classic = fbc.parse_classic(files["fluent-bit.conf"])
    parsers = fbc.parse_classic(files["parsers.conf"]).parsers
    assert fbc.check(classic, files, "/fluent-bit/etc", extra_parsers=parsers) == []
    as_yaml = fbc.parse_yaml(files["fluent-bit.yaml"])
    assert fbc.check(as_yaml, files, "/fluent-bit/etc") == []
    assert fbc.same_pipeline(classic, as_yaml) == []
    lua_filter = classic.filters[0]
    assert lua_filter["script"] == "/fluent-bit/etc/auditc.lua" and lua_filter["call"] == "auditc_filter"
    assert lua_filter["enable_flb_null"] == "true"
    out = classic.outputs[0]
    assert out["name"] == "loki" and out["labels"] == "job=kube-audit, severity=$detection['severity']"
    tail = classic.inputs[0]
    assert tail["db"] and tail["storage.type"] == "filesystem" and tail["mem_buf_limit"]
    assert classic.service["storage.path"].startswith("/var/lib/auditc-fluent-bit")
    # deep records overflow the output coroutines' default 24 KiB stack (see fluentbit_pipeline)
    assert int(classic.service["coro_stack_size"]) >= 262144


@pytest.mark.parametrize("outputs", [("loki",), ("opensearch",), ("s3",), ("loki", "opensearch", "s3")])
def test_optional_outputs(outputs, tmp_path):
    files = pipeline_files(PipelineOptions(outputs=outputs))
    files["auditc.lua"] = "function auditc_filter(tag, ts, r) return 0, ts, r end\n"
    cfg = fbc.parse_classic(files["fluent-bit.conf"])
    assert [o["name"] for o in cfg.outputs] == list(outputs)
    assert fbc.check(cfg, files, "/fluent-bit/etc", extra_parsers=fbc.parse_classic(files["parsers.conf"]).parsers) == []
    assert fbc.same_pipeline(cfg, fbc.parse_yaml(files["fluent-bit.yaml"])) == []


def test_unknown_output_is_rejected():
    with pytest.raises(ValueError, match="unknown output 'kafka'"):
        pipeline_files(PipelineOptions(outputs=("kafka",)))


def test_checker_catches_broken_configs():
    files = configmap_files()
    broken = files["fluent-bit.conf"].replace("Match           kube-audit*", "Match           other*") \
        .replace("Call            auditc_filter", "Call            nope")
    problems = fbc.check(fbc.parse_classic(broken), files, "/fluent-bit/etc",
                         extra_parsers=fbc.parse_classic(files["parsers.conf"]).parsers)
    assert any("matches no input tag" in p for p in problems)
    no_parser = fbc.check(fbc.parse_classic(files["fluent-bit.conf"]), files, "/fluent-bit/etc")
    assert no_parser == ["input tail: parser 'json' is not defined"]
    missing_script = dict(files)
    del missing_script["auditc.lua"]
    assert any("not one of the shipped files" in p for p in fbc.check(
        fbc.parse_classic(files["fluent-bit.conf"]), missing_script, "/fluent-bit/etc",
        extra_parsers=fbc.parse_classic(files["parsers.conf"]).parsers))


def test_audit_policy_corrections():
    policy = yaml.safe_load((LUA / "audit-policy.yaml").read_text())
    assert policy["apiVersion"] == "audit.k8s.io/v1" and policy["kind"] == "Policy"
    assert policy["omitStages"] == ["RequestReceived"] and policy["omitManagedFields"] is True
    rules = policy["rules"]
    assert all(r["level"] in ("None", "Metadata", "Request", "RequestResponse") for r in rules)
    assert rules[-1] == {"level": "Metadata"}

    def index(pred):
        return next(i for i, r in enumerate(rules) if pred(r))

    def resources(r):
        return {res for g in r.get("resources", []) for res in g.get("resources", [])}

    watch_none = index(lambda r: r["level"] == "None" and r.get("verbs") == ["watch"])
    assert index(lambda r: "secrets" in resources(r)) < watch_none, "secret watches must be logged"
    lease_rules = [r for r in rules if "leases" in resources(r)]
    assert lease_rules and all("update" in r["verbs"] for r in lease_rules)
    for r in rules:
        if "secrets" in resources(r) and r["level"] != "Metadata":
            assert set(r["verbs"]) <= {"create", "update", "patch"}, "secret reads must not log values"
        assert not (r.get("nonResourceURLs") and (r.get("resources") or r.get("namespaces")))


def test_build_writes_every_artifact(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    files = build_artifacts(compile_rules("rules"))
    assert set(files) == {"auditc.lua", "auditc-snippet.lua", "filter.conf", "filter.yaml", "service.conf", "service.yaml", "fluent-bit.conf", "fluent-bit.yaml",
                          "parsers.conf", "configmap.yaml", "kustomization.yaml", "audit-policy.yaml",
                          "fluent-bit-webhook.conf", "fluent-bit-webhook.yaml", "audit-webhook-kubeconfig.yaml",
                          "kube-apiserver-webhook-kubeadm.yaml", "kube-apiserver-webhook-k3s.yaml",
                          "loki-rules.yaml", "logql-queries.yaml", "grafana-dashboard.json"}
    for name, text in files.items():
        head = json.loads(text)["description"] if name.endswith(".json") else text.splitlines()[0]
        assert "generated by auditc" in head, name


# Detections that can fire on any request: a policy cannot say "unless refused / impersonated /
# unauthenticated", so its None rules hide some of what they could see (auditc.dev/accept-blind).
ANY_REQUEST = ("anonymous-request-allowed,anonymous-request-denied,apiserver-identity-off-loopback,authentication-failed,"
               "control-plane-identity-from-outside-control-plane-network,forbidden-from-public-address,forbidden-request,"
               "impersonation-used,kube-system-token-used-by-human-client,kube-system-token-used-from-outside-cluster-network,"
               "node-identity-from-outside-cluster-network,shared-admin-credential-used,system-masters-credential-used,"
               "user-not-allowed")
# Body rules that read more than the shipped policy logs (auditc.dev/accept-partial, derived by the
# generator): pod templates matched by shape on any resource (custom resources are logged at Metadata,
# patched responseObjects at Request), and a Secret write's response (never logged). They work on the
# request bodies of the built-in kinds; docs/audit-policy.md lists them.
POLICY_LEVEL_GAPS = ("container-runs-as-root,dangerous-capability-added,host-namespace-or-sensitive-mount,"
                     "host-port-requested,long-lived-token-secret-created,privilege-escalation-allowed,"
                     "privileged-container,security-profile-unconfined")


def test_shipped_policy_covers_the_pack_except_the_accepted_blind_spots(monkeypatch, capsys):
    from auditc.cli import main
    monkeypatch.chdir(ROOT)
    # The policy declares the documented blind spots (auditc.dev/accept-blind); check honours and reports them.
    annotations = yaml.safe_load((LUA / "audit-policy.yaml").read_text())["metadata"]["annotations"]
    assert annotations["auditc.dev/accept-blind"] == ANY_REQUEST
    assert annotations["auditc.dev/accept-partial"] == POLICY_LEVEL_GAPS
    assert main(["policy", "check", "lua/audit-policy.yaml", "--rules", "rules"]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.out + out.err
    for det in ANY_REQUEST.split(","):
        assert f"{det} " in out.out and "blind (accepted)" in out.out
    assert "0 partially blind, 0 blind" in out.err
