"""`digits`: real handwritten digits shipped inside glassgrad: examples and tests train without a download.

The data is the 10,000-image MNIST test set (LeCun, Cortes and Burges; `t10k-images-idx3-ubyte.gz` and
`t10k-labels-idx1-ubyte.gz`, 1.6 MB, bundled unchanged in `datasets/_data/`, checked by MD5 when read), split
once and for all into 8,000 train and 2,000 test images:

1. class counts: the set holds 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 images of 0..9;
2. test size per class: 20% of each count, floor(count / 5), and the 4 images the floors leave short of
   2,000 go to the classes with the largest remainders (ties: smaller digit first). Result: 196, 227, 206,
   202, 196, 178, 192, 206, 195, 202, so every class keeps its 80/20 proportion to within one image;
3. which images: every image gets a key from `np.random.default_rng(0).random(10000)` (PCG64 doubles, whose
   stream NumPy keeps stable); within each class the images with the smallest keys go to test;
4. both splits keep the images in their original file order.

`tests/datasets/test_digits.py` pins the result (counts, first indices, index sums), so a change is caught.
The first half of the MNIST test set was written by Census Bureau staff and the second by students; a random
split per class mixes both into train and test.

Normalisation (`normalize=True`) uses the statistics of the 8,000 training images over all pixels, with values
scaled to [0, 1]: mean 0.1327, std 0.3107 (the full 60,000-image MNIST training set gives 0.1307 and 0.3081).

    from glassgrad.datasets import digits
    train = digits(train=True)              # a Dataset of (image (1, 28, 28), label)
    X, y = digits.load_arrays(train=True)   # all 8,000 at once: (8000, 1, 28, 28) float32, (8000,) int64
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glassgrad.datasets._download import check_md5
from glassgrad.datasets._image import ImageClassificationDataset
from glassgrad.datasets.mnist import read_image_label_pair

DATA_DIR = Path(__file__).parent / "_data"
IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
# MD5 of the bundled files as shipped (recompressed copies: the official .gz files have other digests).
IMAGES_MD5 = "2c57910da66b1e3036e350d10c8c03e1"
LABELS_MD5 = "cb1dbc8694c1ed44a28edef0c01aec2a"

SPLIT_SEED = 0
TEST_SIZE = 2000
MEAN = 0.1327  # mean of the 8,000 training images' pixels in [0, 1]
STD = 0.3107  # their standard deviation (over all pixels, population formula)


@functools.lru_cache(maxsize=1)
def _bundled() -> tuple[np.ndarray, np.ndarray]:
    """All 10,000 images `(N, 1, 28, 28)` uint8 and labels `(N,)` int64, read and checked once per process."""
    images_path, labels_path = DATA_DIR / IMAGES_FILE, DATA_DIR / LABELS_FILE
    for path, md5 in ((images_path, IMAGES_MD5), (labels_path, LABELS_MD5)):
        if not path.is_file():
            raise FileNotFoundError(f"digits: the bundled file {path} is missing; reinstall glassgrad")
        check_md5(path, md5)
    images, labels = read_image_label_pair(images_path, labels_path)
    images.setflags(write=False)  # the cache is shared: splits copy out of it with fancy indexing
    labels.setflags(write=False)
    return images, labels


def _test_counts(class_counts: np.ndarray, test_size: int) -> np.ndarray:
    """Step 2 of the split: per-class test sizes by largest remainders (integer arithmetic, no rounding)."""
    total = int(class_counts.sum())
    quota_floor = class_counts * test_size // total
    remainder = class_counts * test_size % total
    short = test_size - int(quota_floor.sum())
    by_remainder = np.argsort(-remainder, kind="stable")  # stable: ties go to the smaller digit
    counts = quota_floor.copy()
    counts[by_remainder[:short]] += 1
    return counts


@functools.lru_cache(maxsize=2)
def split_indices(train: bool = True) -> np.ndarray:
    """Indices into the 10,000 bundled images of the train (8,000) or test (2,000) split, ascending."""
    _, labels = _bundled()
    keys = np.random.default_rng(SPLIT_SEED).random(labels.shape[0])
    test_counts = _test_counts(np.bincount(labels, minlength=10), TEST_SIZE)
    in_test = np.zeros(labels.shape[0], dtype=bool)
    for digit, count in enumerate(test_counts):
        members = np.flatnonzero(labels == digit)
        in_test[members[np.argsort(keys[members], kind="stable")[:count]]] = True
    indices = np.flatnonzero(~in_test if train else in_test)
    indices.setflags(write=False)
    return indices


def _scale(images: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    """uint8 (B, 1, 28, 28) -> float32 in [0, 1], then (x - MEAN) / STD, then (B, 784) when asked."""
    x = images.astype(np.float32) / np.float32(255)
    if normalize:
        x = (x - np.float32(MEAN)) / np.float32(STD)
    if flatten:
        x = x.reshape(x.shape[0], -1)  # (B, 1, 28, 28) -> (B, 784)
    return x


class Digits(ImageClassificationDataset):
    """The bundled handwritten digits (see the module docstring for the fixed 8,000 / 2,000 split).

    A sample is `(image, label)`: a float32 Tensor `(1, 28, 28)` in [0, 1] (`(784,)` with `flatten=True`;
    standardised with mean 0.1327, std 0.3107 with `normalize=True`) and an int 0..9. `transform` is called
    on the image Tensor after that, `target_transform` on the label. `data` is the uint8 Tensor `(N, 28, 28)`
    and `targets` the int64 Tensor `(N,)`, as torchvision's MNIST.

    Example:
        >>> from glassgrad.datasets import digits
        >>> train = digits(train=True)
        >>> image, label = train[0]
        >>> len(train), image.shape, label
        (8000, (1, 28, 28), 7)
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]  # fmt: skip
    mean = MEAN
    std = STD

    def __init__(
        self,
        train: bool = True,
        normalize: bool = False,
        flatten: bool = False,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(train, transform, target_transform)
        self.normalize = normalize
        self.flatten = flatten
        images, labels = _bundled()
        indices = split_indices(bool(train))
        self._set_arrays(images[indices], labels[indices])  # fancy indexing copies: the cache stays untouched

    def _to_float(self, images: np.ndarray) -> np.ndarray:
        return _scale(images, self.normalize, self.flatten)

    @staticmethod
    def load_arrays(
        train: bool = True, normalize: bool = False, flatten: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """A whole split at once, for training loops that index arrays themselves.

        Returns:
            X: float32 `(N, 1, 28, 28)` (or `(N, 784)` with `flatten=True`), in [0, 1] or standardised;
            y: int64 `(N,)`. N is 8,000 for train and 2,000 for test. Fresh arrays: safe to modify.
        """
        images, labels = _bundled()
        indices = split_indices(bool(train))
        return _scale(images[indices], normalize, flatten), labels[indices].copy()


# The API name: `digits(train=True)` builds the dataset, `digits.load_arrays(...)` gives arrays.
digits = Digits
