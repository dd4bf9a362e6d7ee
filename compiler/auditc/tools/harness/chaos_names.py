"""The failure-mode scenario names, importable without the scenarios
themselves (the CLI builds its parser from them on every start)."""

from __future__ import annotations

SCENARIOS = ("sigterm", "sigkill", "rotate", "rotate-gzip", "latency", "latency-alert", "burst429", "loki-down",
             "buffer-limit", "volume")
DEFAULT_SCENARIOS = tuple(s for s in SCENARIOS if s != "volume")  # volume: on request, it takes a while


def parse_scenarios(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in SCENARIOS]
    if bad:
        raise ValueError(f"unknown scenario {', '.join(bad)} (choose from {', '.join(SCENARIOS)})")
    if not names:
        raise ValueError("no scenario given")
    return names
