"""Markdown tables generated from results/*.json (used by dlkit.quote for answers/ and README)."""
from __future__ import annotations

from .results import read_results


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


def q4_results_table(summary: list[dict], device: str) -> str:
    lines = ["| dataset | model | epochs | seeds | test accuracy % (mean ± std) | parameters | forward MFLOPs / image "
             f"| training TFLOPs | training s / epoch ({device}) | training min ({device}) "
             f"| inference images / s ({device}) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        lines.append(f"| {s['dataset']} | {s['model']} | {s['epochs']} | {s['seeds']} "
                     f"| {_pm(s['test_accuracy_mean'], s['test_accuracy_std'])} | {s['params']:,} "
                     f"| {s['flops_per_image'] / 1e6:.2f} | {s['train_flops'] / 1e12:,.1f} "
                     f"| {s['seconds_per_epoch']:.1f} | {s['train_seconds'] / 60:.1f} "
                     f"| {s['inference_images_per_s']:,.0f} |")
    return "\n".join(lines)


def _mcnemar_cell(c: dict) -> str:
    """Per seed pair: images only the challenger gets right / only the baseline gets right, and that pair's p."""
    m = c.get("mcnemar")
    if not m:
        return "—"
    return ", ".join(f"{t['b_only']}/{t['a_only']} (p {t['p']:.2g})" for t in m["pairs"])


def q4_comparison_table(comparisons: list[dict]) -> str:
    lines = ["| dataset | challenger vs baseline | gap (points) | std, baseline / challenger (points) "
             "| Welch t (df) | p (two-sided) | p, Holm-adjusted | 95% CI of the gap (points) | Welch verdict "
             "| McNemar per seed pair: only challenger / only baseline right | McNemar verdict "
             "| baseline errors removed | × training FLOPs | × training time |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|"]
    for c in comparisons:
        base, chal = c["baseline"], c["challenger"]
        welch = "— (one seed)" if c["t"] is None else f"{c['t']:.1f} ({c['df']:.1f})"
        p = "—" if c["p"] is None else f"{c['p']:.2g}"
        p_holm = "—" if c.get("p_holm") is None else f"{c['p_holm']:.2g}"
        ci = "—" if c.get("ci") is None else f"{100 * c['ci'][0]:+.2f} to {100 * c['ci'][1]:+.2f}"
        lines.append(f"| {c['dataset']} | {chal['model']} ({chal['epochs']} ep.) vs {base['model']} "
                     f"({base['epochs']} ep.) | {100 * c['gap']:+.2f} | {_pct(c['std'][0])} / {_pct(c['std'][1])} "
                     f"| {welch} | {p} | {p_holm} | {ci} | {c.get('verdict', 'untested')} | {_mcnemar_cell(c)} "
                     f"| {c.get('mcnemar', {}).get('verdict', '—')} | {100 * c['errors_removed']:.0f}% "
                     f"| {c['x_train_flops']:,.0f} | {c['x_train_seconds']:,.1f} |")
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
    r = read_results("benchmark_pipeline")
    lines = ["| one epoch of the Q3 network (60,000 images, batch 64) | median s | min–max s | µs / step |",
             "|---|---:|---:|---:|"]
    for key, label in PIPELINE_ROWS.items():
        s = r["settings"][key]
        lines.append(f"| {label} | {s['median_s']:.2f} | {s['min_s']:.2f}–{s['max_s']:.2f} "
                     f"| {r['per_step_us'][key]:,.0f} |")
    return "\n".join(lines)


def benchmark_resnet_cpu() -> str:
    r = read_results("benchmark_resnet_cpu")
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
    from .results import committed_results_path, read_json
    path = committed_results_path(Q4_FILE.format(profile))
    return read_json(path) if path.exists() else None


# Generated tables, by the names that `<!--table:NAME:ARG-->` markers in README.md and answers/ use.
# A Q4 table takes the profile; while that profile has no results file it renders a one-line notice.

def _q4(profile: str, render) -> str:
    r = _q4_or_none(profile)
    return _no_run(profile) if r is None else render(r)


def q4_results(profile: str) -> str:
    return _q4(profile, lambda r: q4_results_table(r["summary"], r["environment"]["device"]))


def q4_comparison(profile: str) -> str:
    return _q4(profile, lambda r: q4_comparison_table(r["comparisons"]))


def q4_targets(profile: str) -> str:
    return _q4(profile, q4_targets_table)
