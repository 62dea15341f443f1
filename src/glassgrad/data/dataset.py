"""Datasets, as in `torch.utils.data`: the map-style `Dataset`, `TensorDataset`, `Subset`, `ConcatDataset` and
`random_split`, and the iterable-style `IterableDataset` and `ChainDataset`.

A dataset is anything with `len(ds)` and `ds[i]` for `0 <= i < len(ds)`. glassgrad adds one optional
method, `fetch_batch(indices)`: the batch that `default_collate([ds[i] for i in indices])` would build,
computed in one vectorised step (one fancy index per tensor instead of a Python loop over the batch). The
`DataLoader` calls it whenever it collates with the default rules; the base class implements it with exactly
that loop, and datasets that hold their data in arrays (`TensorDataset`, the image and text datasets)
override it.

An iterable-style dataset (`IterableDataset`) has no keys: it is a stream, `iter(ds)` yields the samples, and
the `DataLoader` groups consecutive samples into batches.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from glassgrad.data._rng import numpy_generator
from glassgrad.data.collate import default_collate
from glassgrad.tensor import Tensor

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Base class of map-style datasets (as `torch.utils.data.Dataset`).

    Subclasses define `__getitem__(index)` and `__len__()`; they may override `fetch_batch(indices)` with a
    vectorised version. `ds1 + ds2` concatenates two datasets. `Dataset[T]` may be written as a base class.
    """

    def __getitem__(self, index: int) -> Any:
        raise TypeError(
            f"{type(self).__name__} is a Dataset without samples: subclasses define __getitem__(self, index) "
            "and __len__(self)"
        )

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    def fetch_batch(self, indices: np.ndarray) -> Any:
        """The batch `default_collate([self[i] for i in indices])`; subclasses replace the loop."""
        return default_collate([self[int(index)] for index in indices])


class TensorDataset(Dataset):
    """Samples are slices along the first dimension of tensors of equal length.

    `ds[i]` is `tuple(t[i] for t in tensors)`; a batch of indices is one fancy index per tensor.

    Example:
        >>> import glassgrad as gg
        >>> ds = TensorDataset(gg.zeros(10, 3), gg.arange(10))
        >>> x, y = ds[2]
        >>> len(ds), x.shape, y.item()
        (10, (3,), 2)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(inputs, targets)")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {position} is a {type(tensor).__name__}, not a Tensor; "
                    "wrap arrays with gg.from_numpy(a) or gg.tensor(data)"
                )
            if tensor.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {position} is a 0-d tensor; samples need a first dimension"
                )
        lengths = [tensor.shape[0] for tensor in tensors]
        if any(length != lengths[0] for length in lengths):
            shapes = ", ".join(str(tuple(tensor.shape)) for tensor in tensors)
            raise ValueError(
                f"TensorDataset: tensors must have the same size in dimension 0, got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def fetch_batch(self, indices: np.ndarray) -> list[Tensor]:
        # A list, not a tuple: default_collate turns tuple samples into a list of batches.
        return [tensor[indices] for tensor in self.tensors]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `Subset(ds, idx)[i] == ds[idx[i]]`.

    The indices are read once, at construction, into an array that vectorised batches index with.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def fetch_batch(self, indices: np.ndarray) -> Any:
        fetch = getattr(self.dataset, "fetch_batch", None)
        if fetch is None:  # a duck-typed dataset without the fast path
            return super().fetch_batch(indices)
        return fetch(self._index_array[indices])


class ConcatDataset(Dataset):
    """Several datasets one after the other: item `i` comes from the dataset whose range holds `i`."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        for position, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):
                raise TypeError(
                    f"ConcatDataset: dataset {position} is an IterableDataset, which has no indices to "
                    "concatenate; chain streams with ChainDataset (or iterable_a + iterable_b)"
                )
        self.cumulative_sizes = list(itertools.accumulate(len(dataset) for dataset in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        index = operator.index(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset index out of range for length {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """Base class of iterable-style datasets (as `torch.utils.data.IterableDataset`): a stream of samples.

    Subclasses define `__iter__`; `__len__` is optional (`len(loader)` needs it). A `DataLoader` over one takes
    no sampler and no shuffle: the dataset decides the order. `a + b` chains two streams (`ChainDataset`).
    Loading runs in the calling process, where `get_worker_info()` is None, so a dataset that splits its
    stream by worker yields the whole stream once, as it does under PyTorch with num_workers=0.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(
            f"{type(self).__name__} is an IterableDataset without samples: define __iter__(self)"
        )

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


def _check_iterable(dataset: Any, position: int) -> None:
    if not isinstance(dataset, IterableDataset):
        raise TypeError(
            f"ChainDataset: dataset {position} is a {type(dataset).__name__}, not an IterableDataset; "
            "concatenate map-style datasets with ConcatDataset"
        )


class ChainDataset(IterableDataset):
    """Several iterable datasets one after the other: all of the first stream, then the second, ..."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for position, dataset in enumerate(self.datasets):
            _check_iterable(dataset, position)
            yield from dataset

    def __len__(self) -> int:
        total = 0
        for position, dataset in enumerate(self.datasets):
            _check_iterable(dataset, position)
            total += len(dataset)
        return total


def _lengths_from_fractions(fractions: Sequence[float], total: int) -> list[int]:
    """PyTorch's rule: floor(total * f) each, then the remainder one by one, round-robin from split 0."""
    lengths = []
    for position, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(f"random_split: fraction at index {position} is {fraction}, not between 0 and 1")
        lengths.append(int(math.floor(total * fraction)))
    for position in range(total - sum(lengths)):
        lengths[position % len(lengths)] += 1
    for position, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"random_split: length of split at index {position} is 0", stacklevel=3)
    return lengths


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: object | None = None
) -> list[Subset]:
    """Split `dataset` into non-overlapping random `Subset`s of the given lengths.

    `lengths` are counts summing to `len(dataset)`, or fractions summing to 1 (turned into counts as PyTorch
    does: floor each, then hand out the remainder round-robin). One permutation of `range(len(dataset))` is
    drawn from `generator` (default: the global one that `gg.manual_seed` seeds) and cut in order.

    Example:
        >>> import glassgrad as gg
        >>> g = gg.Generator().manual_seed(0)
        >>> train, val = random_split(range(10), [0.8, 0.2], generator=g)
        >>> len(train), len(val)
        (8, 2)
    """
    for position, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, (int, float, np.integer, np.floating)):
            raise TypeError(f"random_split: length at index {position} is {length!r}; use ints or fractions")
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, total)
    elif any(isinstance(length, (float, np.floating)) for length in lengths):
        raise ValueError(f"random_split: fractions {list(lengths)} must sum to 1, they sum to {sum(lengths)}")
    if any(length < 0 for length in lengths):
        raise ValueError(f"random_split: lengths must not be negative, got {list(lengths)}")
    if sum(lengths) != total:
        raise ValueError(
            f"random_split: lengths {list(lengths)} sum to {sum(lengths)} but the dataset has {total} samples"
        )
    permutation = numpy_generator(generator, "random_split").permutation(total).tolist()
    offsets = itertools.accumulate(lengths)
    return [
        Subset(dataset, permutation[offset - length : offset]) for offset, length in zip(offsets, lengths)
    ]
