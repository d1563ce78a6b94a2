"""The README's one GPU command works on a bare machine: no Jupyter, no nbconvert, dlkit not installed.

A CUDA machine rented for Q4 typically has torch, torchvision, numpy, matplotlib, tqdm and SciPy, and
nothing of this project. This test builds such an interpreter here: the base Python started with -S
(no site-packages) and a PYTHONPATH holding only those six distributions and what they require, then
runs exactly the command from the README's GPU section, from the repository root, with the gpu profile
in smoke mode on the CPU (SMOKE=1 Q4_PROFILE=gpu DEVICE=cpu).

The same command then shows that an interrupted run loses at most the run in progress: killed with
SIGKILL right after its first run is saved, and started again, it reuses the saved run, trains the
rest, and ends with exactly the uninterrupted run's accuracies and per-image predictions.
"""
import json
import os
import re
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dlkit.data import REPO_ROOT

# What a bare GPU machine has besides Python (the device's image also has pandas, not needed here).
GPU_MACHINE_PACKAGES = ["torch", "torchvision", "numpy", "matplotlib", "tqdm", "scipy"]
ABSENT_THERE = ["dlkit", "IPython", "jupyter_core", "nbconvert", "nbformat", "papermill", "nbval"]


def readme_gpu_command() -> str:
    """The one command line in the README's GPU section's code block."""
    section = (REPO_ROOT / "README.md").read_text().split("\n## GPU", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section, re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1, f"the README's GPU section should show exactly one command, found {lines}"
    return lines[0]


def requirement_closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions `names` need, their requirements included (markers for this platform)."""
    found, todo = {}, list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        found[name] = dist = metadata.distribution(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(found.values())


def bare_site(target: Path) -> Path:
    """A folder of links to the top-level modules (and metadata) of GPU_MACHINE_PACKAGES' closure only."""
    target.mkdir()
    for dist in requirement_closure(GPU_MACHINE_PACKAGES):
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(dist.locate_file(top))
            if source.exists() and not top.endswith(".pth") and not (target / top).exists():
                (target / top).symlink_to(source)
    return target


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A `python` on PATH that sees only the GPU machine's packages; returns the environment to run it in."""
    root = tmp_path_factory.mktemp("bare")
    site = bare_site(root / "site")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{base}" -S "$@"\n')
    (bin_dir / "python").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    return {**env, "PATH": f"{bin_dir}:{env['PATH']}", "PYTHONPATH": str(site)}


def test_the_bare_interpreter_lacks_the_project_and_jupyter(bare_python, tmp_path):
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    for module, wanted in [(ABSENT_THERE, "[]"), (GPU_MACHINE_PACKAGES, str(GPU_MACHINE_PACKAGES))]:
        out = subprocess.run(["python", "-c", probe, *module], cwd=tmp_path, env=bare_python,
                             capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == wanted, out.stdout + out.stderr


def gpu_smoke_env(bare_python: dict, results_dir: Path, fresh: str) -> dict:
    return {**bare_python, "SMOKE": "1", "Q4_PROFILE": "gpu", "DEVICE": "cpu", "FRESH": fresh,
            "RESULTS_DIR": str(results_dir), "PYTHONUNBUFFERED": "1", "DATA_DIR": os.environ.get("DATA_DIR", "")}


def smoke_results(results_dir: Path) -> dict:
    return json.loads((results_dir / "smoke" / "q4_lenet5_vs_resnet18_gpu.json").read_text())


@pytest.fixture(scope="module")
def uninterrupted(bare_python, tmp_path_factory):
    """The README's GPU command, run once to the end in smoke mode; its results folder and output."""
    command = readme_gpu_command()
    assert "dlkit.script" in command and "nbconvert" not in command and "jupyter" not in command
    results_dir = tmp_path_factory.mktemp("results")
    run = subprocess.run(command, shell=True, cwd=REPO_ROOT, env=gpu_smoke_env(bare_python, results_dir, "1"),
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return results_dir, run.stdout


def test_the_readme_gpu_command_runs_the_gpu_profile(uninterrupted):
    results_dir, stdout = uninterrupted
    record = smoke_results(results_dir)
    assert record["mode"] == "smoke" and record["config"]["profile"] == "gpu"
    assert record["config"]["resnet_stem"] == "cifar"
    assert {(r["model"], r["stem"]) for r in record["runs"]} == {("LeNet-5", None), ("ResNet-18", "cifar")}
    assert {r["dataset"]: r["augmentation"]["hflip"] for r in record["runs"]} == {"MNIST": False, "FashionMNIST": True}
    assert all(len(s["test_accuracy_per_seed"]) == 2 for s in record["summary"])
    assert all(c["t"] is not None and 0 <= c["p"] <= 1 and c["verdict"] != "untested" for c in record["comparisons"])
    assert all(0 <= t["p"] <= 1 for c in record["comparisons"] for t in c["mcnemar"]["pairs"])
    for key in ("model", "dataset", "seed", "epochs", "augmentation", "test_accuracy", "seconds_per_epoch",
                "device", "device_name", "record"):
        assert all(key in r for r in record["runs"]), key
    assert set(record["architectures"]) == {"LeNet-5", "ResNet-18"}
    assert "8 runs trained, 0 reused" in stdout


def test_an_interrupted_run_resumes_and_matches_the_uninterrupted_one(bare_python, uninterrupted, tmp_path):
    env = gpu_smoke_env(bare_python, tmp_path, "0")
    process = subprocess.Popen(readme_gpu_command(), shell=True, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    for line in process.stdout:                 # kill the whole run the moment its first record is saved
        if line.startswith("saved "):
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode != 0, "the run was killed, not finished"
    saved = list((tmp_path / "smoke" / "runs" / "q4").glob("*.json"))
    assert saved and not list(tmp_path.rglob("*.partial")), "finished runs saved whole, nothing half-written"
    assert not (tmp_path / "smoke" / "q4_lenet5_vs_resnet18_gpu.json").exists()

    rerun = subprocess.run(readme_gpu_command(), shell=True, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                           timeout=900)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"{8 - len(saved)} runs trained, {len(saved)} reused" in rerun.stdout

    def outcome(results_dir: Path) -> list[tuple]:
        runs = sorted(smoke_results(results_dir)["runs"], key=lambda r: r["record"])
        predictions = {p.name: json.loads(p.read_text())["result"]["test_predictions"]
                       for p in (results_dir / "smoke" / "runs" / "q4").glob("*.json")}
        return [(r["record"], r["test_accuracy"], predictions[r["record"]]) for r in runs]

    assert outcome(tmp_path) == outcome(uninterrupted[0])
