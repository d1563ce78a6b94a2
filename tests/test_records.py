"""Run records: a finished run is read back instead of retrained, keyed by its whole spec; damage is named."""
import json

import pytest

from dlkit import records
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
