"""Values written the way the apiserver (Go) writes them: JSON, ids, timestamps."""
from __future__ import annotations

import base64
import json
import random
import time
from datetime import datetime, timezone

COMPACT = (",", ":")                    # json.dumps separators of Go's encoder
_SAFE = "bcdfghjklmnpqrstvwxz2456789"        # k8s rand.String alphabet (pod name suffixes)


def dumps(obj) -> str:
    """JSON as Go's encoding/json writes it: compact, HTML characters escaped."""
    return (json.dumps(obj, separators=COMPACT, ensure_ascii=False)
            .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def uuid4(r: random.Random) -> str:
    h = "%032x" % r.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def rand_string(r: random.Random, n: int) -> str:
    return "".join(_SAFE[int(r.random() * 27)] for _ in range(n))


def rand_hex(r: random.Random, n: int) -> str:
    return "%0*x" % (n, r.getrandbits(4 * n))


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_start(start: str) -> int:
    """An RFC 3339 timestamp (UTC if it has no zone) as epoch microseconds."""
    dt = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1_000_000))


def go_duration(seconds: int) -> str:
    return f"{seconds // 60}m{seconds % 60}s"
