"""The five data sets: shapes, labels where each set puts them, noise, seeds and the split."""

from __future__ import annotations

import numpy as np
import pytest

from glassgrad.playground import datasets


@pytest.mark.parametrize("name", datasets.NAMES)
def test_every_set_is_deterministic_and_in_the_plane(name: str) -> None:
    points, targets = datasets.make(name, 400, 0.0, seed=3)
    again, _ = datasets.make(name, 400, 0.0, seed=3)
    other, _ = datasets.make(name, 400, 0.1, seed=4)  # without noise the spiral is the same for every seed
    assert points.shape == (400, 2) and targets.shape == (400,) and points.dtype == np.float32
    assert np.array_equal(points, again) and not np.array_equal(points, other)
    assert np.abs(points).max() <= datasets.EXTENT


def test_labels_follow_each_rule_without_noise() -> None:
    points, labels = datasets.make("circle", 400, 0.0, seed=0)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert np.all(radius[labels == 1] < 2.5) and np.all(radius[labels == 0] >= 3.5)
    points, labels = datasets.make("xor", 400, 0.0, seed=0)
    assert np.array_equal(labels == 1, points[:, 0] * points[:, 1] > 0)
    points, labels = datasets.make("gauss", 400, 0.0, seed=0)
    assert points[labels == 1].mean(axis=0) == pytest.approx([2, 2], abs=0.3)
    assert points[labels == 0].mean(axis=0) == pytest.approx([-2, -2], abs=0.3)
    points, labels = datasets.make("spiral", 400, 0.0, seed=0)
    assert labels.sum() == 200
    np.testing.assert_allclose(points[labels == 1], -points[labels == 0], atol=1e-5)  # one spiral turned by π
    points, targets = datasets.make("regression", 400, 0.0, seed=0)
    np.testing.assert_allclose(targets, datasets.surface(points.astype(np.float64)), atol=1e-6)


def test_noise_moves_points_and_the_split_partitions() -> None:
    clean, _ = datasets.make("xor", 300, 0.0, seed=1)
    noisy, _ = datasets.make("xor", 300, 0.5, seed=1)
    assert 0.5 < np.abs(clean - noisy).mean() < 2.5
    split = datasets.split("circle", 300, 0.1, 0.7, seed=2)
    assert len(split.x_train) == 210 and len(split.x_test) == 90 and split.task == "classification"
    everything = np.concatenate([split.x_train, split.x_test])
    assert np.array_equal(np.sort(everything, axis=0), np.sort(datasets.make("circle", 300, 0.1, 2)[0], axis=0))
    assert datasets.split("regression", 100, 0, 0.5, 0).task == "regression"
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        datasets.make("moons", 10, 0, 0)
