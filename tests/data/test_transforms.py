"""data.transforms: random_shift on batches and single images, RandomShift as a seeded per-sample transform."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data.transforms import RandomShift, random_shift


def test_each_image_moves_by_its_own_shift_within_range() -> None:
    images = np.zeros((50, 2, 9, 9), dtype=np.float32)
    images[:, :, 4, 4] = 1.0  # one bright pixel in the middle of every image, both channels
    shifted = random_shift(images, 2, np.random.default_rng(0))
    assert shifted.shape == images.shape and shifted.dtype == np.float32
    for image in shifted:
        (r0, c0), (r1, c1) = np.argwhere(image[0] == 1)[0], np.argwhere(image[1] == 1)[0]
        assert (r0, c0) == (r1, c1)  # channels move together
        assert abs(r0 - 4) <= 2 and abs(c0 - 4) <= 2
        assert image.sum() == 2  # nothing lost, nothing duplicated
    offsets = {tuple(np.argwhere(image[0] == 1)[0]) for image in shifted}
    assert len(offsets) > 10  # many different shifts in 50 draws (25 possible)


def test_fill_defaults_to_the_background() -> None:
    images = np.full((4, 1, 5, 5), -0.4, dtype=np.float32)
    images[:, :, 2, 2] = 3.0
    shifted = random_shift(images, 2, np.random.default_rng(1))
    assert set(np.unique(shifted)) <= {np.float32(-0.4), np.float32(3.0)}
    assert (random_shift(images, 2, np.random.default_rng(1), fill=7.0) == 7.0).any()
    assert random_shift(images, 0, np.random.default_rng(1)) is images


def test_single_image_and_transform_class_are_seeded() -> None:
    image = gg.randn(1, 28, 28)
    gg.manual_seed(3)
    first = RandomShift(2)(image)
    gg.manual_seed(3)
    second = RandomShift(2)(image)
    assert isinstance(first, gg.Tensor) and first.shape == (1, 28, 28)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    generator = gg.Generator().manual_seed(5)
    assert RandomShift(1, generator=generator)(image.numpy()).shape == (1, 28, 28)
    assert repr(RandomShift(2)) == "RandomShift(max_shift=2, fill=None)"


def test_errors() -> None:
    with pytest.raises(ValueError, match="max_shift must be a non-negative int"):
        RandomShift(-1)
    with pytest.raises(ValueError, match=r"expected images \(B, C, H, W\) or \(C, H, W\), got shape \(28, 28\)"):
        random_shift(np.zeros((28, 28)), 2, np.random.default_rng(0))
