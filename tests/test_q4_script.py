"""The Q4 notebook also runs as a plain script (GPU machines have no Jupyter), here with the gpu profile.

nbval runs the notebook with the profile the CPU picks (cpu); this runs the other one in smoke mode on
the CPU: CIFAR stem, augmentation with flips, data on the device, two seeds per model and the Welch test.
"""
import json
import os
import subprocess
import sys

from dlkit.data import REPO_ROOT
from dlkit.results import results_path

NOTEBOOK = REPO_ROOT / "notebooks" / "q4_lenet5_vs_resnet18.ipynb"


def test_q4_gpu_profile_runs_as_a_script(tmp_path):
    script = tmp_path / "q4.py"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "script", str(NOTEBOOK),
                    "--output-dir", str(tmp_path), "--output", "q4"], check=True, capture_output=True)
    env = {**os.environ, "SMOKE": "1", "Q4_PROFILE": "gpu", "DEVICE": "cpu", "MPLBACKEND": "Agg"}
    out = results_path("q4_lenet5_vs_resnet18_gpu", smoke=True)
    out.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, str(script)], cwd=NOTEBOOK.parent, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    record = json.loads(out.read_text())
    assert record["mode"] == "smoke" and record["config"]["profile"] == "gpu"
    assert record["config"]["resnet_stem"] == "cifar"
    assert {(r["model"], r["stem"]) for r in record["runs"]} == {("LeNet-5", None), ("ResNet-18", "cifar")}
    assert {r["dataset"]: r["augmentation"]["hflip"] for r in record["runs"]} == {"MNIST": False, "FashionMNIST": True}
    assert all(len(s["test_accuracy_per_seed"]) == 2 for s in record["summary"])
    assert all(c["t"] is not None and 0 <= c["p"] <= 1 for c in record["comparisons"])
    for key in ("model", "dataset", "seed", "epochs", "augmentation", "test_accuracy", "params",
                "flops_per_image", "seconds_per_epoch", "device", "device_name"):
        assert all(key in r for r in record["runs"]), key
