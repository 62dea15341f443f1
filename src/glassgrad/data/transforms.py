"""Data augmentation for images: random shifts of a few pixels.

A digit moved by two pixels is still the same digit, so training on randomly shifted copies teaches a model
that position does not matter and is the cheapest augmentation there is (LeCun et al. 1998 use distorted
copies for the same reason; torchvision's `RandomCrop(28, padding=2)` is the same transform).

    from glassgrad.data.transforms import RandomShift, random_shift
    train = digits(train=True, transform=RandomShift(2))        # per sample, in a Dataset
    images = random_shift(images, 2, rng)                        # a whole (B, C, H, W) batch at once
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._rng import numpy_generator


def random_shift(images: np.ndarray, max_shift: int, rng: np.random.Generator, fill: float | None = None) -> np.ndarray:
    """Move every image by its own random (dy, dx), each uniform in [−max_shift, max_shift], filling the pixels
    that come in from outside with `fill` (default: the smallest value in `images`, the background of digits
    whether or not they are standardised).

    Args:
        images: (B, C, H, W) (each image gets its own shift, the same for all its channels) or one (C, H, W).
        max_shift: the largest shift in pixels, in each direction; 0 returns `images` unchanged.
        rng: the NumPy generator to draw the shifts from.

    Returns a new array of the same shape and dtype. One gather for the whole batch, no loop over images.
    """
    if max_shift < 0:
        raise ValueError(f"random_shift: max_shift must be >= 0, got {max_shift}")
    if max_shift == 0:
        return images
    single = images.ndim == 3
    batch = images[None] if single else images
    if batch.ndim != 4:
        raise ValueError(f"random_shift: expected images (B, C, H, W) or (C, H, W), got shape {images.shape}")
    B, C, H, W = batch.shape
    p = max_shift
    background = batch.min() if fill is None else fill
    padded = np.pad(batch, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=background)  # (B, C, H+2p, W+2p)
    # Every crop of size (H, W) of the padded images: a view (B, C, 2p+1, 2p+1, H, W), nothing copied yet.
    crops = np.lib.stride_tricks.sliding_window_view(padded, (H, W), axis=(2, 3))
    top = rng.integers(0, 2 * p + 1, B)  # crop corner p + dy: the content moves by −dy (either sign is uniform)
    left = rng.integers(0, 2 * p + 1, B)
    shifted = crops[np.arange(B), :, top, left]  # (B, C, H, W): one gather copies the chosen crops
    return shifted[0] if single else shifted


class RandomShift:
    """A per-sample transform: shift an image (C, H, W) — a Tensor or a NumPy array — by a random (dy, dx) in
    [−max_shift, max_shift]², filling with `fill` (default: the image's smallest value).

    Draws from `generator` (a gg.Generator or np.random.Generator), else from the global generator that
    `gg.manual_seed` reseeds. A batch (B, C, H, W) gets one shift per image.

    Example:
        >>> import glassgrad as gg
        >>> shift = RandomShift(2)
        >>> shift(gg.randn(1, 28, 28)).shape
        (1, 28, 28)
    """

    def __init__(self, max_shift: int, fill: float | None = None, generator: Any = None) -> None:
        if not isinstance(max_shift, int) or max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be a non-negative int, got {max_shift!r}")
        self.max_shift = max_shift
        self.fill = fill
        self.generator = generator

    def __call__(self, image: Any) -> Any:
        rng = numpy_generator(self.generator, "RandomShift")
        if isinstance(image, Tensor):
            return Tensor(random_shift(image.numpy(), self.max_shift, rng, self.fill))
        return random_shift(np.asarray(image), self.max_shift, rng, self.fill)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift}, fill={self.fill})"
