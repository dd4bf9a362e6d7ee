"""Realistic Kubernetes audit-log generator for benchmarks (stdlib only).

Writes JSON lines the way kube-apiserver 1.29-1.31 does with
``--audit-log-format=json``: compact JSON, the audit.k8s.io/v1 Event fields in
the apiserver's order (Go struct order; Go maps such as labels, annotations and
``user.extra`` with sorted keys), ``&``/``<``/``>`` escaped as ``\\u0026`` etc.
like Go's encoder, microsecond RFC3339 timestamps, and the event mix of a busy
cluster: mostly watches, lease renewals, health probes and reads, a fraction of
mutations, and rare security-relevant events.

Everything is deterministic: the same arguments give byte-identical output. The
event stream (auditIDs, users, verbs, timestamps) does not depend on ``level``;
the level only decides the ``level`` field and which bodies are attached, so
the same seed at two levels gives the same events with and without bodies.

    python benchmarks/auditgen -n 100000 --level metadata --seed 1 -o audit.log
    python benchmarks/auditgen -n 100000 --level mix --gzip -o audit.log.gz
    python benchmarks/auditgen -n 100000 --rotate 4 -o logs/    # lumberjack names

(or ``python -m auditgen`` with benchmarks/ on sys.path).

Sizes (seed 1, 100k events; ``--stats`` prints them): a Metadata line is
0.7-1.6 KB, ~1.0 KB on average, not the 200-500 bytes sometimes quoted: a
kubelet lease renewal alone (node user, objectRef with uid/resourceVersion,
authorization annotations) is ~0.9 KB in a real cluster, and service-account
users carry pod-bound token claims in user.extra. Bodies follow the tiers:
Request lines with a requestObject average ~1.9 KB (1-5 KB targets),
RequestResponse lines with bodies ~9 KB (5-50 KB targets); objects that are
small by nature (Leases, Bindings, TokenRequests, Events) keep their natural
size. Averages over all lines: metadata ~1.0 KB, mix ~1.25 KB, request
~1.3 KB, requestresponse ~6 KB.

Modules: mix (event mix and levels), world (the simulated cluster),
scenarios/ (one method per scenario, returning an event_parts.Request),
objects/ and bodies (request/response body templates), generator
(iter_events, generate), cli (main), goformat (Go-style JSON, ids, times).
"""
from __future__ import annotations

from .cli import main
from .generator import generate, iter_events
from .mix import CLASS_SCENARIOS, EVENT_MIX, LEVELS, RARE_MIX, scenario_table

__all__ = ["CLASS_SCENARIOS", "EVENT_MIX", "LEVELS", "RARE_MIX", "generate", "iter_events", "main", "scenario_table"]
