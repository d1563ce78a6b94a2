"""Run a notebook's code cells as a plain Python script: no Jupyter, no nbconvert, no installed package.

    python -m dlkit.script notebooks/q4_lenet5_vs_resnet18.ipynb      (from the repository root)

For machines that have torch but not Jupyter, such as a rented GPU. Started from the repository
root, `python -m` puts the root on sys.path, so `import dlkit` works without installing it.
The cells run in order in one namespace, from the notebook's own folder (as Jupyter runs them),
with matplotlib's non-interactive Agg backend; what they print goes to the terminal, their
results files and figures are written in place, and the notebook file itself is left unchanged.
IPython magics (`%...`, `!...`) are refused with the cell's number rather than misread as Python.
Only the standard library is used here, so nothing beyond the notebook's own imports is needed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def code_cells(path: Path) -> list[tuple[int, str]]:
    """The source of every code cell, in order; a cell using IPython syntax is an error."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f"{path}: not a readable notebook ({type(e).__name__}: {e})") from e
    sources = []
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"])
        magic = next((line for line in source.splitlines() if line.lstrip().startswith(("%", "!"))), None)
        if magic is not None:
            raise SystemExit(f"{path}, cell {number}: IPython syntax {magic.strip()!r} cannot run as a script")
        sources.append((number, source))
    return sources


def run(path: Path) -> float:
    """Execute the notebook's code cells; return the wall time in seconds."""
    path = path.resolve()
    cells = code_cells(path)
    os.environ.setdefault("MPLBACKEND", "Agg")    # figures are saved, never shown
    os.chdir(path.parent)
    namespace = {"__name__": "__main__", "__file__": str(path)}
    start = time.perf_counter()
    for done, (number, source) in enumerate(cells, 1):
        print(f"[{path.name}: cell {number}, {done}/{len(cells)} code cells, {time.perf_counter() - start:.0f} s]",
              flush=True)
        exec(compile(source, f"{path.name}, cell {number}", "exec"), namespace)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    args = parser.parse_args(argv)
    seconds = run(args.notebook)
    print(f"{args.notebook.name}: all code cells ran in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
