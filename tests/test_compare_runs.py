"""dlkit.compare_runs: the same runs on two CPUs, matched by spec."""
import json
import subprocess

import pytest

from dlkit import compare_runs
from dlkit.data import REPO_ROOT


def record(val_accs, test_acc=None, cpu="cpu A", seed=1):
    history = [{"epoch": 0, "val_acc": 0.1}] + [{"epoch": e, "val_acc": v} for e, v in enumerate(val_accs, 1)]
    result = {"history": history, **({} if test_acc is None else {"test_acc": test_acc})}
    return {"spec": {"seed": seed}, "made_by": {"cpu_model": cpu}, "result": result}


def test_a_pair_names_its_first_differing_epoch_and_its_gaps():
    out = compare_runs.compare_pair(record([0.90, 0.95, 0.96], 0.970), record([0.90, 0.94, 0.97], 0.975, "cpu B"), "r")
    assert out["first_epoch_that_differs"] == 2 and out["cpus"] == ["cpu A", "cpu B"]
    assert out["final_val_acc_difference"] == pytest.approx(0.01)
    assert out["test_acc_difference"] == pytest.approx(0.005)
    same = compare_runs.compare_pair(record([0.9, 0.95]), record([0.9, 0.95]), "r")
    assert same["first_epoch_that_differs"] is None and same["test_acc_difference"] is None


def test_records_of_different_runs_are_refused():
    with pytest.raises(compare_runs.CompareError, match="different specs"):
        compare_runs.compare_pair(record([0.9], seed=1), record([0.9], seed=2), "r")


def test_a_record_missing_at_the_other_commit_is_named(tmp_path):
    folder = REPO_ROOT / "results" / "runs" / "q1"
    missing = folder / "not_a_record.json"
    with pytest.raises(compare_runs.CompareError, match="not_a_record.json is not in commit"):
        compare_runs.record_at("HEAD", missing)


def test_the_recorded_cross_cpu_comparison_is_what_the_records_give():
    """results/cross_cpu_q1.json is recomputed from the committed records (needs the git history)."""
    recorded = json.loads((REPO_ROOT / "results" / "cross_cpu_q1.json").read_text())
    commit = recorded["against_commit"]
    if subprocess.run(["git", "cat-file", "-e", commit], cwd=REPO_ROOT).returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone's history")
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", recorded["folder"]], cwd=REPO_ROOT).returncode:
        pytest.skip("the run records have uncommitted changes")
    again = compare_runs.compare(REPO_ROOT / recorded["folder"], commit)
    assert {k: recorded[k] for k in again} == again
