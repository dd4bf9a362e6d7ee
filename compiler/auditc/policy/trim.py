"""Trim a captured event to what a policy level would have logged.

Reproduces k8s.io/apiserver/pkg/audit/request.go (and the AuditContext
methods it calls in audit/context.go):

- LogRequestObject / LogRequestPatch: the request body is kept from level
  Request up;
- LogResponseObject: below RequestResponse only the response *status* is
  kept (ev.ResponseStatus, which every level has), the body from
  RequestResponse up;
- shouldOmitManagedFields / copyWithoutManagedFields: with omitManagedFields,
  `metadata.managedFields` is removed from the object, from every item of a
  list, and from every row object of a Table; a patch body is logged as the
  raw patch (LogRequestPatch) and never rewritten;
- the event carries the level it was logged at (ev.Level).

An event cannot gain what it was not captured with: if the policy asks for
more than the captured level, the event is left as it is and counted.
"""

from __future__ import annotations

import json

from auditc.policy.levels import at_least, level_rank


def go_json(event: dict) -> bytes:
    """Compact JSON as Go's encoding/json writes it: no spaces, UTF-8, and
    '<', '>', '&', U+2028, U+2029 escaped (json.Marshal's HTML-safe default)."""
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    if any(c in text for c in "<>&\u2028\u2029"):
        text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text.encode("utf-8")


def _strip_object(obj) -> bool:
    """copyWithoutManagedFields for one decoded body; True if anything was removed."""
    if not isinstance(obj, dict):
        return False
    changed = False
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:  # removeManagedFields on an object
        del meta["managedFields"]
        changed = True
    items = obj.get("items")
    if isinstance(items, list):  # meta.IsListType: EachListItem
        for item in items:
            if isinstance(item, dict):
                m = item.get("metadata")
                if isinstance(m, dict) and "managedFields" in m:
                    del m["managedFields"]
                    changed = True
    if obj.get("kind") == "Table" and isinstance(obj.get("rows"), list):  # *metav1.Table: every row's object
        for row in obj["rows"]:
            inner = row.get("object") if isinstance(row, dict) else None
            m = inner.get("metadata") if isinstance(inner, dict) else None
            if isinstance(m, dict) and "managedFields" in m:
                del m["managedFields"]
                changed = True
    return changed


def trim_event(event: dict, level: str, omit_managed_fields: bool) -> tuple[bool, bool]:
    """Trim `event` in place to `level` (not None). Returns (changed, under_captured):
    under_captured when the event was captured at a lower level than `level`."""
    captured = event.get("level")
    under = isinstance(captured, str) and captured in ("None", "Metadata", "Request", "RequestResponse") \
        and level_rank(captured) < level_rank(level)
    if under:
        return False, True
    changed = False
    if not at_least(level, "Request") and "requestObject" in event:
        del event["requestObject"]
        changed = True
    if not at_least(level, "RequestResponse") and "responseObject" in event:
        del event["responseObject"]
        changed = True
    if omit_managed_fields:
        # LogRequestPatch logs a patch as raw bytes: only decoded objects are stripped.
        if "requestObject" in event and event.get("verb") != "patch":
            changed |= _strip_object(event["requestObject"])
        if "responseObject" in event:
            changed |= _strip_object(event["responseObject"])
    if event.get("level") != level:
        event["level"] = level
        changed = True
    return changed, False
