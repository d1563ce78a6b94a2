"""`make run`'s runner: executes notebooks in place, reports wall times, stops on the first failure."""
import re
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from dlkit.data import REPO_ROOT


def write_notebook(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def run(*paths):
    return subprocess.run([sys.executable, "-m", "dlkit.run_notebooks", *map(str, paths)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_runs_in_place_and_reports_times(tmp_path):
    nb = write_notebook(tmp_path / "tiny.ipynb", "import os\nx = 6 * 7", "print(x, os.environ['NO_PROGRESS'])")
    result = run(nb)
    assert result.returncode == 0, result.stderr
    assert f"== {nb}" in result.stdout
    assert re.search(rf"^\s+\d+\.\d s  {re.escape(str(nb))}$", result.stdout, re.M), result.stdout
    saved = nbformat.read(nb, as_version=4)
    assert saved.cells[1].outputs[0].text == "42 1\n"
    assert "papermill" not in saved.metadata and "papermill" not in saved.cells[0].metadata


def test_a_failing_notebook_stops_the_run_and_is_named(tmp_path):
    bad = write_notebook(tmp_path / "bad.ipynb", "1 / 0")
    after = write_notebook(tmp_path / "after.ipynb", "pass")
    before = bad.read_text()
    result = run(bad, after)
    assert result.returncode != 0
    assert f"{bad} failed" in result.stderr and "ZeroDivisionError" in result.stderr
    assert f"{bad}  FAILED" in result.stdout and f"== {after}" not in result.stdout
    assert bad.read_text() == before
