"""Plotting helpers shared by the notebooks."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from .train import smoke_mode


def plot_history(histories: dict[str, list[dict]], keys=("train_loss", "val_acc"), axes=None,
                 logy: bool = False):
    """One panel per key, one line per run (label -> per-epoch history from `fit`)."""
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.5))
    for ax, key in zip(axes, keys):
        for label, hist in histories.items():
            ax.plot([h["epoch"] for h in hist], [h[key] for h in hist], marker=".", label=label)
        ax.set(xlabel="epoch", ylabel=key.replace("_", " "))
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    plt.tight_layout()
    return axes


def plot_confusion(cm: torch.Tensor, class_names=None, ax=None, title: str = ""):
    """Confusion matrix with counts printed in the cells, shaded on a log scale (log1p) so that small
    off-diagonal counts stay visible next to the diagonal; rows are the true class."""
    n = cm.shape[0]
    class_names = class_names or [str(i) for i in range(n)]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(cm.log1p(), cmap="Blues")
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if i == j else "black")
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true", title=title)
    ax.set_xticklabels(class_names, rotation=90, fontsize=7)
    ax.set_yticklabels(class_names, fontsize=7)
    return ax


def show_misclassified(images: torch.Tensor, labels: torch.Tensor, preds: torch.Tensor,
                       n: int = 24, cols: int = 12, class_names=None):
    """A gallery of the first n wrongly classified images, titled 'true→pred'."""
    wrong = (preds != labels).nonzero().flatten()[:n]
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 1.1))
    names = class_names or [str(i) for i in range(10)]
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(f"{names[labels[i]]}→{names[preds[i]]}", fontsize=7)
    plt.tight_layout()
    return fig


FIGURES_DIR = Path(__file__).resolve().parents[1] / "answers" / "figures"


def save_figure(fig, name: str, dpi: int = 100) -> Path | None:
    """Write answers/figures/<name>.png for the answers to embed, when recording (`make run`, RECORD=1); a full
    run without RECORD=1 writes results/scratch/figures/<name>.png instead, and smoke mode writes nothing."""
    if smoke_mode():
        return None
    from .results import RESULTS_DIR, recording, require_committed_code
    if recording():
        require_committed_code()
        folder = FIGURES_DIR
    else:
        folder = RESULTS_DIR / "scratch" / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (cost, accuracy) points that no other point beats on both (cheaper or equal and more
    accurate, or equally accurate and cheaper), sorted by cost: the accuracy-for-cost frontier."""
    front, best = [], float("-inf")
    for cost, acc in sorted(points, key=lambda p: (p[0], -p[1])):
        if acc > best:
            front.append((cost, acc))
            best = acc
    return front


# One colour per meaning, in every figure of every notebook: a model, a loss or a Q3 configuration keeps its
# colour wherever it appears, and no colour means two things.
COLOURS = {
    "LeNet-5": "tab:blue", "ResNet-18": "tab:red",                  # Q3's MLP and Q4's models
    "MLP": "tab:purple",
    "cross-entropy": "tab:green", "MSE": "tab:orange",              # Q1 and Q2's losses
    "assignment": "tab:gray", "tuned": "tab:brown",                 # Q3's configurations
    "cosine only": "tab:olive", "double softmax": "tab:pink",
}
MODEL_COLOURS = {m: COLOURS[m] for m in ("LeNet-5", "ResNet-18")}
PROFILE_MARKERS = {"cpu": "o", "gpu": "s"}


def plot_cost(records: dict[str, dict], smoke: bool = False):
    """Q4's cost picture: test accuracy (mean ± 1 std over seeds) against training time and training FLOPs.

    `records` maps a profile name ("cpu", "gpu") to its results JSON. One row per dataset. Colour is
    the model, marker the profile, each point is labelled with its epochs, and a dashed line joins the
    accuracy-for-cost frontier of each panel. One legend for the figure; the devices and what the error
    bars are go in a footnote. A smoke run's figure says so in its title.
    """
    from matplotlib.lines import Line2D

    datasets = list(next(iter(records.values()))["config"]["datasets"]) if records else []
    fig, axes = plt.subplots(len(datasets), 2, figsize=(11, 3.8 * len(datasets)), squeeze=False)
    for row, dataset in zip(axes, datasets):
        for column, (ax, cost_key) in enumerate(zip(row, ("train_seconds", "train_flops"))):
            points = []
            for profile, record in records.items():
                for s in (s for s in record["summary"] if s["dataset"] == dataset):
                    x, y = s[cost_key], 100 * s["test_accuracy_mean"]
                    ax.errorbar(x, y, yerr=100 * (s["test_accuracy_std"] or 0), fmt=PROFILE_MARKERS.get(profile, "D"),
                                color=MODEL_COLOURS.get(s["model"], "grey"), capsize=3, ms=7)
                    ax.annotate(f"{s['epochs']} ep.", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
                    points.append((x, y))
            front = pareto_front(points)
            ax.step(*zip(*front), where="post", ls="--", lw=1, color="grey", zorder=0)
            ax.set(xscale="log", ylabel="test accuracy (%)", title=dataset,
                   xlabel=("training time per run, s (log)" if column == 0 else "training FLOPs per run (log)"))
            ax.margins(x=0.25, y=0.2)
            ax.grid(alpha=0.3, which="both")
    handles = ([Line2D([], [], color=c, marker="o", ls="", label=m) for m, c in MODEL_COLOURS.items()]
               + [Line2D([], [], color="black", marker=PROFILE_MARKERS.get(p, "D"), ls="", mfc="none",
                         label=f"{p} profile") for p in records]
               + [Line2D([], [], color="grey", ls="--", label="frontier")])
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    devices = "; ".join(f"{p}: {r['environment']['device_name'] or r['environment']['device']}"
                        for p, r in records.items())
    seeds = sorted({s["seeds"] for r in records.values() for s in r["summary"]})
    fig.text(0.5, 0.0, f"error bars: ±1 standard deviation over seeds (n = {', '.join(map(str, seeds))}); "
             f"time measured on each profile's device ({devices})", ha="center", fontsize=8)
    if smoke:
        fig.suptitle("SMOKE RUN: tiny subsets, 1-3 epochs; checks the code, not results", y=1.04, color="tab:red")
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    return fig
