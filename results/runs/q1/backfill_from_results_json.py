"""Backfill results/runs/q1/ from the per-run results kept in the committed results/q1_cross_entropy_vs_mse.json
(made on a 2-core AMD EPYC at commit 06c8964+dirty, before Q1 had run records). Each record's spec is the one the
notebook builds for that run, so the notebook reads these back instead of retraining; made_by names the EPYC
run, and `backfilled` says where the result was copied from."""
import json
import subprocess

import torch

from dlkit import data, records
from dlkit.records import RunStore
from dlkit.results import RESULTS_DIR, write_json_atomic

SOURCE = "results/q1_cross_entropy_vs_mse.json"
source_commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
committed = json.loads(subprocess.run(["git", "show", f"HEAD:{SOURCE}"], capture_output=True, text=True).stdout)
env, m = committed["environment"], committed["mnist_experiment"]
EXPERIMENT = m["config"]
KEY = {"cross-entropy": "ce", "MSE": "mse"}
train_raw, test_raw = data.load("MNIST", "train"), data.load("MNIST", "test")
DATA_MD5 = {**train_raw.md5, **test_raw.md5}
assert DATA_MD5 == committed["data_md5"], (DATA_MD5, committed["data_md5"])
assert env["torch"] == torch.__version__
mean, std = data.PIXEL_STATS["MNIST"]


def spec_of(r: dict, test: bool) -> dict:    # as the notebook's run() builds it
    loss_name, start, lr, seed, optimizer = r["loss"], r["start"], r["lr"], r["seed"], r["optimizer"]
    return {"model": "MLP", "dataset": "MNIST", "seed": seed, "loss": KEY[loss_name], "start": start,
            "optimizer": optimizer, "lr": lr, "momentum": EXPERIMENT["momentum"] if optimizer == "SGD" else None,
            "epochs": EXPERIMENT["epochs"], "batch_size": EXPERIMENT["batch_size"],
            "saturating_bias": EXPERIMENT["saturating_bias"] if start == "saturated" else None,
            "saturated_class": EXPERIMENT["saturated_class"] if start == "saturated" else None,
            "scored_on_test": test, "n_train": EXPERIMENT["train_size"], "n_val": EXPERIMENT["val_size"],
            "n_test": EXPERIMENT["test_size"], "split_seed": 0, "normalise": [mean, std],
            "device": env["device"], "torch": env["torch"], "data_md5": DATA_MD5}


made_by = {k: env[k] for k in ("git_commit", "device_name", "cpu_model", "torch", "python", "threads")}
runs = [(r, False) for group in m["lr_search_runs"].values() for r in group]
runs += [(r, True) for group in m["runs"].values() for r in group]
folder = RESULTS_DIR / "runs" / "q1"
for r, test in runs:
    spec = json.loads(json.dumps(spec_of(r, test)))
    path = folder / RunStore.file_name(spec)
    assert not path.exists(), path
    write_json_atomic(path, {"spec": spec, "created": committed["created"], "made_by": made_by,
                             "backfilled": f"copied from {SOURCE} at commit {source_commit} "
                                           "(mnist_experiment.lr_search_runs / runs): the run was trained there",
                             "result": r}, indent=None)
print(f"{len(runs)} records written to {folder}; spec keys, e.g. {records.spec_key(spec)}")
