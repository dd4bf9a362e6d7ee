"""`auditc init DIR`: a rules repository outside the clone that extends the shipped pack by
reference, and the package data (pack, schemas, manifests) it relies on."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from auditc import shipped
from auditc.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def workflow_commands(repo: Path) -> list[list[str]]:
    """The auditc commands the generated CI workflow runs, as argv."""
    flow = yaml.safe_load((repo / ".github" / "workflows" / "auditc.yaml").read_text())
    steps = flow["jobs"]["rules"]["steps"]
    return [shlex.split(s["run"])[1:] for s in steps if s.get("run", "").startswith("auditc ")]


def test_init_scaffolds_a_repository_whose_ci_passes(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "team-rules"
    code, out, _ = run(capsys, "init", repo)
    assert code == 0 and "20 created" in out
    monkeypatch.chdir(repo)  # as CI runs it: from the repository, with no auditc clone around
    config = yaml.safe_load(Path("auditc.yaml").read_text())
    assert config == {"extends": ["pack"], "rules": ["rules"]}
    # By reference: the repository defines its one rule; the pack's come from the installed auditc.
    docs = [yaml.safe_load(p.read_text()) for p in sorted(Path("rules").rglob("*.yaml"))]
    assert [r["id"] for d in docs if isinstance(d, dict) for r in d.get("rules", [])] == [
        "site-workload-deleted-in-production"]

    code, out, err = run(capsys, "validate", ".")
    assert code == 0 and out == "", out
    code, out, _ = run(capsys, "test", ".")
    assert code == 0 and out.strip().splitlines()[-1].endswith(" passed, 0 failed")
    assert int(out.split()[-4]) > 400  # the pack's tests run too, not only the repository's
    code, _, err = run(capsys, "build", ".", "-o", "lua/")
    from auditc.frontend.loader import load_rules
    from auditc.shipped import pack_dir
    pack_rules = len(load_rules(pack_dir()).ruleset.rules)
    assert code == 0 and f"{pack_rules + 1} rules" in err  # the pack's rules and the repository's one
    commands = workflow_commands(Path("."))
    assert [c[0] for c in commands] == ["validate", "test", "build"] and "--check" in commands[2]
    for argv in commands:
        code, out, _ = run(capsys, *argv)
        assert code == 0, (argv, out)
    # Generated files name the pack's files the same on every machine: never the install path.
    lua = Path("lua/auditc.lua").read_text()
    assert "auditc-pack/detect/exec.yaml:" in lua and "rules/production.yaml:" in lua
    assert str(shipped.pack_dir()) not in "".join(p.read_text() for p in Path("lua").iterdir())
    # Commands with a default rules directory take the repository they run in.
    code, out, _ = run(capsys, "query", "site-workload-deleted-in-production")
    assert code == 0 and '"site-workload-deleted-in-production"' in out
    # The manifests deploy the build output next to them.
    kustomization = yaml.safe_load(Path("fluent-bit/kustomization.yaml").read_text())
    assert "../lua" in kustomization["resources"] and Path("lua/kustomization.yaml").is_file()

    # CI catches a stale build and a failing test, with annotations.
    rule = Path("rules/production.yaml")
    rule.write_text(rule.read_text().replace("severity: medium", "severity: high"))
    code, out, _ = run(capsys, *commands[2])
    assert code == 1 and "::error file=lua/" in out
    rule.write_text(rule.read_text().replace("expect: {detections: [site-workload-deleted-in-production]}",
                                             "expect: {detections: []}"))
    code, out, _ = run(capsys, *commands[1])
    assert code == 1 and "::error file=rules/production.yaml,line=" in out


def test_editor_schema_comments_point_at_the_copied_schemas(tmp_path, capsys):
    repo = tmp_path / "r"
    assert run(capsys, "init", repo)[0] == 0
    yaml_files = [repo / "auditc.yaml", *sorted((repo / "rules").rglob("*.yaml"))]
    for path in yaml_files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (path.parent / first.split("$schema=", 1)[1]).resolve()
        name = "auditc.schema.json" if path.name == "auditc.yaml" else "rules.schema.json"
        assert schema == (repo / "schema" / name).resolve()
        assert schema.read_text() == shipped.schema_path(name).read_text()


def test_init_again_keeps_the_teams_files_and_refreshes_the_schemas(tmp_path, capsys):
    repo = tmp_path / "r"
    assert run(capsys, "init", repo)[0] == 0
    code, out, _ = run(capsys, "init", repo)
    assert code == 0 and "20 unchanged" in out and "created" not in out
    lists = repo / "rules" / "lists.yaml"
    lists.write_text(lists.read_text().replace("[production, payments]", "[prod]"))
    (repo / "schema" / "rules.schema.json").write_text("{}\n")
    (repo / "rules" / "production.yaml").unlink()
    code, out, _ = run(capsys, "init", repo)
    assert code == 0 and "1 created, 1 updated, 17 unchanged, 1 kept (yours)" in out
    assert "[prod]" in lists.read_text()
    assert (repo / "schema" / "rules.schema.json").read_text() == shipped.schema_path().read_text()


def test_init_into_a_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    code, _, err = run(capsys, "init", tmp_path / "f")
    assert code == 2 and "not a directory" in err


def test_pack_lists_its_rules_and_where_it_is(capsys):
    code, out, _ = run(capsys, "pack")
    assert code == 0 and any(line.split()[:3] == ["exec-into-pod", "detect", "high"] for line in out.splitlines())
    code, out, _ = run(capsys, "pack", "--path")
    assert code == 0 and Path(out.strip()) == shipped.pack_dir()
    code, out, _ = run(capsys, "pack", "--lists")
    assert code == 0 and any(line.startswith("trusted-identities: ") for line in out.splitlines())


# ------------------------------------------------------------------ package data

def test_the_installed_pack_schemas_and_manifests_are_the_repositorys():
    """In a clone the editable install reads rules/ and fluent-bit/ in place; CI installs the
    package (`pip install .`), so there this compares the installed package data with the
    repository's files."""
    for installed, source in ((shipped.pack_dir(), ROOT / "rules"), (shipped.manifests_dir(), ROOT / "fluent-bit")):
        want = {p.relative_to(source).as_posix(): p.read_text() for p in source.rglob("*.yaml")}
        got = {p.relative_to(installed).as_posix(): p.read_text() for p in installed.rglob("*.yaml")}
        assert got == want and want
    for name in ("rules.schema.json", "auditc.schema.json"):
        assert shipped.schema_path(name).read_text() == (ROOT / "compiler" / "auditc" / "schema" / name).read_text()


def test_pyproject_ships_every_package_and_data_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    code = {".".join(p.parent.relative_to(ROOT / "compiler").parts) for p in (ROOT / "compiler").rglob("__init__.py")}
    assert set(config["packages"]) == code | {"auditc.pack", "auditc.manifests"}
    assert config["package-dir"]["auditc.pack"] == "rules" and config["package-dir"]["auditc.manifests"] == "fluent-bit"
    for package, directory in (("auditc.pack", ROOT / "rules"), ("auditc.manifests", ROOT / "fluent-bit")):
        # "*.yaml" ships the top folder's files, "**/*.yaml" those of every subfolder: a file of
        # another kind added there would not be installed.
        assert config["package-data"][package] == ["*.yaml", "**/*.yaml"]
        data = [p for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"]
        assert data and [p for p in data if p.suffix != ".yaml"] == []


def test_the_documentation_names_every_file_init_writes():
    from auditc.scaffold import files

    doc = (ROOT / "docs" / "site-rules.md").read_text()
    named = {f.path for f in files() if not f.path.startswith("fluent-bit/")}
    assert all(f"`{path}`" in doc for path in named), [p for p in named if f"`{p}`" not in doc]
