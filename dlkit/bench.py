"""Interleaved timing rounds and their statistics, for benchmarks/*.py.

Each setting runs once as a warm-up (discarded), then all settings run in turn, round after
round (A, B, C, A, B, C, ...), so a slow spell of a shared machine hits every setting alike.
A setting is summarised by the median of its rounds and their min-max range; a ratio of two
settings divides their medians from the same run.
"""
from __future__ import annotations

import os
import re
import statistics
from collections.abc import Callable
from pathlib import Path

import torch

from .results import cpuinfo, write_results


def interleaved(settings: dict[str, Callable[[], float]], rounds: int, warmup: int = 1,
                log: Callable[[str], None] | None = print, errors: dict[str, str] | None = None,
                warmup_times: dict[str, list[float]] | None = None) -> dict[str, list[float]]:
    """Call every setting `warmup` times, then `rounds` times in turn; return each setting's round times.

    A setting returns the seconds it measured itself, so its set-up can stay off the clock.
    The discarded warm-up times go into `warmup_times` if given (e.g. to report compile time).
    With an `errors` dict, a setting that raises during the warm-up is dropped and its error stored there
    (e.g. torch.compile without a working C++ compiler); otherwise the exception propagates.
    """
    settings = dict(settings)
    for _ in range(warmup):
        for name, fn in list(settings.items()):
            try:
                t = fn()
                if warmup_times is not None:
                    warmup_times.setdefault(name, []).append(t)
            except Exception as e:
                if errors is None:
                    raise
                errors[name] = f"{type(e).__name__}: {e}"
                del settings[name]
                if log:
                    log(f"{name} failed in the warm-up and is left out: {errors[name]}")
    times: dict[str, list[float]] = {name: [] for name in settings}
    for r in range(1, rounds + 1):
        for name, fn in settings.items():
            times[name].append(fn())
        if log:
            log(f"round {r}/{rounds}: " + ", ".join(f"{name} {t[-1]:.3f} s" for name, t in times.items()))
    return times


def summary(seconds: list[float], work: float | None = None, unit: str = "images") -> dict:
    """Median, min, max and spread ((max - min) / median) of one setting's round times.

    With `work` (e.g. images per round) also the rate `<unit>_per_s`: median = work / median time,
    min = work / slowest round, max = work / fastest round.
    """
    med, lo, hi = statistics.median(seconds), min(seconds), max(seconds)
    out = {"rounds_s": [round(s, 4) for s in seconds], "median_s": round(med, 4), "min_s": round(lo, 4),
           "max_s": round(hi, 4), "spread": round((hi - lo) / med, 4)}
    if work is not None:
        out[f"{unit}_per_s"] = {"median": round(work / med, 1), "min": round(work / hi, 1), "max": round(work / lo, 1)}
    return out


def ratio(numerator: dict, denominator: dict) -> float:
    """numerator's median time / denominator's median time (two summaries from the same run)."""
    return numerator["median_s"] / denominator["median_s"]


def torch_build() -> dict:
    """Short facts about the torch build that decide CPU speed (BLAS, oneDNN, SIMD level, threading)."""
    info = torch.__config__.parallel_info()

    def find(pattern):
        m = re.search(pattern, info)
        return m.group(1).strip() if m else None

    return {"version": torch.__version__, "parallel_backend": find(r"ATen parallel backend: (.*)"),
            "intraop_threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
            "mkl": find(r"Math Kernel Library Version ([\d.]+)"), "mkldnn": find(r"MKL-DNN (v\S+)"),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "cpu_flags": cpu_flags()}


# SIMD features that decide CPU training speed: bf16 autocast pays only with AVX512-BF16 or AMX units
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16")


def cpu_flags() -> list[str]:
    """Which of SPEED_FLAGS this CPU has (Linux /proc/cpuinfo; empty elsewhere)."""
    flags = (cpuinfo("flags") or "").split()
    return [f for f in SPEED_FLAGS if f in flags]


def warn_if_busy(log: Callable[[str], None] = print) -> None:
    """Timings on a machine that is already busy say little; say so before starting."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > 0.5:
        log(f"warning: load average {load:.1f} on {cores} cores before starting; other work will skew the timings")


def write_record(name: str, payload: dict, *, quick: bool, started: float) -> Path:
    """results/<name>.json for a full run, results/smoke/<name>.json for a --quick one (via write_results).

    load_average holds the 1-, 5- and 15-minute load averages at the end (this run included)."""
    return write_results(name, {"load_average": [round(x, 2) for x in os.getloadavg()], **payload},
                         device="cpu", data_md5={}, started=started, smoke=quick,
                         mode="quick" if quick else "full", environment_extra={"torch_build": torch_build()})
