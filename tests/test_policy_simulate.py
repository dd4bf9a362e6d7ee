"""`auditc policy simulate` on a fixture capture with known sizes.

tests/fixtures/policy/capture.jsonl: ten events captured at RequestResponse
plus one line that is not JSON; tests/fixtures/policy/policy.yaml: six rules.
Line sizes (bytes with the newline), in file order:
  605  GET /healthz?verbose (anonymous)          -> rule #1 None
  693  GET secret, stage RequestReceived          -> rule #3 Metadata, omitted (omitStages)
 1041  GET secret, with the Secret as response     -> rule #3 Metadata: 687 (bodies removed)
 1516  CREATE pod, request and response bodies    -> rule #5 Request: 894 (response removed, managedFields stripped)
 1361  PATCH pod, patch body with managedFields   -> rule #5 Request: 938 (a patch is logged raw: kept)
   22  not JSON                                    -> malformed, not counted
 1208  CREATE clusterrolebinding                   -> rule #4 RequestResponse: 1009 (response managedFields stripped)
 1276  LIST configmaps (ConfigMapList)            -> rule #4 RequestResponse: 878 (every item's managedFields)
 1104  LIST configmaps as a Table                  -> rule #4 RequestResponse: 905 (every row object's managedFields)
  666  WATCH pods (scheduler)                      -> rule #2 None
  782  GET node, with the Node as response         -> rule #6 Metadata: 659
The first and last requestReceivedTimestamp are one hour apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditc.policy import load_policy
from auditc.policy.simulate import simulate
from auditc.policy.trim import go_json, trim_event

FIXTURES = Path(__file__).parent / "fixtures" / "policy"
CAPTURE = FIXTURES / "capture.jsonl"


def run(tmp_path=None, policy_file=FIXTURES / "policy.yaml"):
    policy, _ = load_policy(policy_file)
    out = str(tmp_path / "trimmed.jsonl") if tmp_path else None
    return simulate(policy, [str(CAPTURE)], output=out), out


def test_fixture_sizes_are_what_the_docstring_says():
    sizes = [len(line) for line in CAPTURE.read_bytes().split(b"\n")[:-1]]
    assert [s + 1 for s in sizes] == [605, 693, 1041, 1516, 1361, 22, 1208, 1276, 1104, 666, 782]


def test_bytes_and_events_per_level(tmp_path):
    r, _ = run(tmp_path)
    per_level = {lv: (b.events_in, b.bytes_in, b.events_out, b.bytes_out) for lv, b in r.by_level.items()}
    assert per_level == {
        "None": (2, 605 + 666, 0, 0),
        "Metadata": (3, 693 + 1041 + 782, 2, 687 + 659),
        "Request": (2, 1516 + 1361, 2, 894 + 938),
        "RequestResponse": (3, 1208 + 1276 + 1104, 3, 1009 + 878 + 905),
    }
    assert (r.events, r.bytes_in, r.events_out, r.bytes_out) == (10, 10252, 7, 5970)
    assert (r.stage_omitted, r.stage_omitted_bytes) == (1, 693)
    assert r.malformed == 1 and r.malformed_refs == [f"{CAPTURE}:6"]


def test_bytes_per_policy_rule(tmp_path):
    r, _ = run(tmp_path)
    per_rule = {n: (b.events_in, b.bytes_in, b.events_out, b.bytes_out) for n, b in r.by_rule.items()}
    assert per_rule == {1: (1, 605, 0, 0), 2: (1, 666, 0, 0), 3: (2, 1734, 1, 687), 4: (3, 3588, 3, 2792),
                        5: (2, 2877, 2, 1832), 6: (1, 782, 1, 659)}


def test_projection_and_reduction(tmp_path):
    r, _ = run(tmp_path)
    assert r.span_seconds == 3600.0
    assert r.per_day(r.bytes_out) == 5970 * 24
    assert r.per_day(r.bytes_in) == 10252 * 24
    assert round(r.reduction, 4) == round(1 - 5970 / 10252, 4) == 0.4177


def test_the_trimmed_log_is_what_the_apiserver_would_write(tmp_path):
    _, out = run(tmp_path)
    written = Path(out).read_text()
    assert written == (FIXTURES / "capture.trimmed.jsonl").read_text()
    events = [json.loads(line) for line in written.splitlines()]
    by_id = {e["auditID"][-2:]: e for e in events}
    assert sorted(by_id) == ["02", "03", "04", "05", "06", "07", "09"]  # probe, watch, RequestReceived gone
    assert [e["level"] for e in events] == ["Metadata", "Request", "Request", "RequestResponse", "RequestResponse",
                                            "RequestResponse", "Metadata"]
    assert "requestObject" not in by_id["02"] and "responseObject" not in by_id["02"]
    assert "responseObject" not in by_id["03"] and "managedFields" not in by_id["03"]["requestObject"]["metadata"]
    assert "managedFields" in by_id["04"]["requestObject"]["metadata"]  # LogRequestPatch: raw patch bytes
    assert "managedFields" not in by_id["05"]["responseObject"]["metadata"]
    assert all("managedFields" not in i["metadata"] for i in by_id["06"]["responseObject"]["items"])
    assert all("managedFields" not in row["object"]["metadata"] for row in by_id["07"]["responseObject"]["rows"])
    # Go's encoder escapes <, > and & like the apiserver
    assert "\\u003ctest\\u003e \\u0026 more" in written


def test_without_omit_managed_fields_bodies_keep_them(tmp_path):
    text = (FIXTURES / "policy.yaml").read_text().replace("omitManagedFields: true", "omitManagedFields: false")
    (tmp_path / "p.yaml").write_text(text)
    r, out = run(tmp_path, tmp_path / "p.yaml")
    assert r.by_level["RequestResponse"].bytes_out == 1208 + 1276 + 1104  # unchanged lines, byte for byte
    assert '"managedFields"' in Path(out).read_text()


def test_an_event_list_document_gives_the_same_decisions(tmp_path):
    events = [json.loads(line) for line in CAPTURE.read_text().splitlines() if line.startswith("{")]
    doc = tmp_path / "webhook.json"
    doc.write_text(json.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": events}, indent=2))
    policy, _ = load_policy(FIXTURES / "policy.yaml")
    r = simulate(policy, [str(doc)])
    assert (r.events, r.events_out, r.malformed) == (10, 7, 0)
    assert {n: b.events_out for n, b in r.by_rule.items()} == {1: 0, 2: 0, 3: 1, 4: 3, 5: 2, 6: 1}


def test_events_captured_below_the_policy_level_are_counted_not_invented():
    event = {"level": "Metadata", "verb": "get", "objectRef": {"resource": "pods"}}
    changed, under = trim_event(event, "RequestResponse", True)
    assert (changed, under) == (False, True) and event["level"] == "Metadata"


def test_go_json_matches_the_apiserver_encoding():
    line = CAPTURE.read_bytes().split(b"\n")[0]
    assert go_json(json.loads(line)) == line


def test_simulate_then_replay_answers_what_would_we_catch(tmp_path):
    """The trimmed log goes through the rules as the pipeline would see it."""
    from auditc.compiler import compile_rules
    from auditc.tools.replay import replay
    from auditc.runtime import FluentBitLua

    compiled = compile_rules(FIXTURES / "rules")
    runtime = FluentBitLua(compiled.lua, "auditc_filter")
    _, out = run(tmp_path)
    assert "privileged-pod" in replay([out], runtime).detections  # pods create kept at Request
    blind = (FIXTURES / "policy.yaml").read_text().replace("level: Request           # 5", "level: Metadata          # 5")
    (tmp_path / "blind.yaml").write_text(blind)
    _, out2 = run(tmp_path, tmp_path / "blind.yaml")
    assert "privileged-pod" not in replay([out2], FluentBitLua(compiled.lua, "auditc_filter")).detections
