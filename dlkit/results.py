"""Write and read results/*.json with the metadata needed to trust the numbers."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from .data import REPO_ROOT
from .train import env_choice, smoke_mode

# $RESULTS_DIR moves every results file and run record elsewhere (the tests use a temporary folder).
RESULTS_DIR = Path(os.environ.get("RESULTS_DIR") or REPO_ROOT / "results")
# the figures the answers embed, written by recording runs only
FIGURES_DIR = REPO_ROOT / "answers" / "figures"


def recording() -> bool:
    """RECORD=1 (set by `make run`): a full run writes the committed evidence (results/, answers/figures/).
    Unset or 0: it writes into results/scratch/ (git-ignored), so exploring never overwrites the evidence."""
    return env_choice("RECORD", ("0", "1")) == "1"


def output_root(smoke: bool | None = None) -> Path:
    """Where this run writes: results/smoke/ (smoke mode), results/ (full mode with RECORD=1, from a
    committed tree) or results/scratch/ (full mode without RECORD=1). All but results/ are git-ignored."""
    smoke = smoke_mode() if smoke is None else smoke
    if smoke:
        return RESULTS_DIR / "smoke"
    if recording():
        require_committed_code()
        return RESULTS_DIR
    return scratch_root()


def scratch_root() -> Path:
    """results/scratch/ (git-ignored): what a full run without RECORD=1 writes, and the re-checks' reports."""
    return RESULTS_DIR / "scratch"


def figure_dir(smoke: bool | None = None) -> Path | None:
    """Where this run saves its figures, decided as `output_root` decides: answers/figures/ when it records
    (RECORD=1, from a committed tree), <output_root>/figures/ (results/scratch/figures/) for a full run that does
    not, and None in smoke mode, which saves no figure."""
    smoke = smoke_mode() if smoke is None else smoke
    if smoke:
        return None
    root = output_root(smoke=False)
    return FIGURES_DIR if root == RESULTS_DIR else root / "figures"


def results_path(name: str, smoke: bool | None = None) -> Path:
    """The file this run writes for `name`: <output_root>/<name>.json."""
    return output_root(smoke) / f"{name}.json"


def _git_commit() -> str | None:
    """Short commit hash, with '+dirty' when tracked files differ from it."""
    try:
        def run(*cmd: str) -> str:
            out = subprocess.run(["git", *cmd], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5)
            return out.stdout.strip()

        commit = run("rev-parse", "--short", "HEAD")
        return (commit + ("+dirty" if run("status", "--porcelain", "--untracked-files=no") else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


def _commit_at_start() -> str | None:
    """The commit of the code this run started with. `make run` records several notebooks in one go, and
    each one writes its outputs and results before the next starts, so the tree is no longer clean for the
    second: dlkit.run_notebooks checks the tree once, before the first, and passes the commit on in
    RUN_NOTEBOOKS_COMMIT. It is accepted only while HEAD is still that commit."""
    here = _git_commit()
    inherited = os.environ.get("RUN_NOTEBOOKS_COMMIT")
    if inherited and here and here.removesuffix("+dirty") == inherited:
        return inherited
    return here


# taken when a notebook imports this module, i.e. the code the run started with
GIT_COMMIT_AT_START = _commit_at_start()


class DirtyTreeError(RuntimeError):
    """A run that would write committed evidence started from code that is not committed."""


def require_committed_code() -> None:
    """Evidence names the commit that made it: a recording run from a modified tree (or from outside a git
    checkout) is refused, unless ALLOW_DIRTY=1, which records the '+dirty' (or unknown) commit and says so."""
    commit = GIT_COMMIT_AT_START
    if commit and not commit.endswith("+dirty"):
        return
    problem = (f"the code has uncommitted changes ({commit})" if commit else
               f"{REPO_ROOT} is not a git checkout, so no commit can be named")
    if env_choice("ALLOW_DIRTY", ("0", "1")) == "1":
        print(f"WARNING: recording evidence although {problem} (ALLOW_DIRTY=1); the records say so",
              file=sys.stderr, flush=True)
        return
    raise DirtyTreeError(f"RECORD=1 refuses to write results/: {problem}. Commit first (git commit -a), "
                         "run without RECORD=1 (writes results/scratch/), or set ALLOW_DIRTY=1 to record anyway")


def cpuinfo(field: str) -> str | None:
    """The first CPU's `field` in Linux's /proc/cpuinfo (e.g. "model name", "flags"); None elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field) and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The CPU's marketing name, e.g. 'Intel(R) Xeon(R) Processor @ 2.50GHz' (/proc/cpuinfo "model name"),
    else platform.processor() or the machine type."""
    return cpuinfo("model name") or platform.processor() or platform.machine()


def environment(device: torch.device | str) -> dict:
    device = torch.device(device)
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = cpu_model() if device.type == "cpu" else device.type
    return {"device": device.type, "device_name": name, "cpu_model": cpu_model(), "torch": torch.__version__,
            "python": platform.python_version(), "threads": torch.get_num_threads(),
            "git_commit": GIT_COMMIT_AT_START}


def write_results(name: str, payload: dict, *, device, data_md5: dict, started: float,
                  smoke: bool | None = None, mode: str | None = None, environment_extra: dict | None = None) -> Path:
    """Save payload plus mode, environment, data md5s and wall time (since `started`).

    Smoke runs go to results/smoke/; `mode` (default "smoke" or "full") and `environment_extra`
    let the benchmarks label quick runs and add the torch build.
    """
    smoke = smoke_mode() if smoke is None else smoke
    record = {"mode": mode or ("smoke" if smoke else "full"),
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "wall_seconds": round(time.perf_counter() - started, 1),
              "environment": {**environment(device), **(environment_extra or {})}, "data_md5": data_md5, **payload}
    return write_json_atomic(results_path(name, smoke), record)


def shown_path(path: Path) -> str:
    """`path` as a reader finds it: relative to the repository (results/smoke/q1_cross_entropy_vs_mse.json)
    when it is inside it, else in full. For "wrote ..." messages that name the file really written."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(REPO_ROOT.resolve()))
    except ValueError:
        return str(path)


def write_json_atomic(path: Path, obj, indent: int | None = 2) -> Path:
    """Write JSON beside the target, then rename it over the target: an interrupted run never leaves a
    truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(obj, indent=indent) + "\n")
    partial.replace(path)
    return path


class ResultsError(RuntimeError):
    """A results file is missing or not valid JSON; the message names the file and the problem."""


def read_results(name: str, smoke: bool = False) -> dict:
    """results/smoke/<name>.json in smoke mode; else this run's own output if it wrote one (results/scratch/
    when not recording), or the committed results/<name>.json."""
    if smoke:
        return read_json(RESULTS_DIR / "smoke" / f"{name}.json")
    for folder in (scratch_root(), RESULTS_DIR) if not recording() else (RESULTS_DIR,):
        if (folder / f"{name}.json").exists():
            return read_json(folder / f"{name}.json")
    return read_json(RESULTS_DIR / f"{name}.json")


def committed_results_path(name: str) -> Path:
    return RESULTS_DIR / f"{name}.json"


def read_committed(name: str) -> dict:
    """results/<name>.json, the committed evidence, whatever this run wrote to results/scratch/: what the
    quoted numbers in README.md and answers/ are checked against."""
    return read_json(committed_results_path(name))


def read_json(path: Path) -> dict:
    """The JSON in `path`; a missing or damaged file is a ResultsError that names it and the problem."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found (full runs write it: `make run`)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        truncated = (" - the text stops mid-document, so the file looks truncated"
                     if e.pos >= len(text.rstrip()) else "")
        raise ResultsError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}{truncated}; "
                           "restore it from git or re-run the notebook that writes it") from None
