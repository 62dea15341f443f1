"""The explain page's pictures of training, drawn from a Monitor's history (RUN/health.jsonl, one record a line;
the schema is diagnostics/monitor.py Monitor._record): activation heatmaps, gradient flow, update-to-data
ratios, and dead and saturated fractions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .explain_figures import Section, data_uri, depth_colourbar, depth_colours, img, new_figure, note

MAX_LAYERS = 24  # heatmaps drawn; a bigger model's later layers are listed as left out


def heatmap_data(history: list[dict], layer: str, bins: int | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """(counts (bins, steps), value edges (bins + 1), steps) of one layer's activation histograms over training.

    Each record has its own histogram edges (the range of that step's values), so the counts are moved onto one
    grid spanning every record, each bin's count spread evenly over the grid bins it overlaps (the cumulative
    count, linear inside a bin, read at the grid's edges). Every count is kept, and when every record shares its
    edges and `bins` is None the grid is those edges and the columns are exactly the records' counts.
    """
    records = [(r["step"], r["layers"][layer]["hist"]) for r in history if "hist" in r["layers"].get(layer, {})]
    if not records:
        return np.zeros((0, 0)), np.zeros(0), []
    all_edges = [np.asarray(h["edges"], dtype=float) for _, h in records]
    same = all(len(e) == len(all_edges[0]) and np.allclose(e, all_edges[0]) for e in all_edges)
    if same and bins is None:
        grid = all_edges[0]
    else:
        low = min(float(e[0]) for e in all_edges)
        high = max(float(e[-1]) for e in all_edges)
        high = high if high > low else low + 1.0
        grid = np.linspace(low, high, (bins or len(all_edges[0]) - 1) + 1)
    counts = np.zeros((len(grid) - 1, len(records)))
    for column, ((_, hist), edges) in enumerate(zip(records, all_edges)):
        cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(hist["counts"], dtype=float))])
        if edges[-1] <= edges[0]:  # every value equal: np.histogram's edges are still increasing, but be safe
            edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
            cumulative = cumulative[[0, -1]]
        counts[:, column] = np.diff(np.interp(grid, edges, cumulative, left=0.0, right=cumulative[-1]))
    return counts, grid, [s for s, _ in records]


def _layers(history: list[dict]) -> list[str]:
    """Layer names in the order the model first ran them (the order of the first record that has them)."""
    names: dict[str, None] = {}
    for record in history:
        for name in record["layers"]:
            names.setdefault(name, None)
    return list(names)


def activation_section(history: list[dict]) -> Section:
    text = ("How the values each layer outputs are spread, over training (fastai's \"colorful dimension\"). One "
            "small picture per layer: left to right is the recorded training step, bottom to top the output value, "
            "and the brighter a cell, the more outputs had that value at that step (colour is log count). A "
            "healthy layer shows a broad band that settles; a bright band stuck at zero means units that are off "
            "(dead ReLUs), bright bands at the top and bottom edges mean a tanh or sigmoid pinned at its limits.")
    # Dropout outputs equal their inputs between training steps' noise: they would repeat the layer before.
    layers = [n for n in _layers(history) if any("hist" in r["layers"].get(n, {}) and
                                                 r["layers"][n].get("kind") != "Dropout" for r in history)]
    if not layers:
        return Section("activations", "Activations over training", text, note("No activation histograms recorded."))
    shown = layers[:MAX_LAYERS]
    columns = min(4, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure = new_figure(3.2 * columns, 2.2 * rows)
    for index, name in enumerate(shown):
        counts, grid, steps = heatmap_data(history, name, bins=30)
        axes = figure.add_subplot(rows, columns, index + 1)
        left, right = (steps[0], steps[-1]) if len(steps) > 1 else (steps[0] - 0.5, steps[0] + 0.5)
        axes.imshow(np.log1p(counts), origin="lower", aspect="auto", cmap="inferno",
                    extent=(left, right, grid[0], grid[-1]))
        kind = next((r["layers"][name].get("kind") for r in history if name in r["layers"]), "")
        axes.set_title(f"{name} ({kind})", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.set_xlabel("step", fontsize=7)
    html = img(data_uri(figure), "activation histograms over training, one heatmap per layer")
    if len(layers) > len(shown):
        html += note(f"{len(layers) - len(shown)} more layers not drawn: {', '.join(layers[len(shown):])}.")
    return Section("activations", "Activations over training", text, html)


def _param_series(history: list[dict], key: str) -> tuple[list[str], dict[str, tuple[list, list]]]:
    names: dict[str, None] = {}
    series: dict[str, tuple[list, list]] = {}
    for record in history:
        for name, stats in record["params"].items():
            value = stats.get(key)
            if value is not None and math.isfinite(value):
                names.setdefault(name, None)
                steps, values = series.setdefault(name, ([], []))
                steps.append(record["step"])
                values.append(value)
    return list(names), series


def gradient_section(history: list[dict]) -> Section:
    text = ("How strongly each parameter is pushed by its gradient. Left: the gradient's size (norm) per parameter "
            "at the last recorded step, first layer at the top; bars that shrink by many powers of ten towards the "
            "top mean the gradient vanishes before it reaches the early layers. Right: log10 of the gradient's "
            "spread over the weights' spread, per parameter over training (dark = early layers, yellow = late); "
            "lines far above 0 mean exploding gradients.")
    last = history[-1]["params"] if history else {}
    norms = [(n, s["grad_norm"]) for n, s in last.items() if "grad_norm" in s]
    names, series = _param_series(history, "log10_grad_to_data")
    if not norms and not names:
        return Section("gradients", "Gradient flow", text, note("No gradients recorded."))
    figure = new_figure(11, max(3.0, 0.18 * len(norms) + 1))
    bars = figure.add_subplot(1, 2, 1)
    bars.barh(range(len(norms)), [max(v, 1e-30) for _, v in norms], color=depth_colours(len(norms)))
    bars.set_yticks(range(len(norms)), [n for n, _ in norms], fontsize=6)
    bars.invert_yaxis()
    bars.set_xscale("log")
    bars.set(xlabel="gradient norm (log scale)", title=f"gradient norm at step {history[-1]['step']}")
    lines = figure.add_subplot(1, 2, 2)
    _plot_by_depth(lines, names, series)
    lines.set(xlabel="step", ylabel="log10(grad std / weight std)", title="gradient-to-data ratio")
    depth_colourbar(figure, lines, len(names))
    return Section("gradients", "Gradient flow", text, img(data_uri(figure), "gradient norm and ratio per parameter"))


def _plot_by_depth(axes: Any, names: list[str], series: dict) -> None:
    """One line per parameter, coloured by its depth (dark = early layers); dots when there are few points."""
    for colour, name in zip(depth_colours(len(names)), names):
        axes.plot(*series[name], color=colour, marker="." if len(series[name][0]) < 20 else None)


def update_section(history: list[dict]) -> Section:
    text = ("How much each optimizer step changes each parameter, relative to its size: log10(update std / weight "
            "std), per parameter over training (dark = early layers, yellow = late). The dashed line at -3 is "
            "Karpathy's rule of thumb: a step changes a weight by about a thousandth. Lines well above it (near -1) "
            "suggest a learning rate too high; lines far below (under -4) one too low.")
    names, series = _param_series(history, "log10_update_to_data")
    if not names:
        return Section("updates", "Update-to-data ratio", text, note("No updates recorded."))
    figure = new_figure(8, 4)
    axes = figure.add_subplot(1, 1, 1)
    _plot_by_depth(axes, names, series)
    axes.axhline(-3, color="black", linestyle="--", label="-3: rule of thumb")
    axes.legend(loc="upper right")
    axes.set(xlabel="step", ylabel="log10(update std / weight std)", title="update-to-data ratio")
    depth_colourbar(figure, axes, len(names))
    return Section("updates", "Update-to-data ratio", text, img(data_uri(figure), "update-to-data ratio over steps"))


def dead_saturated_section(history: list[dict]) -> Section:
    text = ("The share of units that are not working, per layer over training. Dead: units of a ReLU-like layer "
            "that never output a positive value in the recorded window (they pass no gradient, so they cannot "
            "recover). Saturated: outputs of a tanh or sigmoid within 3% of its limits, where its slope is nearly "
            "flat. Near 0 is healthy; a line that climbs towards 1 is a layer that stopped learning.")
    panels = []
    for key, label in (("dead_fraction", "dead fraction"), ("saturated", "saturated fraction")):
        layers = [n for n in _layers(history) if any(key in r["layers"].get(n, {}) for r in history)]
        if layers:
            panels.append((key, label, layers))
    if not panels:
        return Section("dead", "Dead and saturated units", text,
                       note("This model has no ReLU-like, tanh or sigmoid layers, so there is nothing to show."))
    figure = new_figure(5.5 * len(panels), 3.5)
    for index, (key, label, layers) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        for name in layers:
            points = [(r["step"], r["layers"][name][key]) for r in history if key in r["layers"].get(name, {})]
            axes.plot(*zip(*points), marker=".", label=name)
        axes.set(xlabel="step", ylabel=label, ylim=(-0.05, 1.05), title=label)
        axes.legend(fontsize=6)
    return Section("dead", "Dead and saturated units", text, img(data_uri(figure), "dead and saturated fractions"))
