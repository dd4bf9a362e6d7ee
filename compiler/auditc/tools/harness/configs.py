"""Configs for the harness's Loki and for Fluent Bit in native mode."""

from __future__ import annotations

from pathlib import Path

from auditc.backends.fluentbit.pipeline import PipelineOptions, pipeline_files


def loki_config(*, listen: str, http_port: int, grpc_port: int, data_dir: str, rules_dir: str,
                overrides: dict[str, dict[str, str]] | None = None) -> str:
    """A single-process Loki with filesystem storage, set up for replays:
    old samples are accepted (incident logs replayed into the harness can be
    months old), queries of any age also ask the ingesters (stock Loki only
    does within 3h, so a replay of last year's log is invisible until its
    chunks are flushed), and ingestion limits are raised above a burst
    replay (stock: 4 MB/s, 6 MB burst per tenant; 3 MB/s per stream).

    `overrides` ({section: {key: value}}) replaces or adds keys of a
    top-level section, e.g. lower limits or an alertmanager_url for a
    failure-mode scenario."""
    text = f"""# Loki for the auditc harness: single process, filesystem storage, no auth.
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
    for section, keys in (overrides or {}).items():
        for key, value in keys.items():
            text = set_section_key(text, section, key, value)
    return text


def set_section_key(text: str, section: str, key: str, value: str) -> str:
    """Set `key: value` (two-space indent) under the top-level `section:` of
    the template above, replacing the key where it is set already."""
    lines = text.split("\n")
    try:
        start = lines.index(f"{section}:")
    except ValueError:
        raise KeyError(f"no section {section!r} in the Loki config") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    for i in range(start + 1, end):
        if lines[i].startswith(f"  {key}:"):
            lines[i] = f"  {key}: {value}"
            return "\n".join(lines)
    lines.insert(end, f"  {key}: {value}")
    return "\n".join(lines)


DOCKER_LOKI = dict(listen="0.0.0.0", http_port=3100, grpc_port=9096, data_dir="/loki", rules_dir="/etc/loki/rules")


def native_files(work: Path, lua_dir: Path, *, loki_port: int, fb_port: int, source: str = "file",
                 webhook_port: int = 9880, loki_overrides: dict[str, dict[str, str]] | None = None) -> dict[Path, str]:
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
                                                     rules_dir=str(work / "loki" / "rules"), overrides=loki_overrides)
    return files


def own_config_args(*, listen: str, http_port: int, grpc_port: int, data_dir: str, rules_dir: str) -> list[str]:
    """Command-line flags that run Loki from a config file of the user's
    (e.g. the stock cmd/loki/loki-local-config.yaml) inside the harness:
    Loki's flags override its file, so only where it listens and where it
    keeps data change; every limit stays as the file sets it. Usage
    reporting is switched off (it would call out of the machine)."""
    return [f"-server.http-listen-address={listen}", f"-server.http-listen-port={http_port}",
            f"-server.grpc-listen-address={listen}", f"-server.grpc-listen-port={grpc_port}",
            f"-common.path-prefix={data_dir}", f"-common.storage.filesystem.chunk-directory={data_dir}/chunks",
            f"-common.storage.filesystem.rules-directory={rules_dir}", f"-ruler.storage.local.directory={rules_dir}",
            f"-ruler.rule-path={data_dir}/rules-temp", "-reporting.enabled=false",
            f"-pattern-ingester.metric-aggregation.loki-address={listen}:{http_port}"]
