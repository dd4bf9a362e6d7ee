"""`auditc import sigma PATH... -o DIR`: Sigma rules -> auditc detect rule files.

Converted rules are compared with the rules they will run next to (`--against`;
default: the rules repository DIR lies in, else the default pack): those the
pack already detects are skipped, written disabled or kept (`--covered`), and
the mapping Sigma id -> pack rule is printed (sigma/coverage.py says what
"covered" means).

Exit codes as everywhere in auditc: 0 all good (every rule converted or
skipped with a reason), 1 problems (a file pySigma cannot read, an output that
would overwrite a file the importer did not write, a failed write; with
`--strict` also any skipped rule), 2 usage errors (missing PATH, DIR not a
directory, an --against path missing; rules given to --against that do not
load are errors). Never a traceback on bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, quiet


def add_parsers(sub) -> None:
    imp = sub.add_parser("import", help="convert rules from other formats into auditc rule files (sigma)",
                         description="Convert detection rules written for other tools into auditc rule files.")
    sources = imp.add_subparsers(dest="source", metavar="SOURCE", parser_class=type(imp))
    sources.required = True
    imp.set_defaults(rules_dir_required=False)

    from auditc.sigma.importer import DEFAULT_LICENSE

    s = sources.add_parser(
        "sigma", help="import Sigma rules (product: kubernetes, service: audit) as detect rules",
        description="Parse Sigma rules with pySigma and write one auditc detect rule file per rule into DIR. "
                    "Rules are converted exactly, converted with fixes for known mismatches between SigmaHQ's "
                    "Kubernetes rules and real audit events (each fix is noted in the rule's description), or "
                    "skipped with a one-line reason. Each rule gets generated tests, so `auditc test DIR` "
                    "covers it; the output is checked with auditc's own validate and test before it is written. "
                    "Rules the pack already detects are not written again (--covered, --against; docs/sigma.md).")
    s.add_argument("paths", metavar="PATH", nargs="+", help="Sigma rule file, or directory searched for *.yml/*.yaml")
    s.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write the rule files into")
    s.add_argument("--format", choices=("table", "json"), default="table",
                   help="summary format (default: %(default)s)")
    s.add_argument("--strict", action="store_true", help="exit 1 when any rule is skipped")
    s.add_argument("--dry-run", action="store_true", help="convert, compare and report, but write (or remove) nothing")
    s.add_argument("--license", default=DEFAULT_LICENSE, metavar="TEXT",
                   help="license named in the attribution of rules that have an author but no `license:` "
                        "(default: the Detection Rule License 1.1 of SigmaHQ's rules; 'none' to name none)")
    s.add_argument("--covered", choices=COVERED_MODES, default="skip",
                   help="Sigma rules the compared rules already detect (see --against): skip writes none and "
                        "removes their files from an earlier import, disable writes them with enabled: false, "
                        "keep writes them as they are (default: %(default)s); the mapping Sigma id -> pack rule "
                        "is printed either way")
    s.add_argument("--against", metavar="RULES", action="append",
                   help="rules to compare with (repeatable; directories, files or rules repositories). Default: "
                        "the rules repository DIR lies in (its auditc.yaml), else the default pack")
    s.set_defaults(func=cmd_import_sigma, rules_dir_required=False)


COVERED_MODES = ("skip", "disable", "keep")


def cmd_import_sigma(args) -> int:
    from auditc.artifacts import write_atomically
    from auditc.errors import AuditcError
    from auditc.sigma.importer import ERROR, HEADER, SKIPPED, import_sigma

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"auditc: error: {missing[0]}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        print(f"auditc: error: {out}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    missing = [p for p in args.against or [] if not Path(p).exists()]
    if missing:
        print(f"auditc: error: --against {missing[0]}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    license_text = None if args.license.strip().lower() in ("", "none") else args.license.strip()
    result = import_sigma(args.paths, license_default=license_text)
    against = [Path(p) for p in args.against] if args.against else default_against(out)
    try:
        compared = apply_coverage(result, against, out, args.covered, dry_run=args.dry_run)
    except AuditcError as exc:
        first = exc.diagnostics[0].format() if exc.diagnostics else ""
        print(f"auditc: error: cannot compare with {', '.join(map(str, against))}: {first}"
              + (f" (and {len(exc.diagnostics) - 1} more)" if len(exc.diagnostics) > 1 else ""), file=sys.stderr)
        return EXIT_FAIL
    _warn_same_layer(out, against)

    files = dict(result.files)
    for o in result.outcomes:
        target = out / o.output if o.output else None
        if target is not None and target.exists() and not _ours(target, HEADER):
            o.status, o.details = ERROR, [f"not written: {target} exists and was not generated by auditc import sigma"]
            files.pop(o.output, None)
            o.output = ""
    changed: list[str] = []
    if not args.dry_run and files:
        try:
            changed = write_atomically(out, files)
        except OSError as exc:
            print(f"auditc: error: {exc}", file=sys.stderr)
            return EXIT_FAIL

    if not args.dry_run:
        for o in result.outcomes:
            if o.removed:
                (out / o.removed).unlink(missing_ok=True)
    counts = {"rules": len(result.outcomes), "converted": result.count("converted"),
              "converted_with_fixes": result.count("converted with fixes"), "skipped": result.count(SKIPPED),
              "covered": sum(bool(o.covered_by) for o in result.outcomes), "errors": result.count(ERROR), "files": len(files),
              "changed": 0 if args.dry_run else len(changed),
              "removed": 0 if args.dry_run else sum(bool(o.removed) for o in result.outcomes)}
    if args.format == "json":
        print(json.dumps({"output": str(out), "dry_run": args.dry_run, "compared_with": compared,
                          "covered": args.covered, "summary": counts,
                          "rules": [o.as_json() for o in result.outcomes]}, indent=2))
    elif quiet(args):  # errors only
        errors = [o for o in result.outcomes if o.status == ERROR]
        if errors:
            _print_table(errors)
    else:
        _print_table(result.outcomes)
        _print_mapping(result.outcomes, args.covered)
        where = "nothing written (--dry-run)" if args.dry_run else \
            f"{counts['files']} files in {out} ({counts['changed']} changed" + \
            (f", {counts['removed']} removed)" if counts["removed"] else ")")
        print(f"{counts['rules']} Sigma rules: {counts['converted']} converted, "
              f"{counts['converted_with_fixes']} converted with fixes, {counts['skipped']} skipped, "
              f"{counts['covered']} covered by the pack, {counts['errors']} errors; {where}; compared with {compared}")
    if counts["errors"] or (args.strict and counts["skipped"]):
        return EXIT_FAIL
    return EXIT_OK


def default_against(out: Path) -> list[Path]:
    """The rules repository the output directory lies in, else the default pack."""
    from auditc import shipped
    from auditc.frontend.repo import CONFIG_NAME

    here = out.resolve()
    for parent in (here, *here.parents):
        if (parent / CONFIG_NAME).is_file():
            return [parent]
    return [shipped.pack_dir()]


def apply_coverage(result, against: list[Path], out: Path, mode: str, dry_run: bool = False) -> str:
    """Compare the converted rules with `against` and act on those it covers (`mode`); returns
    a description of what was compared with. Raises AuditcError when `against` does not load."""
    from auditc.sigma.coverage import compare, describe
    from auditc.sigma.importer import COVERED, HEADER

    written = [o for o in result.outcomes if o.output and o.output in result.files]
    coverage = compare({o.output: result.files[o.output] for o in written},
                       {o.rule_id: o.sigma_id for o in written if o.sigma_id}, against, exclude=out) if written else {}
    for o in written:
        cov = coverage.get(o.rule_id)
        if cov is None or not (cov.covered or cov.overlaps):
            continue
        if cov.overlaps:
            o.overlaps = list(cov.covered_by)
            o.details = o.details + [cov.summary()]
            continue
        o.covered_by = list(cov.declared_by or cov.covered_by)
        if mode == "keep":
            o.details = o.details + [cov.summary()]
        elif mode == "disable":
            o.details = o.details + [cov.summary() + "; written with enabled: false"]
            result.files[o.output] = result.render_disabled(o, f"covered by {', '.join(o.covered_by)}")
        else:
            o.status, o.details = COVERED, [cov.summary()] + o.details
            del result.files[o.output]
            target = out / o.output
            if target.exists() and _ours(target, HEADER):
                o.removed = o.output
            o.output = ""
    return describe(against, exclude=out)


def _warn_same_layer(out: Path, against: list[Path]) -> None:
    """Importing into the pack's own directory puts the imported rules in the pack's layer: the
    pack's tests (exact `detections` lists) then see them fire."""
    from auditc import shipped
    from auditc.frontend.repo import config_of

    here = out.resolve()
    plain = [p for p in against if config_of(p) is None] + [shipped.pack_dir()]
    for root in plain:
        try:
            here.relative_to(root.resolve())
        except ValueError:
            continue
        print(f"auditc: warning: {out} is inside {root}, the rules it is compared with: their tests will see the "
              f"imported rules fire. Import into a directory of its own and pass both, e.g. "
              f"`auditc test {root} {out.name}/` (docs/sigma.md)", file=sys.stderr)
        return


def _print_mapping(outcomes, mode: str) -> None:
    covered = [o for o in outcomes if o.covered_by]
    if not covered:
        return
    what = {"skip": "not written", "disable": "written disabled", "keep": "written"}[mode]
    print(f"Covered by the pack ({what}; Sigma id -> pack rule):")
    for o in covered:
        print(f"  {o.sigma_id or o.rule_id} -> {', '.join(o.covered_by)}  ({o.title})")


def _ours(path: Path, header: str) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().startswith(header)
    except (OSError, UnicodeDecodeError):
        return False


_STYLE = {"converted": "32", "converted with fixes": "33", "skipped": "2", "covered": "36", "error": "1;31"}


def _print_table(outcomes) -> None:
    from auditc.tools.table import Column, Styled, Table

    # File names and rule ids are never cut (file paths wrap after a /); the reasons are prose.
    table = Table([Column("Sigma file", fit="wrap"), Column("result"), Column("auditc rule", priority=1),
                   Column("fixes / reason", fit="wrap", priority=2)], title="auditc import sigma")
    for o in outcomes:
        lines = list(o.fixes) if o.fixes else [d for d in o.details if not (o.covered_by or o.overlaps)]
        if o.covered_by:
            lines.append(f"covered by {', '.join(o.covered_by)}")
        elif o.overlaps:
            lines.append(f"overlaps {', '.join(o.overlaps)}")
        table.add_row(o.source, Styled(o.status, _STYLE.get(o.status, "")), o.rule_id or "-", "\n".join(lines))
    table.print(sys.stdout)
