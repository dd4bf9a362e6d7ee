"""The Fluent Bit `[FILTER]` snippet for the generated script, classic and YAML.

`enable_flb_null` is on: with it off, a record the filter modifies loses
every null-valued key (`metadata.creationTimestamp: null` is in nearly every
request body) and trailing nulls in arrays, so the SIEM would not get the
event the apiserver wrote. The generated Lua is correct in both modes.
`protected_mode` stays on (the default) so a Lua error cannot crash Fluent
Bit; the script itself never raises and fails closed per record.
"""

from __future__ import annotations

from auditc.artifacts import header

SNIPPET_SCRIPT = "auditc-snippet.lua"
# The snippet goes into pipelines auditc did not write, which may run with the
# default 24 KiB coroutine stack. Measured on Fluent Bit v4.2.8 with that
# stack, the lowest nesting depth (maps, the record itself counting 1) that
# crashes an output: file 17, es 31, stdout json_lines/http/s3 32, loki 34.
# A cap of 12 ships at most 13 levels: 4 below the file output's 17.
SNIPPET_MAX_DEPTH = 12
SERVICE_WHY = ("Coro_Stack_Size 262144 is REQUIRED for the auditc filter snippet: with Fluent Bit's default "
               "coroutine stack (24 KiB on glibc) the file output crashes on records nesting 17 levels deep, "
               "es at 31, stdout/http/s3 at 32, loki at 34 (measured on v4.2.8).")
DEPTH_WHY = ("{script} truncates records nesting deeper than {depth} levels (a marker string replaces the "
             "subtree; auditc.truncated counts them), below the lowest crashing depth with the default stack; "
             "the whole-pipeline build keeps its deeper cap because it sets the stack itself.")

WHY_NULL = "enable_flb_null keeps JSON nulls in records the filter modifies (auditc's Lua is correct either way)."


def service_snippets() -> dict[str, str]:
    """The [SERVICE] lines the filter snippet needs, as a separate file to
    merge into the pipeline's own service section."""
    classic = (
        f"{header('conf')}\n"
        f"# {SERVICE_WHY}\n"
        "# Put this line in your pipeline's [SERVICE] section (or @INCLUDE this file before your [INPUT]s).\n"
        "[SERVICE]\n"
        "    Coro_Stack_Size 262144\n"
    )
    yaml_text = (
        f"{header('yaml')}\n"
        f"# {SERVICE_WHY}\n"
        "# Merge this key into your pipeline's service section.\n"
        "service:\n"
        "  coro_stack_size: 262144\n"
    )
    return {"service.conf": classic, "service.yaml": yaml_text}


def filter_snippets(script_path: str, call: str, match: str, rule_count: int,
                    max_depth: int = SNIPPET_MAX_DEPTH) -> dict[str, str]:
    depth = DEPTH_WHY.format(script=script_path.rsplit("/", 1)[-1], depth=max_depth)
    classic = (
        f"{header('conf')}\n"
        f"# auditc filter: {rule_count} rules. {WHY_NULL}\n"
        "# REQUIRED: put service.conf's [SERVICE] line (Coro_Stack_Size 262144) into your pipeline (see its comment).\n"
        f"# {depth}\n"
        "[FILTER]\n"
        "    Name            lua\n"
        f"    Match           {match}\n"
        f"    Script          {script_path}\n"
        f"    Call            {call}\n"
        "    Protected_Mode  true\n"
        "    Enable_Flb_Null true\n"
    )
    yaml_text = (
        f"{header('yaml')}\n"
        f"# auditc filter: {rule_count} rules. {WHY_NULL}\n"
        "# REQUIRED: merge service.yaml (service.coro_stack_size: 262144) into your pipeline (see its comment).\n"
        f"# {depth}\n"
        "pipeline:\n"
        "  filters:\n"
        "    - name: lua\n"
        f"      match: '{match}'\n"
        f"      script: {script_path}\n"
        f"      call: {call}\n"
        "      protected_mode: true\n"
        "      enable_flb_null: true\n"
    )
    return {"filter.conf": classic, "filter.yaml": yaml_text, **service_snippets()}
