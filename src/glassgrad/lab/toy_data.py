"""Small generated 2-D problems for the lab: points in the plane with a class label, drawn from a seeded generator.

Every function returns `(x, y)`: x float32 of shape (n, 2), the points; y int64 of shape (n,), their classes.
`noise` is the standard deviation of Gaussian jitter added to the points; `rng` is a `numpy.random.Generator`
(use `bench.rng` in an experiment, so every run draws the same points).

    blobs    two clouds a straight line can separate
    xor      four clouds in the corners: opposite corners share a class, so no straight line separates them
    circle   a disc inside a ring: separable by a circle, not by a line
    spirals  two interleaved spiral arms: needs several bends, a good test of depth
"""

from __future__ import annotations

import numpy as np


def blobs(n: int = 200, noise: float = 0.3, rng: np.random.Generator | None = None,
          distance: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds centred at (-distance/2, -distance/2) and (+distance/2, +distance/2)."""
    rng = _generator(rng)
    y = np.arange(n) % 2  # alternate, so any prefix is balanced
    centres = np.where(y[:, None] == 1, distance / 2, -distance / 2)
    x = centres + noise * rng.standard_normal((n, 2))
    return _pair(x, y)


def xor(n: int = 200, noise: float = 0.15, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Four clouds at the corners (+-1, +-1); class 1 where the two coordinates have different signs."""
    rng = _generator(rng)
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n) % 4
    x = corners[which] + noise * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)  # the last two corners have coordinates of opposite sign
    return _pair(x, y)


def circle(n: int = 200, noise: float = 0.1, rng: np.random.Generator | None = None,
           inner: float = 0.5, outer: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 on a disc of radius `inner`, class 1 on a ring of radius `outer` around it."""
    rng = _generator(rng)
    y = np.arange(n) % 2
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 1, outer, inner * np.sqrt(rng.uniform(0.0, 1.0, n)))  # sqrt: uniform over the disc
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) + noise * rng.standard_normal((n, 2))
    return _pair(x, y)


def spirals(n: int = 400, noise: float = 0.05, rng: np.random.Generator | None = None,
            turns: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Two spiral arms winding `turns` times around the origin, one per class, the second the first turned by pi."""
    rng = _generator(rng)
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0.0, 1.0, n))  # sqrt: as many points on the outer turns as on the inner ones
    angle = 2 * np.pi * turns * t + np.pi * y
    radius = t  # the arm moves outwards as it winds, reaching radius 1
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) + noise * rng.standard_normal((n, 2))
    return _pair(x, y)


def _generator(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng(0) if rng is None else rng


def _pair(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.astype(np.float32), np.asarray(y, dtype=np.int64)
