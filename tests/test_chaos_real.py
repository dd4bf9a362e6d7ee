"""Failure modes against the real binaries (auditc harness chaos): Fluent
Bit killed mid-stream and restarted, rotation with gzip and a 429 burst lose
nothing; the buffer limit loses exactly the oldest events and Fluent Bit
counts them; a detection alerts within one ruler interval. Skips unless
FLUENT_BIT_BIN and LOKI_BIN (or fluent-bit and loki on PATH). The 2-minute
Loki outage and the volume run are for the command line:
`auditc harness chaos --scenarios loki-down,volume`."""

from __future__ import annotations

import pytest

from auditc.backends.alerting import GROUP_INTERVAL
from auditc.tools.harness import chaos
from auditc.tools.harness.drivers import native_binaries
from auditc.tools.harness.loki import parse_duration_ns

from conftest import ROOT

FB, LOKI = native_binaries()
needs_binaries = pytest.mark.skipif(not (FB and LOKI), reason="needs fluent-bit and loki binaries (FLUENT_BIT_BIN, LOKI_BIN)")


def _run(name: str, **opts) -> chaos.Result:
    options = chaos.Options(lua_dir=ROOT / "lua", port_base=25100 + 10 * chaos.SCENARIOS.index(name), **opts)
    (res,) = chaos.run([name], options)
    return res


@needs_binaries
@pytest.mark.parametrize("name", ["sigkill", "rotate-gzip", "burst429"])
def test_nothing_lost(name):
    res = _run(name)
    assert res.sent > 0 and res.lost == 0, chaos.table([res])


@needs_binaries
def test_buffer_limit_loses_the_oldest_and_fluent_bit_counts_them():
    res = _run("buffer-limit", buffer_limit="4M")
    assert 0 < res.lost < res.sent, chaos.table([res])
    assert res.figures["dropped_records_metric"] == res.lost  # the metric is where Fluent Bit says so
    assert res.figures["lost_ranges"].startswith("0-")  # the oldest chunks go first
    assert res.figures["drop_log_levels"] == ["debug"]  # nothing at the generated Log_Level info


@needs_binaries
def test_a_detection_alerts_within_one_group_interval():
    res = _run("latency-alert")
    every = parse_duration_ns(GROUP_INTERVAL) / 1e9
    assert res.lost == 0, chaos.table([res])
    assert max(res.latency) <= every + 15, chaos.table([res])
