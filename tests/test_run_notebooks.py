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


def git_copy_of_dlkit(tmp_path):
    """A throwaway git checkout holding this dlkit/, one committed notebook pair and a committed evidence file."""
    import shutil
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "dlkit", repo / "dlkit", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "evidence.txt").write_text("old\n")
    record = ("import pathlib\nfrom dlkit import results\nresults.require_committed_code()\n"
              "print('commit', results.GIT_COMMIT_AT_START)\n"
              "pathlib.Path('../evidence.txt').write_text('new ' + __name__ + '\\n')   # a run writes evidence")
    (repo / "notebooks").mkdir()
    write_notebook(repo / "notebooks" / "first.ipynb", record)
    write_notebook(repo / "notebooks" / "second.ipynb", record)
    for cmd in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    return repo


def run_recording(repo, **env):
    import os
    return subprocess.run([sys.executable, "-m", "dlkit.run_notebooks", "notebooks/first.ipynb",
                           "notebooks/second.ipynb"], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(repo), "RECORD": "1", **env})


def test_record_runs_several_notebooks_from_one_clean_commit(tmp_path):
    """The first notebook's outputs leave the tree modified; the second still records, naming the commit."""
    repo = git_copy_of_dlkit(tmp_path)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True,
                          text=True).stdout.strip()
    result = run_recording(repo)
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("first", "second"):
        out = nbformat.read(repo / "notebooks" / f"{name}.ipynb", as_version=4).cells[0].outputs[0].text
        assert out == f"commit {head}\n"


def test_record_refuses_a_modified_tree_before_the_first_notebook(tmp_path):
    repo = git_copy_of_dlkit(tmp_path)
    (repo / "evidence.txt").write_text("edited by hand\n")
    result = run_recording(repo)
    assert result.returncode != 0 and "DirtyTreeError" in result.stderr
    assert "== notebooks/first.ipynb" not in result.stdout   # nothing ran


def test_a_handed_on_commit_that_is_not_head_is_ignored(tmp_path):
    repo = git_copy_of_dlkit(tmp_path)
    result = run_recording(repo, RUN_NOTEBOOKS_COMMIT="0000000")   # stale or forged: replaced by the runner
    assert result.returncode == 0, result.stderr[-2000:]
    import os
    probe = subprocess.run([sys.executable, "-c", "from dlkit import results; print(results.GIT_COMMIT_AT_START)"],
                           cwd=repo, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(repo), "RUN_NOTEBOOKS_COMMIT": "0000000"})
    assert probe.stdout.strip().endswith("+dirty"), probe.stdout + probe.stderr
