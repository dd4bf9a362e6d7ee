"""`auditc import sigma` next to a pack: rules the pack already detects are skipped (or written
disabled, or kept) with the mapping Sigma id -> pack rule, and what is written never breaks the
pack's tests or doubles its alerts."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from auditc.cli import main

from conftest import write_rules

SIGMAHQ = Path(__file__).resolve().parents[2] / "shared" / "sigma" / "kubernetes-audit"
ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def import_json(capsys, *argv):
    code, out, err = run(capsys, "import", "sigma", *argv, "--format", "json")
    return code, json.loads(out), err


def event(verb, resource, name, namespace="shop", subresource=None, uri=None, user="oidc:alice@example.com"):
    ref = {"resource": resource, "namespace": namespace, "name": name, "apiVersion": "v1"}
    if subresource:
        ref["subresource"] = subresource
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": "ceb063a7-3dbf-c26e-9631-087669c5de3f", "stage": "ResponseComplete",
            "requestURI": uri or f"/api/v1/namespaces/{namespace}/{resource}/{name}" + (f"/{subresource}" if subresource else ""),
            "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": ["10.8.0.27"], "userAgent": "kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc",
            "objectRef": ref, "responseStatus": {"metadata": {}, "code": 200},
            "requestReceivedTimestamp": "2026-11-30T10:15:02.118204Z", "stageTimestamp": "2026-11-30T10:15:02.131877Z",
            "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}}


EXEC = event("create", "pods", "web-0", subresource="exec", uri="/api/v1/namespaces/shop/pods/web-0/exec?command=ls")
EXEC_WS = event("get", "pods", "web-0", subresource="exec", uri="/api/v1/namespaces/shop/pods/web-0/exec?command=ls")
EXEC_DRY = event("create", "pods", "web-0", subresource="exec",
                 uri="/api/v1/namespaces/shop/pods/web-0/exec?command=ls&dryRun=All")
SECRET_DELETE = event("delete", "secrets", "db-password")
SECRET_GET = event("get", "secrets", "db-password")

PACK = {"detect.yaml": f"""\
    rules:
      - id: exec-into-pod
        kind: detect
        title: Exec into a pod
        description: d
        severity: high
        match:
          all:
            - field: objectRef.subresource
              in: [exec, attach]
            - field: verb
              in: [create, get]
        exceptions:
          - field: requestURI
            regex: '[?&]dryRun=All(&|$)'
        tests:
          - name: exec fires
            event: {json.dumps(EXEC)}
            expect: {{detections: [exec-into-pod]}}
          - name: websocket exec fires
            event: {json.dumps(EXEC_WS)}
            expect: {{fires: true}}
          - name: 'routine: a dry run does not'
            event: {json.dumps(EXEC_DRY)}
            expect: {{detections: []}}
      - id: secret-deleted
        kind: detect
        title: Secret deleted
        description: d
        severity: medium
        match:
          all:
            - field: objectRef.resource
              equals: secrets
            - field: verb
              equals: delete
        tests:
          - name: a delete fires
            event: {json.dumps(SECRET_DELETE)}
            expect: {{detections: [secret-deleted]}}
          - name: a read does not
            event: {json.dumps(SECRET_GET)}
            expect: {{detections: []}}
    """}

SIGMA = {
    "exec.yml": """\
        title: Exec Into Container
        id: 2a5c0b6e-0001-4000-8000-00000000e7ec
        status: test
        description: Exec into a container.
        author: auditc tests
        date: 2026-02-01
        logsource: {product: kubernetes, service: audit}
        detection:
            selection:
                objectRef.subresource: exec
                verb: create
            condition: selection
        level: medium
        """,
    "secrets.yml": """\
        title: Secret Modified
        id: 2a5c0b6e-0002-4000-8000-0000000005ec
        status: test
        description: Secrets created, changed or deleted.
        author: auditc tests
        date: 2026-02-01
        logsource: {product: kubernetes, service: audit}
        detection:
            selection:
                objectRef.resource: secrets
                verb: [create, update, patch, delete]
            condition: selection
        level: medium
        """,
    "deployment.yml": """\
        title: Deployment Deleted
        id: 2a5c0b6e-0003-4000-8000-0000000de1e7
        status: test
        description: A deployment was deleted.
        author: auditc tests
        date: 2026-02-01
        logsource: {product: kubernetes, service: audit}
        detection:
            selection:
                objectRef.resource: deployments
                verb: delete
            condition: selection
        level: low
        """,
}


@pytest.fixture
def setup(tmp_path):
    pack = write_rules(tmp_path / "pack", PACK)
    sigma = tmp_path / "sigma-src"
    sigma.mkdir()
    for name, text in SIGMA.items():
        (sigma / name).write_text(textwrap.dedent(text))
    return pack, sigma, tmp_path / "imported"


def by_title(report) -> dict:
    return {r["title"]: r for r in report["rules"]}


def test_covered_rules_are_skipped_with_the_mapping(setup, capsys):
    pack, sigma, out = setup
    code, report, _ = import_json(capsys, sigma, "-o", out, "--against", pack)
    assert code == 0
    rules = by_title(report)
    exec_rule, secrets, deployment = rules["Exec Into Container"], rules["Secret Modified"], rules["Deployment Deleted"]
    assert exec_rule["status"] == "covered" and exec_rule["covered_by"] == ["exec-into-pod"] and exec_rule["output"] is None
    # the pack tunes the dry run out on purpose: still covered, and said so
    assert exec_rule["details"][0].startswith("covered by exec-into-pod (") and "1 tuned out by the pack" in exec_rule["details"][0]
    # shares the deletes with secret-deleted, but also fires on creates, which nothing in the pack claims
    assert secrets["status"] == "converted" and secrets["covered_by"] == [] and secrets["overlaps"] == ["secret-deleted"]
    assert "fires where the pack does not, e.g. the generated test 'matches" in secrets["details"][-1]
    assert deployment["status"] == "converted" and deployment["covered_by"] == deployment["overlaps"] == []
    assert sorted(p.name for p in out.iterdir()) == [deployment["output"], secrets["output"]]
    assert report["summary"]["covered"] == 1 and report["compared_with"].startswith(f"{pack} (2 detections, ")

    code, text, _ = run(capsys, "import", "sigma", sigma, "-o", out, "--against", pack)
    assert code == 0
    assert "Covered by the pack (not written; Sigma id -> pack rule):" in text
    assert "  2a5c0b6e-0001-4000-8000-00000000e7ec -> exec-into-pod  (Exec Into Container)" in text


def test_next_to_the_pack_its_tests_pass_and_no_alert_doubles(setup, tmp_path, capsys):
    pack, sigma, out = setup
    assert import_json(capsys, sigma, "-o", out, "--against", pack)[0] == 0
    code, text, _ = run(capsys, "test", pack, out)
    assert code == 0 and text.strip().splitlines()[-1].endswith(" passed, 0 failed"), text
    lua = tmp_path / "lua"
    assert run(capsys, "build", pack, out, "-o", lua)[0] == 0
    groups = yaml.safe_load((lua / "loki-rules.yaml").read_text())["groups"]
    alerts = sorted(r["labels"]["auditc_rule"] for g in groups for r in g["rules"] if "escalat" not in r["alert"].lower())
    assert alerts == ["exec-into-pod", "secret-deleted", "sigma-deployment-deleted", "sigma-secret-modified"]
    # Kept, the exec rule would alert a second time on every exec.
    kept = tmp_path / "kept"
    assert import_json(capsys, sigma, "-o", kept, "--against", pack, "--covered", "keep")[0] == 0
    assert (kept / "sigma-exec-into-container.yaml").is_file()


def test_covered_disable_writes_them_switched_off(setup, capsys):
    pack, sigma, out = setup
    code, report, _ = import_json(capsys, sigma, "-o", out, "--against", pack, "--covered", "disable")
    exec_rule = by_title(report)["Exec Into Container"]
    assert code == 0 and exec_rule["status"] == "converted with fixes" and exec_rule["covered_by"] == ["exec-into-pod"]
    (rule,) = yaml.safe_load((out / "sigma-exec-into-container.yaml").read_text())["rules"]
    assert rule["enabled"] is False
    assert "Disabled by auditc import sigma --covered disable: covered by exec-into-pod." in rule["description"]
    code, text, err = run(capsys, "test", pack, out)
    assert code == 0 and ", 0 failed, " in text and "rule 'sigma-exec-into-container' is disabled" in err


def test_a_later_skip_removes_the_files_of_an_earlier_import_and_only_those(setup, capsys):
    pack, sigma, out = setup
    assert import_json(capsys, sigma, "-o", out, "--against", pack, "--covered", "keep")[0] == 0
    assert (out / "sigma-exec-into-container.yaml").is_file()
    code, report, _ = import_json(capsys, sigma, "-o", out, "--against", pack)
    assert code == 0 and report["summary"]["removed"] == 1
    assert by_title(report)["Exec Into Container"]["removed"] == "sigma-exec-into-container.yaml"
    assert not (out / "sigma-exec-into-container.yaml").exists()
    # A file the importer did not write is never removed.
    mine = out / "sigma-exec-into-container.yaml"
    mine.write_text("# my own rule\nrules: []\n")
    code, report, _ = import_json(capsys, sigma, "-o", out, "--against", pack)
    assert code == 0 and report["summary"]["removed"] == 0 and mine.read_text().startswith("# my own rule")


def test_a_pack_rule_can_declare_what_it_covers(setup, capsys):
    pack, sigma, out = setup
    text = (pack / "detect.yaml").read_text()
    (pack / "detect.yaml").write_text(text.replace("title: Secret deleted\n",
                                                   "title: Secret deleted\n    tags: [sigma.2a5c0b6e-0002-4000-8000-0000000005ec]\n"))
    code, report, _ = import_json(capsys, sigma, "-o", out, "--against", pack)
    secrets = by_title(report)["Secret Modified"]
    assert code == 0 and secrets["status"] == "covered" and secrets["covered_by"] == ["secret-deleted"]
    assert "tagged sigma.<id> of this rule" in secrets["details"][0]


def test_the_default_is_the_rules_repository_around_the_output(setup, capsys):
    pack, sigma, _ = setup
    repo = write_rules(pack.parent / "site", {"auditc.yaml": "extends: [../pack]\nrules: [rules]\n",
                                              "rules/lists.yaml": "lists: [{name: x, items: [a]}]\n"})
    code, report, _ = import_json(capsys, sigma, "-o", repo / "rules" / "sigma")
    assert code == 0 and report["compared_with"].startswith(f"{repo.resolve()} (2 detections, ")
    assert by_title(report)["Exec Into Container"]["covered_by"] == ["exec-into-pod"]
    code, text, _ = run(capsys, "test", repo)
    assert code == 0 and text.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_importing_into_the_compared_directory_warns(setup, capsys):
    pack, sigma, _ = setup
    code, _, err = run(capsys, "import", "sigma", sigma, "-o", pack / "sigma", "--against", pack)
    assert code == 0
    assert f"auditc: warning: {pack / 'sigma'} is inside {pack}, the rules it is compared with" in err
    assert f"`auditc test {pack} sigma/`" in err
    # a previous import in that directory is not what covers this one
    code, report, _ = import_json(capsys, sigma, "-o", pack / "sigma", "--against", pack, "--covered", "keep")
    assert code == 0 and by_title(report)["Secret Modified"]["covered_by"] == []


def test_bad_against(setup, capsys):
    pack, sigma, out = setup
    code, _, err = run(capsys, "import", "sigma", sigma, "-o", out, "--against", pack / "nope")
    assert code == 2 and "--against" in err and "no such file or directory" in err
    (pack / "broken.yaml").write_text("rules:\n  - id: x\n    kind: detect\n")
    code, _, err = run(capsys, "import", "sigma", sigma, "-o", out, "--against", pack)
    assert code == 1 and f"cannot compare with {pack}: " in err and "broken.yaml:2:" in err and not out.exists()


@pytest.mark.skipif(not SIGMAHQ.is_dir(), reason=f"SigmaHQ Kubernetes audit rules not found at {SIGMAHQ}")
def test_sigmahq_next_to_the_default_pack(tmp_path, capsys, monkeypatch):
    """The README's import, next to the pack instead of inside it: the pack's tests still pass and no
    detection the pack has is imported a second time."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "sigma"
    code, report, _ = import_json(capsys, SIGMAHQ, "-o", out)
    assert code == 0
    rules = by_title(report)
    assert rules["Potential Remote Command Execution In Pod Container"]["covered_by"] == ["exec-into-pod"]
    assert rules["Kubernetes Events Deleted"]["covered_by"] == ["events-deleted"]
    written = [r for r in report["rules"] if r["output"]]
    assert written and all(not r["covered_by"] for r in written) and report["summary"]["covered"] >= 8
    code, text, _ = run(capsys, "test", "rules", out)
    assert code == 0 and text.strip().splitlines()[-1].endswith(" passed, 0 failed"), text
