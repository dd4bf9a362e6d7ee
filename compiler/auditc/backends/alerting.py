"""Alerting and querying artifacts: Loki ruler rule groups, the hunting
queries per detection, and a Grafana dashboard.

The article put LogQL into a Prometheus `PrometheusRule`; Prometheus cannot
evaluate LogQL. These groups are in the Prometheus rule-file format that
Loki's ruler loads (or Grafana's alerting imports), with LogQL expressions.
Each alert counts records the filter already flagged (the cheap enriched
form), grouped by the rule's `alert.group_by` fields extracted with `| json`.
"""

from __future__ import annotations

import json

import yaml

from auditc.artifacts import header
from auditc.ir import IRRule, Program
from auditc.severity import SEVERITY_RANK
from auditc.paths import parse_path
from auditc.backends import logql

HEADER = header("yaml")
DEFAULT_WINDOW = "5m"
# The ruler evaluates the group every GROUP_INTERVAL, so a detection alerts
# one ingestion delay (~1 s) plus up to one interval after it is written.
# Measured (auditc harness chaos --scenarios latency-alert, real Loki 3.7.6):
# 1m gives 8-59 s (p50 34 s), just inside the promised 30-60 s at worst;
# 30s gives 4-30 s. The queries read only flagged streams, so twice the
# evaluations cost little.
GROUP_INTERVAL = "30s"
DEFAULT_GROUP_BY = ("user.username",)


def alert_name(rule_id: str, suffix: str = "") -> str:
    parts = [p for p in rule_id.replace(".", "-").replace("_", "-").split("-") if p]
    return "Auditc" + "".join(p[:1].upper() + p[1:] for p in parts) + suffix


def _attack(tags: tuple) -> tuple[str, str]:
    techniques = sorted({t.split(".", 1)[1].upper() for t in tags if t.lower().startswith("attack.t")})
    tactics = sorted({t.split(".", 1)[1] for t in tags if t.lower().startswith("attack.") and not t.lower().startswith("attack.t")})
    return ",".join(techniques), ",".join(tactics)


def _group_labels(rule: IRRule) -> dict[str, str]:
    paths = rule.payload.alert.group_by or tuple(parse_path(p) for p in DEFAULT_GROUP_BY)
    return {logql.label_name(p): logql.json_expression(p) for p in paths if not p.has_wildcard}


def _metric(rule: IRRule, labels: dict[str, str], window: str, threshold: int) -> str:
    log = logql.enriched_query(rule, labels, exclude=tuple(rule.payload.alert.exclude)).logql
    by = ", ".join(labels) if labels else ""
    agg = f"sum by ({by})" if by else "sum"
    return f"{agg} (count_over_time({log} [{window}])) >= {threshold}"


def alert_rules(rule: IRRule, raw: logql.Query) -> list[dict]:
    det = rule.payload
    hints = det.alert
    labels = _group_labels(rule)
    window = hints.window or DEFAULT_WINDOW
    threshold = hints.threshold or 1
    techniques, tactics = _attack(det.tags)
    who = " ".join(f"{name}={{{{ $labels.{name} }}}}" for name in labels)
    hunting = logql.enriched_query(rule).logql
    base_labels = {"auditc_rule": rule.id}
    if techniques:
        base_labels["mitre_attack"] = techniques
    if tactics:
        base_labels["mitre_tactics"] = tactics
    annotations = {
        "description": det.description,
        "runbook": hints.runbook or f"Open the hunting query (logql), check who and why; tune with the rule's "
                                    f"exceptions or trusted-identities. Rule source: {rule.loc}",
        "logql": hunting,
        "logql_raw": raw.logql,
    }
    if not raw.exact:
        annotations["logql_raw_note"] = "superset of the rule: " + "; ".join(raw.notes)

    def one(name: str, count: int, severity: str, what: str) -> dict:
        return {
            "alert": name,
            "expr": _metric(rule, labels, window, count),
            "for": hints.for_ or "0m",
            "labels": {"severity": severity, **base_labels},
            "annotations": {"summary": f"{det.title}: {what} {{{{ $value }}}} in {window}" + (f" ({who})" if who else ""),
                            **annotations},
        }

    severity = hints.severity or det.severity
    out = [one(alert_name(rule.id), threshold, severity, "matched" if threshold == 1 else f"at least {threshold}, got")]
    if hints.escalate:
        esc_threshold, esc_severity = hints.escalate
        out.append(one(alert_name(rule.id, "Repeated"), esc_threshold, esc_severity, f"at least {esc_threshold}, got"))
    return out


def ruler_file(program: Program, raw_queries: dict[str, logql.Query]) -> str:
    detections = sorted(program.of_kind("detect"), key=lambda r: (-SEVERITY_RANK[r.payload.severity], r.number))
    rules = [a for r in detections for a in alert_rules(r, raw_queries[r.id])]
    doc = {"groups": [{"name": "auditc-detections", "interval": GROUP_INTERVAL, "rules": rules}]}
    body = yaml.safe_dump(doc, sort_keys=False, width=100_000, allow_unicode=True)
    return (f"{HEADER}\n# Loki ruler rule groups (Prometheus rule-file format with LogQL), one alert per detection\n"
            f"# (plus an escalation alert where the rule asks for one). Load into Loki's ruler, e.g.\n"
            f"#   <ruler storage>/<tenant>/auditc.yaml   (tenant `fake` when auth_enabled is false)\n{body}")


def queries_file(program: Program, raw_queries: dict[str, logql.Query]) -> str:
    doc = {}
    for r in program.of_kind("detect"):
        raw = raw_queries[r.id]
        entry = {"title": r.payload.title, "severity": r.payload.severity, "enriched": logql.enriched_query(r).logql,
                 "raw": raw.logql, "raw_exact": raw.exact}
        if raw.notes:
            entry["raw_notes"] = raw.notes
        doc[r.id] = entry
    body = yaml.safe_dump({"queries": doc}, sort_keys=False, width=100_000, allow_unicode=True)
    return (f"{HEADER}\n# LogQL hunting queries per detection. `enriched` reads auditc's detection map (exact, cheap);\n"
            f"# `raw` is the rule over un-enriched logs; raw_exact: false means a superset (see raw_notes).\n{body}")


def raw_queries(program: Program) -> dict[str, logql.Query]:
    return {r.id: logql.raw_query(r) for r in program.of_kind("detect")}


# ---------------------------------------------------------------- Grafana

def _panel(pid: int, title: str, kind: str, grid: tuple, targets: list[dict], **extra) -> dict:
    x, y, w, h = grid
    panel = {"id": pid, "title": title, "type": kind, "gridPos": {"x": x, "y": y, "w": w, "h": h},
             "datasource": {"type": "loki", "uid": "${datasource}"},
             "targets": [{"refId": chr(65 + i), "datasource": {"type": "loki", "uid": "${datasource}"}, **t}
                         for i, t in enumerate(targets)]}
    panel.update(extra)
    return panel


# Subresources that open a shell or a tunnel into a workload or node (the apiserver's "connect" verbs).
CONNECT_SUBRESOURCES = frozenset(("exec", "attach", "portforward", "proxy"))


def interactive_detections(program: Program) -> list[str]:
    """Detections that fire only on requests to connect subresources (pods/exec, pods/attach,
    pods/portforward, nodes/proxy, ...), in program order: the dashboard's exec and port-forward panel."""
    from auditc.policy.needs import analyse_program

    return [d.id for d in analyse_program(program)
            if d.targets and all(t.kind == "resource" and t.sub in CONNECT_SUBRESOURCES for t in d.targets)]


def dashboard(program: Program) -> str:
    flagged = logql.FLAGGED_SELECTOR
    base = logql.SELECTOR
    interactive = "|".join(interactive_detections(program)) or "^$"
    panels = [
        _panel(1, "Detections by severity", "timeseries", (0, 0, 12, 8),
               [{"expr": f"sum by (severity) (count_over_time({flagged} [$__interval]))", "legendFormat": "{{severity}}"}]),
        _panel(2, "Detections by rule", "timeseries", (12, 0, 12, 8),
               [{"expr": f"sum by (rules) (count_over_time({flagged} | json rules=`detection.rules` | __error__=\"\" [$__interval]))",
                 "legendFormat": "{{rules}}"}]),
        _panel(3, "Top flagged users and service accounts", "table", (0, 8, 12, 8),
               [{"expr": f"topk(15, sum by (user) (count_over_time({flagged} | json user=`user.username` | __error__=\"\" [$__range])))",
                 "queryType": "instant", "format": "table", "instant": True}]),
        _panel(4, "Secret access by user and verb", "timeseries", (12, 8, 12, 8),
               [{"expr": f"sum by (user, verb) (count_over_time({base} |= `\"secrets\"` | json resource=`objectRef.resource`, "
                         f"verb=`verb`, user=`user.username` | resource = `secrets` | __error__=\"\" [$__interval]))",
                 "legendFormat": "{{user}} {{verb}}"}]),
        _panel(5, "Exec, attach and port-forward", "logs", (0, 16, 24, 8),
               [{"expr": f"{flagged} |~ `\"({interactive})\"` "
                         f"| json user=`user.username`, ns=`objectRef.namespace`, pod=`objectRef.name`, uri=`requestURI` "
                         f"| __error__=\"\" | line_format `{{{{.user}}}} {{{{.ns}}}}/{{{{.pod}}}} {{{{.uri}}}}`"}]),
        _panel(6, "Events by verb and resource", "timeseries", (0, 24, 12, 8),
               [{"expr": f"topk(20, sum by (verb, resource) (count_over_time({base} | json verb=`verb`, resource=`objectRef.resource` "
                         f"| __error__=\"\" [$__interval])))", "legendFormat": "{{verb}} {{resource}}"}]),
        _panel(7, "Records auditc redacted or truncated", "timeseries", (12, 24, 12, 8),
               [{"expr": f"sum by (redacted) (count_over_time({base} |= `\"auditc\":` | json redacted=`auditc.redacted` "
                         f"| redacted != \"\" | __error__=\"\" [$__interval]))", "legendFormat": "{{redacted}}"},
                {"expr": f"sum(count_over_time({base} |= `\"truncated\":` | json t=`auditc.truncated` | t != \"\" "
                         f"| __error__=\"\" [$__interval]))", "legendFormat": "truncated (too deep)"}]),
        {"id": 8, "title": "Pipeline: records in and dropped by the auditc filter (Fluent Bit metrics)", "type": "timeseries",
         "gridPos": {"x": 0, "y": 32, "w": 24, "h": 8},
         "datasource": {"type": "prometheus", "uid": "${prometheus}"},
         "description": "Needs Prometheus scraping Fluent Bit's /api/v2/metrics/prometheus (port 2020).",
         "targets": [
             {"refId": "A", "expr": "sum(rate(fluentbit_filter_records_total{name=~\"lua.*\"}[5m]))", "legendFormat": "into the filter"},
             {"refId": "B", "expr": "sum(rate(fluentbit_filter_drop_records_total{name=~\"lua.*\"}[5m]))", "legendFormat": "dropped"},
         ]},
    ]
    doc = {
        "title": "auditc: Kubernetes audit detections",
        "uid": "auditc-audit",
        "tags": ["auditc", "kubernetes", "audit", "security"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "loki", "current": {"text": "Loki", "value": "loki"}},
            {"name": "prometheus", "type": "datasource", "query": "prometheus"},
        ]},
        "description": header("json"),
        "panels": panels,
    }
    return json.dumps(doc, indent=2) + "\n"
