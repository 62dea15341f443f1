"""The playground's five 2-D data sets, after TensorFlow Playground's (src/dataset.ts): points in [-6, 6]².

    circle      label 1 inside radius 2.5, 0 on a ring from 3.5 to 5
    xor         label 1 where x₁·x₂ > 0 (quadrants 1 and 3)
    gauss       two Gaussian clusters around (2, 2) (label 1) and (-2, -2) (label 0)
    spiral      two interleaved spirals, one per label
    regression  a smooth surface: target = a bump at (2, 2) minus one at (-2, -2), in [-1, 1]

`noise` is a fraction in [0, 0.5] (the page's 0-50 %): classification sets jitter the points (after the
label is fixed, so noise moves points across the boundary, as in Playground), regression jitters the target.
Every set is drawn from its own NumPy generator seeded by `seed`: the same settings give the same points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXTENT = 6.0  # the plane shown and sampled is [-EXTENT, EXTENT]²
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("regression",)
NAMES = CLASSIFICATION + REGRESSION


@dataclass(frozen=True)
class Split:
    """Points (N, 2) float32 and targets (N,) float32: labels 0/1 for classification, values for regression."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" or "regression"


def task_of(name: str) -> str:
    return "regression" if name in REGRESSION else "classification"


def make(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` points of data set `name`: (points (n, 2), targets (n,)), both float32."""
    makers = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "regression": _regression}
    if name not in makers:
        raise ValueError(f"datasets.make: unknown data set {name!r}; choose one of {', '.join(NAMES)}")
    rng = np.random.default_rng(seed)
    points, targets = makers[name](n, noise, rng)
    return points.astype(np.float32), targets.astype(np.float32)


def split(name: str, n: int, noise: float, train_fraction: float, seed: int) -> Split:
    """`make` then a shuffled train/test split; at least one point on each side."""
    points, targets = make(name, n, noise, seed)
    order = np.random.default_rng(seed + 1).permutation(n)
    n_train = min(max(1, round(n * train_fraction)), n - 1)
    train, test = order[:n_train], order[n_train:]
    return Split(points[train], targets[train], points[test], targets[test], task_of(name))


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    inner = n // 2
    # inner disc: radius in [0, 0.5 r]; outer ring: radius in [0.7 r, r]
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    labels = (r < radius * 0.5).astype(np.float64)
    return points + rng.uniform(-radius, radius, (n, 2)) * noise, labels


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # Playground's padding: no point sits on an axis
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.float64)
    return points + rng.uniform(-5, 5, (n, 2)) * noise, labels


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    spread = 0.5 + 3.5 * (noise / 0.5)  # Playground maps noise 0..0.5 to a variance of 0.5..4
    half = n // 2
    labels = np.concatenate([np.ones(half), np.zeros(n - half)])
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centres + rng.normal(0, np.sqrt(spread), (n, 2)), labels


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    labels = np.concatenate([np.ones(half), np.zeros(n - half)])
    t = np.concatenate([np.arange(half) / max(half, 1), np.arange(n - half) / max(n - half, 1)])
    r = 5 * t
    angle = 1.75 * t * 2 * np.pi + np.where(labels == 1, 0.0, np.pi)  # the second spiral is the first turned by π
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    return points + rng.uniform(-1, 1, (n, 2)) * noise, labels


def _regression(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-EXTENT, EXTENT, (n, 2))
    targets = surface(points) + rng.uniform(-1, 1, n) * noise
    return points, targets


def surface(points: np.ndarray) -> np.ndarray:
    """The regression set's noiseless target at `points` (N, 2): two Gaussian bumps of height ±1."""
    def bump(cx: float, cy: float) -> np.ndarray:
        return np.exp(-((points[:, 0] - cx) ** 2 + (points[:, 1] - cy) ** 2) / 8.0)

    return bump(2, 2) - bump(-2, -2)
