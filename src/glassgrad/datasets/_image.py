"""What the image-classification datasets (digits, MNIST, FashionMNIST, CIFAR10) share: `ImageClassificationDataset`
holds a split in memory, and `ImageFilesDataset` adds torchvision's constructor for the sets read from files.

The images stay in memory as uint8 `(N, C, H, W)` and become float32 only per sample or per batch, so a
60,000-image training set costs 47 MB, not 188 MB. A sample is `(image, label)`: the image a float32
Tensor `(C, H, W)` with values in [0, 1] (what torchvision's `ToTensor()` gives; glassgrad has no PIL
images), the label a Python int. `transform` and `target_transform` are applied to those, per sample.
"""

from __future__ import annotations

import abc
import operator
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import glassgrad
from glassgrad.data.dataset import Dataset
from glassgrad.tensor import Tensor


class ImageClassificationDataset(Dataset):
    """uint8 images `(N, C, H, W)` and int labels `(N,)` held in memory; see the module docstring."""

    classes: list[str] = []
    transform: Callable[[Any], Any] | None = None
    target_transform: Callable[[Any], Any] | None = None

    def __init__(
        self,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def _set_arrays(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Store one fully loaded and checked split (called last, so a failed load leaves nothing behind)."""
        assert images.dtype == np.uint8 and images.ndim == 4, (
            f"images must be uint8 (N, C, H, W): {images.shape}"
        )
        assert labels.shape == (images.shape[0],), f"labels {labels.shape} do not match images {images.shape}"
        self._images = images
        self._labels = labels.astype(np.int64, copy=False)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.classes)}

    @property
    def data(self) -> Tensor:
        """The images as a uint8 Tensor `(N, H, W)`, as torchvision's MNIST (one channel; shares memory).
        CIFAR10 gives its own layout instead."""
        return glassgrad.from_numpy(self._images[:, 0])

    @property
    def targets(self) -> Tensor:
        """The labels as an int64 Tensor `(N,)`."""
        return glassgrad.from_numpy(self._labels)

    def _to_float(self, images: np.ndarray) -> np.ndarray:
        """uint8 (B, C, H, W) -> float32 in [0, 1]; subclasses add normalisation or flattening."""
        return images.astype(np.float32) / np.float32(255)

    def __len__(self) -> int:
        return self._images.shape[0]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        index = operator.index(index)
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for {n} samples")
        index %= n
        image: Any = glassgrad.from_numpy(self._to_float(self._images[index : index + 1])[0])
        label: Any = int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def fetch_batch(self, indices: np.ndarray) -> list[Tensor] | Any:
        """`[images (B, C, H, W) float32, labels (B,) int64]` by two fancy indexes
        (or per sample, when there are transforms)."""
        if self.transform is not None or self.target_transform is not None:
            return super().fetch_batch(indices)
        return [
            glassgrad.from_numpy(self._to_float(self._images[indices])),
            glassgrad.from_numpy(self._labels[indices]),
        ]

    def __repr__(self) -> str:
        split = "train" if getattr(self, "train", True) else "test"
        return (
            f"{type(self).__name__}(split={split}, samples={len(self)}, image_shape={self._images.shape[1:]})"
        )


class ImageFilesDataset(ImageClassificationDataset, abc.ABC):
    """A dataset read from its standard files under `root`, with torchvision's arguments.

    Args:
        root: the folder holding the files (where each subclass looks is in its docstring).
        train: the training split, else the test split.
        transform: called on each image Tensor.
        target_transform: called on each label.
        download: fetch the missing files into `root` first.

    A subclass gives `download()` and `_read_split()`: the split's uint8 images `(N, C, H, W)` and labels `(N,)`,
    read and checked.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(train, transform, target_transform)
        self.root = Path(os.path.expanduser(root))
        if download:
            self.download()
        self._set_arrays(*self._read_split())

    @abc.abstractmethod
    def download(self) -> None:
        """Fetch the files into `self.root` (each data set says from where)."""

    @abc.abstractmethod
    def _read_split(self) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of the split chosen by `self.train`, read from `self.root`."""
