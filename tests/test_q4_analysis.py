"""Q4's tables and figures: smoke runs show no verdicts, the answer's table is narrow, and devices and times
come from the run records, never from the machine that draws or renders them."""
import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from dlkit import plots, tables  # noqa: E402
from tests.test_clarity import table_widths  # noqa: E402


def comparison(verdict: str = "ahead") -> dict:
    test = {"gap": 0.02, "t": 5.0, "df": 4.0, "p": 0.001, "p_holm": 0.01, "ci": [0.01, 0.03], "verdict": verdict}
    pair = {"runs": [0, 1], "b_only": 30, "a_only": 10, "p": 0.002, "verdict": verdict, "n": 100}
    return {**test, "dataset": "MNIST", "std": [0.001, 0.002], "errors_removed": 0.3, "x_train_flops": 79.0,
            "x_train_seconds": None, "baseline": {"model": "LeNet-5", "epochs": 5},
            "challenger": {"model": "ResNet-18", "epochs": 10},
            "per_image": {**test, "images_challenger_better": 40, "images_baseline_better": 20},
            "mcnemar": {"pairs": [pair] * 9, "n_pairs": 9, "significant": 9, "significant_after_holm": 7,
                        "discordant": {"min": 40, "max": 40, "mean": 40}}}


def record(device_name: str = "AMD EPYC", drawn_on: str = "Intel(R) Xeon(R) Processor") -> dict:
    rows = [{"dataset": d, "model": m, "epochs": e, "seeds": 3, "test_accuracy_mean": 0.9 + e / 1000,
             "test_accuracy_std": 0.001, "train_seconds": 100.0 * e, "train_flops": 1e12 * e,
             "devices": [device_name if m == "LeNet-5" else "Intel(R) Xeon(R) Processor @ 2.50GHz"]}
            for d in ("MNIST", "FashionMNIST") for m, e in (("LeNet-5", 5), ("ResNet-18", 10))]
    return {"config": {"datasets": ["MNIST", "FashionMNIST"]}, "summary": rows,
            "environment": {"device": "cpu", "device_name": drawn_on}}


def test_smoke_tables_show_no_verdict():
    for render in (tables.q4_comparison_table, tables.q4_per_image_table):
        full, smoke = render([comparison("ahead")]), render([comparison("ahead")], smoke=True)
        assert "ahead" in full and tables.SMOKE_VERDICT not in full
        assert "ahead" not in smoke and "behind" not in smoke and tables.SMOKE_VERDICT in smoke
    assert "9 of 9 (7)" in tables.q4_per_image_table([comparison()])
    assert "— (different devices)" in tables.q4_comparison_table([comparison()])   # no time ratio across CPUs
    assert tables.q4_mcnemar_pairs_table([comparison()]).count("0×1: 30/10") == 9


def test_the_headline_table_is_narrow_and_names_the_training_devices():
    text = tables.q4_headline_table(record())
    assert max(table_widths(text)) <= 7
    assert "AMD EPYC" in text and "Intel Xeon" in text and "Intel(R)" not in text


def test_the_cost_figure_takes_devices_from_the_records_and_fills_its_legend_markers():
    fig = plots.plot_cost({"cpu": record(drawn_on="Some Other Machine")})
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert "trained on AMD EPYC" in labels and "trained on Intel Xeon" in labels
    assert not any("Other Machine" in t.get_text() for t in fig.texts + legend.get_texts())
    assert all(h.get_markerfacecolor() != "none" for h in legend.legend_handles if h.get_marker() not in (None, "None"))
    assert "do not compare" in " ".join(t.get_text() for t in fig.texts)   # two devices: said in the footnote
    time_panel = fig.axes[0]
    assert not [line for line in time_panel.get_lines() if line.get_linestyle() == "--"]   # no frontier across CPUs


def test_no_point_label_of_the_cost_figure_overlaps_another_label_or_a_point():
    """ResNet-18's 5- and 10-epoch points nearly coincide on the time panels (trained on two CPUs); their labels
    must still not overlap each other or any marker, on any panel: the committed figure's data and a harder case,
    with both points at the same time."""
    import matplotlib.pyplot as plt

    from dlkit.results import read_committed

    close = record()
    for row in list(close["summary"]):
        if row["model"] == "ResNet-18":
            close["summary"].append({**row, "epochs": 5, "train_seconds": row["train_seconds"] * 1.02,
                                     "test_accuracy_mean": row["test_accuracy_mean"] - 0.0005,
                                     "devices": ["AMD EPYC"]})
    for records in ({"cpu": read_committed("q4_lenet5_vs_resnet18_cpu")}, {"cpu": close}):
        fig = plots.plot_cost(records)
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            labels = [t.get_window_extent(renderer) for t in ax.texts]
            markers = [line.get_window_extent(renderer) for line in ax.get_lines() if line.get_marker() not in
                       (None, "None", "", "_")]
            assert len(labels) == len(markers) >= 3
            for i, box in enumerate(labels):
                assert not any(box.overlaps(other) for other in labels[i + 1:]), (ax.get_title(), ax.texts[i])
                assert not any(box.overlaps(m) for m in markers), (ax.get_title(), ax.texts[i])
        plt.close(fig)


def test_the_confusion_matrix_has_a_colour_bar_and_whole_counts():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    cm = torch.tensor([[980.0, 1 / 3], [2.6667, 0.0]])
    plots.plot_confusion(cm, ["a", "b"], ax=ax, colorbar=True)
    assert len(fig.axes) == 2                                           # the matrix and its colour bar
    assert sorted(t.get_text() for t in ax.texts) == ["3", "980"]       # rounded; < 0.5 shaded, not labelled
    plt.close(fig)


def test_an_interval_end_that_rounds_to_zero_keeps_its_sign():
    """+0.00003 shown as +0.00 would read as an interval touching zero; three decimals show it is above."""
    assert tables._ci({"ci": [0.00003, 0.0034]}) == "+0.003 to +0.34"
    assert tables._ci({"ci": [-0.0012, 0.0126]}) == "-0.12 to +1.26"
    assert tables._ci({"ci": None}) == "—"
