"""Audit webhook mode: EventList splitting in the filter, the http-input
pipeline, the apiserver kubeconfig and flags."""

from __future__ import annotations

import json

import pytest
import yaml

import fluentbit_check as fbc
from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files, webhook_buffer
from auditc.runtime import FluentBitLua

from conftest import ROOT

LUA = (ROOT / "lua" / "auditc.lua").read_text()
FIXTURE = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "audit-events.jsonl").read_text().splitlines()]


def event_list(items) -> dict:
    return {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items}


def test_event_list_ships_exactly_what_the_file_pipeline_ships():
    fb = FluentBitLua(LUA, "auditc_filter", enable_flb_null=True)  # as the generated config
    one_by_one = [e.record for e in fb.filter(FIXTURE).records]
    for size in (1, 7, 100, len(FIXTURE)):  # --audit-webhook-batch-max-size varies
        batches = [event_list(FIXTURE[i:i + size]) for i in range(0, len(FIXTURE), size)]
        result = fb.filter(batches)
        assert not result.passthrough and not result.problems
        assert [e.record for e in result.records] == one_by_one, size


def test_without_flb_null_split_items_lose_null_keys_but_nothing_else():
    """Split items always go through Lua, where (with enable_flb_null off)
    nulls vanish; unmodified file records keep their original bytes. The
    generated config turns enable_flb_null on for this reason."""
    fb = FluentBitLua(LUA, "auditc_filter", enable_flb_null=False)
    one_by_one = [e.record for e in fb.filter(FIXTURE).records]
    split = [e.record for e in fb.filter([event_list(FIXTURE)]).records]

    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    assert [strip(r) for r in split] == [strip(r) for r in one_by_one]


@pytest.mark.parametrize("flb_null", [False, True])
def test_edge_cases_never_crash_or_emit_empty_records(flb_null):
    fb = FluentBitLua(LUA, "auditc_filter", enable_flb_null=flb_null)
    watch = {"kind": "Event", "auditID": "w", "verb": "watch", "objectRef": {"resource": "pods"}}
    keep = {"kind": "Event", "auditID": "k", "verb": "get", "objectRef": {"resource": "pods"}}
    empty, all_dropped = fb.filter([event_list([])]), fb.filter([event_list([watch, watch])])
    assert empty.records == [] and empty.codes == [-1]
    assert all_dropped.records == [] and all_dropped.codes == [-1]
    mixed = fb.filter([event_list(["junk", 5, [1, 2], None, keep, {}])])
    assert not mixed.passthrough and not mixed.problems
    assert [e.record.get("auditID") for e in mixed.records] == ["k", None]  # {} is a (useless) map, kept
    not_a_list = fb.filter([{"kind": "EventList", "items": "garbage"}, {"kind": "EventList"}])
    assert not_a_list.codes == [0, 0]  # not an EventList shape: an ordinary record
    in_batch = fb.filter([keep, event_list([keep, watch, keep]), watch])
    assert [e.record["auditID"] for e in in_batch.records] == ["k", "k", "k"]


def test_event_list_items_are_redacted_and_counted():
    fb = FluentBitLua(LUA, "auditc_filter", enable_flb_null=True)
    secret = {"kind": "Event", "auditID": "s", "verb": "get", "user": {"username": "alice"},
              "objectRef": {"resource": "secrets", "namespace": "a"}, "responseObject": {"data": {"k": "c2VjcmV0LXdlYmhvb2s="}}}
    out = fb.filter([event_list([secret, "junk"])])
    assert "c2VjcmV0LXdlYmhvb2s=" not in json.dumps([e.record for e in out.records])
    assert out.records[0].record["detection"]["rules"] == ["secret-read-by-user"]
    stats = fb.rule_stats()
    assert stats["counters"]["skipped_items"] == 1 and stats["rules"]["mask-secret-values"][1] == 1


def test_webhook_pipeline_is_structurally_valid():
    files = yaml.safe_load((ROOT / "lua" / "configmap.yaml").read_text())["data"]
    classic = fbc.parse_classic(files["fluent-bit-webhook.conf"])
    parsers = fbc.parse_classic(files["parsers.conf"]).parsers
    assert fbc.check(classic, files, "/fluent-bit/etc", extra_parsers=parsers) == []
    as_yaml = fbc.parse_yaml(files["fluent-bit-webhook.yaml"])
    assert fbc.check(as_yaml, files, "/fluent-bit/etc") == [] and fbc.same_pipeline(classic, as_yaml) == []
    http = classic.inputs[0]
    assert http["name"] == "http" and http["listen"] == "127.0.0.1" and http["port"] == "9880"
    assert http["tls"] == "On" and http["tls.crt_file"].startswith("/fluent-bit/tls/")
    assert http["buffer_max_size"] == webhook_buffer(100) == "25M"
    assert classic.service["http_port"] == "2021"  # shares the host network with the node
    assert classic.service["storage.path"].startswith("/var/lib/auditc-fluent-bit-webhook")
    no_tls = fbc.parse_classic(pipeline_files(PipelineOptions(source="webhook", webhook_tls=False))["fluent-bit-webhook.conf"])
    assert "tls" not in no_tls.inputs[0]


def test_webhook_buffer_holds_a_batch():
    assert webhook_buffer(1) == "4M" and webhook_buffer(400) == "100M"


def test_apiserver_side():
    kubeconfig = yaml.safe_load((ROOT / "lua" / "audit-webhook-kubeconfig.yaml").read_text())
    cluster = kubeconfig["clusters"][0]["cluster"]
    assert cluster["server"] == "https://127.0.0.1:9880/"  # any other path would rename the tag
    ctx = kubeconfig["contexts"][0]["context"]
    assert kubeconfig["current-context"] == kubeconfig["contexts"][0]["name"]
    assert ctx["user"] == kubeconfig["users"][0]["name"] and kubeconfig["users"][0]["user"]["client-certificate"]
    kubeadm = yaml.safe_load((ROOT / "lua" / "kube-apiserver-webhook-kubeadm.yaml").read_text())
    flags = kubeadm["spec"]["containers"][0]["command"]
    assert "--audit-webhook-config-file=/etc/kubernetes/audit-webhook-kubeconfig.yaml" in flags
    assert "--audit-webhook-batch-max-size=100" in flags and "--audit-webhook-mode=batch" in flags
    k3s = yaml.safe_load((ROOT / "lua" / "kube-apiserver-webhook-k3s.yaml").read_text())["kube-apiserver-arg"]
    assert "audit-webhook-config-file=/var/lib/rancher/k3s/server/audit-webhook-kubeconfig.yaml" in k3s
    ds = yaml.safe_load((ROOT / "fluent-bit" / "webhook" / "daemonset.yaml").read_text())["spec"]["template"]["spec"]
    assert ds["hostNetwork"] is True and ds["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert ds["containers"][0]["command"][-1] == "/fluent-bit/etc/fluent-bit-webhook.conf"
    assert ds["containers"][0]["securityContext"]["runAsNonRoot"] is True
