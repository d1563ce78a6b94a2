"""A student's first `make test` without the data: one message, at once, that says where the data goes.

tests/conftest.py checks the data root before a session that needs it (the whole suite, a folder, a
notebook). Here the real suite is started on an empty, read-only data root (read-only: no download is tried,
so the test is the same with and without a network): it must stop before running any test, with one message
naming the folders, DATA_DIR and how to get the files. The same check on a copy of the conftest without its
hook (a broken copy) sees what a student saw before: one DataError per test.
"""
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import conftest
import pytest

REPO = Path(__file__).resolve().parents[1]
CPU_SECONDS = 60      # importing torch and the check; the suite itself takes minutes (wall time: the CPU is shared)


def run_pytest(args, data_dir, cwd=REPO):
    """pytest in a subprocess on DATA_DIR=data_dir; (exit status, output, CPU seconds it used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=3600, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, proc.stdout + proc.stderr, cpu


def problems_with(rc, output, cpu, root):
    """What is wrong with a run on a data root without the data (empty list: it stopped as it should)."""
    found = []
    if rc != pytest.ExitCode.USAGE_ERROR:
        found.append(f"exit status {rc}, not {int(pytest.ExitCode.USAGE_ERROR)} (stopped before the tests)")
    if output.count("ERROR: ") != 1 or output.count("so no test was run") != 1:
        found.append("not exactly one message")
    for needed in (f"{root}/MNIST/raw/", f"{root}/FashionMNIST/raw/", "DATA_DIR", "train-images-idx3-ubyte",
                   "t10k-labels-idx1-ubyte", "README.md, section Data"):
        if needed not in output:
            found.append(f"the message does not say {needed!r}")
    if "DataError" in output or re.search(r"\d+ (passed|failed|error)", output):
        found.append("tests ran and failed one by one")
    if cpu > CPU_SECONDS:
        found.append(f"took {cpu:.0f} s of CPU (more than {CPU_SECONDS} s)")
    return found


@pytest.fixture
def no_data(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    root.chmod(0o555)                 # read-only: dlkit.data never downloads into it
    yield root
    root.chmod(0o755)


def test_the_suite_without_data_stops_at_once_with_one_message(no_data):
    rc, output, cpu = run_pytest(["tests"], no_data)
    assert problems_with(rc, output, cpu, no_data) == [], output


def small_suite(tmp_path, conftest_text):
    """Two tests that read the data, beside a copy of tests/conftest.py."""
    suite = tmp_path / "suite"
    suite.mkdir(parents=True)
    (suite / "conftest.py").write_text(conftest_text)
    (suite / "test_reads_data.py").write_text(
        "from dlkit import data\n\n"
        "def test_mnist():\n    data.load('MNIST', 'train')\n\n"
        "def test_fashion():\n    data.load('FashionMNIST', 'test')\n")
    return suite


def test_the_check_fails_on_a_broken_copy(tmp_path, no_data):
    text = Path(conftest.__file__).read_text()
    good = small_suite(tmp_path / "good", text)
    rc, output, cpu = run_pytest([str(good)], no_data, cwd=tmp_path)
    assert problems_with(rc, output, cpu, no_data) == [], output
    # the hook removed: each test fails on its own, as before
    broken = small_suite(tmp_path / "broken", text.replace("def pytest_sessionstart(", "def not_a_hook("))
    rc, output, cpu = run_pytest([str(broken)], no_data, cwd=tmp_path)
    found = problems_with(rc, output, cpu, no_data)
    assert "tests ran and failed one by one" in found and "not exactly one message" in found, output


@pytest.mark.parametrize("args, expected", [
    ([], True), (["tests"], True), (["notebooks/q2_convexity.ipynb"], True), (["."], True),
    (["tests/test_quotes.py"], False), (["tests/test_quotes.py::test_q4_has_a_cpu_run"], False),
])
def test_which_sessions_need_the_data(args, expected):
    assert conftest.needs_data(args, REPO) is expected


def test_a_complete_root_passes(tmp_path):
    # the eight file names, empty: the check looks for the files, it does not read them (dlkit.data does)
    root = tmp_path / "data"
    for name in ("MNIST", "FashionMNIST"):
        (root / name / "raw").mkdir(parents=True)
        for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                     "t10k-labels-idx1-ubyte"):
            (root / name / "raw" / (stem + ".gz")).write_bytes(b"")
    assert conftest.missing_files(root) == {}
    shutil.rmtree(root / "FashionMNIST")
    assert list(conftest.missing_files(root)) == ["FashionMNIST"]
