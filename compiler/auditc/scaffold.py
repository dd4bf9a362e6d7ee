"""`auditc init DIR`: the files of a new rules repository.

A rules repository keeps a team's own rules outside the auditc clone and
extends the default pack by reference (`extends: [pack]` in auditc.yaml), so
upgrading auditc upgrades the pack and CI's `auditc build --check` says when
the built filter is behind. What init writes:

    auditc.yaml                    extends: [pack]; the repository's rule directories
    rules/lists.yaml               site lists (and how to extend the pack's)
    rules/production.yaml          a first rule, with tests
    rules/overrides.yaml           disable: / override: of pack rules
    schema/*.schema.json           the schemas, for editors (yaml-language-server comments)
    .github/workflows/auditc.yaml  CI: validate, test, build --check
    fluent-bit/                    the shipper's manifests (kubectl apply -k fluent-bit/), next to lua/
    README.md

Files the team edits are never overwritten by a later `auditc init`; the
schema copies are auditc's and are refreshed to the installed version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditc import __version__, shipped

SCHEMAS = ("rules.schema.json", "auditc.schema.json")


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the repository
    content: str
    owned: bool = False  # auditc's copy (refreshed by init), not the team's file


AUDITC_YAML = """\
# yaml-language-server: $schema=schema/auditc.schema.json
#
# An auditc rules repository. From this directory:
#   auditc validate .     auditc test .     auditc build . -o lua/
# load the default pack of the installed auditc first, then the rules below.
extends:
  - pack        # by reference, not a copy: `auditc pack` lists its rules, `auditc pack --path` shows where it is
rules:
  - rules       # this repository's rule files (*.yaml at any depth); other YAML here is not read as rules
"""

LISTS_YAML = """\
# yaml-language-server: $schema=../schema/rules.schema.json
#
# Site lists. A list of the pack is extended (`extend: true`) or replaced
# (`override: true`) here, never edited in the pack; `auditc pack --lists`
# shows the pack's lists and what they hold.
lists:
  - name: production-namespaces
    # Used by rules/production.yaml.
    items: [production, payments]

  - name: trusted-identities
    # The pack's list of humans and automation trusted with exec, RBAC and
    # workload changes (empty in the pack). Add your break-glass and CI
    # identities, e.g. "system:serviceaccount:argocd:argocd-application-controller".
    extend: true
    items: []
"""

PRODUCTION_YAML = """\
# yaml-language-server: $schema=../schema/rules.schema.json
#
# A first site rule. Its tests run with `auditc test .`, next to the pack's;
# a test's `detections` list names every detection that must fire, the
# pack's included.
rules:
  - id: site-workload-deleted-in-production
    kind: detect
    title: Workload deleted in a production namespace
    description: >
      A Deployment, StatefulSet or DaemonSet was deleted in one of the
      `production-namespaces` (rules/lists.yaml) by someone outside the
      pack's `trusted-identities`. Dry runs persist nothing and do not count.
    severity: medium
    tags: [site]
    match:
      all:
        - field: verb
          equals: delete
        - field: objectRef.apiGroup
          equals: apps
        - field: objectRef.resource
          in: [deployments, statefulsets, daemonsets]
        - field: objectRef.namespace
          in: {list: production-namespaces}
    exceptions:
      - macro: is-trusted     # macros and lists of the pack are usable here
      - macro: is-dry-run
    tests:
      - name: kubectl delete deployment in production fires
        event:
          kind: Event
          apiVersion: audit.k8s.io/v1
          level: Metadata
          auditID: 3f6b8d2e-41c7-4a0e-9b6d-8c2f1e7a5d90
          stage: ResponseComplete
          requestURI: /apis/apps/v1/namespaces/production/deployments/checkout
          verb: delete
          user:
            username: oidc:dana@example.com
            groups: ["oidc:sre", "system:authenticated"]
          sourceIPs: [10.20.0.14]
          userAgent: kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc
          objectRef: {resource: deployments, namespace: production, name: checkout, apiGroup: apps, apiVersion: v1}
          responseStatus: {metadata: {}, code: 200}
          requestReceivedTimestamp: "2026-03-02T10:15:02.118204Z"
          stageTimestamp: "2026-03-02T10:15:02.164120Z"
          annotations:
            authorization.k8s.io/decision: allow
            authorization.k8s.io/reason: 'RBAC: allowed by ClusterRoleBinding "sre" of ClusterRole "admin" to Group "oidc:sre"'
        expect: {detections: [site-workload-deleted-in-production]}
      - name: the same deletion in a staging namespace does not
        event:
          kind: Event
          apiVersion: audit.k8s.io/v1
          level: Metadata
          auditID: 9a0c4e71-2b5d-4f38-a1e6-7d3b9c0f2e84
          stage: ResponseComplete
          requestURI: /apis/apps/v1/namespaces/staging/deployments/checkout
          verb: delete
          user:
            username: oidc:dana@example.com
            groups: ["oidc:sre", "system:authenticated"]
          sourceIPs: [10.20.0.14]
          userAgent: kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc
          objectRef: {resource: deployments, namespace: staging, name: checkout, apiGroup: apps, apiVersion: v1}
          responseStatus: {metadata: {}, code: 200}
          requestReceivedTimestamp: "2026-03-02T10:16:40.002311Z"
          stageTimestamp: "2026-03-02T10:16:40.041207Z"
          annotations:
            authorization.k8s.io/decision: allow
            authorization.k8s.io/reason: 'RBAC: allowed by ClusterRoleBinding "sre" of ClusterRole "admin" to Group "oidc:sre"'
        expect: {detections: []}
      - name: a server-side dry run in production does not
        event:
          kind: Event
          apiVersion: audit.k8s.io/v1
          level: Metadata
          auditID: c2d7e915-6f04-4b8a-8e3c-1a5f9b2d6e07
          stage: ResponseComplete
          requestURI: /apis/apps/v1/namespaces/production/deployments/checkout?dryRun=All
          verb: delete
          user:
            username: oidc:dana@example.com
            groups: ["oidc:sre", "system:authenticated"]
          sourceIPs: [10.20.0.14]
          userAgent: kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc
          objectRef: {resource: deployments, namespace: production, name: checkout, apiGroup: apps, apiVersion: v1}
          responseStatus: {metadata: {}, code: 200}
          requestReceivedTimestamp: "2026-03-02T10:17:05.310482Z"
          stageTimestamp: "2026-03-02T10:17:05.329915Z"
          annotations:
            authorization.k8s.io/decision: allow
            authorization.k8s.io/reason: 'RBAC: allowed by ClusterRoleBinding "sre" of ClusterRole "admin" to Group "oidc:sre"'
        expect: {detections: []}
"""

OVERRIDES_YAML = """\
# yaml-language-server: $schema=../schema/rules.schema.json
#
# Pack rules this site does not want, or wants differently. Ids are the
# pack's (`auditc pack` lists them); a wrong id is an error with a "did you
# mean". A disabled rule's tests are skipped. What a rule matches is tuned
# with lists (rules/lists.yaml) or by disabling it and writing your own.
disable: []
#  - nodeport-service

override: {}
#  exec-into-pod:
#    severity: critical
#    alert: {threshold: 3, window: 10m}
"""

WORKFLOW = """\
# CI for this rules repository: every push and pull request validates the
# rules, runs their tests (the pack's included) and checks that lua/ is what
# `auditc build . -o lua/` writes. Errors show as annotations on the diff.
name: auditc
on:
  push:
  pull_request:
jobs:
  rules:
    runs-on: ubuntu-latest
    env:
      # Where your team installs auditc from: a package index, or
      # "auditc @ git+https://<your mirror of auditc>@<tag>". Pin it: the
      # version decides the pack, and upgrading is a reviewed change of lua/.
      AUDITC: "auditc=={version}"
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install "$AUDITC"
      - run: auditc validate --format github .
      - run: auditc test --format github .
      - run: auditc build --check --format github . -o lua/
"""

README = """\
# Audit rules

An [auditc](https://github.com/auditc/auditc) rules repository: detections,
drops and redactions for the Kubernetes audit log, compiled into the Fluent Bit
Lua filter of our audit shipper. `auditc.yaml` extends auditc's default pack
(by reference; `auditc pack` lists its rules) with the rules in `rules/`.

```sh
pip install "auditc=={version}"
auditc validate .               # schema and references, every problem as file:line:col
auditc test .                   # the tests in the rule files, the pack's included
auditc build . -o lua/          # lua/: the filter, Fluent Bit config, audit policy, Loki alerts
kubectl apply -k fluent-bit/    # the shipper (DaemonSet) with lua/ as its ConfigMap
```

- `rules/lists.yaml`: our lists, and extensions of the pack's (`trusted-identities`).
- `rules/overrides.yaml`: pack rules disabled or changed (severity, title, tags, alert).
- `rules/production.yaml`: a first rule with tests; add rule files anywhere under `rules/`.
- `lua/` is generated: commit it after `auditc build . -o lua/`; CI fails when it is stale.
- `fluent-bit/` is a copy of auditc's manifests, ours to adapt (Loki address, resources).
- `schema/` holds auditc's schemas for editors; `auditc init .` refreshes them after an upgrade.
"""


def files() -> list[ScaffoldFile]:
    out = [
        ScaffoldFile("auditc.yaml", AUDITC_YAML),
        ScaffoldFile("rules/lists.yaml", LISTS_YAML),
        ScaffoldFile("rules/production.yaml", PRODUCTION_YAML),
        ScaffoldFile("rules/overrides.yaml", OVERRIDES_YAML),
        ScaffoldFile(".github/workflows/auditc.yaml", WORKFLOW.replace("{version}", __version__)),
        ScaffoldFile("README.md", README.replace("{version}", __version__)),
    ]
    out += [ScaffoldFile(f"schema/{name}", shipped.schema_path(name).read_text(encoding="utf-8"), owned=True)
            for name in SCHEMAS]
    manifests = shipped.manifests_dir()
    for path in sorted(manifests.rglob("*.yaml")):
        rel = path.relative_to(manifests).as_posix()
        out.append(ScaffoldFile(f"fluent-bit/{rel}", path.read_text(encoding="utf-8")))
    return out


CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept (yours)"


def plan(target: Path) -> list[tuple[ScaffoldFile, str]]:
    """What init would do with each file: create it, refresh auditc's copy, or leave the team's file alone."""
    out = []
    for f in files():
        path = target / f.path
        if not path.exists():
            out.append((f, CREATED))
            continue
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current == f.content:
            out.append((f, UNCHANGED))
        else:
            out.append((f, UPDATED if f.owned else KEPT))
    return out
