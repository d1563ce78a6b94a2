"""Run records: a finished run is read back instead of retrained, keyed by its whole spec; damage is named."""
import json

import pytest

from dlkit import records, results
from dlkit.results import ResultsError

SPEC = {"model": "LeNet-5", "dataset": "MNIST", "seed": 0, "epochs": 5, "hidden": (128, 64)}


def counting_trainer(result: dict):
    calls = []

    def train():
        calls.append(1)
        return result
    return train, calls


def test_a_saved_run_is_reused_and_a_changed_spec_trains_again(tmp_path):
    store = records.RunStore("t", smoke=False, fresh=False)
    store.folder = tmp_path
    train, calls = counting_trainer({"test_accuracy": 0.99})
    assert store.run(SPEC, train) == {"test_accuracy": 0.99}
    assert store.run(dict(reversed(SPEC.items())), train) == {"test_accuracy": 0.99}   # key order is irrelevant
    assert len(calls) == 1 and (store.trained, store.reused) == (1, 1)
    store.run({**SPEC, "epochs": 6}, train)
    assert len(calls) == 2 and len(list(tmp_path.glob("*.json"))) == 2
    assert store.report().startswith("2 runs trained, 1 reused")


def test_fresh_retrains_and_overwrites(tmp_path):
    old = records.RunStore("t", smoke=False, fresh=False)
    old.folder = tmp_path
    old.run(SPEC, lambda: {"acc": 1})
    fresh = records.RunStore("t", smoke=False, fresh=True)
    fresh.folder = tmp_path
    assert fresh.run(SPEC, lambda: {"acc": 2}) == {"acc": 2}
    assert old.run(SPEC, lambda: {"acc": 3}) == {"acc": 2}
    assert "FRESH=1" in fresh.report()


def test_fresh_is_a_checked_knob(monkeypatch):
    monkeypatch.setenv("FRESH", "yes")
    with pytest.raises(ValueError, match="FRESH='yes' is not accepted"):
        records.fresh_start()


def test_a_damaged_or_foreign_record_is_named(tmp_path):
    store = records.RunStore("t", smoke=False, fresh=False)
    store.folder = tmp_path
    store.run(SPEC, lambda: {"acc": 1})
    path = store.path(SPEC)
    path.write_text(path.read_text()[:20])
    with pytest.raises(ResultsError, match=rf"{path.name}: not valid JSON.*re-run"):
        store.run(SPEC, lambda: {"acc": 1})
    path.write_text(json.dumps({"spec": {**SPEC, "seed": 1}, "result": {}}))
    with pytest.raises(ResultsError, match=rf"{path.name}: its spec differs"):
        store.run(SPEC, lambda: {"acc": 1})


def test_predictions_round_trip_as_digits():
    preds = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert records.encode_predictions(preds) == "7210414959"
    assert records.decode_predictions("7210414959") == preds
    with pytest.raises(ValueError):
        records.encode_predictions([10])


def test_correct_per_image_pairs_predictions_with_labels():
    assert records.correct_per_image("7210", [7, 2, 0, 0]) == [True, True, False, True]
    with pytest.raises(ValueError):
        records.correct_per_image("72", [7, 2, 1])      # a record of another test set is refused


def test_exploring_writes_scratch_and_reuses_the_committed_records(tmp_path, monkeypatch):
    """A full run without RECORD=1 (a Run All in Jupyter) reads the committed records but writes only into
    results/scratch/; with RECORD=1 it writes results/runs/, and each record names the code that made it."""
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234")
    monkeypatch.setenv("RECORD", "1")
    recorder = records.RunStore("q", smoke=False, fresh=False)
    assert recorder.folder == tmp_path / "runs" / "q"
    recorder.run(SPEC, lambda: {"acc": 1})
    saved = json.loads(next(recorder.folder.glob("*.json")).read_text())
    assert saved["made_by"]["git_commit"] == "abc1234" and saved["made_by"]["torch"]
    monkeypatch.delenv("RECORD")
    explorer = records.RunStore("q", smoke=False, fresh=False)
    assert explorer.folder == tmp_path / "scratch" / "runs" / "q"
    assert explorer.run(SPEC, lambda: {"acc": 2}) == {"acc": 1}          # the committed record, reused
    explorer.run({**SPEC, "seed": 1}, lambda: {"acc": 3})                 # a new run goes to scratch only
    assert len(list(explorer.folder.glob("*.json"))) == 1 and len(list(recorder.folder.glob("*.json"))) == 1


@pytest.mark.parametrize("commit", ["abc1234+dirty", None])
def test_recording_from_uncommitted_code_is_refused(tmp_path, monkeypatch, commit):
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", commit)
    monkeypatch.setenv("RECORD", "1")
    with pytest.raises(results.DirtyTreeError, match="RECORD=1 refuses"):
        records.RunStore("q", smoke=False)
    with pytest.raises(results.DirtyTreeError):
        results.results_path("q1_cross_entropy_vs_mse", smoke=False)
    monkeypatch.setenv("ALLOW_DIRTY", "1")                                 # loud, but allowed
    assert records.RunStore("q", smoke=False).folder == tmp_path / "runs" / "q"
    monkeypatch.delenv("RECORD")
    monkeypatch.delenv("ALLOW_DIRTY")
    assert results.results_path("q1", smoke=False) == tmp_path / "scratch" / "q1.json"   # exploring: no check


def test_report_names_where_the_reused_records_came_from_and_where_new_ones_went(tmp_path, monkeypatch):
    """An exploring run that reuses the committed records says they came from results/runs/, not from the
    results/scratch/ folder it would write into; only a folder that got something is named."""
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234")
    monkeypatch.setenv("RECORD", "1")
    recorder = records.RunStore("q", smoke=False, fresh=False)
    recorder.run(SPEC, lambda: {"acc": 1})
    committed, scratch = str(tmp_path / "runs" / "q"), str(tmp_path / "scratch" / "runs" / "q")
    assert recorder.report() == f"1 runs trained, 0 reused; new records saved in {committed}"
    monkeypatch.delenv("RECORD")
    explorer = records.RunStore("q", smoke=False, fresh=False)
    explorer.run(SPEC, lambda: {"acc": 2})
    assert explorer.report() == f"0 runs trained, 1 reused from {committed}"
    explorer.run({**SPEC, "seed": 1}, lambda: {"acc": 3})
    assert explorer.report() == f"1 runs trained, 1 reused from {committed}; new records saved in {scratch}"
    again = records.RunStore("q", smoke=False, fresh=False)          # both folders now hold a record it reuses
    again.run(SPEC, lambda: {"acc": 4})
    again.run({**SPEC, "seed": 1}, lambda: {"acc": 5})
    assert again.report() == f"0 runs trained, 2 reused from {committed} (1) and {scratch} (1)"


def test_provenance_names_who_trained_the_runs_returned(tmp_path, monkeypatch):
    """The CPUs and commits of the records a store returned, trained now or read back; a record without
    `made_by` (made before records named it) counts as unknown."""
    import json
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234")
    monkeypatch.setenv("RECORD", "1")
    store = records.RunStore("q", smoke=False, fresh=False)
    store.run(SPEC, lambda: {"acc": 1})
    old = store.path({**SPEC, "seed": 7})
    old.write_text(json.dumps({"spec": {**SPEC, "seed": 7}, "result": {"acc": 0}}))   # an old record
    reader = records.RunStore("q", smoke=False, fresh=False)
    reader.run(SPEC, lambda: {"acc": 2})
    assert reader.provenance() == {"cpu_models": [results.cpu_model()], "git_commits": ["abc1234"]}
    reader.run({**SPEC, "seed": 7}, lambda: {"acc": 3})
    assert reader.provenance() == {"cpu_models": sorted([results.cpu_model(), "unknown"]),
                                   "git_commits": ["abc1234", "unknown"]}


def test_figures_go_where_the_results_go(tmp_path, monkeypatch):
    """save_figure asks results.figure_dir, which follows output_root: answers/figures/ when recording (from
    committed code only), results/scratch/figures/ when exploring, nothing in smoke mode."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlkit import plots

    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(results, "FIGURES_DIR", tmp_path / "answers" / "figures")
    monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234")
    fig = plt.figure()
    try:
        monkeypatch.setenv("SMOKE", "1")
        assert results.figure_dir() is None and plots.save_figure(fig, "f") is None
        monkeypatch.setenv("SMOKE", "0")
        assert results.figure_dir() == results.output_root() / "figures" == tmp_path / "results" / "scratch" / "figures"
        assert plots.save_figure(fig, "f") == tmp_path / "results" / "scratch" / "figures" / "f.png"
        monkeypatch.setenv("RECORD", "1")
        assert plots.save_figure(fig, "f") == tmp_path / "answers" / "figures" / "f.png"
        assert (tmp_path / "answers" / "figures" / "f.png").exists()
        monkeypatch.setattr(results, "GIT_COMMIT_AT_START", "abc1234+dirty")
        with pytest.raises(results.DirtyTreeError):
            plots.save_figure(fig, "g")
    finally:
        plt.close(fig)
    assert sorted(p.name for p in (tmp_path / "answers" / "figures").iterdir()) == ["f.png"]
