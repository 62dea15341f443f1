"""Convolution filters and feature maps: what the first Conv2d of a model looks for, and what it sees in one
input. The filters are the layer's own weights; the feature maps are its output, read by a forward hook."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .explain_figures import Section, data_uri, img, new_figure

MAX_FILTERS, MAX_MAPS = 32, 16


def capture_conv(model: Any, forward: Any) -> dict | None:
    """The first nn.Conv2d of the model (in module order), its weights, and its input and output while
    `forward()` runs (first example only)."""
    from .. import nn

    found = next(((n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)), None)
    if found is None:
        return None
    name, conv = found
    seen: dict = {}

    def hook(module: Any, args: tuple, output: Any) -> None:
        if "output" not in seen:
            seen.update(input=args[0].detach().numpy()[:1].copy(), output=output.detach().numpy()[:1].copy())

    handle = conv.register_forward_hook(hook)
    try:
        forward()
    finally:
        handle.remove()
    weight = np.asarray(conv.weight.detach().numpy(), dtype=np.float64)
    return {"name": name, "weight": weight, **seen} if "output" in seen else None


def filter_images(weight: np.ndarray) -> np.ndarray:
    """One picture per filter (O, kh, kw[, 3]): RGB when the layer reads 3 channels, else the channels' mean;
    each scaled to [0, 1] on its own so that its pattern shows, whatever its size."""
    pictures = weight.transpose(0, 2, 3, 1) if weight.shape[1] == 3 else weight.mean(axis=1)
    low = pictures.reshape(len(pictures), -1).min(axis=1)
    high = pictures.reshape(len(pictures), -1).max(axis=1)
    shape = (-1,) + (1,) * (pictures.ndim - 1)
    return (pictures - low.reshape(shape)) / np.maximum(high - low, 1e-12).reshape(shape)


def conv_section(capture: dict | None) -> Section | None:
    if capture is None:
        return None
    text = (f"What the first convolution layer ({capture['name']}) looks for and what it sees. Top: its filters, "
            "each a small patch of weights slid over the image; bright pixels are large weights, so a filter with "
            "a bright stripe beside a dark one responds to an edge in that direction. Below: the input and the "
            "feature maps it produces, one per filter: bright where the image has the pattern that filter looks "
            "for.")
    filters = filter_images(capture["weight"])[:MAX_FILTERS]
    columns = min(8, len(filters))
    rows = math.ceil(len(filters) / columns)
    figure = new_figure(1.1 * columns, 1.2 * rows)
    for index, picture in enumerate(filters):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(picture, cmap=None if picture.ndim == 3 else "gray")
        axes.set_axis_off()
        axes.set_title(str(index), fontsize=7)
    html = img(data_uri(figure), "first convolution's filters")
    maps = capture["output"][0][:MAX_MAPS]
    columns = min(8, len(maps) + 1)
    rows = math.ceil((len(maps) + 1) / columns)
    figure = new_figure(1.4 * columns, 1.5 * rows)
    picture = capture["input"][0]
    axes = figure.add_subplot(rows, columns, 1)
    axes.imshow(picture.transpose(1, 2, 0) if picture.shape[0] == 3 else picture.mean(axis=0), cmap="gray")
    axes.set_title("input", fontsize=7)
    axes.set_axis_off()
    for index, feature in enumerate(maps):
        axes = figure.add_subplot(rows, columns, index + 2)
        axes.imshow(feature, cmap="magma")
        axes.set_title(f"map {index}", fontsize=7)
        axes.set_axis_off()
    html += img(data_uri(figure), "feature maps of one input")
    return Section("conv", "Convolution filters and feature maps", text, html)
