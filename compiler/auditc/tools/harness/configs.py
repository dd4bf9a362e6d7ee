"""Configs for the harness's Loki and for Fluent Bit in native mode."""

from __future__ import annotations

from pathlib import Path

from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files


def loki_config(*, listen: str, http_port: int, grpc_port: int, data_dir: str, rules_dir: str) -> str:
    """A single-process Loki with filesystem storage, set up for replays:
    old samples are accepted (incident logs replayed into the harness can be
    months old), queries of any age also ask the ingesters (stock Loki only
    does within 3h, so a replay of last year's log is invisible until its
    chunks are flushed), and ingestion limits are raised above a burst
    replay (stock: 4 MB/s, 6 MB burst per tenant; 3 MB/s per stream)."""
    return f"""# Loki for the auditc harness: single process, filesystem storage, no auth.
auth_enabled: false
server:
  http_listen_address: {listen}
  http_listen_port: {http_port}
  grpc_listen_address: {listen}
  grpc_listen_port: {grpc_port}
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: {data_dir}
  storage:
    filesystem:
      chunks_directory: {data_dir}/chunks
      rules_directory: {data_dir}/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: "2020-10-24"
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
limits_config:
  reject_old_samples: false
  max_query_lookback: 0s
  max_entries_limit_per_query: 5000
  ingestion_rate_mb: 64
  ingestion_burst_size_mb: 128
  per_stream_rate_limit: 32MB
  per_stream_rate_limit_burst: 64MB
querier:
  query_ingesters_within: 0s
ruler:
  storage:
    type: local
    local:
      directory: {rules_dir}
  rule_path: {data_dir}/rules-temp
  enable_api: true
analytics:
  reporting_enabled: false
"""


DOCKER_LOKI = dict(listen="0.0.0.0", http_port=3100, grpc_port=9096, data_dir="/loki", rules_dir="/etc/loki/rules")


def native_files(work: Path, lua_dir: Path, *, loki_port: int, fb_port: int, source: str = "file",
                 webhook_port: int = 9880) -> dict[Path, str]:
    """Everything native mode writes into its work directory. In webhook mode
    the http input listens on loopback without TLS (the harness posts itself)."""
    opts = PipelineOptions(source=source, audit_log=str(work / "audit" / "audit.log"), state_dir=str(work / "state"),
                           config_dir=str(work / "etc"), loki_host="127.0.0.1", loki_port=str(loki_port),
                           http_listen="127.0.0.1", http_port=fb_port, webhook_port=webhook_port, webhook_tls=False)
    files = {work / "etc" / name: text for name, text in pipeline_files(opts).items()}
    files[work / "etc" / "auditc.lua"] = (lua_dir / "auditc.lua").read_text()
    # the ruler's local storage: <dir>/<tenant>/<file>; tenant "fake" without auth
    files[work / "loki" / "rules" / "fake" / "auditc.yaml"] = (lua_dir / "loki-rules.yaml").read_text()
    files[work / "loki" / "loki.yaml"] = loki_config(listen="127.0.0.1", http_port=loki_port, grpc_port=loki_port + 6000,
                                                     data_dir=str(work / "loki" / "data"),
                                                     rules_dir=str(work / "loki" / "rules"))
    return files
