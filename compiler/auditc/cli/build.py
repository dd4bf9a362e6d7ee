"""`auditc build RULES... -o OUT_DIR [--check [--diff]]`."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from auditc.cli.common import EXIT_FAIL, EXIT_OK, format_arg, print_diagnostics, rules_arg
from auditc.compiler import BuildOptions, build_artifacts, compile_rules, policy_warnings
from auditc.errors import Diagnostic, Location, UsageError

_LUA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LUA_KEYWORDS = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
                 "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}


def add_parsers(sub) -> None:
    b = sub.add_parser("build", help="compile rules into a Fluent Bit Lua filter and config snippets",
                       description="Compile RULES (directories or files, merged) into OUT_DIR: auditc.lua, "
                                   "filter.conf, filter.yaml and the pipeline. Writes are atomic: a failed build "
                                   "leaves OUT_DIR untouched.")
    rules_arg(b)
    b.add_argument("-o", "--output", metavar="OUT_DIR", required=True, help="output directory")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if OUT_DIR differs from what a build would write")
    b.add_argument("--diff", action="store_true", help="with --check (implied): print a unified diff of what would change")
    b.add_argument("--strict", action="store_true",
                   help="exit 1 (writing nothing) when a detection cannot fire, or fires only in part, under the "
                        "audit policy the build writes")
    b.add_argument("--call", default=BuildOptions.call, help="name of the Lua entry function (default: %(default)s)")
    b.add_argument("--max-depth", type=int, default=BuildOptions.max_depth,
                   help="nesting depth above which subtrees are replaced by a marker (default: %(default)s)")
    b.add_argument("--match", default=BuildOptions.match, help="Fluent Bit tag pattern for the filter (default: %(default)s)")
    b.add_argument("--script-dir", default=BuildOptions.script_dir,
                   help="directory the script is mounted at inside the Fluent Bit container (default: %(default)s)")
    b.add_argument("--webhook-batch-max-size", type=int, default=BuildOptions.webhook_batch_max_size,
                   help="kube-apiserver --audit-webhook-batch-max-size the webhook pipeline is sized for (default: %(default)s)")
    b.add_argument("--webhook-port", type=int, default=BuildOptions.webhook_port,
                   help="loopback port of the webhook listener (default: %(default)s)")
    b.add_argument("--outputs", default=",".join(BuildOptions.outputs),
                   help="comma-separated outputs of the generated pipeline: loki, opensearch, s3 (default: %(default)s)")
    format_arg(b)
    b.set_defaults(func=cmd_build)


def options(args) -> BuildOptions:
    """BuildOptions from the command line; UsageError for values the backends would refuse."""
    from auditc.backends.fluentbit.pipeline import OUTPUTS

    if not _LUA_NAME.match(args.call) or args.call in _LUA_KEYWORDS:
        raise UsageError(f"--call: {args.call!r} is not a valid Lua function name")
    if not 2 <= args.max_depth <= 28:
        raise UsageError("--max-depth must be between 2 and 28 (Fluent Bit's encoders fail near 30)")
    outputs = tuple(o.strip() for o in args.outputs.split(",") if o.strip())
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise UsageError(f"--outputs: unknown output {unknown[0]!r} (choose from {', '.join(OUTPUTS)})" if unknown
                         else "--outputs: name at least one output")
    if not 1 <= args.webhook_port <= 65535:
        raise UsageError("--webhook-port must be between 1 and 65535")
    if args.webhook_batch_max_size < 1:
        raise UsageError("--webhook-batch-max-size must be positive")
    return BuildOptions(call=args.call, max_depth=args.max_depth, match=args.match, script_dir=args.script_dir,
                        outputs=outputs, webhook_port=args.webhook_port,
                        webhook_batch_max_size=args.webhook_batch_max_size)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, UnicodeDecodeError):
        return None


def cmd_build(args) -> int:
    from auditc.artifacts import write_atomically

    opts = options(args)
    compiled = compile_rules(args.rules, opts)
    quiet = bool(getattr(args, "quiet", 0))
    print_diagnostics(compiled.diagnostics, args.format, quiet)
    files = build_artifacts(compiled, opts)
    blind = policy_warnings(compiled, files["audit-policy.yaml"], str(Path(args.output) / "audit-policy.yaml"))
    print_diagnostics(blind, args.format, quiet)
    if blind and args.strict:
        print(f"auditc: --strict: {len(blind)} detection warning(s) under the generated audit policy", file=sys.stderr)
        return EXIT_FAIL
    if args.check or args.diff:
        out = Path(args.output)
        command = f"auditc build {' '.join(args.rules)} -o {args.output}"
        stale = []
        for name, content in sorted(files.items()):
            current = _read(out / name)
            if current == content:
                continue
            state = "missing" if current is None else "out of date"
            stale.append(Diagnostic(Location(str(out / name)), f"{state}; run `{command}`", code="AUD501"))
            if args.diff:
                sys.stdout.writelines(difflib.unified_diff(
                    (current or "").splitlines(keepends=True), content.splitlines(keepends=True),
                    fromfile=f"a/{out / name}" if current is not None else "/dev/null", tofile=f"b/{out / name}"))
        print_diagnostics(stale, args.format)
        return EXIT_FAIL if stale else EXIT_OK
    changed = write_atomically(args.output, files)
    if not quiet:
        print(f"auditc: {len(compiled.program.rules)} rules from {len(compiled.ruleset.files)} files -> {args.output} "
              f"({', '.join(sorted(files))}; {len(changed)} changed)", file=sys.stderr)
    return EXIT_OK
