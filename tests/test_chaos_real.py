"""Failure modes against the real binaries (auditc.tools.harness.chaos):
Fluent Bit killed mid-stream and restarted, rotation with gzip, a 429 burst.
Nothing may be lost. Skips unless FLUENT_BIT_BIN and LOKI_BIN (or fluent-bit
and loki on PATH). The 2-minute Loki outage runs from the command line only:
`python -m auditc.tools.harness.chaos --scenarios loki-down`."""

from __future__ import annotations

import pytest

from auditc.tools.harness import chaos
from auditc.tools.harness.drivers import native_binaries

from conftest import ROOT

FB, LOKI = native_binaries()
needs_binaries = pytest.mark.skipif(not (FB and LOKI), reason="needs fluent-bit and loki binaries (FLUENT_BIT_BIN, LOKI_BIN)")


@needs_binaries
@pytest.mark.parametrize("name", ["sigkill", "rotate-gzip", "burst429"])
def test_nothing_lost(name):
    (res,) = chaos.run([name], lua_dir=ROOT / "lua", port_base=35100 + 10 * chaos.SCENARIOS.index(name))
    assert res.sent > 0 and res.lost == 0, chaos.table([res])


def test_table_formats():
    r = chaos.Result("x", sent=2, arrived=2, latency=[0.5, 1.5])
    assert "0.50s" in chaos.table([r]) and "1.50s" in chaos.table([r])
