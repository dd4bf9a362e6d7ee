"""benchmarks/cachegrind_fluentbit.py reads cachegrind's output files: totals
and per-function sums must come out right, since the round's conclusions
are read from them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
cg = pytest.importorskip("cachegrind_fluentbit")

PROFILE = """\
desc: I1 cache:         32768 B, 64 B, 8-way associative
desc: LL cache:         2097152 B, 64 B, 16-way associative
cmd: fluent-bit -c x.conf
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=/src/lj_alloc.c
fn=lj_alloc_malloc
10 100 1 0 40 2 1 20 1 3
11 50 0 0 10 0 0 5 0 2
fn=lj_alloc_free
20 7 0 0 1 0 0 1 0 0
fl=???
fn=???
0 1000 4 1 300 6 2
summary: 1157 5 1 351 8 3 26 1 5
"""


def test_read_profile_sums_lines_by_function(tmp_path):
    path = tmp_path / "x.cg"
    path.write_text(PROFILE)
    totals, by_function = cg.read_profile(path)
    assert totals == {"Ir": 1157, "I1mr": 5, "ILmr": 1, "Dr": 351, "D1mr": 8, "DLmr": 3,
                      "Dw": 26, "D1mw": 1, "DLmw": 5}
    assert by_function["lj_alloc_malloc"] == {"Ir": 150, "I1mr": 1, "ILmr": 0, "Dr": 50, "D1mr": 2,
                                              "DLmr": 1, "Dw": 25, "D1mw": 1, "DLmw": 5}
    # a short line (trailing zero counts left out, as cachegrind writes them)
    assert by_function["???"]["Ir"] == 1000 and by_function["???"]["D1mr"] == 6 and by_function["???"]["DLmr"] == 2
    assert by_function["???"]["Dw"] == 0


def test_estimate_weights_misses():
    c = {"Ir": 1000, "I1mr": 1, "ILmr": 1, "Dr": 0, "D1mr": 2, "DLmr": 3, "Dw": 0, "D1mw": 4, "DLmw": 5}
    assert cg.l1_misses(c) == 7 and cg.ll_misses(c) == 9
    assert cg.estimate(c) == 1000 + 10 * 7 + 100 * 9
    assert cg.minus(c, c) == dict.fromkeys(cg.EVENTS, 0)
    # a model charging misses what an out-of-order core pays for them
    assert cg.estimate(c, (0.5, 14, 92)) == 500 + 14 * 7 + 92 * 9


def test_weights_are_three_non_negative_numbers():
    assert cg.parse_weights("0.41,14,92") == (0.41, 14.0, 92.0)
    for bad in ("1,10", "1,10,100,1", "a,b,c", "1,-10,100", ""):
        with pytest.raises(cg.argparse.ArgumentTypeError, match="three numbers"):
            cg.parse_weights(bad)


def test_a_run_without_summary_is_an_error(tmp_path):
    path = tmp_path / "cut.cg"
    path.write_text(PROFILE.rsplit("summary:", 1)[0])
    with pytest.raises(SystemExit, match="no summary"):
        cg.read_profile(path)
