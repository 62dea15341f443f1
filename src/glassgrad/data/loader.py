"""`DataLoader`: iterate over a dataset in (shuffled) batches, as `torch.utils.data.DataLoader`.

One epoch, step by step:
1. order the indices `0 .. N-1`: as they are, or one permutation drawn from `generator` (default: the global
   generator that `gg.manual_seed` seeds), fresh for every epoch;
2. cut the order into chunks of `batch_size` (the last one shorter, or dropped with `drop_last=True`);
3. turn each chunk into a batch: `collate_fn([dataset[i] for i in chunk])`, or, with the default collate, the
   dataset's vectorised `fetch_batch(chunk)` (one fancy index per tensor for a `TensorDataset`).

Everything runs in the calling process: with batches made by array indexing there is nothing for worker
processes to hide, so `num_workers` and `pin_memory` are accepted for PyTorch compatibility and change
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from glassgrad.data._rng import numpy_generator
from glassgrad.data.collate import default_collate, default_convert


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"DataLoader: {name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class DataLoader:
    """Batches of a map-style dataset.

    Args:
        dataset: anything with `__len__` and `__getitem__` (a `Dataset`, a list, ...).
        batch_size: samples per batch (a positive int), or None to yield single samples, converted by
            `default_convert` and not batched (as PyTorch).
        shuffle: draw a new random order every epoch.
        num_workers, pin_memory: accepted for PyTorch compatibility; loading happens in this process.
        collate_fn: turns a list of samples into a batch; default `default_collate`.
        drop_last: drop the last batch when it is smaller than `batch_size`.
        generator: a `gg.Generator` for the shuffle order; default the global generator (`gg.manual_seed`).

    `len(loader)` is the number of batches: ceil(N / batch_size), or floor(N / batch_size) with drop_last.

    Example:
        >>> import glassgrad as gg
        >>> from glassgrad.data import TensorDataset
        >>> ds = TensorDataset(gg.arange(10).reshape(5, 2), gg.arange(5))
        >>> [y.tolist() for x, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        *,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        generator: object | None = None,
    ) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must define __len__ and __getitem__ (a map-style dataset), "
                f"got {type(dataset).__name__}"
            )
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1
        ):
            raise ValueError(
                "DataLoader: batch_size should be a positive integer value (or None), "
                f"but got batch_size={batch_size!r}"
            )
        shuffle = _check_flag("shuffle", False if shuffle is None else shuffle)
        drop_last = _check_flag("drop_last", drop_last)
        if batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None turns batching off, so drop_last=True has no meaning"
            )
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers should be a non-negative integer, but got {num_workers!r}"
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        if generator is not None:
            numpy_generator(generator, "DataLoader")  # fail now on a wrong type, not at the first epoch
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.num_workers = int(num_workers)
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.pin_memory = pin_memory
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)  # ceil(n / batch_size)

    def _order(self) -> np.ndarray:
        """Step 1: the epoch's index order (int64)."""
        n = len(self.dataset)
        if self.shuffle:
            return numpy_generator(self.generator, "DataLoader").permutation(n).astype(np.int64, copy=False)
        return np.arange(n, dtype=np.int64)

    def _fetch(self, indices: np.ndarray) -> Any:
        """Step 3: one batch from one chunk of indices."""
        fetch_batch = getattr(self.dataset, "fetch_batch", None)
        if self.collate_fn is default_collate and fetch_batch is not None:
            return fetch_batch(indices)
        get_items = getattr(self.dataset, "__getitems__", None)  # PyTorch's batched-fetch protocol
        if get_items is not None:
            samples = get_items(indices.tolist())
        else:
            samples = [self.dataset[int(index)] for index in indices]
        return self.collate_fn(samples)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for index in order:
                yield default_convert(self.dataset[int(index)])
            return
        stop = len(self) * self.batch_size if self.drop_last else len(order)  # step 2: where the chunks end
        for start in range(0, stop, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])
