"""The benchmarks' statistics and bookkeeping (dlkit.bench) on synthetic timings; nothing is timed."""
import json
from itertools import count

import pytest

from dlkit import bench, quote, results


def fake_settings(log, values):
    """Settings that record their calls and return the next of their synthetic timings."""
    def make(name):
        it = iter(values[name])
        return lambda: log.append(name) or next(it)
    return {name: make(name) for name in values}


def test_summary_median_range_spread_and_rate():
    s = bench.summary([3.0, 1.0, 2.0, 5.0, 4.0], work=6)
    assert (s["median_s"], s["min_s"], s["max_s"]) == (3.0, 1.0, 5.0)
    assert s["rounds_s"] == [3.0, 1.0, 2.0, 5.0, 4.0]          # every round kept, in order
    assert s["spread"] == pytest.approx(4 / 3, abs=1e-4)
    assert s["images_per_s"] == {"median": 2.0, "min": 1.2, "max": 6.0}   # slowest round gives the min rate
    assert bench.summary([1.0, 2.0, 3.0, 4.0])["median_s"] == 2.5    # even count: mean of the middle two
    assert "images_per_s" not in bench.summary([1.0])


def test_ratio_divides_medians_not_means_or_best_rounds():
    slow = bench.summary([10.0, 11.0, 30.0])   # one outlier round
    fast = bench.summary([2.0, 2.2, 2.1])
    assert bench.ratio(slow, fast) == pytest.approx(11.0 / 2.1)


def test_interleaved_runs_warmup_then_rounds_in_turn():
    log = []
    values = {"seed": [99.0, 16.0, 17.0, 15.0], "project": [9.0, 2.0, 1.8, 1.9]}
    warmups = {}
    times = bench.interleaved(fake_settings(log, values), rounds=3, warmup=1, log=None, warmup_times=warmups)
    assert log == ["seed", "project"] * 4                  # warm-up round, then seed, project, seed, project, ...
    assert times == {"seed": [16.0, 17.0, 15.0], "project": [2.0, 1.8, 1.9]}   # warm-up kept apart
    assert warmups == {"seed": [99.0], "project": [9.0]}


def test_interleaved_drops_a_setting_that_fails_in_warmup():
    calls = count()

    def broken():
        next(calls)
        raise RuntimeError("no compiler")

    errors = {}
    times = bench.interleaved({"ok": lambda: 1.0, "compiled": broken}, rounds=2, log=None, errors=errors)
    assert times == {"ok": [1.0, 1.0]} and next(calls) == 1
    assert errors == {"compiled": "RuntimeError: no compiler"}
    with pytest.raises(RuntimeError):
        bench.interleaved({"compiled": broken}, rounds=2, log=None)


def test_range_format_for_quotes():
    s = bench.summary([16.43, 15.9, 17.02], work=60000)
    assert quote.format_value(s, "range2") == "15.90–17.02"
    assert quote.format_value(s["images_per_s"], "range0") == "3,525–3,774"
    assert quote.format_value([1, 2.5], "range1") == "1.0–2.5"


def test_a_quote_of_a_missing_key_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(quote, "read_committed", lambda name: {"rows": [{"ips": 1.0}]})
    text = "<!--q:demo:settings.b64.ips:int-->?<!--/q--> <!--q:demo:rows.3.ips:int-->?<!--/q-->"
    assert quote.sync(text) == (text, ["demo:settings.b64.ips is not in results/demo.json",
                                       "demo:rows.3.ips is not in results/demo.json"])


def test_quick_runs_never_overwrite_committed_results(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234")
    monkeypatch.setenv("RECORD", "1")                     # `make bench` records; a plain full run writes scratch
    quick = bench.write_record("benchmark_demo", {"speedup": 1.0}, quick=True, started=0.0)
    full = bench.write_record("benchmark_demo", {"speedup": 2.0}, quick=False, started=0.0)
    assert quick == tmp_path / "smoke" / "benchmark_demo.json" and full == tmp_path / "benchmark_demo.json"
    record = json.loads(quick.read_text())
    assert record["mode"] == "quick" and json.loads(full.read_text())["mode"] == "full"
    assert len(record["load_average"]) == 3
    env = record["environment"]
    assert env["cpu_model"] == results.cpu_model() != ""
    assert {"version", "parallel_backend", "intraop_threads", "cpu_capability"} <= env["torch_build"].keys()
