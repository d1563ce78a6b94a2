"""`python -m dlkit.recheck RECORD`: a run record retrained from its spec agrees on every test image on the same
machine; an altered record (other predictions, another seed) is reported as disagreeing; a file that is not a
Q4 run record is named. Records are made here, as the Q4 notebook's smoke run makes them, in a temporary
RESULTS_DIR: the real results/ is never read or written."""
import json
import os
import subprocess
import sys

import pytest
import torch

from dlkit import data, q4, recheck, records, results, train
from dlkit.data import REPO_ROOT

# The Q4 notebook's smoke cpu recipe on smaller subsets (one LeNet-5 epoch of 16 steps): well under a second.
SMOKE_CONFIG = {"resnet_stem": "imagenet", "augmentation": None, "batch_size": 64, "optimizer": q4.OPTIMIZER,
                "max_lr": 3e-3, "weight_decay": 1e-2, "schedule": q4.SCHEDULE, "normalise": q4.NORMALISE,
                "n_val": 5000, "split_seed": 0, "subset": {"train": 1024, "val": 256, "test": 500}}
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def smoke_record(tmp_path_factory):
    """One smoke run record, saved by RunStore exactly as the notebook saves it (SMOKE=1 folder layout)."""
    folder = tmp_path_factory.mktemp("results")
    saved_dir = results.RESULTS_DIR
    results.RESULTS_DIR = folder
    try:
        store = records.RunStore("q4", smoke=True, fresh=True)
        d = q4.prepare("MNIST", SMOKE_CONFIG, CPU, data.data_root())
        spec = q4.run_spec("LeNet-5", "MNIST", 0, 1, SMOKE_CONFIG, CPU, d["md5"])
        store.run(spec, lambda: q4.train_and_test(spec, d, CPU))
        path = store.path(spec)
    finally:
        results.RESULTS_DIR = saved_dir
    assert path.parent == folder / "smoke" / "runs" / "q4"
    return path


def altered_copy(path, tmp_path, change) -> object:
    record = json.loads(path.read_text())
    change(record)
    copy = tmp_path / path.name
    copy.write_text(json.dumps(record))
    return copy


def test_a_smoke_record_rechecks_exactly_in_a_fresh_process(smoke_record, tmp_path):
    """The command a marker types, in its own process: exit 0 under --expect-exact, every image alike."""
    env = {**os.environ, "RESULTS_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("SMOKE", None)
    run = subprocess.run([sys.executable, "-m", "dlkit.recheck", str(smoke_record), "--expect-exact"],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "predicted alike: 500 of 500 test images (100.00%)" in run.stdout
    assert "difference +0.00 points" in run.stdout and "EXACT" in run.stdout and "WARNING" not in run.stderr
    report = json.loads((tmp_path / "scratch" / "recheck" / smoke_record.name).read_text())
    assert report["exact"] and report["share_alike"] == 1.0 and report["training_losses_identical"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch"]          # nothing else written


def test_altered_predictions_are_reported_as_disagreeing(smoke_record, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)

    def flip_five(record):
        digits = list(record["result"]["test_predictions"])
        for i in range(5):
            digits[i] = str((int(digits[i]) + 1) % 10)
        record["result"]["test_predictions"] = "".join(digits)

    copy = altered_copy(smoke_record, tmp_path, flip_five)
    assert recheck.main([str(copy), "--expect-exact", "--no-report"]) == 1
    out, err = capsys.readouterr()
    assert "predicted alike: 495 of 500 test images (99.00%)" in out and "NOT EXACT" in out
    assert "the record was altered" in err


def test_only_expect_exact_turns_a_disagreement_into_a_failure(monkeypatch, tmp_path):
    for exact in (True, False):
        monkeypatch.setattr(recheck, "recheck", lambda *a, exact=exact, **k: {"exact": exact})
        assert recheck.main([str(tmp_path / "r.json")]) == 0                # it ran: the printout says how far
        assert recheck.main([str(tmp_path / "r.json"), "--expect-exact"]) == (0 if exact else 1)


def test_another_seed_in_the_spec_is_reported_as_disagreeing(smoke_record, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    copy = altered_copy(smoke_record, tmp_path, lambda r: r["spec"].update(seed=1))
    out = recheck.recheck(copy, report=False)
    assert not out["exact"] and out["share_alike"] < 0.99 and not out["training_losses_identical"]
    assert "its name's key" in capsys.readouterr().err              # the edit is named, too


def test_other_data_and_an_older_record_are_named_but_still_rechecked(smoke_record, tmp_path, capsys, monkeypatch):
    """A record without `made_by` (before commit 7925f90) names its device in the result; a data md5 that
    differs from the file found is a warning naming the file."""
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    label_file = "MNIST/raw/t10k-labels-idx1-ubyte.gz"

    def older_and_other_data(record):
        del record["made_by"]
        record["spec"]["data_md5"][label_file] = "0" * 32

    copy = altered_copy(smoke_record, tmp_path, older_and_other_data)
    assert recheck.main([str(copy), "--expect-exact", "--no-report"]) == 0      # same data really: exact
    err = capsys.readouterr().err
    assert f"{label_file}: md5 " in err and "0" * 32 in err and "made on" not in err


@pytest.mark.parametrize("content, problem", [
    (None, "file not found"),
    ("{not json", "not valid JSON"),
    ('{"mode": "full", "rows": {}}', "not a Q4 run record"),
    ('{"spec": {"model": "LeNet-5"}, "result": {}}', "its spec lacks dataset"),
])
def test_a_file_that_is_no_run_record_is_named(tmp_path, capsys, content, problem):
    path = tmp_path / "LeNet-5_MNIST_0_0123456789abcdef.json"
    if content is not None:
        path.write_text(content)
    assert recheck.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and problem in err and "Traceback" not in err


def test_recheck_trains_without_progress_bars(monkeypatch, tmp_path):
    """Like `python -m dlkit.run_notebooks`, the re-check sets NO_PROGRESS=1 before it trains: the per-epoch
    lines are printed, tqdm's bars are not."""
    monkeypatch.setenv("NO_PROGRESS", "")           # restored (unset) after the test, whatever main() sets
    monkeypatch.setenv("SMOKE", "0")
    monkeypatch.delenv("CI", raising=False)
    assert train.progress_enabled()
    seen = []
    monkeypatch.setattr(recheck, "recheck", lambda *a, **k: seen.append(train.progress_enabled()) or {"exact": True})
    assert recheck.main([str(tmp_path / "r.json")]) == 0
    assert seen == [False]
