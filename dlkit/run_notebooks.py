"""Execute notebooks in place with a cell progress bar, then print each one's wall time.

    python -m dlkit.run_notebooks notebooks/*.ipynb      (what `make run` calls)

Each notebook runs in papermill on the environment's `python3` kernel, from its own folder,
with NO_PROGRESS=1 so per-epoch bars stay out of the saved outputs; what its cells print (one
line per training epoch) is echoed to the terminal as it happens. It is written back only
if every cell succeeded; papermill's own bookkeeping (`papermill` metadata, empty `tags`) is
dropped so the saved file looks like an nbconvert run. The first failure stops the run, exits
non-zero naming the notebook, and leaves the original untouched (the executed copy with the
error is kept in a temporary folder, whose path is printed).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the metadata papermill adds; nbclient's per-cell `execution` timings stay."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return nb


def run_one(path: Path, scratch: Path) -> None:
    out = scratch / path.name
    # log_output streams what cells print (e.g. one line per training epoch) while they run
    papermill.execute_notebook(str(path), str(out), kernel_name="python3", cwd=str(path.parent),
                               progress_bar=True, log_output=True)
    nbformat.write(clean(nbformat.read(out, as_version=4)), path)


def pass_on_commit() -> None:
    """RECORD=1: refuse a modified tree before the first notebook (DirtyTreeError), and hand the commit to
    every kernel, since each notebook's written outputs leave the tree modified for the next one."""
    os.environ.pop("RUN_NOTEBOOKS_COMMIT", None)
    from . import results
    commit = results._git_commit()
    if results.recording():
        results.require_committed_code()
        if commit and not commit.endswith("+dirty"):
            os.environ["RUN_NOTEBOOKS_COMMIT"] = commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    os.environ["NO_PROGRESS"] = "1"  # inherited by the kernels
    pass_on_commit()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("papermill").setLevel(logging.INFO)
    scratch = Path(tempfile.mkdtemp(prefix="run_notebooks-"))
    timings: list[tuple[Path, float]] = []
    failed = None
    for path in args.notebooks:
        print(f"== {path}", flush=True)
        start = time.perf_counter()
        try:
            run_one(path, scratch)
        except Exception as e:  # papermill's execution error carries the cell's traceback
            print(e, file=sys.stderr)
            failed = path
        timings.append((path, time.perf_counter() - start))
        if failed:
            break
    print("== wall time per notebook")
    for path, seconds in timings:
        print(f"{seconds:8.1f} s  {path}{'  FAILED' if path == failed else ''}")
    if failed:
        print(f"{failed} failed; left unchanged, executed copy: {scratch / failed.name}", file=sys.stderr)
        return 1
    for path, _ in timings:
        (scratch / path.name).unlink()
    scratch.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
