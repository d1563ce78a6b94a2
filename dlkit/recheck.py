"""Re-check one committed Q4 run: retrain exactly its spec and compare with what the record says.

    python -m dlkit.recheck results/runs/q4/LeNet-5_MNIST_0_248d0672d1404f1a.json [--expect-exact]
    make recheck RUN=results/runs/q4/LeNet-5_MNIST_0_248d0672d1404f1a.json [EXACT=1]

It reads the record (its `spec` holds everything that decided the run), checks that the data files found
(DATA_DIR or data/) have the record's md5s, warns where the torch version, the CPU or GPU, or the thread
count differ from the record's, retrains the spec with the notebook's own code (dlkit.q4) on the record's
device type (the CPU when that is absent), and prints the recorded and the re-trained test accuracy, their
difference in points and the share of the test images predicted alike. On the same kind of CPU with the
same torch the two agree on every image; elsewhere the printout says how far they agree.

Nothing is written into results/ except a JSON copy of the printout under results/scratch/recheck/
(git-ignored; --no-report skips it). Training prints one line per epoch and no progress bars (NO_PROGRESS=1,
as `python -m dlkit.run_notebooks` sets it). Exit status: 0 when it ran, 1 with --expect-exact unless every
test image is predicted alike, 2 when the record cannot be re-checked (the message names the file).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import torch

from . import data, q4, records, results, train
from .results import ResultsError, environment, read_json, write_json_atomic

SPEC_KEYS = ("model", "dataset", "seed", "epochs", "stem", "augmentation", *q4.RECIPE, "device", "torch",
             "data_md5")


class RecheckError(RuntimeError):
    """The record cannot be re-checked; the message names the file and the problem."""


def read_record(path: Path) -> dict:
    """The run record at `path`, checked to be a Q4 run record (spec + result with per-image predictions)."""
    try:
        record = read_json(path)
    except ResultsError as e:
        raise RecheckError(str(e).replace("(full runs write it: `make run`)", "")) from None
    what = "a Q4 run record (a JSON object with a 'spec' and a 'result', as in results/runs/q4/)"
    if not isinstance(record, dict) or not isinstance(record.get("spec"), dict) \
            or not isinstance(record.get("result"), dict):
        raise RecheckError(f"{path}: not {what}")
    spec, result = record["spec"], record["result"]
    missing = [k for k in SPEC_KEYS if k not in spec]
    if missing:
        raise RecheckError(f"{path}: not {what}: its spec lacks {', '.join(missing)}")
    if spec["model"] not in q4.MODEL_NAMES or spec["dataset"] not in data.DATASETS:
        raise RecheckError(f"{path}: not a Q4 run: model {spec['model']!r} on {spec['dataset']!r} (Q4 trains "
                           f"{', '.join(q4.MODEL_NAMES)} on {', '.join(data.DATASETS)})")
    digits = result.get("test_predictions")
    if not isinstance(digits, str) or not digits.isdigit() or not isinstance(result.get("test_accuracy"), float):
        raise RecheckError(f"{path}: not {what}: its result lacks test_accuracy or the per-image "
                           "test_predictions (a string of digits)")
    try:
        q4.check_spec(spec)
    except ValueError as e:
        raise RecheckError(f"{path}: {e}") from None
    return record


def recorded_environment(record: dict) -> dict:
    """Who made the record: its `made_by` (records since commit 7925f90), else the result's device name and
    the spec's torch."""
    made_by = record.get("made_by") or {}
    spec, result = record["spec"], record["result"]
    device_name = (made_by.get("device_name") if spec["device"] != "cpu" else made_by.get("cpu_model")) \
        or made_by.get("device_name") or result.get("device_name")
    return {"device_name": device_name, "torch": made_by.get("torch") or spec["torch"],
            "threads": made_by.get("threads"), "git_commit": made_by.get("git_commit")}


def pick_device(spec_device: str, asked: str | None) -> tuple[torch.device, str | None]:
    """The device to retrain on (asked, else the record's type if this machine has it, else the CPU), and a
    warning when it is not the record's device type."""
    if asked:
        try:
            device = train.pick_device(asked)
        except ValueError as e:
            raise RecheckError(str(e).replace("DEVICE=", "--device ")) from None
    else:
        available = {"cpu": True, "cuda": torch.cuda.is_available(),
                     "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())}
        device = torch.device(spec_device if available.get(spec_device) else "cpu")
    warning = None
    if device.type != spec_device:
        warning = (f"the record was trained on {spec_device}, this re-check trains on {device.type}: "
                   "expect close, not identical, predictions")
    return device, warning


def data_warnings(path: Path, recorded: dict, found: dict, root: Path) -> list[str]:
    """One warning per data file whose md5 differs from the record's (or that was not found)."""
    warnings = []
    for name, md5 in recorded.items():
        got = found.get(name)
        if got is None:
            warnings.append(f"{path.name} was trained on {name} (md5 {md5}), which is not among the files read "
                            f"from {root}: {', '.join(sorted(found))}")
        elif got != md5:
            warnings.append(f"{root / name}: md5 {got}, but {path.name} was trained on md5 {md5}: other data, "
                            "other numbers")
    return warnings


def compare(recorded: dict, retrained: dict, labels: list[int]) -> dict:
    """Accuracy difference and per-image agreement of the recorded and the re-trained run."""
    old, new = recorded["test_predictions"], retrained["test_predictions"]
    if len(old) != len(new):
        raise RecheckError(f"the record holds {len(old)} test predictions but the re-trained run made {len(new)}: "
                           "the test set (or the spec's subset) differs")
    alike = sum(a == b for a, b in zip(old, new))
    old_losses = [h.get("train_loss") for h in recorded.get("history", [])]
    new_losses = [h["train_loss"] for h in retrained["history"]]
    return {"recorded_test_accuracy": recorded["test_accuracy"],
            "recorded_predictions_accuracy": sum(records.correct_per_image(old, labels)) / len(labels),
            "retrained_test_accuracy": retrained["test_accuracy"],
            "difference_points": 100 * (retrained["test_accuracy"] - recorded["test_accuracy"]),
            "images": len(old), "predicted_alike": alike, "share_alike": alike / len(old),
            "exact": alike == len(old) and retrained["test_accuracy"] == recorded["test_accuracy"],
            "training_losses_identical": old_losses == new_losses if old_losses else None,
            "recorded_train_seconds": recorded.get("train_seconds"),
            "retrained_train_seconds": retrained["train_seconds"]}


def recheck(path: Path, device_asked: str | None = None, report: bool = True) -> dict:
    """Retrain the record at `path` and compare; prints as it goes and returns the comparison."""
    path = Path(path)
    record = read_record(path)
    spec, made = record["spec"], recorded_environment(record)
    warnings = []
    key = re.search(r"_([0-9a-f]{16})\.json$", path.name)
    if key and key.group(1) != records.spec_key(spec):
        warnings.append(f"{path.name}: its name's key {key.group(1)} is not its spec's ({records.spec_key(spec)}): "
                        "the spec was edited after the run, or the file was renamed")
    device, device_warning = pick_device(spec["device"], device_asked)
    warnings += [device_warning] if device_warning else []
    here = environment(device)
    if made["torch"] != torch.__version__:
        warnings.append(f"the record was made with torch {made['torch']}, this is torch {torch.__version__}: "
                        "expect close, not identical, predictions")
    if made["device_name"] != here["device_name"]:
        warnings.append(f"the record was made on {made['device_name']}, this re-check runs on {here['device_name']}: "
                        "expect close, not identical, predictions")
    if made["threads"] is not None and made["threads"] != here["threads"]:
        warnings.append(f"the record was made with {made['threads']} threads, this re-check uses {here['threads']}")
    root = data.data_root()
    d = q4.prepare(spec["dataset"], spec, device, root)
    warnings += data_warnings(path, spec["data_md5"], d["md5"], root)
    for w in warnings:
        print(f"WARNING: {w}", file=sys.stderr, flush=True)

    aug = "no augmentation" if spec["augmentation"] is None else f"augmentation {spec['augmentation']}"
    subset = "" if not spec["subset"] else f", subset {spec['subset']}"
    print(f"re-checking {path}\n  {spec['model']}" + (f" ({spec['stem']} stem)" if spec["stem"] else "")
          + f" on {spec['dataset']}, seed {spec['seed']}, {spec['epochs']} epochs, batch {spec['batch_size']}, "
          f"max lr {spec['max_lr']}, {aug}{subset}; retraining on {device} ({here['device_name']}, "
          f"torch {torch.__version__}, {here['threads']} threads)", flush=True)
    started = time.perf_counter()
    retrained = q4.train_and_test(spec, d, device, here["device_name"])
    out = compare(record["result"], retrained, d["test"][1].tolist())
    out.update(record=str(path), spec=spec, recorded_by=made, retrained_on={k: here[k] for k in (
        "device", "device_name", "torch", "threads", "git_commit")}, warnings=warnings,
        wall_seconds=round(time.perf_counter() - started, 1))

    rec_s, new_s = out["recorded_train_seconds"], out["retrained_train_seconds"]
    print(f"recorded   test accuracy {100 * out['recorded_test_accuracy']:.2f}%  (trained on {made['device_name']}, "
          f"torch {made['torch']}" + (f", in {rec_s:.0f} s" if rec_s else "") + ")")
    print(f"re-trained test accuracy {100 * out['retrained_test_accuracy']:.2f}%  (on {here['device_name']}, "
          f"torch {torch.__version__}, in {new_s:.0f} s)")
    print(f"difference {out['difference_points']:+.2f} points (re-trained minus recorded)")
    print(f"predicted alike: {out['predicted_alike']:,} of {out['images']:,} test images "
          f"({100 * out['share_alike']:.2f}%)")
    if abs(out["recorded_predictions_accuracy"] - out["recorded_test_accuracy"]) > 0.5 / out["images"]:
        print(f"WARNING: the record's own predictions score {100 * out['recorded_predictions_accuracy']:.2f}%, "
              f"not its recorded {100 * out['recorded_test_accuracy']:.2f}%: the record was altered",
              file=sys.stderr)
    print("EXACT: the re-trained run predicts every test image as the record does" if out["exact"] else
          "NOT EXACT: " + ("see the warnings above for why it may differ" if warnings else
                           "same spec, data, device, torch and threads, yet different predictions"))
    if report:
        where = results.scratch_root() / "recheck" / path.name
        write_json_atomic(where, out)
        print(f"report: {where}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlkit.recheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("record", type=Path, help="a run record, e.g. results/runs/q4/LeNet-5_MNIST_0_<key>.json")
    parser.add_argument("--expect-exact", action="store_true",
                        help="exit 1 unless every test image is predicted as the record says")
    parser.add_argument("--device", help="train on this device (default: the record's type if present, else cpu)")
    parser.add_argument("--no-report", action="store_true", help="print only; write no results/scratch/recheck/")
    args = parser.parse_args(argv)
    os.environ["NO_PROGRESS"] = "1"          # the per-epoch lines stay; tqdm's bars would only add noise
    try:
        out = recheck(args.record, args.device, report=not args.no_report)
    except (RecheckError, data.DataError) as e:
        print(f"recheck: {e}", file=sys.stderr)
        return 2
    return 1 if args.expect_exact and not out["exact"] else 0


if __name__ == "__main__":
    sys.exit(main())
