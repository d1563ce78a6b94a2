"""Markdown tables generated from results/*.json (used by dlkit.quote for answers/ and README)."""
from __future__ import annotations

from .results import read_results


def _pct(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}"


def q4() -> str:
    """Per model x dataset: accuracy over seeds and cost, as measured in the Q4 notebook."""
    r = read_results("q4_lenet5_vs_resnet18")
    device = r["environment"]["device"]
    lines = ["| dataset | model | seeds | test accuracy % (mean ± std) | parameters | forward MFLOPs / image "
             f"| training s / epoch ({device}) | inference images / s ({device}) |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for s in r["summary"]:
        std = "" if s["test_accuracy_std"] is None else f" ± {_pct(s['test_accuracy_std'])}"
        lines.append(f"| {s['dataset']} | {s['model']} | {s['seeds']} | {_pct(s['test_accuracy_mean'])}{std} "
                     f"| {s['params']:,} | {s['flops_per_image'] / 1e6:.2f} | {s['seconds_per_epoch']:.1f} "
                     f"| {s['inference_images_per_s']:,.0f} |")
    return "\n".join(lines)


def q4_comparison() -> str:
    """ResNet-18 minus LeNet-5 per dataset, set against LeNet-5's seed-to-seed spread, and the cost ratios."""
    r = read_results("q4_lenet5_vs_resnet18")
    by = {(s["model"], s["dataset"]): s for s in r["summary"]}
    lines = ["| dataset | accuracy gain of ResNet-18 (points) | LeNet-5 seed std (points) | gain / std "
             "| test errors removed | × parameters | × FLOPs | × training time |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for dataset in r["config"]["datasets"]:
        lenet, resnet = by[("LeNet-5", dataset)], by[("ResNet-18", dataset)]
        gain = resnet["test_accuracy_mean"] - lenet["test_accuracy_mean"]
        std = lenet["test_accuracy_std"]
        removed = gain / lenet["test_error_mean"]
        lines.append(
            f"| {dataset} | {100 * gain:+.2f} | {_pct(std)} | {f'{gain / std:.1f}' if std else '—'} | {100 * removed:.0f}% "
            f"| {resnet['params'] / lenet['params']:.0f} | {resnet['flops_per_image'] / lenet['flops_per_image']:.0f} "
            f"| {resnet['seconds_per_epoch'] / lenet['seconds_per_epoch']:.0f} |")
    return "\n".join(lines)
