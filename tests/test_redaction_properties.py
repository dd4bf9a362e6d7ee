"""Redaction v2 (issue 13), as properties of the default pack.

For every class of the issue: for any event of that shape, written as
kube-apiserver 1.29-1.31 logs it, with a planted value, the value, its
base64 and its gzip+base64 do not leave the filter, in either
enable_flb_null mode. "Leave" is judged on what Fluent Bit would emit: the
records the filter returns and, through the replay path, the bytes of the
output line (the original bytes when the filter returns code 0). The
checker also looks inside what a reader could decode from the output:
base64 and gzip+base64 tokens, percent-encoding, Go `[]byte{0x..}` literals.
Each property also checks the forensics (keys, names and the non-secret
neighbours stay, `auditc.redacted` names the rule) and that no record is
lost.

The cases at the end (`LEAKS`) are the variants a leak hunt found getting
through an earlier pack (other encodings, other token formats, other file
syntaxes, malformed events); each is now a regression test.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import re
import string
import urllib.parse
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from auditc.compiler import compile_rules
from auditc.runtime import FluentBitLua

from conftest import ROOT

# ---------------------------------------------------------------- the filter


@functools.lru_cache(maxsize=1)
def runtimes() -> dict[bool, FluentBitLua]:
    """The default pack, compiled once per module, one runtime per null mode."""
    lua = compile_rules(ROOT / "rules").lua
    return {mode: FluentBitLua(lua, "auditc_filter", enable_flb_null=mode) for mode in (False, True)}


@dataclass
class Shipped:
    """What Fluent Bit emits for one input, in one enable_flb_null mode."""

    flb_null: bool
    codes: list[int]
    records: list[dict]
    line_bytes: str  # the output lines of the replay path (original bytes for code 0)

    def text(self) -> str:
        return json.dumps(self.records, ensure_ascii=False) + "\n" + self.line_bytes


def ship(item: dict | str, expect_records: int | None = 1) -> list[Shipped]:
    """Run one record (or one raw log line) through the filter in both null
    modes, by the record path and by the replay (bytes) path. Checks that the
    batch is not passed through, that Fluent Bit can encode the output and
    that no record is lost."""
    line = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    out = []
    for mode, fb in runtimes().items():
        record_input = item if isinstance(item, str) else json.loads(line)
        result = fb.filter([record_input])
        assert not result.passthrough, result.error
        assert not result.problems, result.problems
        replay = fb.replay_batch(line.encode(), want_output=True)
        assert replay.error is None, replay.error
        assert replay.dropped == 0, "a record no drop rule targets was dropped"
        records = [e.record for e in result.records]
        if expect_records is not None:
            assert len(records) == expect_records, f"records lost or invented: {len(records)}"
        out.append(Shipped(mode, result.codes, records, (replay.output or b"").decode("utf-8", "replace")))
    return out


# ---------------------------------------------------------------- the leak checker


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def gz_b64(s: str | bytes) -> str:
    return b64(gzip.compress(s.encode() if isinstance(s, str) else s, mtime=0))


def go_bytes(b: bytes) -> str:
    """A []byte as Go's %#v prints it (field.Invalid of a []byte value)."""
    return "[]byte{" + ", ".join("0x%x" % c for c in b) + "}"


_B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_GO_BYTES = re.compile(r"\[\]byte\{((?:0x[0-9a-f]{1,2}(?:, )?)+)\}")


def _b64_decodings(token: str):
    for piece in {token, *token.split("=")}:
        if len(piece) < 12:
            continue
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(piece + "=" * (-len(piece) % 4))
            except ValueError:
                continue
            if raw[:2] == b"\x1f\x8b":
                try:
                    raw = gzip.decompress(raw)
                except (OSError, EOFError):
                    pass
            yield raw.decode("utf-8", "replace")


def readable(s: str, depth: int = 0):
    """s and what a reader could decode from it: base64 and gzip+base64
    tokens, percent-encoding, Go byte-slice literals (to a few levels)."""
    yield s
    if depth >= 3:
        return
    if "%" in s or "+" in s:
        plain = urllib.parse.unquote_plus(s)
        if plain != s:
            yield from readable(plain, depth + 1)
    for m in _B64_TOKEN.finditer(s):
        for dec in _b64_decodings(m.group(0)):
            yield from readable(dec, depth + 1)
    for m in _GO_BYTES.finditer(s):
        raw = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{1,2})", m.group(1)))
        yield from readable(raw.decode("utf-8", "replace"), depth + 1)


def strings_of(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings_of(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings_of(x)


def exposure(shipped: list[Shipped], planted: str, also: tuple[str, ...] = ()) -> str | None:
    """Where `planted` (or one of its encodings) can be read in the output; None if nowhere."""
    forms = {planted, b64(planted), gz_b64(planted), *also}
    for s in shipped:
        text = s.text()
        for f in forms:
            if f in text:
                return f"flb_null={s.flb_null} codes={s.codes}: {f!r} in the output"
        for value in [*strings_of(s.records), s.line_bytes]:
            for r in readable(value):
                if planted in r:
                    return f"flb_null={s.flb_null} codes={s.codes}: decodable from {value[:120]!r}"
    return None


def assert_absent(shipped: list[Shipped], *planted: str, also: tuple[str, ...] = ()) -> None:
    for p in planted:
        where = exposure(shipped, p, also)
        assert where is None, f"planted value {p!r} leaked: {where}"


def assert_redacted_by(shipped: list[Shipped], *rules: str) -> None:
    """auditc.redacted names (one of) the rule(s) that should have done it."""
    for s in shipped:
        assert any(set(rules) & set(r.get("auditc", {}).get("redacted", [])) for r in s.records), \
            f"flb_null={s.flb_null}: none of {rules} in auditc.redacted: {[r.get('auditc') for r in s.records]}"
        assert 0 not in s.codes, "a redacted record must not ship its original bytes"


def assert_present(shipped: list[Shipped], *texts: str) -> None:
    for s in shipped:
        text = s.text()
        for t in texts:
            assert t in text, f"flb_null={s.flb_null}: forensic neighbour {t!r} lost"


# ---------------------------------------------------------------- events as kube-apiserver logs them

GROUPS = {"": "v1", "apps": "v1", "batch": "v1", "argoproj.io": "v1alpha1", "example.com": "v1",
          "certificates.k8s.io": "v1", "authentication.k8s.io": "v1"}


def object_ref(resource: str, namespace: str | None = "app", name: str | None = None, group: str = "",
               subresource: str | None = None) -> dict:
    ref = {"resource": resource}
    if namespace:
        ref["namespace"] = namespace
    if name:
        ref["name"] = name
    if group:
        ref["apiGroup"] = group
    ref["apiVersion"] = GROUPS.get(group, "v1")
    if subresource:
        ref["subresource"] = subresource
    return ref


def uri_of(ref: dict, query: str = "") -> str:
    group = ref.get("apiGroup", "")
    path = f"/apis/{group}/{ref['apiVersion']}" if group else "/api/v1"
    if ref.get("namespace"):
        path += f"/namespaces/{ref['namespace']}"
    path += f"/{ref['resource']}"
    if ref.get("name"):
        path += f"/{ref['name']}"
    if ref.get("subresource"):
        path += f"/{ref['subresource']}"
    return path + (f"?{query}" if query else "")


CODES = {"create": 201}
KUBECTL = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"


def audit_event(verb: str, ref: dict | None, *, level: str = "RequestResponse", request=None, response=None,
                uri: str | None = None, annotations: dict | None = None, status: dict | None = None,
                user: str = "dev@example.com", audit_id: str = "5d0e8f5a-8c61-4a43-9a1d-2f0c4b1e7a31",
                stage: str = "ResponseComplete") -> dict:
    """An audit.k8s.io/v1 Event: bodies only at the levels that log them."""
    ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": audit_id, "stage": stage,
          "requestURI": uri if uri is not None else (uri_of(ref) if ref else "/"), "verb": verb,
          "user": {"username": user, "groups": ["system:authenticated"]},
          "sourceIPs": ["10.0.0.7"], "userAgent": KUBECTL}
    if ref is not None:
        ev["objectRef"] = ref
    ev["responseStatus"] = status or {"metadata": {}, "code": CODES.get(verb, 200)}
    if request is not None and level in ("Request", "RequestResponse"):
        ev["requestObject"] = request
    if response is not None and level == "RequestResponse":
        ev["responseObject"] = response
    ev["requestReceivedTimestamp"] = "2026-11-20T10:00:00.000000Z"
    ev["stageTimestamp"] = "2026-11-20T10:00:00.004000Z"
    ann = {"authorization.k8s.io/decision": "allow",
           "authorization.k8s.io/reason": 'RBAC: allowed by ClusterRoleBinding "dev" of ClusterRole "edit" to User "dev@example.com"'}
    ann.update(annotations or {})
    ev["annotations"] = ann
    return ev


def event_list(items: list[dict]) -> dict:
    """An audit webhook batch (--audit-webhook-*), one record for Fluent Bit's http input."""
    return {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items}


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


def last_applied(obj: dict) -> str:
    """kubectl's copy: compact JSON, sorted keys, a trailing newline."""
    return compact(obj) + "\n"


# ---------------------------------------------------------------- planted values

ALNUM = string.ascii_letters + string.digits
PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))  # a word: no space


def planted(alphabet: str = PRINTABLE, min_size: int = 10, max_size: int = 30):
    """A random secret: starts with a letter, ends with a digit (so it
    cannot read as a YAML indicator or number), at least 12 characters."""
    return st.tuples(st.sampled_from(string.ascii_letters), st.text(alphabet, min_size=min_size, max_size=max_size),
                     st.sampled_from(string.digits)).map("".join)


JSON_VALUE = planted(PRINTABLE + " ")  # inside a JSON string anything goes
FILE_VALUE = planted(ALNUM + "-_.~!%^*+=:,@/$&()<>?|")  # an unquoted value in .env/.properties/YAML
# A non-secret value that must survive; no digits, so it can never contain a planted value.
NEIGHBOUR = st.text(string.ascii_lowercase, min_size=6, max_size=12).map(lambda s: "keep-" + s)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spell(words: list[str], style: str) -> str:
    """A credential name in one of the spellings found in ConfigMaps and env."""
    if style == "UPPER_SNAKE":
        return "_".join(w.upper() for w in words)
    if style == "snake":
        return "_".join(words)
    if style == "kebab":
        return "-".join(words)
    if style == "dotted":
        return ".".join(words)
    return words[0] + "".join(w.capitalize() for w in words[1:])  # camelCase


CRED_WORDS = st.sampled_from([["password"], ["passwd"], ["pass"], ["pwd"], ["secret"], ["token"], ["api", "key"],
                              ["apikey"], ["secret", "key"], ["client", "secret"], ["access", "key"],
                              ["private", "key"], ["credentials"], ["auth", "token"], ["passphrase"],
                              ["access", "token"], ["signing", "key"], ["encryption", "key"]])
PREFIX_WORDS = st.sampled_from([[], ["db"], ["redis"], ["smtp"], ["spring", "datasource"], ["oauth"], ["app"],
                                ["aws"], ["github"], ["mysql", "root"]])
STYLES = st.sampled_from(["UPPER_SNAKE", "snake", "kebab", "dotted", "camel"])
CRED_NAME = st.builds(lambda p, c, s: spell(p + c, s), PREFIX_WORDS, CRED_WORDS, STYLES)
ENV_NAME = st.builds(lambda p, c: spell(p + c, "UPPER_SNAKE"), PREFIX_WORDS, CRED_WORDS)


# ================================================================ 1. webhook patch annotations

WEBHOOKS = [("vault-agent-injector-cfg", "vault.hashicorp.com"), ("external-secrets-webhook", "webhook.external-secrets.io"),
            ("secrets-injector", "inject.example.com")]


def patch_annotation(round_: int, index: int, config: str, webhook: str, patch: list) -> dict:
    """What the mutating dispatcher records (at Request level and above)."""
    key = f"round_{round_}_index_{index}"
    return {f"mutation.webhook.admission.k8s.io/{key}": compact({"configuration": config, "webhook": webhook, "mutated": True}),
            f"patch.webhook.admission.k8s.io/{key}": json.dumps(
                {"configuration": config, "webhook": webhook, "patch": patch, "patchType": "JSONPatch"}, separators=(",", ":"))}


@st.composite
def secret_webhook_patch(draw):
    value = draw(JSON_VALUE)
    key = draw(st.sampled_from(["password", "tls.key", "config.yaml", "anything", "username"]))
    where = draw(st.sampled_from(["data-key", "data-object", "stringData-key", "stringData-object", "label"]))
    op = draw(st.sampled_from(["add", "replace"]))
    if where == "data-key":
        ops = [{"op": op, "path": f"/data/{key.replace('/', '~1')}", "value": b64(value)}]
    elif where == "data-object":
        ops = [{"op": "add", "path": "/data", "value": {key: b64(value)}}]
    elif where == "stringData-key":
        ops = [{"op": op, "path": f"/stringData/{key}", "value": value}]
    elif where == "stringData-object":
        ops = [{"op": "add", "path": "/stringData", "value": {key: value}}]
    else:  # a resolved value written where nothing names it a secret
        ops = [{"op": "add", "path": "/metadata/labels/resolved", "value": value}]
    return value, ops


@SETTINGS
@given(case=secret_webhook_patch(), hook=st.sampled_from(WEBHOOKS), rnd=st.integers(0, 1), idx=st.integers(0, 3),
       level=st.sampled_from(["Request", "RequestResponse"]), verb=st.sampled_from(["create", "update"]),
       batch=st.booleans())
def test_webhook_patch_annotations_of_secrets(case, hook, rnd, idx, level, verb, batch):
    value, ops = case
    ref = object_ref("secrets", name="db-credentials")
    body = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "db-credentials", "namespace": "app"}, "type": "Opaque"}
    ev = audit_event(verb, ref, level=level, request=body, response=body,
                     annotations=patch_annotation(rnd, idx, *hook, ops), user="system:serviceaccount:external-secrets:external-secrets")
    shipped = ship(event_list([ev]) if batch else ev)
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "mask-credential-values")
    key = f"round_{rnd}_index_{idx}"
    for s in shipped:
        ann = s.records[0]["annotations"]
        assert json.loads(ann[f"mutation.webhook.admission.k8s.io/{key}"])["webhook"] == hook[1]
        patch = json.loads(ann[f"patch.webhook.admission.k8s.io/{key}"])
        assert patch["configuration"] == hook[0] and patch["patchType"] == "JSONPatch"
        assert [o["path"] for o in patch["patch"]] == [o["path"] for o in ops]  # where the webhook wrote
        assert ann["authorization.k8s.io/decision"] == "allow"


@st.composite
def workload_webhook_patch(draw):
    """A webhook injecting a credential into a pod or pod template."""
    value, name = draw(JSON_VALUE), draw(ENV_NAME)
    base = draw(st.sampled_from(["/spec", "/spec/template/spec"]))
    pair = {"name": name, "value": value}
    form = draw(st.sampled_from(["env-append", "env-list", "container", "init-container"]))
    if form == "env-append":
        ops = [{"op": "add", "path": f"{base}/containers/0/env/-", "value": pair}]
    elif form == "env-list":
        ops = [{"op": "add", "path": f"{base}/containers/0/env", "value": [{"name": "LOG_LEVEL", "value": "info"}, pair]}]
    elif form == "container":
        ops = [{"op": "add", "path": f"{base}/containers/-", "value": {"name": "agent", "image": "agent:1", "env": [pair]}}]
    else:
        ops = [{"op": "add", "path": f"{base}/initContainers", "value": [{"name": "init", "image": "vault:1.15", "env": [pair]}]}]
    return value, name, base, ops


@SETTINGS
@given(case=workload_webhook_patch(), hook=st.sampled_from(WEBHOOKS), idx=st.integers(0, 3))
def test_webhook_patch_annotations_of_workloads(case, hook, idx):
    value, name, base, ops = case
    if base == "/spec":
        ref, kind = object_ref("pods"), "Pod"
        body = {"kind": kind, "apiVersion": "v1", "metadata": {"generateName": "web-", "namespace": "app"},
                "spec": {"containers": [{"name": "web", "image": "web:1.4"}]}}
    else:
        ref, kind = object_ref("deployments", name="web", group="apps"), "Deployment"
        body = {"kind": kind, "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "app"},
                "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:1.4"}]}}}}
    ev = audit_event("create", ref, level="Request", request=body, annotations=patch_annotation(0, idx, *hook, ops))
    shipped = ship(ev)
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "mask-credential-values")
    assert_present(shipped, name, "web:1.4")


# ================================================================ 2. ConfigMaps


CM_SHAPES = ["create", "update", "merge-patch", "json-patch-key", "json-patch-data", "get", "list", "table", "binaryData"]


@SETTINGS
@given(name=CRED_NAME, value=JSON_VALUE, keep=NEIGHBOUR, shape=st.sampled_from(CM_SHAPES))
def test_configmap_credential_keys_in_every_body(name, value, keep, shape):
    ref = object_ref("configmaps", name="app-config")
    cm = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "app-config", "namespace": "app"},
          "data": {name: value, "LOG_LEVEL": keep}}
    verb, request, response = shape, None, None
    if shape in ("create", "update"):
        request = response = cm
    elif shape == "merge-patch":
        verb, request, response = "patch", {"data": {name: value}, "metadata": {"labels": {"keep": keep}}}, cm
    elif shape == "json-patch-key":
        pointer = name.replace("~", "~0").replace("/", "~1")
        verb = "patch"
        request = [{"op": "add", "path": f"/data/{pointer}", "value": value},
                   {"op": "replace", "path": "/data/LOG_LEVEL", "value": keep}]
        response = cm
    elif shape == "json-patch-data":
        verb, request, response = "patch", [{"op": "replace", "path": "/data", "value": cm["data"]}], cm
    elif shape == "get":
        response = cm
    elif shape == "list":
        ref = object_ref("configmaps")
        response = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": "4211"}, "items": [cm]}
    elif shape == "table":
        verb, ref = "list", object_ref("configmaps")
        response = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "4211"},
                    "columnDefinitions": [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0}],
                    "rows": [{"cells": ["app-config", 2, "5d"], "object": cm}]}
    else:  # binaryData
        verb = "create"
        request = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "app-config"},
                   "binaryData": {name: b64(value)}, "data": {"LOG_LEVEL": keep}}
    shipped = ship(audit_event(verb, ref, request=request, response=response))
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "mask-credential-values")
    assert_present(shipped, keep, json.dumps(name)[1:-1])  # the key stays, so does its neighbour


EMBEDDED = {  # variant -> (file name, whether the key must be an env name, text)
    "dotenv": (".env", True, lambda k, v, n: f"APP_ENV=prod\n{k}={v}\nLOG_LEVEL={n}\n"),
    "dotenv export": (".env", True, lambda k, v, n: f"export APP_ENV=prod\nexport {k}=\"{v}\"\nexport LOG_LEVEL={n}\n"),
    "dotenv crlf": (".env", True, lambda k, v, n: f"APP_ENV=prod\r\n{k}={v}\r\nLOG_LEVEL={n}\r\n"),
    "properties": ("application.properties", False,
                   lambda k, v, n: f"server.port=8080\nspring.datasource.{k}={v}\nlog.level={n}\n"),
    "properties colon": ("application.properties", False, lambda k, v, n: f"server.port: 8080\n{k}: {v}\nlog.level: {n}\n"),
    "yaml": ("config.yaml", False, lambda k, v, n: f"db:\n  host: db.app.svc\n  {k}: {v}\nlog:\n  level: {n}\n"),
    "yaml quoted": ("config.yaml", False, lambda k, v, n: f"db:\n  {k}: \"{v}\"\n  level: {n}\n"),
    "yaml block": ("config.yaml", False, lambda k, v, n: f"cache:\n  {k}: |\n    {v}\n  level: {n}\n"),
    "ini": ("app.ini", False, lambda k, v, n: f"[database]\nuser = app\n{k} = {v}\n[log]\nlevel = {n}\n"),
    "toml": ("settings.toml", False, lambda k, v, n: f"[db]\n{k} = \"{v}\"\nlevel = \"{n}\"\n"),
    "json": ("config.json", False, lambda k, v, n: json.dumps({"db": {k: v, "host": "db"}, "log": {"level": n}}, indent=2)),
}


@SETTINGS
@given(cred=CRED_NAME, env=ENV_NAME, value=FILE_VALUE, keep=NEIGHBOUR, variant=st.sampled_from(sorted(EMBEDDED)),
       verb=st.sampled_from(["create", "update", "get"]))
def test_configmap_embedded_files(cred, env, value, keep, variant, verb):
    filename, env_only, text = EMBEDDED[variant]
    cm = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "files", "namespace": "app"},
          "data": {filename: text(env if env_only else cred, value, keep)}}
    shipped = ship(audit_event(verb, object_ref("configmaps", name="files"), request=None if verb == "get" else cm, response=cm))
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "mask-credential-values", "scan-secret-shapes")  # JSON text: the scan may come first
    assert_present(shipped, keep, filename)


# ================================================================ 3. pod env everywhere

POD_SPEC_PATHS = {
    "Pod": ("pods", "", lambda ps: {"spec": ps}),
    "Deployment": ("deployments", "apps", lambda ps: {"spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                                               "template": {"metadata": {"labels": {"app": "web"}}, "spec": ps}}}),
    "StatefulSet": ("statefulsets", "apps", lambda ps: {"spec": {"serviceName": "db", "template": {"spec": ps}}}),
    "DaemonSet": ("daemonsets", "apps", lambda ps: {"spec": {"template": {"spec": ps}}}),
    "ReplicaSet": ("replicasets", "apps", lambda ps: {"spec": {"template": {"spec": ps}}}),
    "Job": ("jobs", "batch", lambda ps: {"spec": {"backoffLimit": 2, "template": {"spec": ps}}}),
    "CronJob": ("cronjobs", "batch", lambda ps: {"spec": {"schedule": "0 2 * * *",
                                                          "jobTemplate": {"spec": {"template": {"spec": ps}}}}}),
    "ReplicationController": ("replicationcontrollers", "", lambda ps: {"spec": {"template": {"spec": ps}}}),
    "PodTemplate": ("podtemplates", "", lambda ps: {"template": {"spec": ps}}),
    "Rollout": ("rollouts", "argoproj.io", lambda ps: {"spec": {"strategy": {"canary": {}}, "template": {"spec": ps}}}),
}


def workload(kind: str, pod_spec: dict, name: str = "web") -> tuple[dict, dict]:
    resource, group, wrap = POD_SPEC_PATHS[kind]
    api = f"{group}/{GROUPS[group]}" if group else "v1"
    obj = {"kind": kind, "apiVersion": api, "metadata": {"name": name, "namespace": "app"}, **wrap(pod_spec)}
    return obj, object_ref(resource, name=name, group=group)


@SETTINGS
@given(kind=st.sampled_from(sorted(POD_SPEC_PATHS)), env_name=ENV_NAME, value=JSON_VALUE, keep=NEIGHBOUR,
       where=st.sampled_from(["containers", "initContainers", "ephemeralContainers"]),
       shape=st.sampled_from(["create", "update", "get", "list", "smp-patch", "last-applied"]))
def test_pod_env_in_every_pod_template(kind, env_name, value, keep, where, shape):
    if where == "ephemeralContainers":  # only Pods have them, set through the subresource
        kind = "Pod"
        shape = {"create": "ephemeral-patch", "update": "ephemeral-patch", "last-applied": "get"}.get(shape, shape)
    container = {"name": "app", "image": "registry.example.com/app:1.4",
                 "env": [{"name": "LOG_LEVEL", "value": keep}, {"name": env_name, "value": value},
                         {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "app-secrets", "key": "api-key"}}}]}
    pod_spec = {"containers": [{"name": "main", "image": "main:1"}]}
    pod_spec[where] = pod_spec.get(where, []) + [container]
    obj, ref = workload(kind, pod_spec)
    verb, request, response = shape, obj, obj
    if shape == "list":
        ref = {k: v for k, v in ref.items() if k != "name"}
        item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}  # list items carry no kind
        request, response = None, {"kind": f"{kind}List", "apiVersion": obj["apiVersion"], "metadata": {}, "items": [item]}
    elif shape == "get":
        request = None
    elif shape == "ephemeral-patch":
        verb, ref = "patch", object_ref("pods", name="web", subresource="ephemeralcontainers")
        request = {"spec": {"ephemeralContainers": pod_spec["ephemeralContainers"]}}
    elif shape == "smp-patch":
        verb, request = "patch", {k: v for k, v in obj.items() if k not in ("kind", "apiVersion", "metadata")}
    elif shape == "last-applied":
        verb = "patch"
        meta = {"name": "web", "namespace": "app", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied(obj)}}
        request = {"metadata": {"annotations": meta["annotations"]}}
        response = {**obj, "metadata": meta}
    shipped = ship(audit_event(verb, ref, request=request, response=response))
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "mask-credential-values")
    assert_present(shipped, keep, env_name, "registry.example.com/app:1.4", "app-secrets")


# ================================================================ 4. object copies kept by deploy tools


COPY_HOLDERS = {
    "ConfigMap": lambda cred, v: {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x", "namespace": "app"},
                                  "data": {cred: v}},
    "Deployment": lambda cred, v: workload("Deployment", {"containers": [{"name": "w", "image": "w:1",
                                                                          "env": [{"name": cred.upper().replace(".", "_").replace("-", "_"), "value": v}]}]})[0],
    "Widget": lambda cred, v: {"kind": "Widget", "apiVersion": "example.com/v1", "metadata": {"name": "x", "namespace": "app"},
                               "spec": {"upstream": {cred: v}}},
    "Secret": lambda cred, v: {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "x", "namespace": "app"},
                               "type": "Opaque", "data": {"anything": b64(v)}},
}
COPY_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration", "kapp.k14s.io/original"]


@SETTINGS
@given(kind=st.sampled_from(sorted(COPY_HOLDERS)), cred=CRED_NAME, value=JSON_VALUE, keep=NEIGHBOUR,
       annotation=st.sampled_from(COPY_ANNOTATIONS), verb=st.sampled_from(["create", "update", "patch", "get"]))
def test_object_copies_in_annotations_of_any_kind(kind, cred, value, keep, annotation, verb):
    copy = COPY_HOLDERS[kind](cred, value)
    copy["metadata"]["labels"] = {"team": keep}
    obj = json.loads(json.dumps(copy))
    obj["metadata"]["annotations"] = {annotation: last_applied(copy), "team.example.com/owner": keep}
    obj.pop("data", None), obj.pop("spec", None)  # only the copy holds the value
    resource = {"ConfigMap": ("configmaps", ""), "Deployment": ("deployments", "apps"), "Widget": ("widgets", "example.com"),
                "Secret": ("secrets", "")}[kind]
    ref = object_ref(resource[0], name="x", group=resource[1])
    shipped = ship(audit_event(verb, ref, request=None if verb == "get" else obj, response=obj))
    assert_absent(shipped, value)
    for s in shipped:
        for body in ("requestObject", "responseObject"):
            if body not in s.records[0]:
                continue
            ann = s.records[0][body]["metadata"]["annotations"]
            assert ann["team.example.com/owner"] == keep
            if kind == "Secret" and ann[annotation] == "[REDACTED]":
                continue  # mask-secret-values withholds a Secret's copy whole
            # still the same object (whether it stays valid JSON: see LEAKS, "copy stays JSON")
            assert f'"kind":"{kind}"' in ann[annotation] and f'"labels":{{"team":"{keep}"}}' in ann[annotation]


def helm_release(secret_value: str, values_value: str) -> dict:
    """Helm 3's release record: chart, values and the rendered manifest."""
    manifest = ("---\n# Source: web/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web\n"
                f"type: Opaque\ndata:\n  password: {b64(secret_value)}\n---\n# Source: web/templates/deployment.yaml\n"
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")
    return {"name": "web", "namespace": "app", "version": 3, "info": {"status": "deployed", "description": "Upgrade complete"},
            "chart": {"metadata": {"name": "web", "version": "1.4.0"}, "values": {"replicas": 1}},
            "config": {"db": {"host": "db.app.svc", "password": values_value}}, "manifest": manifest}


@SETTINGS
@given(secret_value=JSON_VALUE, values_value=JSON_VALUE, storage=st.sampled_from(["configmaps", "secrets"]),
       verb=st.sampled_from(["create", "update", "get"]), status=st.sampled_from(["deployed", "superseded", "pending-upgrade"]))
def test_helm_release_storage(secret_value, values_value, storage, verb, status):
    blob = gz_b64(json.dumps(helm_release(secret_value, values_value)))
    name = "sh.helm.release.v1.web.v3"
    labels = {"name": "web", "owner": "helm", "status": status, "version": "3"}
    if storage == "configmaps":
        obj = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name, "namespace": "app", "labels": labels},
               "data": {"release": blob}}
    else:  # the Secret driver base64s the (already base64) blob once more
        obj = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": name, "namespace": "app", "labels": labels},
               "type": "helm.sh/release.v1", "data": {"release": b64(blob)}}
    ev = audit_event(verb, object_ref(storage, name=name), request=obj, response=obj,
                     user="system:serviceaccount:kube-system:helm-controller")
    shipped = ship(ev)
    assert_absent(shipped, secret_value, values_value, also=(blob,))
    for s in shipped:
        assert s.records[0]["responseObject"]["metadata"]["labels"] == labels


# ================================================================ 5. exec / attach / proxy URIs


def kubectl_query(words: list[str], encode: str, container: str = "app") -> str:
    """kubectl's url.Values.Encode(): keys sorted, each word one command=
    (QueryEscape: space as '+'); other clients escape space as %20."""
    q = urllib.parse.quote_plus if encode == "plus" else (lambda w: urllib.parse.quote(w, safe=""))
    params = [("command", w) for w in words] + [("container", container), ("stderr", "true"), ("stdin", "true"),
                                                 ("stdout", "true"), ("tty", "true")]
    return "&".join(f"{k}={q(v)}" for k, v in params)


TOKEN_ALPHABET = ALNUM + "-._~+/="
EXEC_FORMS = {  # name -> (alphabet, words); the password is planted by the lambda
    "mysql -p": (PRINTABLE, lambda pw: ["mysql", "-uroot", f"-p{pw}", "-e", "show databases"]),
    "--password=": (PRINTABLE, lambda pw: ["app", "migrate", f"--password={pw}"]),
    "--password next": (PRINTABLE, lambda pw: ["app", "migrate", "--password", pw]),
    "--token next": (PRINTABLE, lambda pw: ["vault", "login", "--token", pw]),
    "--token=": (PRINTABLE, lambda pw: ["kubectl", f"--token={pw}", "get", "pods"]),
    "redis-cli -a": (PRINTABLE, lambda pw: ["redis-cli", "-h", "localhost", "-a", pw, "ping"]),
    "curl -u": (PRINTABLE, lambda pw: ["curl", "-u", f"admin:{pw}", "http://localhost:8080/admin"]),
    "curl --user": (PRINTABLE, lambda pw: ["curl", "--user", f"admin:{pw}", "http://localhost:8080/admin"]),
    "Authorization": (TOKEN_ALPHABET, lambda pw: ["curl", "-H", f"Authorization: Bearer {pw}", "https://api"]),
    "Authorization ApiKey": (TOKEN_ALPHABET, lambda pw: ["curl", "-H", f"Authorization: ApiKey {pw}", "https://es:9200"]),
    "Authorization Token": (TOKEN_ALPHABET, lambda pw: ["curl", "-H", f"Authorization: Token {pw}", "https://api"]),
    "userinfo": (ALNUM + "-_.~!$*+=,;", lambda pw: ["psql", f"postgresql://app:{pw}@db.app.svc:5432/app"]),
    "env PGPASSWORD=": (PRINTABLE, lambda pw: ["env", f"PGPASSWORD={pw}", "psql", "-h", "db"]),
    "env *_TOKEN=": (PRINTABLE, lambda pw: ["env", f"GITHUB_TOKEN={pw}", "gh", "auth", "status"]),
    "env *_SECRET=": (PRINTABLE, lambda pw: ["env", f"CLIENT_SECRET={pw}", "./run"]),
}
SHELL_FORMS = ["mysql -p", "--password=", "--password next", "--token next", "redis-cli -a", "curl -u", "Authorization",
               "Authorization ApiKey", "userinfo", "env PGPASSWORD=", "env *_TOKEN=", "env *_SECRET="]


@st.composite
def exec_case(draw):
    form = draw(st.sampled_from(sorted(EXEC_FORMS)))
    shell = form in SHELL_FORMS and draw(st.booleans())
    alphabet, words_of = EXEC_FORMS[form]
    if shell:  # sh -c "<one command line>": the password must need no quoting
        alphabet = "".join(c for c in alphabet if c in ALNUM + "-_.,:%+=/^" or (c == "@" and form != "userinfo"))
    pw = draw(planted(alphabet))
    words = words_of(pw)
    if shell:
        line = " ".join(w if " " not in w else f"'{w}'" for w in words)
        words = ["sh", "-c", line]
    return form, pw, words


@SETTINGS
@given(case=exec_case(), encode=st.sampled_from(["plus", "pct20"]),
       verb=st.sampled_from(["create", "get"]), level=st.sampled_from(["Metadata", "Request"]))
def test_exec_uris_in_every_encoding(case, encode, verb, level):
    """kubectl exec: POST (create) over SPDY, GET over WebSockets (the 1.31 default)."""
    form, pw, words = case
    sub = "exec"
    ref = object_ref("pods", name="web-0", subresource=sub)
    uri = uri_of(ref, kubectl_query(words, encode))
    ev = audit_event(verb, ref, level=level, uri=uri, status={"metadata": {}, "code": 101}, stage="ResponseStarted")
    shipped = ship(ev)
    enc = (urllib.parse.quote_plus(pw), urllib.parse.quote(pw, safe=""))
    assert_absent(shipped, pw, also=enc)
    assert_redacted_by(shipped, "scrub-exec-credentials")
    for s in shipped:
        out = s.records[0]["requestURI"]
        assert out.startswith(f"/api/v1/namespaces/app/pods/web-0/{sub}?command=")
        assert f"command={words[0]}&" in out and "&container=app&" in out


@SETTINGS
@given(param=st.sampled_from(["token", "access_token", "api_key", "apikey", "key", "sig", "password", "auth"]),
       value=planted(ALNUM + "-._~"), keep=NEIGHBOUR,
       target=st.sampled_from(["services", "pods", "nodes"]))
def test_proxy_query_strings(param, value, keep, target):
    if target == "services":
        ref = object_ref("services", namespace="monitoring", name="https:grafana:3000", subresource="proxy")
        path = "/api/search"
    elif target == "pods":
        ref = object_ref("pods", name="web-0:8080", subresource="proxy")
        path = "/debug/vars"
    else:
        ref = object_ref("nodes", namespace=None, name="worker-1", subresource="proxy")
        path = "/stats/summary"
    uri = uri_of(ref) + f"{path}?query={keep}&{param}={value}"
    shipped = ship(audit_event("get", ref, level="Metadata", uri=uri))
    assert_absent(shipped, value)
    assert_redacted_by(shipped, "scrub-exec-credentials", "scan-secret-shapes")
    assert_present(shipped, f"query={keep}", path)


# ================================================================ 6. secret shapes anywhere

B64_BODY = st.text(ALNUM + "+/", min_size=64, max_size=64)


@st.composite
def secret_shape(draw):
    """A value that is a secret by its shape; returns (the full value, the part that must go)."""
    kind = draw(st.sampled_from(["pem", "jwt", "aws", "github", "gitlab", "slack", "stripe", "google", "kubeconfig"]))
    if kind == "pem":
        label = draw(st.sampled_from(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                                      "ENCRYPTED PRIVATE KEY"]))
        lines = draw(st.lists(B64_BODY, min_size=1, max_size=3))
        eol = draw(st.sampled_from(["\n", "\r\n"]))
        pem = f"-----BEGIN {label}-----{eol}" + eol.join(lines) + f"{eol}-----END {label}-----{eol}"
        return pem, lines[0]
    if kind == "jwt":
        seg = st.text(ALNUM + "-_", min_size=16, max_size=60)
        tok = "eyJhbGciOiJSUzI1NiIsImtpZCI6" + draw(seg) + ".eyJ" + draw(seg) + "." + draw(seg)
        return tok, tok
    if kind == "aws":
        tok = draw(st.sampled_from(["AKIA", "ASIA"])) + draw(st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16))
    elif kind == "github":
        tok = draw(st.sampled_from(["ghp_", "gho_", "ghs_", "ghu_", "ghr_"])) + draw(st.text(ALNUM, min_size=36, max_size=36))
    elif kind == "gitlab":
        tok = "glpat-" + draw(st.text(ALNUM + "_-", min_size=20, max_size=20))
    elif kind == "slack":
        tok = "xoxb-" + draw(st.text(string.digits, min_size=10, max_size=12)) + "-" + draw(st.text(ALNUM, min_size=24, max_size=24))
    elif kind == "stripe":
        tok = draw(st.sampled_from(["sk_live_", "rk_live_"])) + draw(st.text(ALNUM, min_size=24, max_size=32))
    elif kind == "google":
        tok = "AIza" + draw(st.text(ALNUM + "_-", min_size=35, max_size=35))
    else:  # a kubeconfig pasted somewhere
        key = b64(draw(st.text(ALNUM, min_size=24, max_size=48)))
        return f"users:\n- name: admin\n  user:\n    client-key-data: {key}\n", key
    return tok, tok


@SETTINGS
@given(shape=secret_shape(), where=st.sampled_from(["annotation", "message", "crd-field", "crd-key", "list-item", "cm-innocent-key"]),
       level=st.sampled_from(["Metadata", "Request", "RequestResponse"]), keep=NEIGHBOUR)
def test_secret_shapes_anywhere(shape, where, level, keep):
    value, core = shape
    if where == "crd-key" and "\n" in value:
        where = "crd-field"  # files are not map keys
    if where == "list-item":
        level = "RequestResponse"
    elif where not in ("annotation", "message") and level == "Metadata":
        level = "Request"
    ref = object_ref("widgets", name="w", group="example.com")
    request = response = annotations = status = None
    if where == "annotation":  # e.g. written by a webhook or a policy engine
        annotations = {"example.com/resolved": value, "example.com/owner": keep}
    elif where == "message":  # a rejection echoing the value, kept even at Metadata level
        status = {"metadata": {}, "status": "Failure", "reason": "BadRequest", "code": 400,
                  "message": f'admission webhook "validate.example.com" denied the request: spec.upstream: Invalid value: {json.dumps(value)}: owner {keep}'}
    elif where == "crd-field":
        request = response = {"kind": "Widget", "apiVersion": "example.com/v1", "metadata": {"name": "w"},
                              "spec": {"upstream": {"value": value}, "owner": keep}}
    elif where == "crd-key":  # a token used as a map key
        request = response = {"kind": "Widget", "apiVersion": "example.com/v1", "metadata": {"name": "w"},
                              "spec": {"mapping": {value: keep}}}
    elif where == "list-item":
        response = {"kind": "WidgetList", "apiVersion": "example.com/v1", "metadata": {},
                    "items": [{"kind": "Widget", "metadata": {"name": "w"}, "spec": {"notes": [keep, f"see {value}"]}}]}
    else:
        ref = object_ref("configmaps", name="notes")
        request = response = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "notes"},
                              "data": {"notes.txt": value, "owner": keep}}
    verb = "create" if where != "list-item" else "list"
    ev = audit_event(verb, ref, level=level, request=None if verb == "list" else request, response=response,
                     annotations=annotations, status=status)
    shipped = ship(ev)
    assert_absent(shipped, core)
    assert_redacted_by(shipped, "scan-secret-shapes", "mask-credential-values")
    assert_present(shipped, keep)


# ================================================================ 7. Secrets by content, not only by route

OBJECT_REFS = {"missing": None, "empty": {}, "wrong resource": object_ref("configmaps", name="s"),
               "capitalised": {"resource": "Secrets", "namespace": "app"}, "not a map": "secrets",
               "resource missing": {"namespace": "app", "name": "s", "apiVersion": "v1"}}


@st.composite
def secret_body(draw, value):
    meta = {"name": "db-credentials", "namespace": "app", "labels": {"app": "db"}}
    form = draw(st.sampled_from(["kind", "type-only", "list", "list-kind", "table", "last-applied-in-cm"]))
    stype = draw(st.sampled_from(["kubernetes.io/basic-auth", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson",
                                  "kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token"]))
    where = draw(st.sampled_from(["data", "stringData"]))
    payload = {where: {draw(st.sampled_from(["password", "tls.key", "k", ".dockerconfigjson"])):
                       b64(value) if where == "data" else value}}
    secret = {"kind": "Secret", "apiVersion": "v1", "metadata": meta, "type": stype, **payload}
    if form == "kind":
        return secret
    if form == "type-only":  # a body without kind/apiVersion (a typed client's bare struct)
        return {"metadata": meta, "type": stype, **payload}
    if form == "list":  # items of a SecretList carry no kind
        return {"kind": "SecretList", "apiVersion": "v1", "metadata": {"resourceVersion": "88"},
                "items": [{"metadata": meta, "type": stype, **payload}]}
    if form == "list-kind":
        return {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": [secret]}
    if form == "table":
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
                "rows": [{"cells": ["db-credentials", stype, 1, "3d"], "object": secret}]}
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": last_applied(secret)}}}


@SETTINGS
@given(value=JSON_VALUE, data=st.data(), ref_name=st.sampled_from(sorted(OBJECT_REFS)),
       side=st.sampled_from(["request", "response"]), batch=st.booleans())
def test_secrets_recognised_by_content(value, data, ref_name, side, batch):
    body = data.draw(secret_body(value))
    ref = OBJECT_REFS[ref_name]
    ev = audit_event("create" if side == "request" else "get", None, uri="/api/v1/namespaces/app/secrets",
                     request=body if side == "request" else None, response=body if side == "response" else None)
    if ref is not None:
        ev["objectRef"] = ref
    shipped = ship(event_list([ev]) if batch else ev)
    assert_absent(shipped, value)
    assert_present(shipped, "db-credentials" if body.get("kind") != "ConfigMap" else "last-applied-configuration")
    for s in shipped:
        assert "auditc" in s.records[0] and 0 not in s.codes


# ================================================================ 8. malformed input


@SETTINGS
@given(shape=secret_shape(), cut=st.integers(0, 40), field=st.sampled_from(["annotation", "message", "body"]))
def test_torn_lines_are_scanned(shape, cut, field):
    """A torn or over-long line reaches the filter as {"log": raw text}."""
    value, core = shape
    ref = object_ref("widgets", name="w", group="example.com")
    if field == "annotation":
        ev = audit_event("create", ref, annotations={"example.com/resolved": value})
    elif field == "message":
        ev = audit_event("create", ref, level="Metadata",
                         status={"metadata": {}, "code": 400, "message": f"Invalid value: {json.dumps(value)}"})
    else:
        ev = audit_event("create", ref, request={"kind": "Widget", "spec": {"value": value}})
    line = json.dumps(ev)
    end = line.find(json.dumps(core)[1:-1]) + len(json.dumps(core)[1:-1]) + cut
    torn = line[:max(end, 1)]
    if torn == line:
        torn = line[:-1]
    shipped = ship(torn)
    assert_absent(shipped, core)
    for s in shipped:
        assert set(s.records[0]) >= {"log"} and s.records[0]["log"].startswith('{"kind": "Event"')


def _dup_line(ref: dict, body_json: str) -> str:
    head = audit_event("patch", ref, level="Request", request={})
    text = json.dumps(head, separators=(",", ":"))
    return text.replace('"requestObject":{}', f'"requestObject":{body_json}')


DUP_BODIES = {  # patch bodies the apiserver logs verbatim, each key given twice
    "secret data key": ("secrets", lambda v, k: f'{{"data":{{"password":"{b64(v)}","password":"{b64(k)}"}}}}'),
    "secret data map": ("secrets", lambda v, k: f'{{"data":{{"password":"{b64(v)}"}},"data":{{"k":"{b64(k)}"}}}}'),
    "secret stringData first": ("secrets", lambda v, k: f'{{"stringData":{{"p":"{v}"}},"metadata":{{"labels":{{"k":"{k}"}}}},"stringData":{{}}}}'),
    "json patch value": ("secrets", lambda v, k: f'[{{"op":"replace","path":"/data/password","value":"{b64(v)}","value":"{b64(k)}"}}]'),
    "configmap key": ("configmaps", lambda v, k: f'{{"data":{{"DB_PASSWORD":"{v}","DB_PASSWORD":"{k}"}}}}'),
    "env value": ("deployments", lambda v, k: '{"spec":{"template":{"spec":{"containers":[{"name":"a","env":'
                                               f'[{{"name":"DB_PASSWORD","value":"{v}","value":"{k}"}}]}}]}}}}}}}}'),
}


@SETTINGS
@given(value=planted(ALNUM + "-_.~!#$%&()*+,/:;<=>?@[]^`{|}"), keep=NEIGHBOUR, which=st.sampled_from(sorted(DUP_BODIES)))
def test_duplicate_keys_in_patch_bodies(value, keep, which):
    resource, body = DUP_BODIES[which]
    ref = object_ref(resource, name="x", group="apps" if resource == "deployments" else "")
    line = _dup_line(ref, body(value, keep))
    json.loads(line)  # valid JSON (Python keeps the last of a duplicated key, as Lua does)
    shipped = ship(line)
    assert_absent(shipped, value)
    for s in shipped:
        assert 0 not in s.codes, "a body with duplicate keys shipped as its original bytes"


# ================================================================ known leaks (strict xfails)

PEM_KEY = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
           "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n")
PEM_CORE = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
P = "Zq9-Planted-77x"
CSR_REF = object_ref("certificatesigningrequests", namespace=None, name="evil", group="certificates.k8s.io")
POD = object_ref("pods", name="web-0")
CM = object_ref("configmaps", name="app-config")
WIDGET = object_ref("widgets", name="w", group="example.com")


def exec_event(words: list[str], encode: str = "plus", ref: dict | None = None) -> dict:
    ref = ref or object_ref("pods", name="web-0", subresource="exec")
    return audit_event("create", ref, level="Metadata", uri=uri_of(object_ref("pods", name="web-0", subresource="exec"),
                                                                   kubectl_query(words, encode)),
                       status={"metadata": {}, "code": 101}, stage="ResponseStarted")


def csr_invalid_status(pem: str) -> dict:
    """validateCertificateSigningRequest: field.Invalid(spec.request, csr.Spec.Request []byte, ...);
    ErrorBody prints a []byte with %#v."""
    cause = f"Invalid value: {go_bytes(pem.encode())}: PEM block type must be CERTIFICATE REQUEST"
    return {"metadata": {}, "status": "Failure", "reason": "Invalid", "code": 422,
            "message": f'CertificateSigningRequest.certificates.k8s.io "evil" is invalid: spec.request: {cause}',
            "details": {"name": "evil", "group": "certificates.k8s.io", "kind": "CertificateSigningRequest",
                        "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": "spec.request"}]}}


def cm_file(name: str, text: str) -> dict:
    body = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "app-config", "namespace": "app"}, "data": {name: text}}
    return audit_event("create", CM, request=body, response=body)


def msg_event(message: str) -> dict:
    return audit_event("create", WIDGET, level="Metadata",
                       status={"metadata": {}, "status": "Failure", "reason": "BadRequest", "code": 400, "message": message})


def crd_invalid_status(field: str, value: str) -> dict:
    """A structural-schema rejection (pattern mismatch): the value is echoed with %q."""
    cause = f"Invalid value: {json.dumps(value)}: {field} in body should match '^[A-Za-z0-9]{{32}}$'"
    return {"metadata": {}, "status": "Failure", "reason": "Invalid", "code": 422,
            "message": f'Widget.example.com "w" is invalid: {field}: {cause}',
            "details": {"name": "w", "group": "example.com", "kind": "Widget",
                        "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}]}}


def msg_status_event(status: dict) -> dict:
    return audit_event("create", WIDGET, level="Metadata", status=status)


def shape_event(token: str) -> dict:
    return audit_event("create", POD, level="Metadata", annotations={"example.com/resolved": token})


def fixed(id_, make, *planted_values, reason):
    """A leak the hunt found and the filter now closes: kept as a regression test."""
    return pytest.param(make, planted_values, id=id_)


# Tokens in the formats gitleaks' rules describe (config/gitleaks.toml: vault-service-token,
# npm-access-token, pypi-upload-token, sendgrid-api-token, digitalocean-pat, anthropic-api-key,
# openai-api-key, age-secret-key, shopify-access-token, databricks-api-token,
# huggingface-access-token, gitlab-runner-authentication-token, grafana-service-account-token,
# slack-webhook-url, twilio-api-key), and trufflehog's Docker Hub detector.
GITLEAKS_SHAPES = {
    "vault hvs.": "hvs.CAESI" + "Jx7Qk2mZ_p9RtVwYb3Lc8dNf" * 4,
    "npm_": "npm_" + "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8",
    "pypi-": "pypi-AgEIcHlwaS5vcmc" + "CJDg3ZDE5ZjM0LWE4NzItNGQ0Mi1hYjY0LTdjZGVkMjQ3NDk2Yw",
    "sendgrid SG.": "SG." + "ngeVfQFYQlKU0ufo8x5d1A" + "." + "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
    "digitalocean dop_v1_": "dop_v1_" + "0123456789abcdef" * 4,
    "anthropic sk-ant-api03-": "sk-ant-api03-" + ("aB3dE5fG7hI9jK1lM2nO4pQ6rS8tU0vW" * 3)[:93] + "AA",
    "openai sk-proj-": "sk-proj-" + ("aB3dE5fG7hI9jK1lM2nO4pQ6rS8tU0vW" * 2)[:58] + "T3BlbkFJ"
                       + ("xY2zA4bC6dE8fG0hI2jK4lM6nO8pQ0rS" * 2)[:58],
    "age secret key": "AGE-SECRET-KEY-1" + "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L" + "QPZRY9X8GF2TVDW0S3JN54KHCE",
    "shopify shpat_": "shpat_" + "0123456789abcdef" * 2,
    "databricks dapi": "dapi" + "0123456789abcdef" * 2,
    "huggingface hf_": "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH",
    "gitlab runner glrt-": "glrt-" + "x7Qk2mZp9RtVwYb3Lc8d",
    "grafana glsa_": "glsa_" + "x7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9" + "_" + "0a1b2c3d",
    "dockerhub dckr_pat_ (trufflehog)": "dckr_pat_" + "x7Qk2mZp9RtVwYb3Lc8dNfJx7Qk",
    "slack webhook url": "https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/" + "x7Qk2mZp9RtVwYb3Lc8dNfJx",
    "twilio SK": "SK" + "0123456789abcdef" * 2,
}

LEAKS = [
    # 6. the CSR as the apiserver really logs it
    fixed("csr spec.request is base64 of the PEM (Request level)",
         lambda: audit_event("create", CSR_REF, level="Request", request={
             "kind": "CertificateSigningRequest", "apiVersion": "certificates.k8s.io/v1", "metadata": {"name": "evil"},
             "spec": {"request": b64(PEM_KEY), "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]}},
             status=csr_invalid_status(PEM_KEY)),
         PEM_CORE, reason="spec.request holds base64(PEM); the scan looks for the PEM text only"),
    fixed("csr rejection echoes the key as a Go []byte literal (Metadata level)",
         lambda: audit_event("create", CSR_REF, level="Metadata", status=csr_invalid_status(PEM_KEY)),
         PEM_CORE, reason="field.Invalid prints []byte with %#v: []byte{0x2d, 0x2d, ...}, not the PEM text"),
    # 6. shapes from the public scanners that the scan lacks
    *[fixed(f"shape {name}", (lambda t=tok: shape_event(t)), tok, reason=f"no scan pattern for {name}")
      for name, tok in GITLEAKS_SHAPES.items()],
    fixed("azure storage AccountKey in a message",
         lambda: msg_event("failed to mount: DefaultEndpointsProtocol=https;AccountName=app;AccountKey="
                           + "x7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dN=="
                           + ";EndpointSuffix=core.windows.net"),
         "x7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dNfJx7Qk2mZp9RtVwYb3Lc8dN",
         reason="credentials mode does not look at responseStatus.message and the scan has no AccountKey="),
    # 6. generic assignments outside bodies: the scan's list is password/passwd/client_secret/secret_key/api_key/access_token
    fixed("token= in a message", lambda: msg_event(f"Get \"https://registry/v2/?token={P}\": unauthorized"), P,
         reason="generic scan assignment lacks token="),
    fixed("secret= in a message", lambda: msg_event(f"webhook config invalid: secret={P}"), P,
         reason="generic scan assignment lacks secret="),
    fixed("aws_secret_access_key= in a message",
         lambda: msg_event("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", reason="generic scan assignment lacks *_secret_access_key="),
    *[fixed(f"CRD validation echoes {field}", (lambda f=field: msg_status_event(crd_invalid_status(f, P))), P,
           reason="'<path>: Invalid value: \"<v>\"' is not an assignment; the generic password pattern replaces the "
                  "word 'Invalid' after 'password: ' and keeps the value")
      for field in ("spec.auth.password", "spec.apiKey", "spec.credentials.secretAccessKey")],
    fixed("Authorization header in a message",
         lambda: msg_event(f"upstream rejected request with header Authorization: Bearer {P}"), P,
         reason="outside exec URIs no rule knows Authorization: <scheme> <credential>"),
    # 5. exec URIs
    *[fixed(f"{header} header, kubectl encoding", (lambda h=header: exec_event(["curl", "-H", f"{h}: {P}", "https://api"])), P,
           reason=f"'{header.split('-')[-1].lower()}%3A' is matched by the NAME=value pattern, which stops at the '+' "
                  "after it; the header pattern then no longer sees the header's name")
      for header in ("X-Api-Key", "PRIVATE-TOKEN", "X-Vault-Token", "X-Auth-Token")],
    fixed("X-Vault-Token header inside sh -c",
         lambda: exec_event(["sh", "-c", f"curl -H 'X-Vault-Token: {P}' http://vault:8200/v1/secret/data/app"]), P,
         reason="as above: 'token%3A' consumed first, the value after '+' kept"),
    fixed("'password: value' inside sh -c, kubectl encoding",
         lambda: exec_event(["sh", "-c", f"echo 'password: {P}' >> /etc/app.yaml"]), P,
         reason="NAME%3A then '+': the NAME=value pattern stops at '+'"),
    fixed("docker login -p <pw> (next word)",
         lambda: exec_event(["docker", "login", "-u", "ci", "-p", P, "registry.example.com"]), P,
         reason="-p is matched only with the password attached (mysql)"),
    fixed("sshpass -p <pw> inside sh -c",
         lambda: exec_event(["sh", "-c", f"sshpass -p {P} ssh admin@10.0.0.9"]), P,
         reason="-p is matched only with the password attached (mysql)"),
    fixed("git clone https://<token>@host",
         lambda: exec_event(["sh", "-c", f"git clone https://{P}@github.com/acme/app.git"]), P,
         reason="userinfo without ':' (a token as the user, GitHub style) is not scrubbed"),
    fixed("curl -d JSON with a password inside sh -c",
         lambda: exec_event(["sh", "-c", f"curl -d '{{\"password\":\"{P}\"}}' http://localhost/login"]), P,
         reason="password%22%3A%22: the quote between name and ':' defeats the NAME=value pattern"),
    fixed("aws configure set aws_secret_access_key <v>",
         lambda: exec_event(["aws", "configure", "set", "aws_secret_access_key", P]), P,
         reason="a credential name as the previous word, without dashes"),
    fixed("exec with objectRef missing",
         lambda: {k: v for k, v in exec_event(["mysql", "-uroot", f"-p{P}"]).items() if k != "objectRef"}, P,
         reason="the scrub is keyed on objectRef.subresource only; the URI itself says /exec?"),
    fixed("proxy X-Amz-Signature (presigned URL)",
         lambda: audit_event("get", object_ref("services", name="minio:9000", subresource="proxy"), level="Metadata",
                             uri=uri_of(object_ref("services", name="minio:9000", subresource="proxy"))
                             + f"/bucket/obj?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={P}"), P,
         reason="[?&](key|sig|signature)= needs the name right after ? or &"),
    fixed("proxy ?jwt=",
         lambda: audit_event("get", object_ref("services", name="http:grafana:3000", subresource="proxy"), level="Metadata",
                             uri=uri_of(object_ref("services", name="http:grafana:3000", subresource="proxy")) + f"/d/x?jwt={P}"), P,
         reason="no jwt= query parameter"),
    # 2. embedded files
    fixed("properties with a space separator",
         lambda: cm_file("application.properties", f"server.port 8080\ndb.password {P}\n"), P,
         reason="only '=' and ':' are separators; .properties also allows whitespace"),
    fixed("Kubernetes manifest (YAML env list) in a ConfigMap",
         lambda: cm_file("job.yaml", f"containers:\n- name: job\n  env:\n  - name: DB_PASSWORD\n    value: {P}\n"), P,
         reason="name/value pairs are recognised in structures and JSON, not in YAML text"),
    fixed("YAML list under a credential key",
         lambda: cm_file("config.yaml", f"auth:\n  tokens:\n    - {P}\n"), P,
         reason="a block sequence under tokens: is not replaced"),
    fixed("XML <password> element (maven settings.xml)",
         lambda: cm_file("settings.xml", f"<settings><servers><server><id>nexus</id><username>ci</username><password>{P}</password></server></servers></settings>"),
         P, reason="XML elements are not assignments"),
    fixed("nginx Authorization header in a ConfigMap",
         lambda: cm_file("nginx.conf", f"location / {{\n  proxy_set_header Authorization \"Basic {b64('ci:' + P)}\";\n}}\n"), P,
         reason="Authorization: <scheme> <credential> is only scrubbed in exec URIs"),
    fixed("alertmanager.yml slack api_url in a ConfigMap",
         lambda: cm_file("alertmanager.yml", "receivers:\n- name: ops\n  slack_configs:\n  - channel: '#ops'\n    api_url: "
                         "https://hooks.slack.com/services/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\n"),
         "x7Qk2mZp9RtVwYb3Lc8dNfJx", reason="api_url is excepted by *url and the Slack webhook URL has no scan pattern"),
    fixed("redis.conf requirepass",
         lambda: cm_file("redis.conf", f"bind 0.0.0.0\nrequirepass {P}\n"), P,
         reason="requirepass is not a credential name and has a space separator"),
    # 3. pod args
    fixed("args with --password and the value as the next element",
         lambda: audit_event("create", POD, request={"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-0"},
                                                     "spec": {"containers": [{"name": "web", "image": "web:1",
                                                                              "args": ["--db-user", "app", "--db-password", P]}]}}), P,
         reason="only --flag=value in one element is recognised"),
    # 1. webhook patches
    fixed("webhook replaces an env value by index",
         lambda: audit_event("create", object_ref("pods"), level="Request",
                             request={"kind": "Pod", "apiVersion": "v1", "metadata": {"generateName": "web-"},
                                      "spec": {"containers": [{"name": "web", "image": "web:1", "env": [
                                          {"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "vault:db#password"}]}]}},
                             annotations=patch_annotation(0, 0, "env-resolver", "resolve.example.com",
                                                          [{"op": "replace", "path": "/spec/containers/0/env/1/value", "value": P}])), P,
         reason="the annotation text names no credential (no 'secret' in the webhook's name either), so the has_trigger "
                "pre-check skips it although its path is /env/N/value"),
    fixed("webhook patch of a Secret when objectRef is wrong and the Secret is only in the response",
         lambda: audit_event("create", object_ref("configmaps", name="db"), level="RequestResponse",
                             response={"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "db"}, "type": "Opaque"},
                             annotations=patch_annotation(0, 0, "vault-agent-injector-cfg", "vault.hashicorp.com",
                                                          [{"op": "add", "path": "/data/anything", "value": b64(P)}])), P,
         reason="the patch is treated as a Secret's only for objectRef.resource or requestObject.kind"),
    # 7. Secrets by content
    fixed("Opaque Secret body without kind, objectRef missing",
         lambda: audit_event("create", None, uri="/api/v1/namespaces/app/secrets", request={
             "metadata": {"name": "db"}, "type": "Opaque", "data": {"anything": b64(P)}}), P,
         reason="type: Opaque beside data is not taken as a Secret (only kubernetes.io/*, bootstrap, helm.sh)"),
    fixed("merge patch of stringData, objectRef missing, URI says secrets",
         lambda: audit_event("patch", None, level="Request", uri="/api/v1/namespaces/app/secrets/db",
                             request={"stringData": {"anything": P}}), P,
         reason="a stringData map only exists on Secrets, and the requestURI names the route"),
    fixed("JSON patch of /data, objectRef missing, URI says secrets",
         lambda: audit_event("patch", None, level="Request", uri="/api/v1/namespaces/app/secrets/db",
                             request=[{"op": "replace", "path": "/data/anything", "value": b64(P)}]), P,
         reason="without objectRef nothing marks the patch as a Secret's; the requestURI could"),
    # 8. torn lines
    fixed("torn Secret line (over-long, cut inside data)",
         lambda: json.dumps(audit_event("create", object_ref("secrets", name="db"), level="Request", request={
             "kind": "Secret", "apiVersion": "v1", "metadata": {"name": "db"}, "data": {"tls.key": b64(P), "tls.crt": "Y2VydA=="}}))[:-40],
         P, reason="a torn line is only shape-scanned; a Secret's data values have no shape"),
    fixed("torn exec line",
         lambda: json.dumps(exec_event(["mysql", "-uroot", f"-p{P}"]))[:-60], P,
         reason="the exec URI scrub does not run on the raw log text"),
    fixed("torn pod line with a credential env value",
         lambda: json.dumps(audit_event("create", POD, level="Request", request={"kind": "Pod", "spec": {"containers": [
             {"name": "web", "env": [{"name": "DB_PASSWORD", "value": P}]}]}}))[:-60], P,
         reason="credentials mode does not run on the raw log text"),
]


@pytest.mark.parametrize("make, planted_values", LEAKS)
def test_known_leaks(make, planted_values):
    item = make()
    shipped = ship(item)
    assert_absent(shipped, *planted_values)


def _cm_with(data: dict | None = None, annotations: dict | None = None) -> dict:
    meta = {"name": "app-config", "namespace": "app"}
    if annotations:
        meta["annotations"] = annotations
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, **({"data": data} if data else {})}


JSON_COPY = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"password": P, "host": "db"}}
FORENSICS = [  # (the event, how to find the JSON text in the output record)
    pytest.param(lambda: audit_event("create", CM, level="Request", request=_cm_with(
        annotations={"kubectl.kubernetes.io/last-applied-configuration": last_applied(JSON_COPY)})),
        lambda r: r["requestObject"]["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
        id="last-applied copy"),
    pytest.param(lambda: audit_event("create", CM, level="Request", request=_cm_with(
        data={"config.json": json.dumps({"db": {"password": P, "host": "db"}})})),
        lambda r: r["requestObject"]["data"]["config.json"], id="JSON file in a ConfigMap"),
    pytest.param(lambda: audit_event("create", CM, level="Request", request=_cm_with(), annotations=patch_annotation(
        0, 0, "cfg", "w.example.com", [{"op": "add", "path": "/data", "value": {"password": P}}])),
        lambda r: r["annotations"]["patch.webhook.admission.k8s.io/round_0_index_0"], id="webhook patch annotation"),
]


@pytest.mark.parametrize("make, text_of", FORENSICS)
def test_json_kept_in_strings_stays_json_with_its_keys(make, text_of):
    for s in ship(make()):
        assert P not in s.text()
        text = text_of(s.records[0])
        decoded = json.loads(text)  # still JSON
        assert '"password":"[REDACTED]"' in json.dumps(decoded, separators=(",", ":")), text  # the key stays


# ---------------------------------------------------------------- the checker itself


def test_the_checker_sees_every_encoding():
    """exposure() must find a planted value in each form a reader could decode."""
    secret = "Zq9-Planted-77x"
    for text in (secret, b64(secret), gz_b64(secret), b64(gz_b64(secret)), urllib.parse.quote_plus("-p" + secret),
                 go_bytes(("x" + secret).encode()), "release: " + gz_b64(json.dumps({"config": {"p": secret}})),
                 "key=" + b64("u:" + secret)):
        assert exposure([Shipped(False, [2], [{"v": text}], "")], secret), text
    assert exposure([Shipped(False, [2], [{"v": "[REDACTED]", "w": b64("something else")}], "")], secret) is None
