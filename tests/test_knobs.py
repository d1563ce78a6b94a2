"""Every environment knob refuses a bad value before any training: the error names the variable, the value
and what is accepted."""
import os
import subprocess
import sys

import pytest
import torch

from dlkit import data, train
from dlkit.data import REPO_ROOT

Q4 = "notebooks/q4_lenet5_vs_resnet18.ipynb"


@pytest.mark.parametrize("value, expected", [("", "cpu"), ("gpu", "gpu")])
def test_env_choice_accepts_listed_values_and_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("Q4_PROFILE", value)
    assert train.env_choice("Q4_PROFILE", ("cpu", "gpu"), default="cpu") == expected


@pytest.mark.parametrize("variable, value, call, accepted", [
    ("Q4_PROFILE", "bogus", lambda: train.env_choice("Q4_PROFILE", ("cpu", "gpu")), "cpu, gpu"),
    ("SMOKE", "yes", train.smoke_mode, "0, 1, false, true"),
    ("DEVICE", "tpu", train.pick_device, "cpu, cuda, cuda:N"),
    ("DATA_DIR", "/no/such/folder", data.data_root, "an existing folder"),
])
def test_a_bad_value_names_the_variable_the_value_and_the_choices(monkeypatch, variable, value, call, accepted):
    monkeypatch.setenv(variable, value)
    with pytest.raises((ValueError, data.DataError)) as caught:
        call()
    message = str(caught.value)
    assert f"{variable}={value!r}" in message and accepted in message, message


def test_an_absent_gpu_is_refused(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.setenv("DEVICE", "cuda")
    with pytest.raises(ValueError, match="DEVICE='cuda', but this torch sees no CUDA GPU"):
        train.pick_device()


@pytest.mark.parametrize("variable, value, accepted", [
    ("Q4_PROFILE", "bogus", "cpu, gpu"),
    ("Q4_AUGMENT", "maybe", "on, off"),
    ("SMOKE", "yes", "0, 1, false, true"),
    ("DEVICE", "tpu", "cpu, cuda"),
    ("DATA_DIR", "/no/such/folder", "an existing folder"),
])
def test_the_q4_notebook_stops_in_its_first_cell(variable, value, accepted):
    env = {**os.environ, "SMOKE": "1", "MPLBACKEND": "Agg", variable: value}
    run = subprocess.run([sys.executable, "-m", "dlkit.script", Q4], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    last_line = run.stderr.strip().splitlines()[-1]
    assert f"{variable}={value!r}" in last_line and accepted in last_line, run.stderr[-2000:]
    assert "1/" in run.stdout and "2/" not in run.stdout, "nothing after the first code cell may run"
