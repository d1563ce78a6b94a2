"""Resumable training: every finished run is saved at once, keyed by everything that determines it.

    store = RunStore("q4")       # reads results/runs/q4/; writes there with RECORD=1 (`make run`), else into
                                 # results/scratch/runs/q4/ (smoke runs: results/smoke/runs/q4/)
    record = store.run(spec, lambda: train_one(...))

`spec` is a JSON-able dict of everything that decides the result (model, data and their md5s, seed,
epochs, optimiser, schedule, device, torch version ...). Its hash names the record file. A run whose
record exists is read back instead of trained; any change to the spec trains a new one. A record is
written atomically when its run finishes, so an interrupted notebook loses at most the run in
progress, and re-running it trains only what is missing. FRESH=1 ignores (and overwrites) the
existing records: a fresh start. Each record also names the commit, CPU or GPU, torch and Python that
made it (`made_by`); a recording run refuses to start from uncommitted code (results.require_committed_code).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from . import results
from .results import ResultsError, read_json, write_json_atomic
from .train import env_choice, smoke_mode


def fresh_start() -> bool:
    """FRESH=1: retrain every run and overwrite its record; unset or 0: reuse finished runs."""
    return env_choice("FRESH", ("0", "1")) == "1"


def spec_key(spec: dict) -> str:
    """A short, stable hash of the spec (key order and tuple-vs-list do not matter)."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_predictions(preds) -> str:
    """Class indices 0-9 as one string of digits: 10,000 test predictions in 10 kB of JSON."""
    values = [int(p) for p in preds]
    if any(not 0 <= v <= 9 for v in values):
        raise ValueError("only class indices 0-9 can be stored as digits")
    return "".join(map(str, values))


def decode_predictions(digits: str) -> list[int]:
    return [int(ch) for ch in digits]


def correct_per_image(digits: str, labels: list[int]) -> list[bool]:
    """Which test images a recorded run got right: its stored predictions against the labels, in order."""
    return [p == y for p, y in zip(decode_predictions(digits), labels, strict=True)]


class RunStore:
    """One folder of run records (results/runs/<name>/, smoke runs under results/smoke/runs/<name>/)."""

    def __init__(self, name: str, smoke: bool | None = None, fresh: bool | None = None):
        smoke = smoke_mode() if smoke is None else smoke
        self.folder = results.output_root(smoke) / "runs" / name          # where new records are written
        # a full run that does not record (results/scratch/) also reuses the committed records
        self.committed = None if smoke else results.RESULTS_DIR / "runs" / name
        self.fresh = fresh_start() if fresh is None else fresh
        self.trained, self.reused = 0, 0
        self.reused_from: dict[Path, int] = {}                                # folder -> records read there
        self.made_by: dict[str, dict] = {}                                    # record file -> who trained it

    @staticmethod
    def file_name(spec: dict) -> str:
        label = "_".join(str(spec[k]) for k in ("model", "dataset", "seed") if k in spec).replace(" ", "")
        return f"{label}_{spec_key(spec)}.json"

    def path(self, spec: dict) -> Path:
        """Where `spec`'s record is: the first folder that has it, else where it will be written."""
        name = self.file_name(spec)
        folders = [self.folder] + ([self.committed] if self.committed and self.committed != self.folder else [])
        return next((f / name for f in folders if (f / name).exists()), self.folder / name)

    def run(self, spec: dict, train: Callable[[], dict]) -> dict:
        """The record of `spec`'s run: read back if it was saved before, else trained now and saved."""
        spec = json.loads(json.dumps(spec))          # tuples become lists, as they are stored
        path = self.path(spec)
        if path.exists() and not self.fresh:
            saved = read_json(path)
            if saved.get("spec") != spec:
                raise ResultsError(f"{path}: its spec differs from the run asked for; delete the file "
                                   "or re-run with FRESH=1")
            self.reused += 1
            self.made_by[path.name] = saved.get("made_by", {})
            self.reused_from[path.parent] = self.reused_from.get(path.parent, 0) + 1
            print(f"reused {path.name}")
            return saved["result"]
        path = self.folder / self.file_name(spec)
        result = train()
        made_by = {key: value for key, value in results.environment(spec.get("device", "cpu")).items()
                   if key in ("git_commit", "device_name", "cpu_model", "torch", "python", "threads")}
        write_json_atomic(path, {"spec": spec, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                 "made_by": made_by, "result": result}, indent=None)
        self.trained += 1
        self.made_by[path.name] = made_by
        print(f"saved {path.name}")
        return result

    def provenance(self) -> dict:
        """The CPUs and commits that trained the runs returned so far, as their records say ("unknown" for a
        record made before records named them)."""
        return {key: sorted({str(m.get(field) or "unknown") for m in self.made_by.values()})
                for key, field in (("cpu_models", "cpu_model"), ("git_commits", "git_commit"))}

    def report(self) -> str:
        """'2 runs trained, 28 reused from results/runs/q4; new records saved in results/scratch/runs/q4': where
        the reused records were read and where the new ones went, naming only a folder that was used."""
        reused_from = [(results.shown_path(folder), n) for folder, n in self.reused_from.items()]
        sources = (reused_from[0][0] if len(reused_from) == 1 else
                   " and ".join(f"{where} ({n})" for where, n in reused_from))
        return (f"{self.trained} runs trained, {self.reused} reused" + (f" from {sources}" if reused_from else "")
                + (f"; new records saved in {results.shown_path(self.folder)}" if self.trained else "")
                + (" (FRESH=1: saved runs ignored)" if self.fresh else ""))
