"""Do the same runs give the same numbers on another CPU? Compare a folder of run records with the same records
at an earlier commit, matched by file name (the hash of the run's spec, so the same seed, data and code).

    python -m dlkit.compare_runs results/runs/q1 --against 8482e50 --name cross_cpu_q1   (RECORD=1 to record)

Q1's 25 records were trained on an AMD EPYC at commit 8482e50 and on an Intel Xeon since; this is how far apart
they land. Per run: the CPU of each side, the validation accuracy after every epoch on each, the first epoch at
which they differ, and the differences in final validation and test accuracy; then the largest over all runs.
It writes results/<name>.json with RECORD=1 (else results/scratch/<name>.json) and never trains anything.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from . import results
from .data import REPO_ROOT


class CompareError(RuntimeError):
    """A record that cannot be compared: missing at the other commit, or a different spec."""


def record_at(commit: str, path: Path) -> dict:
    relative = path.resolve().relative_to(REPO_ROOT).as_posix()
    shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=REPO_ROOT, capture_output=True, text=True)
    if shown.returncode != 0:
        raise CompareError(f"{relative} is not in commit {commit}: {shown.stderr.strip()}")
    return json.loads(shown.stdout)


def compare_pair(old: dict, new: dict, name: str) -> dict:
    """One run on two machines: `old` is the earlier record, `new` the current one."""
    if old["spec"] != new["spec"]:
        raise CompareError(f"{name}: the two records have different specs, so they are not the same run")
    val = [[h["val_acc"] for h in r["result"]["history"] if h["epoch"] >= 1] for r in (old, new)]
    first_difference = next((epoch for epoch, (a, b) in enumerate(zip(*val), start=1) if a != b), None)
    out = {"record": name, "cpus": [old["made_by"].get("cpu_model"), new["made_by"].get("cpu_model")],
           "val_acc_by_epoch": val, "first_epoch_that_differs": first_difference,
           "final_val_acc_difference": val[1][-1] - val[0][-1], "test_acc_difference": None}
    if "test_acc" in old["result"] and "test_acc" in new["result"]:
        out["test_acc_difference"] = new["result"]["test_acc"] - old["result"]["test_acc"]
    return out


def compare(folder: Path, commit: str) -> dict:
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise CompareError(f"{folder} holds no run records (*.json)")
    runs = [compare_pair(record_at(commit, p), json.loads(p.read_text()), p.name) for p in paths]
    tested = [r["test_acc_difference"] for r in runs if r["test_acc_difference"] is not None]
    firsts = [r["first_epoch_that_differs"] for r in runs if r["first_epoch_that_differs"] is not None]
    return {"folder": folder.resolve().relative_to(REPO_ROOT).as_posix(), "against_commit": commit,
            "cpus": sorted({cpu for r in runs for cpu in r["cpus"] if cpu}), "runs": len(runs),
            "identical_runs": sum(r["first_epoch_that_differs"] is None for r in runs),
            "earliest_epoch_that_differs": min(firsts, default=None),
            "largest_final_val_acc_difference": max(abs(r["final_val_acc_difference"]) for r in runs),
            "runs_with_test_acc": len(tested), "largest_test_acc_difference": max(map(abs, tested), default=None),
            "per_run": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--against", required=True, help="the commit holding the other machine's records")
    parser.add_argument("--name", required=True, help="results/<name>.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        summary = compare(args.folder, args.against)
    except CompareError as e:
        print(f"compare_runs: {e}", file=sys.stderr)
        return 2
    path = results.write_results(args.name, summary, device="cpu", data_md5={}, started=started, smoke=False)
    print(f"{summary['runs']} runs, {summary['identical_runs']} identical; largest difference: final validation "
          f"{100 * summary['largest_final_val_acc_difference']:.2f} points, test "
          f"{100 * (summary['largest_test_acc_difference'] or 0):.2f} points; wrote {results.shown_path(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
