"""Markdown tables generated from results/*.json (used by dlkit.quote for answers/ and README)."""
from __future__ import annotations

from .results import read_committed


def _pct(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}"


# --- Q4: one results file per profile (cpu, gpu) -------------------------------------------------

Q4_FILE = "q4_lenet5_vs_resnet18_{}"


def _no_run(profile: str) -> str:
    return (f"*No {profile.upper()} run has been committed yet: run the Q4 notebook's `{profile}` profile "
            f"(README, GPU) to fill this table.*")


def show(markdown: str) -> None:
    """Render a Markdown table in Jupyter; print it as text when run as a plain script."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(markdown))
    else:
        print(markdown)


def _pm(mean: float, std: float | None) -> str:
    return _pct(mean) + ("" if std is None else f" ± {_pct(std)}")


def _devices(s: dict) -> str:
    from .plots import short_device
    return " + ".join(short_device(d) for d in s.get("devices") or ["—"])


def q4_results_table(summary: list[dict], inference_device: str) -> str:
    """Every model and budget: accuracy, size, cost. Training times are those of the device that trained the
    runs (named from their records); inference was measured on `inference_device`, the machine that ran the
    notebook."""
    lines = ["| dataset | model | epochs | seeds | test accuracy %, mean ± std (points) | parameters "
             "| forward MFLOPs / image "
             "| training TFLOPs | trained on | training s / epoch | training min "
             f"| inference images / s ({inference_device}) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for s in summary:
        lines.append(f"| {s['dataset']} | {s['model']} | {s['epochs']} | {s['seeds']} "
                     f"| {_pm(s['test_accuracy_mean'], s['test_accuracy_std'])} | {s['params']:,} "
                     f"| {s['flops_per_image'] / 1e6:.2f} | {s['train_flops'] / 1e12:,.1f} | {_devices(s)} "
                     f"| {s['seconds_per_epoch']:.1f} | {s['train_seconds'] / 60:.1f} "
                     f"| {s['inference_images_per_s']:,.0f} |")
    return "\n".join(lines)


SMOKE_VERDICT = "— (smoke run: no verdict)"


def _verdict(test: dict, smoke: bool) -> str:
    return SMOKE_VERDICT if smoke else test.get("verdict", "untested")


def _p(test: dict, key: str = "p") -> str:
    return "—" if test.get(key) is None else f"{test[key]:.2g}"


def _points(x: float) -> str:
    """A fraction in signed percentage points, 2 decimals, or 3 where 2 would show 0.00 and hide the sign."""
    shown = f"{100 * x:+.2f}"
    return f"{100 * x:+.3f}" if shown in ("+0.00", "-0.00") and x != 0 else shown


def _ci(test: dict) -> str:
    ci = test.get("ci")
    return "—" if ci is None else f"{_points(ci[0])} to {_points(ci[1])}"


def _pair(c: dict) -> str:
    base, chal = c["baseline"], c["challenger"]
    return f"{chal['model']} ({chal['epochs']} ep.) vs {base['model']} ({base['epochs']} ep.)"


def q4_comparison_table(comparisons: list[dict], smoke: bool = False) -> str:
    """Welch's test over seeds for every comparison, with Holm's adjustment over all of them, and the cost
    ratios. A smoke run shows no verdict: its numbers check the code only."""
    lines = ["| dataset | challenger vs baseline | gap (points) | std, baseline / challenger (points) "
             "| Welch t (df) | p (two-sided) | p, Holm-adjusted | 95% CI of the gap (points) "
             "| Welch verdict, unadjusted "
             "| baseline errors removed | × training FLOPs | × training time |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for c in comparisons:
        welch = "— (one seed)" if c["t"] is None else f"{c['t']:.1f} ({c['df']:.1f})"
        time = ("— (different devices)" if c.get("x_train_seconds") is None
                else f"{c['x_train_seconds']:,.1f}")
        lines.append(f"| {c['dataset']} | {_pair(c)} | {100 * c['gap']:+.2f} "
                     f"| {_pct(c['std'][0])} / {_pct(c['std'][1])} | {welch} | {_p(c)} | {_p(c, 'p_holm')} "
                     f"| {_ci(c)} | {_verdict(c, smoke)} "
                     f"| {100 * c['errors_removed']:.0f}% | {c['x_train_flops']:,.0f} | {time} |")
    return "\n".join(lines)


def q4_per_image_table(comparisons: list[dict], smoke: bool = False) -> str:
    """The pairing-free per-image test for every comparison (Holm over its own family), with the count of
    significant McNemar tests among all seed pairings and the range of discordant images per pairing."""
    lines = ["| dataset | challenger vs baseline | gap (points) | images better for challenger / baseline "
             "| paired t (df) | p | p, Holm-adjusted | sign-flip p, Holm-adjusted | 95% CI (points) "
             "| per-image verdict, unadjusted | McNemar: pairs significant (after Holm) "
             "| images one run of the pair gets right, the other wrong |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for c in comparisons:
        t, m = c["per_image"], c["mcnemar"]
        paired = "—" if t["t"] is None else f"{t['t']:.1f} ({t['df']:,.0f})"
        d = m["discordant"]
        holm = "" if m.get("significant_after_holm") is None else f" ({m['significant_after_holm']})"
        lines.append(f"| {c['dataset']} | {_pair(c)} | {100 * t['gap']:+.2f} "
                     f"| {t['images_challenger_better']:,} / {t['images_baseline_better']:,} | {paired} | {_p(t)} "
                     f"| {_p(t, 'p_holm')} | {_p(t, 'p_sign_flip_holm')} | {_ci(t)} | {_verdict(t, smoke)} "
                     f"| {m['significant']} of {m['n_pairs']}{holm} | {d['min']:,}–{d['max']:,} |")
    return "\n".join(lines)


def q4_mcnemar_pairs_table(comparisons: list[dict]) -> str:
    """Every McNemar test: each run of the baseline against each run of the challenger (seed i × seed j), as
    images only the challenger / only the baseline gets right, with the pair's p-value."""
    lines = ["| dataset | challenger vs baseline | per pair (baseline seed × challenger seed): only challenger / "
             "only baseline right (p) |", "|---|---|---|"]
    for c in comparisons:
        cells = ", ".join(f"{t['runs'][0]}×{t['runs'][1]}: {t['b_only']}/{t['a_only']} ({t['p']:.2g})"
                          for t in c["mcnemar"]["pairs"])
        lines.append(f"| {c['dataset']} | {_pair(c)} | {cells} |")
    return "\n".join(lines)


def q4_headline_table(record: dict) -> str:
    """The small table of the answer: each model and budget's test accuracy on both datasets and its cost in
    training FLOPs per run, with the device that trained it (minutes are in the fold's full table: two CPUs)."""
    summary = record["summary"]
    datasets = record["config"]["datasets"]
    groups = list(dict.fromkeys((s["model"], s["epochs"]) for s in summary))
    cheapest = min(s["train_flops"] for s in summary if s["dataset"] == datasets[0])
    names = {"FashionMNIST": "Fashion-MNIST"}
    lines = ["| model | epochs | " + " | ".join(f"{names.get(d, d)}: test accuracy % ± std (points)" for d in datasets)
             + " | training FLOPs (× cheapest) | trained on |",
             "|---|---:|" + "---:|" * len(datasets) + "---:|---|"]
    for model, epochs in groups:
        rows = [s for s in summary if (s["model"], s["epochs"]) == (model, epochs)]
        by_dataset = {s["dataset"]: s for s in rows}
        accuracy = " | ".join(_pm(by_dataset[d]["test_accuracy_mean"], by_dataset[d]["test_accuracy_std"])
                              for d in datasets)
        devices = " + ".join(dict.fromkeys(_devices(s) for s in rows))
        lines.append(f"| {model} | {epochs} | {accuracy} | {rows[0]['train_flops'] / cheapest:,.0f} "
                     f"| {devices} |")
    return "\n".join(lines)


# --- benchmarks -------------------------------------------------------------------------------------

PIPELINE_ROWS = {
    "seed": "original pipeline: `torchvision.datasets.MNIST` + `ToTensor` + `Normalize` + `DataLoader`",
    "project": "this project: preloaded tensor, seeded index slices (`dlkit.train.fit`), fused Adam",
    "project_default_adam": "the same with default (unfused) Adam",
    "presliced": "the same loop over batches sliced before the clock starts (no indexing)",
    "fwd_bwd": "forward and backward only (no optimiser), pre-sliced",
    "matmuls": "the step's eight matrix products only",
}


def benchmark_pipeline() -> str:
    r = read_committed("benchmark_pipeline")
    lines = ["| one epoch of the Q3 network (60,000 images, batch 64) | median s | min–max s | µs / step |",
             "|---|---:|---:|---:|"]
    for key, label in PIPELINE_ROWS.items():
        s = r["settings"][key]
        lines.append(f"| {label} | {s['median_s']:.2f} | {s['min_s']:.2f}–{s['max_s']:.2f} "
                     f"| {r['per_step_us'][key]:,.0f} |")
    return "\n".join(lines)


def benchmark_resnet_cpu() -> str:
    r = read_committed("benchmark_resnet_cpu")
    lines = ["| ResNet-18 at 28×28 | stem | batch | `channels_last` | threads | `torch.compile` | bf16 autocast "
             "| images / s, median | min–max | × batch-64 baseline |",
             "|---|---|---:|---|---:|---|---|---:|---:|---:|"]
    for s in r["settings"].values():
        ips = s["images_per_s"]
        lines.append(f"| {s['mode']} | {s['stem']} | {s['batch']} | {'yes' if s['channels_last'] else 'no'} "
                     f"| {s['threads']} | {'yes' if s['compile'] else 'no'} | {'yes' if s.get('bf16') else 'no'} "
                     f"| {ips['median']:,.0f} "
                     f"| {ips['min']:,.0f}–{ips['max']:,.0f} | {s['ratio_vs_batch64']:.2f} |")
    return "\n".join(lines)


def q4_targets_table(record: dict) -> str:
    lines = ["| model, epochs, dataset | target | measured (mean over seeds) | |", "|---|---:|---:|---|"]
    for name, t in record["targets"].items():
        verdict = "met" if t["met"] else "**missed**"
        if "stretch" in t:
            verdict += f"; stretch {_pct(t['stretch']['target'], 1)}%: {'met' if t['stretch']['met'] else 'missed'}"
        lines.append(f"| {name.replace('/', ', ')} | {_pct(t['target'])}% | {_pct(t['measured'])}% | {verdict} |")
    return "\n".join(lines)


def _q4_or_none(profile: str) -> dict | None:
    """The profile's committed results (results/, never results/scratch/), or None before its first full run."""
    from .results import committed_results_path
    name = Q4_FILE.format(profile)
    return read_committed(name) if committed_results_path(name).exists() else None


# Generated tables, by the names that `<!--table:NAME:ARG-->` markers in README.md and answers/ use.
# A Q4 table takes the profile; while that profile has no results file it renders a one-line notice.

def _q4(profile: str, render) -> str:
    r = _q4_or_none(profile)
    return _no_run(profile) if r is None else render(r)


def q4_results(profile: str) -> str:
    return _q4(profile, lambda r: q4_results_table(r["summary"], r["environment"]["device_name"]
                                                   or r["environment"]["device"]))


def q4_comparison(profile: str) -> str:
    return _q4(profile, lambda r: q4_comparison_table(r["comparisons"]))


def q4_per_image(profile: str) -> str:
    return _q4(profile, lambda r: q4_per_image_table(r["comparisons"]))


def q4_mcnemar_pairs(profile: str) -> str:
    return _q4(profile, lambda r: q4_mcnemar_pairs_table(r["comparisons"]))


def q4_headline(profile: str) -> str:
    return _q4(profile, q4_headline_table)


def q4_targets(profile: str) -> str:
    return _q4(profile, q4_targets_table)


# --- README: Q4's headline, its training time from the run records, and where the evidence came from --------

def _alpha(test: dict) -> float:
    return 1 - test.get("confidence", 0.95)


def _after_holm(test: dict) -> str:
    """The Welch verdict once Holm's adjustment over the notebook's whole family of tests is applied."""
    p = test.get("p_holm")
    if p is None:
        return "—"
    if p < _alpha(test):
        return f"{test['verdict']} (p {p:.2g})"
    return f"{'within noise' if test['verdict'] == 'within noise' else 'not after Holm'} (p {p:.2g})"


# Which of the Q4 tests the README's headline shows: those with a ResNet-18 on either side.
Q4_HEADLINE_MODEL = "ResNet-18"


def readme_q4_headline(profile: str) -> str:
    """The README's Q4 headline: each ResNet-18 comparison, its gap and interval, and its verdict alone and after
    Holm (read from the `tests` of results/q4_lenet5_vs_resnet18_<profile>.json, so a re-run updates it)."""
    def render(r: dict) -> str:
        lines = ["| dataset | comparison | gap (points) | 95% CI (points) | Welch verdict, unadjusted "
                 "| after Holm (adjusted p) |",
                 "|---|---|---:|---:|---|---|"]
        for t in r["tests"].values():
            if Q4_HEADLINE_MODEL not in (t["baseline"]["model"], t["challenger"]["model"]):
                continue
            chal, base = t["challenger"], t["baseline"]
            lines.append(f"| {t['dataset']} | {chal['model']} ({chal['epochs']} ep.) vs {base['model']} "
                         f"({base['epochs']} ep.) | {100 * t['gap']:+.2f} | {_ci(t)} | {t.get('verdict', 'untested')} "
                         f"| {_after_holm(t)} |")
        return "\n".join(lines)
    return _q4(profile, render)


TRAIN_IMAGES = 60_000      # both datasets' training files; each run holds out spec["n_val"] for validation
ESTIMATE_IMAGES_PER_S = 750  # the CPU of issue 21's budget: ResNet-18 (ImageNet stem, batch 256) trains this fast


def _cpu_name(name: str | None) -> str:
    import re
    if not name:
        return "unknown"
    name = re.sub(r"\((R|TM)\)", "", name).replace(" Processor", "").replace(" CPU", "")
    return re.sub(r"\s+", " ", name).strip()


def _q4_records(folder: str = "runs/q4") -> list[dict]:
    from .results import RESULTS_DIR, read_json
    return [read_json(p) for p in sorted((RESULTS_DIR / folder).glob("*.json"))]


def q4_training_time() -> str:
    """The cpu profile's training time per model, epochs and CPU, from the run records themselves
    (results/runs/q4/*.json: result.train_seconds, result.device_name), and an estimate for a CPU that trains
    ResNet-18 at ESTIMATE_IMAGES_PER_S images/s. New records are picked up as they are committed."""
    groups: dict[tuple, dict] = {}
    for rec in _q4_records():
        spec, res = rec["spec"], rec["result"]
        if spec.get("device", "cpu") != "cpu" or spec.get("subset"):
            continue
        key = (spec["model"], spec["epochs"], _cpu_name(res.get("device_name")))
        g = groups.setdefault(key, {"runs": 0, "seconds": 0.0, "images": 0})
        g["runs"] += 1
        g["seconds"] += res["train_seconds"]
        g["images"] += (TRAIN_IMAGES - spec["n_val"]) * spec["epochs"]
    if not groups:
        return "*No Q4 run record has been committed yet.*"
    # ResNet-18's training speed on each CPU, pooled over its records there
    resnet = {}
    for (model, _, cpu), g in groups.items():
        if model == "ResNet-18":
            seconds, images = resnet.get(cpu, (0.0, 0))
            resnet[cpu] = (seconds + g["seconds"], images + g["images"])
    lines = ["| model | epochs | trained on | runs | training min (measured) | images / s "
             f"| min at {ESTIMATE_IMAGES_PER_S} images/s |", "|---|---:|---|---:|---:|---:|---:|"]
    total = {"runs": 0, "seconds": 0.0, "estimate": 0.0, "upper": 0.0}
    for (model, epochs, cpu), g in sorted(groups.items(), key=lambda kv: (kv[0][0] != "ResNet-18", kv[0])):
        speed = g["images"] / g["seconds"]
        if model == "ResNet-18":
            estimate = g["images"] / ESTIMATE_IMAGES_PER_S
        elif cpu in resnet:   # scaled as ResNet-18 on the same CPU would be: its time × (its speed / 750)
            estimate = g["seconds"] * (resnet[cpu][1] / resnet[cpu][0]) / ESTIMATE_IMAGES_PER_S
        else:
            estimate = g["seconds"]
        upper = estimate if model == "ResNet-18" else max(estimate, g["seconds"])   # LeNet-5 not sped up at all
        total["runs"] += g["runs"]
        total["seconds"] += g["seconds"]
        total["estimate"] += estimate
        total["upper"] += upper
        lines.append(f"| {model} | {epochs} | {cpu} | {g['runs']} | {g['seconds'] / 60:,.1f} | {speed:,.0f} "
                     f"| {estimate / 60:,.1f} |")
    lines.append(f"| all | | | {total['runs']} | {total['seconds'] / 60:,.0f} | | {total['estimate'] / 60:,.0f} |")
    lines += ["", "The last column is an estimate for a CPU that trains ResNet-18 at "
              f"{ESTIMATE_IMAGES_PER_S} images/s, not a measurement (how it is computed: below). If LeNet-5 "
              f"gained nothing from the faster CPU, the total would be {total['upper'] / 60:,.0f} min."]
    return "\n".join(lines)


def _commit_words(commit: str | None) -> str:
    if not commit:
        return "no commit recorded"
    if commit.endswith("+dirty"):
        return f"`{commit.removesuffix('+dirty')}` **with uncommitted changes**"
    return f"`{commit}`"


def provenance() -> str:
    """Which commit made each committed results file and run record, and which were made from a modified tree
    ("+dirty" in environment.git_commit, or in retrained_on.git_commit for a re-check report; run records without
    a `made_by`, written before records named one)."""
    from collections import Counter

    from .results import RESULTS_DIR, read_json
    lines = ["| evidence | made from commit |", "|---|---|"]
    for path in sorted(RESULTS_DIR.glob("*.json")):
        record = read_json(path)
        # a re-check report names the commit of the code that retrained, in retrained_on
        commit = (record.get("environment") or record.get("retrained_on") or {}).get("git_commit")
        lines.append(f"| `results/{path.name}` | {_commit_words(commit)} |")
    for folder in sorted(p for p in (RESULTS_DIR / "runs").glob("*") if p.is_dir()):
        counts = Counter()
        for path in folder.glob("*.json"):
            made_by = read_json(path).get("made_by")
            counts["none" if not made_by else made_by.get("git_commit") or "none"] += 1
        parts = [f"{n} with no commit recorded" if c == "none" else f"{n} from {_commit_words(c)}" for c, n in
                 sorted(counts.items(), key=lambda kv: (kv[0] != "none", kv[0]))]
        lines.append(f"| `results/runs/{folder.name}/` ({sum(counts.values())} records) | {'; '.join(parts)} |")
    return "\n".join(lines)


def q4_cheapest_rechecks() -> str:
    """Per model, the committed Q4 run record that trained fastest: the cheapest one to re-check with
    `make recheck RUN=…`, and how long it trained on the CPU that made it."""
    from .results import RESULTS_DIR, read_json
    best: dict[str, tuple[float, str, str]] = {}
    for path in sorted((RESULTS_DIR / "runs" / "q4").glob("*.json")):
        rec = read_json(path)
        spec, res = rec["spec"], rec["result"]
        if spec.get("device", "cpu") != "cpu" or "test_predictions" not in res:
            continue
        candidate = (res["train_seconds"], path.name, _cpu_name(res.get("device_name")))
        if spec["model"] not in best or candidate < best[spec["model"]]:
            best[spec["model"]] = candidate
    if not best:
        return "*No Q4 run record has been committed yet.*"
    lines = ["| model | cheapest run to re-check | it trained for | on |", "|---|---|---:|---|"]
    for model, (seconds, name, cpu) in sorted(best.items()):
        lines.append(f"| {model} | `make recheck RUN=results/runs/q4/{name}` | {seconds / 60:,.1f} min | {cpu} |")
    return "\n".join(lines)
