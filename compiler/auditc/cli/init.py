"""`auditc init DIR` (a rules repository extending the pack) and `auditc pack` (what the pack holds)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from auditc.cli.common import EXIT_OK, EXIT_USAGE


def add_parsers(sub) -> None:
    i = sub.add_parser("init", help="create a rules repository that extends the default pack",
                       description="Create (or complete) a rules repository in DIR: auditc.yaml extending the "
                                   "default pack by reference, site lists, a first rule with tests, disable/override "
                                   "of pack rules, the schemas for editors, a GitHub Actions workflow running "
                                   "validate, test and build --check, and the shipper's manifests (fluent-bit/). "
                                   "Existing files are kept; only auditc's schema copies are refreshed.")
    i.add_argument("directory", metavar="DIR", help="the repository directory (created if missing)")
    i.set_defaults(func=cmd_init, rules_dir_required=False)

    p = sub.add_parser("pack", help="list the rules (or lists) of the default pack, or print where it is",
                       description="The default pack of this auditc, which a rules repository extends with "
                                   "`extends: [pack]`: its rules (id, kind, severity, title), with --lists its "
                                   "lists, with --path its directory.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--path", action="store_true", help="print the pack's directory and nothing else")
    what.add_argument("--lists", action="store_true", help="the pack's lists and their items")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: %(default)s)")
    p.set_defaults(func=cmd_pack, rules_dir_required=False)


def cmd_init(args) -> int:
    from auditc.scaffold import CREATED, KEPT, UNCHANGED, UPDATED, plan

    target = Path(args.directory)
    if target.exists() and not target.is_dir():
        print(f"auditc: error: {target}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    actions = plan(target)
    for f, action in actions:
        if action in (CREATED, UPDATED):
            _write(target / f.path, f.content)
    quiet = bool(getattr(args, "quiet", 0))
    if not quiet:
        for f, action in actions:
            if action != UNCHANGED:
                print(f"  {action:<12} {target / f.path}")
        counts = {a: sum(x == a for _, x in actions) for a in (CREATED, UPDATED, UNCHANGED, KEPT)}
        print(f"auditc: rules repository {target}: " + ", ".join(f"{n} {a}" for a, n in counts.items() if n))
        shown = str(target)
        print("next:\n"
              f"  cd {shown}\n"
              "  auditc test .                 # the pack's tests and yours\n"
              "  auditc build . -o lua/        # commit lua/: CI (.github/workflows/auditc.yaml) checks it\n"
              "  kubectl apply -k fluent-bit/  # the shipper, with lua/ as its ConfigMap")
    return EXIT_OK


def _write(path: Path, content: str) -> None:
    """Each file atomically: an interrupted init leaves whole files only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_pack(args) -> int:
    from auditc import shipped
    from auditc.frontend.loader import load_rules

    if args.path:
        print(shipped.pack_dir())
        return EXIT_OK
    rs = load_rules(shipped.pack_dir()).ruleset
    root = str(shipped.pack_dir())

    def where(loc) -> str:  # as a rules repository names the pack's files
        return str(loc).replace(root, shipped.PACK_DISPLAY, 1)
    if args.lists:
        rows = [{"name": ld.name, "items": ld.items, "defined_at": where(ld.loc)} for ld in rs.lists.values()]
        if args.format == "json":
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                items = ", ".join(map(str, row["items"])) or "(empty)"
                print(f"{row['name']}: {items}")
        return EXIT_OK
    rows = [{"id": r.id, "kind": r.kind, "severity": getattr(r, "severity", None), "title": getattr(r, "title", ""),
             "enabled": r.enabled, "defined_at": where(r.loc)} for r in rs.rules]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        title = r["title"] or r["defined_at"]
        print(f"{r['id']:<{width}}  {r['kind']:<6}  {r['severity'] or '-':<8}  {title}")
    return EXIT_OK
