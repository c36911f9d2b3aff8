"""The benchmark script measures like for like (issue 15): its bookkeeping, checked by hand.

Timings themselves are not asserted (a shared machine makes them noisy); what is checked is how
they are taken and reported: alternating rounds on the same rows, a fresh value per scalar call,
medians with their spread, peak memory, the targets and which the run met.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def test_spread_is_median_and_range() -> None:
    # sorted 1, 2, 4, 9, 30: median 4, range 1-30
    assert bench.spread([4.0, 30.0, 1.0, 9.0, 2.0]) == {"median": 4.0, "min": 1.0, "max": 30.0}


def test_rounds_alternate_on_the_same_rows_with_fresh_scalar_values() -> None:
    calls: list[Any] = []
    case = bench.Case(
        "fake",
        rows=100,
        array=lambda: calls.append("array") or [[float(i)] for i in range(100)],
        scalar=lambda i: calls.append(i) or float(i),
        target_ms=1e9,
        target_speedup=0.0,
    )
    row = bench.measure(case, rounds=3, sample=10)
    timed = calls[2:]  # after one warm-up call of each
    # array, 10 scalar rows, array, 10 scalar rows, ... (then the memory pass)
    assert [c == "array" for c in timed[:33]] == ([True] + [False] * 10) * 3
    rounds = [timed[1:11], timed[12:22], timed[23:33]]
    assert rounds[0] == list(range(0, 100, 10))  # rows spread over the column
    assert rounds[1] == list(range(1, 101, 10))  # the next round: other rows, fresh values
    assert len({i for r in rounds for i in r}) == 30
    assert set(row) >= {"ms", "scalar_us", "speedup", "peak_mib", "scalar_peak_mib", "met"}
    assert row["speedup"]["min"] <= row["speedup"]["median"] <= row["speedup"]["max"]
    assert row["met"]["ms"] and row["met"]["speedup"]
    assert row["same"] == {"same": 100, "checked": 100} and row["met"]["same"]


def test_an_array_form_that_differs_from_its_scalar_form_is_reported() -> None:
    # row 7 of the array form is one ulp off the scalar form's number: reported, not met
    column = [[float(i)] for i in range(100)]
    column[7] = [float.fromhex("0x1.c000000000001p+2")]  # 7 + 2**-50
    case = bench.Case("fake", rows=100, array=lambda: column, scalar=lambda i: float(i))
    row = bench.measure(case, rounds=1, sample=10)
    assert row["same"] == {"same": 99, "checked": 100}
    assert row["met"]["same"] is False
    missed = bench.unmet({"arrays": [row]})
    assert missed == ["fake: the array form differs from the scalar form on 1 of 100 rows checked"]


def test_inputs_are_python_floats_that_vary() -> None:
    cols = bench.columns(1000)
    for name in ("shares", "issue", "paid", "cp", "fd", "delta", "price", "holding"):
        values = cols.data[name]
        assert {type(v) for v in values} == {float}, name  # what xlwings passes, not numpy
        assert len(set(values)) > 100, name  # a fresh value per call, not one repeated
    assert cols.col("shares")[:2] == [[cols.data["shares"][0]], [cols.data["shares"][1]]]


def test_targets_are_the_issue_15_targets() -> None:
    t = bench.TARGETS
    assert (t["scalar_us"], t["array_speedup"], t["array_ms"]) == (10.0, 100.0, 50.0)
    assert (t["waterfall_speedup"], t["waterfall_ms"], t["history_s"]) == (50.0, 50.0, 0.2)
    assert (t["prorata_requests_ms"], t["peak_mib"]) == (5.0, 200.0)
    names = {c.name for c in bench.cases(quick=True)}
    assert {"LIQPREF", "CONVSHARES", "CASHINLIEU", "ADJPRICE", "PRORATA (with requests)"} <= names
    assert {"WATERFALL", "WATERFALL (cold scalar)", "CPHISTORY", "CPASOF"} <= names


def test_unmet_targets_are_listed() -> None:
    row = {
        "function": "LIQPREF",
        "ms": bench.spread([60.0]),
        "speedup": bench.spread([40.0]),
        "scalar_us": bench.spread([2.0]),
        "peak_mib": 250.0,
        "targets": {"ms": 50.0, "speedup": 100.0, "scalar_us": 10.0},
    }
    row["met"] = bench.met(row)
    assert row["met"] == {"ms": False, "speedup": False, "scalar_us": True, "peak_mib": False}
    assert bench.unmet({"arrays": [row]}) == [
        "LIQPREF: 60.0 ms, target ≤ 50 ms",
        "LIQPREF: 40.0×, target ≥ 100×",
        "LIQPREF: 250.0 MiB, target ≤ 200 MiB",
    ]


def test_a_failing_call_stops_the_benchmark() -> None:
    with pytest.raises(SystemExit, match="shares must be"):
        bench.check("#VALUE! shares must be >= 0 (got -5)")
    assert bench.check(1.5) == 1.5


def test_cold_calls_clear_the_caches() -> None:
    from xl_addin import udfs, udfs_exits

    args = (50_000_000, bench.SERIES_A, 14_000_000, 46000, bench.PARITY, bench.OPTIONS)
    udfs.WATERFALL(*args)
    assert any(isinstance(v, dict) and v for k, v in vars(udfs_exits).items() if k.isupper())
    bench.clear_caches()
    assert not any(
        isinstance(v, dict) and v
        for k, v in vars(udfs_exits).items()
        if k.startswith("_") and k.isupper()
    )


def test_one_small_run_writes_json_and_the_readme_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    argv = ["--quick", "--no-process", "--only", "CONVSHARES", "--rounds", "2", "--readme"]
    assert bench.main([*argv, "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    (row,) = results["arrays"]
    assert row["function"] == "CONVSHARES" and row["rows"] == 10_000
    assert row["ms"]["min"] <= row["ms"]["median"] <= row["ms"]["max"]
    assert row["peak_mib"] > 0 and row["scalar_us"]["median"] > 0
    printed = capsys.readouterr().out
    section = printed.split("----- README (Markdown) -----", 1)[1]
    assert section.lstrip().startswith("## Performance")
    assert "| CONVSHARES | 10,000 |" in section
    assert "fresh value per call" in section and "alternating rounds" in section
    # the same section again from the run's JSON (what the README holds is that run's)
    assert bench.main(["--readme-from", str(out)]) == 0
    assert capsys.readouterr().out.strip() == section.strip()
    # the figures printed are this run's
    assert (
        f"{row['ms']['median']:,.1f} ({row['ms']['min']:,.1f}–{row['ms']['max']:,.1f})" in section
    )
