"""The full Fluent Bit pipeline for audit logs, in classic and YAML formats.

One model (ordered sections of key/value entries) rendered twice, so the two
formats cannot drift. Choices that matter, and why:

* tail + json parser with an offset DB (DB.locking, WAL): restarts neither
  lose nor duplicate lines; Rotate_Wait covers kube-apiserver's rotation.
* Buffer_Max_Size 16M with Skip_Long_Lines: a RequestResponse event can be
  megabytes; without Skip_Long_Lines a line over the buffer stops the tail
  of that file altogether.
* storage.type filesystem, Mem_Buf_Limit and per-output
  storage.total_limit_size: a slow or down backend buffers on disk instead
  of dropping events or OOM-killing the shipper (the article's failure modes).
* The json parser takes the event time from stageTimestamp and keeps the
  field (Time_Keep), so Loki orders events by when they happened.
* Loki labels: job=kube-audit and severity from the `detection` map only;
  never user names or ids (unbounded label cardinality breaks Loki).
* Coro_Stack_Size 256 KiB: outputs encode records to JSON in coroutines
  (flb_libco) whose default stack is 24 KiB, and the encoder
  (src/flb_pack.c msgpack2json) recurses with a 512-byte buffer per level.
  Measured on a v4.2.8 build: at the default, a record nesting 40 maps kills
  the loki output and the file output dies at ~14-16 levels (heap
  corruption); with 256 KiB both handle 80+ levels. The filter's depth cap
  is the first guard; this is the second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from auditc.artifacts import header
from auditc.backends.fluentbit.snippets import WHY_NULL

OUTPUTS = ("loki", "opensearch", "s3")


@dataclass(frozen=True)
class PipelineOptions:
    source: str = "file"  # "file": tail the audit log; "webhook": the apiserver posts EventLists
    audit_log: str = "/var/log/kubernetes/audit/audit.log"
    state_dir: str = "/var/lib/auditc-fluent-bit"  # offsets DB and filesystem buffer (hostPath, read-write)
    config_dir: str = "/fluent-bit/etc"  # where the ConfigMap is mounted
    script_name: str = "auditc.lua"
    call: str = "auditc_filter"
    tag: str = "kube-audit"
    outputs: tuple = ("loki",)
    loki_host: str = "${LOKI_HOST}"
    loki_port: str = "${LOKI_PORT}"
    http_listen: str = "0.0.0.0"
    http_port: int = 2020
    mem_buf_limit: str = "64MB"
    # webhook source: loopback only (see webhook_input), TLS from a Secret
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 9880
    webhook_tls: bool = True
    tls_dir: str = "/fluent-bit/tls"
    webhook_batch_max_size: int = 100  # kube-apiserver --audit-webhook-batch-max-size
    storage_total_limit: str = "2G"
    flush: int = 1
    log_level: str = "info"


@dataclass
class Section:
    kind: str  # SERVICE, PARSER, INPUT, FILTER, OUTPUT
    entries: list[tuple[str, str]] = field(default_factory=list)
    comment: str = ""

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.entries if k.lower() == key.lower()), None)


def pipeline(o: PipelineOptions) -> list[Section]:
    for out in o.outputs:
        if out not in OUTPUTS:
            raise ValueError(f"unknown output {out!r} (choose from {', '.join(OUTPUTS)})")
    if o.source not in ("file", "webhook"):
        raise ValueError(f"unknown source {o.source!r}")
    state = o.state_dir.rstrip("/")
    source = tail_input(o, state) if o.source == "file" else webhook_input(o)
    sections = [
        Section("SERVICE", [
            ("Flush", str(o.flush)),
            ("Grace", "10"),
            ("Log_Level", o.log_level),
            ("Coro_Stack_Size", "262144"),
            ("Parsers_File", f"{o.config_dir}/parsers.conf"),
            ("HTTP_Server", "On"),
            ("HTTP_Listen", o.http_listen),
            ("HTTP_Port", str(o.http_port)),
            ("Health_Check", "On"),
            ("HC_Errors_Count", "5"),
            ("HC_Retry_Failure_Count", "5"),
            ("HC_Period", "60"),
            # Retries wait a random 5 s .. min(cap, 5 s * 2^n); the default cap
            # (2000 s) left everything buffered during a 2-minute Loki outage
            # arriving up to 107 s after Loki was back (harness chaos), and a
            # longer outage delays delivery by up to half an hour: detections
            # older than their alert window (5m) then never alert.
            ("scheduler.cap", "30"),
            ("storage.path", f"{state}/buffer"),
            ("storage.sync", "normal"),
            ("storage.checksum", "off"),
            ("storage.backlog.mem_limit", "16M"),
            ("storage.max_chunks_up", "64"),
            ("storage.metrics", "on"),
        ], "health endpoint /api/v1/health on :%d for probes; filesystem buffer for outages" % o.http_port),
        source,
        Section("FILTER", [
            ("Name", "lua"),
            ("Match", f"{o.tag}*"),
            ("Script", f"{o.config_dir}/{o.script_name}"),
            ("Call", o.call),
            ("Protected_Mode", "true"),
            ("Enable_Flb_Null", "true"),
        ], "auditc: detect, drop, redact. " + WHY_NULL),
    ]
    if "loki" in o.outputs:
        sections.append(Section("OUTPUT", [
            ("Name", "loki"),
            ("Match", f"{o.tag}*"),
            ("Host", o.loki_host),
            ("Port", o.loki_port),
            ("Labels", "job=kube-audit, severity=$detection['severity']"),
            ("Line_Format", "json"),
            ("Auto_Kubernetes_Labels", "off"),
            ("Retry_Limit", "no_limits"),
            ("storage.total_limit_size", o.storage_total_limit),
        ], "labels stay low-cardinality: job and detection severity only"))
    if "opensearch" in o.outputs:
        sections.append(Section("OUTPUT", [
            ("Name", "opensearch"),
            ("Match", f"{o.tag}*"),
            ("Host", "${OPENSEARCH_HOST}"),
            ("Port", "${OPENSEARCH_PORT}"),
            ("HTTP_User", "${OPENSEARCH_USER}"),
            ("HTTP_Passwd", "${OPENSEARCH_PASSWORD}"),
            ("tls", "On"),
            ("tls.verify", "On"),
            ("Logstash_Format", "On"),
            ("Logstash_Prefix", "kube-audit"),
            ("Suppress_Type_Name", "On"),
            ("Replace_Dots", "On"),
            ("Retry_Limit", "no_limits"),
            ("storage.total_limit_size", o.storage_total_limit),
        ], "Elasticsearch/OpenSearch (Replace_Dots: audit annotations have dotted keys)"))
    if "s3" in o.outputs:
        sections.append(Section("OUTPUT", [
            ("Name", "s3"),
            ("Match", f"{o.tag}*"),
            ("bucket", "${S3_BUCKET}"),
            ("region", "${AWS_REGION}"),
            ("total_file_size", "50M"),
            ("upload_timeout", "10m"),
            ("use_put_object", "On"),
            ("compression", "gzip"),
            ("s3_key_format", "/kube-audit/%Y/%m/%d/%H/$UUID.json.gz"),
            ("store_dir", f"{state}/s3"),
            ("Retry_Limit", "no_limits"),
            ("storage.total_limit_size", o.storage_total_limit),
        ], "long-term archive in S3"))
    return sections


def tail_input(o: PipelineOptions, state: str) -> Section:
    return Section("INPUT", [
        ("Name", "tail"),
        ("Tag", o.tag),
        ("Path", o.audit_log),
        ("Parser", "json"),
        ("DB", f"{state}/tail-audit.db"),
        ("DB.locking", "true"),
        ("DB.journal_mode", "WAL"),
        ("Read_from_Head", "true"),
        # After a rotation Fluent Bit looks for the new file at once; when it
        # looks before the apiserver created it, only this rescan finds it,
        # and a file renamed away before then is never read (harness chaos
        # rotate at 0.3 s lost a whole file with 5). One glob a second is cheap.
        ("Refresh_Interval", "1"),
        ("Rotate_Wait", "30"),
        ("Buffer_Chunk_Size", "256K"),
        ("Buffer_Max_Size", "16M"),
        ("Skip_Long_Lines", "On"),
        ("Mem_Buf_Limit", o.mem_buf_limit),
        ("storage.type", "filesystem"),
    ], "the apiserver's audit log; offsets survive restarts")


def webhook_buffer(batch_max_size: int) -> str:
    """in_http's Buffer_Max_Size must hold a whole batch or the apiserver's
    POST fails and the batch is lost: 256 KiB per event covers
    RequestResponse events with large bodies."""
    return f"{max(4, -(-batch_max_size * 256 // 1024))}M"


def webhook_input(o: PipelineOptions) -> Section:
    """The apiserver's audit webhook posts EventLists to https://<listen>/,
    which keeps the configured Tag (a longer path would become the tag, with
    '-' turned into '_': plugins/in_http/http_prot.c).
    Fluent Bit's TLS server requests a client certificate but does not
    require one (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT in
    src/tls/openssl.c), so mutual TLS alone would not keep other clients out:
    the listener binds to loopback on the control-plane node, where only the
    apiserver posts."""
    entries = [
        ("Name", "http"),
        ("Tag", o.tag),
        ("Listen", o.webhook_listen),
        ("Port", str(o.webhook_port)),
        ("Buffer_Max_Size", webhook_buffer(o.webhook_batch_max_size)),
        ("Buffer_Chunk_Size", "512K"),
        ("Successful_Response_Code", "200"),
        ("Mem_Buf_Limit", o.mem_buf_limit),
        ("storage.type", "filesystem"),
    ]
    if o.webhook_tls:
        entries += [
            ("tls", "On"),
            ("tls.verify", "On"),
            ("tls.ca_file", f"{o.tls_dir}/ca.crt"),
            ("tls.crt_file", f"{o.tls_dir}/tls.crt"),
            ("tls.key_file", f"{o.tls_dir}/tls.key"),
        ]
    return Section("INPUT", entries, "audit webhook: the apiserver posts EventList batches here (loopback only)")


def parsers() -> list[Section]:
    return [Section("PARSER", [
        ("Name", "json"),
        ("Format", "json"),
        ("Time_Key", "stageTimestamp"),
        ("Time_Format", "%Y-%m-%dT%H:%M:%S.%LZ"),
        ("Time_Keep", "On"),
    ], "audit events carry RFC 3339 UTC timestamps with microseconds")]


def _header(what: str, style: str = "conf") -> list[str]:
    return [header(style), f"# {what}"]


def render_classic(sections: list[Section], what: str) -> str:
    lines = _header(what, "conf")
    for s in sections:
        lines.append("")
        if s.comment:
            lines.append(f"# {s.comment}")
        lines.append(f"[{s.kind}]")
        width = max(len(k) for k, _ in s.entries)
        lines.extend(f"    {k:<{width}} {v}" for k, v in s.entries)
    return "\n".join(lines) + "\n"


def render_yaml(sections: list[Section], parser_sections: list[Section], what: str) -> str:

    def scalar(v: str) -> str:
        # Quote everything but integers: values hold $, [, ', %, : and words
        # like On/Off that YAML 1.1 readers would turn into booleans.
        return v if v.isdigit() else json.dumps(v)

    lines = _header(what, "yaml")
    service = next(s for s in sections if s.kind == "SERVICE")
    lines.append("service:")
    lines.extend(f"  {k.lower()}: {scalar(v)}" for k, v in service.entries if k != "Parsers_File")
    lines.append("parsers:")
    for p in parser_sections:
        first = True
        for k, v in p.entries:
            lines.append(f"  {'- ' if first else '  '}{k.lower()}: {scalar(v)}")
            first = False
    lines.append("pipeline:")
    for kind, key in (("INPUT", "inputs"), ("FILTER", "filters"), ("OUTPUT", "outputs")):
        lines.append(f"  {key}:")
        for s in (x for x in sections if x.kind == kind):
            if s.comment:
                lines.append(f"    # {s.comment}")
            first = True
            for k, v in s.entries:
                lines.append(f"    {'- ' if first else '  '}{k.lower()}: {scalar(v)}")
                first = False
    return "\n".join(lines) + "\n"


def pipeline_files(o: PipelineOptions) -> dict[str, str]:
    sections = pipeline(o)
    if o.source == "file":
        what = f"Fluent Bit pipeline for Kubernetes audit logs: tail {o.audit_log} -> auditc -> {', '.join(o.outputs)}"
        name = "fluent-bit"
    else:
        what = (f"Fluent Bit pipeline for the kube-apiserver audit webhook: http {o.webhook_listen}:{o.webhook_port}/"
                f" -> auditc -> {', '.join(o.outputs)}")
        name = "fluent-bit-webhook"
    return {
        f"{name}.conf": render_classic(sections, what),
        "parsers.conf": render_classic(parsers(), "parsers for fluent-bit.conf and fluent-bit-webhook.conf"),
        f"{name}.yaml": render_yaml(sections, parsers(), what + " (YAML format)"),
    }
