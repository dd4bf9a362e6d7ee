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

WHY_NULL = "enable_flb_null keeps JSON nulls in records the filter modifies (auditc's Lua is correct either way)."


def filter_snippets(script_path: str, call: str, match: str, rule_count: int) -> dict[str, str]:
    classic = (
        f"{header('conf')}\n"
        f"# auditc filter: {rule_count} rules. {WHY_NULL}\n"
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
        "pipeline:\n"
        "  filters:\n"
        "    - name: lua\n"
        f"      match: '{match}'\n"
        f"      script: {script_path}\n"
        f"      call: {call}\n"
        "      protected_mode: true\n"
        "      enable_flb_null: true\n"
    )
    return {"filter.conf": classic, "filter.yaml": yaml_text}
