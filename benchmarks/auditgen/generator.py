"""The generator: draws scenarios by the mix and renders each Request into an audit.k8s.io/v1 JSON line."""
from __future__ import annotations

import bisect
import math
import random
import time
from typing import Iterator

from .bodies import Vals, body_templates
from .event_parts import M, R, RR
from .goformat import parse_start
from .mix import LEVELS, REQUEST_LINE_BYTES, REQUESTRESPONSE_LINE_BYTES, scenario_table
from .scenarios import Session
from .world import RV0, cached_world


_HEAD = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"'


def iter_events(n: int, *, seed: int = 1, level: str = "mix", start: str = "2026-11-20T10:00:00Z",
                rate: float = 200.0) -> Iterator[tuple[str, str, str]]:
    """Yield (class, scenario, JSON line) for n events; see generate()."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if rate <= 0:
        raise ValueError("rate must be > 0")
    start_us = parse_start(start)
    world = cached_world(seed, start_us)
    rng = random.Random(seed)
    body_rng = random.Random(seed * 1_000_003 + 17)      # body sizes: independent of the event stream
    sess = Session(world, rng)
    bodies = body_templates() if level != "metadata" else None

    table = scenario_table()
    cum, acc = [], 0.0
    fns, labels = [], []
    for cls, name, p in table:
        acc += p
        cum.append(acc)
        fns.append(getattr(sess, "s_" + name.replace("-", "_")))
        labels.append((cls, name))
    cum[-1] = 1.0 + 1e-9

    fixed = {"metadata": M, "request": R, "requestresponse": RR}.get(level)
    rand, bits = rng.random, rng.getrandbits
    log = math.log
    mean_us = 1_000_000.0 / rate
    t = start_us
    prefix_cache: dict = {}
    strftime, gmtime = time.strftime, time.gmtime
    lo_r, hi_r = math.log(REQUEST_LINE_BYTES[0]), math.log(REQUEST_LINE_BYTES[1])
    lo_rr, hi_rr = math.log(REQUESTRESPONSE_LINE_BYTES[0]), math.log(REQUESTRESPONSE_LINE_BYTES[1])
    bisect_right = bisect.bisect_right

    def ts(us):
        s, frac = divmod(us, 1_000_000)
        p = prefix_cache.get(s)
        if p is None:
            if len(prefix_cache) > 100_000:
                prefix_cache.clear()
            p = prefix_cache[s] = strftime("%Y-%m-%dT%H:%M:%S", gmtime(s))
        return f"{p}.{frac:06d}Z"

    for i in range(n):
        t += int(-log(1.0 - rand()) * mean_us) + 1
        sess.rv = RV0 + 2 * i
        k = bisect_right(cum, rand())
        # a Request; unpacking it is cheaper than reading its attributes
        verb, uri, actor, oref, status, ann, lat, stage, tier, body, body_values, body_extra = fns[k]()
        h = "%032x" % bits(128)
        aid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
        lvl = fixed or tier
        t1 = ts(t)
        t0 = ts(t - lat)
        extra = ""
        if body is not None and lvl != M:
            fam = getattr(bodies, body)
            rr = lvl == RR
            if rr:
                target = int(math.exp(lo_rr + body_rng.random() * (hi_rr - lo_rr))) - 900
            else:
                target = int(math.exp(lo_r + body_rng.random() * (hi_r - lo_r))) - 900
            vals = dict(body_values)
            if body_extra:
                vals.update(body_extra)
            vals["rv"] = str(sess.rv)
            vals["rv2"] = str(sess.rv + 1)
            vals["now"] = t1[:19] + "Z"
            vals["nowus"] = t1
            if "kaa" not in vals:
                vals["kaa"] = "x7k2p"
            req, resp = fam.render(rr, Vals(vals), target)
            if req is not None:
                extra += ',"requestObject":' + req
            if resp is not None:
                extra += ',"responseObject":' + resp
        objref = ',"objectRef":' + oref if oref else ""
        line = (f'{_HEAD}{lvl}","auditID":"{aid}","stage":"{stage}","requestURI":"{uri}","verb":"{verb}",'
                f'"user":{actor.user},"sourceIPs":["{actor.ip}"],"userAgent":"{actor.ua}"{objref}'
                f',"responseStatus":{status}{extra},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}",'
                f'"annotations":{ann}}}')
        yield labels[k][0], labels[k][1], line


def generate(n: int, *, seed: int = 1, level: str = "mix", start: str = "2026-11-20T10:00:00Z",
             rate: float = 200.0) -> Iterator[str]:
    """Yield n JSON lines (no trailing newline). level: "metadata" (every event at Metadata level, no bodies),
    "request", "requestresponse", or "mix" (per event class, as a tiered policy would: secrets/RBAC/token at
    RequestResponse, workload mutations/webhooks at Request, everything else at Metadata).
    rate: events per second of simulated time (timestamps advance accordingly, deterministic)."""
    for _, _, line in iter_events(n, seed=seed, level=level, start=start, rate=rate):
        yield line
