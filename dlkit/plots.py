"""Plotting helpers shared by the notebooks."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch


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


def plot_confusion(cm: torch.Tensor, class_names=None, ax=None, title: str = "", colorbar: bool = False,
                   count_label: str = "test images"):
    """Confusion matrix with counts printed in the cells, shaded on a log scale so that small off-diagonal
    counts stay visible next to the diagonal; rows are the true class.

    `cm` may hold mean counts (e.g. per seed, averaged over seeds): cells are labelled rounded to whole
    images, a cell that rounds to 0 is shaded but not labelled, and a cell of exactly 0 stays white.
    `colorbar=True` adds a colour bar in counts (`count_label`) on its log scale.
    """
    from matplotlib.colors import LogNorm

    n = cm.shape[0]
    class_names = class_names or [str(i) for i in range(n)]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    values = cm.double()
    if colorbar:
        positive = values[values > 0]
        norm = LogNorm(vmin=min(0.3, positive.min().item()), vmax=max(1.0, positive.max().item()))
        shown = values.masked_fill(values <= 0, float("nan")).numpy()  # exact zeros: white
        image = ax.imshow(shown, cmap="Blues", norm=norm)
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label=f"{count_label} (log scale)")
        dark = [[norm(v) > 0.6 for v in row] for row in values.tolist()]
    else:
        image = ax.imshow(values.log1p().numpy(), cmap="Blues")
        dark = [[i == j for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            count = round(values[i, j].item())
            if count:
                ax.text(j, i, f"{count:d}", ha="center", va="center", fontsize=7,
                        color="white" if dark[i][j] else "black")
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


def save_figure(fig, name: str, dpi: int = 100) -> Path | None:
    """Write <name>.png into `results.figure_dir()`: answers/figures/ for the answers to embed when recording
    (`make run`, RECORD=1), results/scratch/figures/ for a full run without RECORD=1; smoke mode writes nothing."""
    from .results import figure_dir
    folder = figure_dir()
    if folder is None:
        return None
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
DEVICE_MARKERS = ("o", "^", "s", "D", "v", "P")   # one per training device, in the order they are met


def short_device(name: str) -> str:
    """'Intel(R) Xeon(R) Processor @ 2.50GHz' -> 'Intel Xeon': a device name short enough for a legend."""
    for noise in ("(R)", "(TM)", " Processor", " CPU"):
        name = name.replace(noise, "")
    return " ".join(name.split("@")[0].split())


def row_devices(record: dict, row: dict) -> str:
    """The devices that trained a summary row's runs, from the run records (`row["devices"]`); results files
    written before rows named their devices fall back to the profile's training devices."""
    devices = row.get("devices") or record.get("profile_cost", {}).get("devices") or ["unknown device"]
    return " + ".join(short_device(d) for d in devices)


# Where a point's label may go, in offset points from the point (dx, dy, horizontal alignment), in order of
# preference: below right first, as most labels sit; the first that overlaps no other label, marker or error bar
# is taken.
LABEL_SPOTS = ((6, -10, "left"), (6, 5, "left"), (-6, -10, "right"), (-6, 5, "right"),
               (6, -20, "left"), (6, 15, "left"), (-6, -20, "right"), (-6, 15, "right"))


def place_labels(fig, labelled: list[tuple]) -> None:
    """Move each point label (matplotlib Annotation) to the first of LABEL_SPOTS where it overlaps no label
    placed before it and no point's marker or error bar on its panel, as the figure is laid out now (call it
    after tight_layout). `labelled` holds (annotation, error bar Line2D marker, error bar LineCollection) per
    point; a label that fits nowhere keeps its first spot."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    obstacles: dict = {}                                     # axes -> boxes in display pixels
    for ann, marker, bars in labelled:
        boxes = obstacles.setdefault(ann.axes, [])
        boxes.append(marker.get_window_extent(renderer))
        if bars is not None:
            boxes += [Bbox(segment).padded(3 * fig.dpi / 72) for segment in
                      (ann.axes.transData.transform(s) for s in bars.get_segments())]
    for ann, _, _ in labelled:
        boxes = obstacles[ann.axes]
        for dx, dy, ha in LABEL_SPOTS:
            ann.set_position((dx, dy))
            ann.set_horizontalalignment(ha)
            box = ann.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in boxes):
                break
        else:
            ann.set_position(LABEL_SPOTS[0][:2])
            ann.set_horizontalalignment(LABEL_SPOTS[0][2])
            box = ann.get_window_extent(renderer)
        boxes.append(box)


def plot_cost(records: dict[str, dict], smoke: bool = False):
    """Q4's cost picture: test accuracy (mean ± 1 std over seeds) against training time and training FLOPs.

    `records` maps a profile name ("cpu", "gpu") to its results JSON. One row per dataset. Colour is the
    model and the marker is the device that trained the runs, read from the run records (never the machine
    drawing the figure); each point is labelled with its epochs (and its profile, when several are drawn), where
    the label overlaps no other label, marker or error bar (`place_labels`).
    The dashed line joins the accuracy-for-cost frontier: always on the FLOPs panels, which do not depend on
    the device, and on the time panels only when one device trained every point (times from different
    devices do not compare). One legend for the figure; a footnote says what the error bars are and that the
    times are the training devices'. A smoke run's figure says so in its title.
    """
    from matplotlib.lines import Line2D

    datasets = list(next(iter(records.values()))["config"]["datasets"]) if records else []
    devices = list(dict.fromkeys(row_devices(r, s) for r in records.values() for s in r["summary"]))
    marker = {d: DEVICE_MARKERS[i % len(DEVICE_MARKERS)] for i, d in enumerate(devices)}
    fig, axes = plt.subplots(len(datasets), 2, figsize=(11, 3.8 * len(datasets)), squeeze=False)
    labelled = []
    for row, dataset in zip(axes, datasets):
        for column, (ax, cost_key) in enumerate(zip(row, ("train_seconds", "train_flops"))):
            points = []
            for profile, record in records.items():
                for s in (s for s in record["summary"] if s["dataset"] == dataset):
                    x, y = s[cost_key], 100 * s["test_accuracy_mean"]
                    point, _, bars = ax.errorbar(x, y, yerr=100 * (s["test_accuracy_std"] or 0),
                                                 fmt=marker[row_devices(record, s)],
                                                 color=MODEL_COLOURS.get(s["model"], "grey"), capsize=3, ms=7)
                    label = f"{s['epochs']} ep." + (f", {profile}" if len(records) > 1 else "")
                    ann = ax.annotate(label, (x, y), textcoords="offset points", xytext=LABEL_SPOTS[0][:2],
                                      fontsize=8)
                    labelled.append((ann, point, bars[0] if bars else None))
                    points.append((x, y))
            if column == 1 or len(devices) == 1:
                front = pareto_front(points)
                ax.step(*zip(*front), where="post", ls="--", lw=1, color="grey", zorder=0)
            ax.set(xscale="log", ylabel="test accuracy (%)", title=dataset,
                   xlabel=("training time per run, s (log), on its device" if column == 0
                           else "training FLOPs per run (log)"))
            ax.margins(x=0.25, y=0.2)
            ax.grid(alpha=0.3, which="both")
    handles = ([Line2D([], [], color=c, marker="o", ls="", label=m) for m, c in MODEL_COLOURS.items()]
               + [Line2D([], [], color="black", marker=marker[d], ls="", label=f"trained on {d}") for d in devices]
               + [Line2D([], [], color="grey", ls="--", label="frontier")])
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 1.0))
    seeds = sorted({s["seeds"] for r in records.values() for s in r["summary"]})
    note = (f"error bars: ±1 standard deviation over seeds (n = {', '.join(map(str, seeds))}); training time as "
            "measured on the device that trained each run (its record)")
    if len(devices) > 1:
        note += "; times from different devices do not compare, so the time panels draw no frontier"
    fig.text(0.5, 0.0, note, ha="center", fontsize=8)
    if smoke:
        fig.suptitle("SMOKE RUN: tiny subsets, 1-3 epochs; checks the code, not results", y=1.04, color="tab:red")
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    place_labels(fig, labelled)
    return fig
