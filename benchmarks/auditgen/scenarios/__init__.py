"""Scenarios: one method s_<scenario> per entry of the mix (mix.py), each returning a Request.

The methods are grouped by event class in mixins over SessionBase; Session combines them.
Scenarios draw random numbers only through self.r (pick, lat), the generator that also
draws event times and auditIDs: the order of the draws is part of the output, so keep
it when editing a scenario.
"""
from __future__ import annotations

from .health import HealthScenarios
from .leases import LeaseScenarios
from .mutations import MutationScenarios
from .rare import RareScenarios
from .reads import ReadScenarios
from .watches import WatchScenarios


class Session(WatchScenarios, LeaseScenarios, HealthScenarios, ReadScenarios, MutationScenarios, RareScenarios):
    """The scenarios of one iter_events() run."""


__all__ = ["Session"]
