"""Replay sample audit logs through real Fluent Bit into a test Loki.

Two ways to run the same pipeline (the build output in lua/):
  docker  docker/compose.yaml: Fluent Bit (pinned image), Loki, Grafana
  native  `fluent-bit` and `loki` binaries from PATH (or FLUENT_BIT_BIN,
          LOKI_BIN) on 127.0.0.1, configs generated into a work directory
"""
