"""Drawing what a model does over the whole input plane: its decision regions (or any response) on a grid.

    decision_regions(ax, predict_fn, x, y)   shade each point of the plane by the class the model picks, with the data
    response_map(ax, value_fn, x)             shade the plane by any number the model computes there (a hidden unit)
    grid(x)                                   the grid of points both draw on

`predict_fn` and `value_fn` take a float32 NumPy array of shape (m, 2) and return a NumPy array of shape (m,):
a class per point (or the probability of class 1) for decision_regions, a number per point for response_map.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

CLASS_COLOURS = ("#1f77b4", "#d62728")  # class 0 blue, class 1 red, as in the shaded regions' colour map


def grid(x: np.ndarray, steps: int = 120, margin: float = 0.3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps x steps grid covering the points x with a margin: (xx, yy, points of shape (steps*steps, 2))."""
    low = x.min(axis=0) - margin
    high = x.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps))
    points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    return xx, yy, points


def decision_regions(ax, predict_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray,
                     steps: int = 120, title: str | None = None) -> None:
    """Shade the plane by predict_fn's answer (classes, or the probability of class 1) and scatter the data on it."""
    xx, yy, points = grid(x, steps)
    answer = np.asarray(predict_fn(points), dtype=np.float64).reshape(xx.shape)
    ax.contourf(xx, yy, answer, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r", alpha=0.35, extend="both")
    ax.contour(xx, yy, answer, levels=[0.5], colors="k", linewidths=1.0)  # the boundary between the classes
    scatter(ax, x, y)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)


def response_map(ax, value_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, steps: int = 60,
                 title: str | None = None) -> None:
    """Shade the plane by value_fn (for example one hidden unit's activation), without axes ticks."""
    xx, yy, points = grid(x, steps)
    value = np.asarray(value_fn(points), dtype=np.float64).reshape(xx.shape)
    ax.imshow(value, origin="lower", extent=(xx.min(), xx.max(), yy.min(), yy.max()), cmap="viridis", aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=7)


def scatter(ax, x: np.ndarray, y: np.ndarray, size: float = 8.0) -> None:
    """The data points, coloured by class."""
    for label, colour in enumerate(CLASS_COLOURS):
        chosen = y == label
        ax.scatter(x[chosen, 0], x[chosen, 1], s=size, c=colour, edgecolors="white", linewidths=0.3)
