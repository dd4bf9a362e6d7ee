"""Audit levels and stages (k8s.io/apiserver/pkg/apis/audit/types.go).

Levels are ordered: None < Metadata < Request < RequestResponse
(`Level.Less` in types.go compares by this order).
"""

from __future__ import annotations

LEVELS = ("None", "Metadata", "Request", "RequestResponse")
_RANK = {name: i for i, name in enumerate(LEVELS)}

# types.go: Stage constants; validation.go validOmitStages.
STAGES = ("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")

# What each body needs (request.go LogRequestObject / LogResponseObject).
BODY_LEVEL = {"requestObject": "Request", "responseObject": "RequestResponse"}


def level_rank(level: str) -> int:
    return _RANK[level]


def at_least(level: str, needed: str) -> bool:
    return _RANK[level] >= _RANK[needed]


def bodies_at(level: str) -> tuple[str, ...]:
    """The bodies an event logged at `level` keeps."""
    return tuple(body for body, need in BODY_LEVEL.items() if at_least(level, need))
