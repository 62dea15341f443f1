"""`DataLoader`: iterate over a dataset in (shuffled) batches, as `torch.utils.data.DataLoader`.

One epoch, step by step (the same path for every argument combination):
1. the *index sampler* yields keys: the `batch_sampler` (lists of keys) when batching, else the `sampler`
   (single keys). By default the sampler is a `SequentialSampler`, or a `RandomSampler` drawing from
   `generator` with `shuffle=True`, and the batch sampler is `BatchSampler(sampler, batch_size, drop_last)`;
2. each key, or list of keys, becomes a batch: `collate_fn([dataset[k] for k in keys])`; with the default
   collate and integer keys, the dataset's vectorised `fetch_batch(keys)` builds the same batch in one step
   (one fancy index per tensor for a `TensorDataset`). Without batching (`batch_size=None`) each sample goes
   through `collate_fn` alone, by default `default_convert`.
An `IterableDataset` has no keys: its sampler yields None forever, and step 2 takes the next `batch_size`
samples of the stream instead (a short last batch is kept, or dropped with `drop_last=True`).

Everything runs in the calling process. Batches made by array indexing leave nothing for worker processes to
hide, so `num_workers > 0` loads the same batches, in the same order, in this process; the worker-only options
(`timeout`, `worker_init_fn`, `multiprocessing_context`, `prefetch_factor`, `persistent_workers`) are checked as
PyTorch checks them and have nothing to act on (`worker_init_fn` is never called, as with num_workers=0).
`pin_memory` is accepted and does nothing: pinned (page-locked) host memory only speeds up host-to-GPU copies,
a CPU batch is a NumPy array with no pinned variant, and batches are moved to a device by the training loop.
"""

from __future__ import annotations

import multiprocessing
import numbers
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from glassgrad.data._rng import numpy_generator
from glassgrad.data.collate import default_collate, default_convert
from glassgrad.data.dataset import IterableDataset
from glassgrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    check_bool,
    check_positive_int,
)

# PyTorch forbids reassigning these once the loader is built: the samplers were derived from them.
_FIXED_ATTRIBUTES = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of an `IterableDataset`: None forever; the stream itself says when the epoch ends."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _check_non_negative(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise ValueError(f"DataLoader: {name} should be a non-negative number, but got {name}={value!r}")


def _check_worker_options(
    num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: Any, multiprocessing_context: Any
) -> None:
    """PyTorch's checks of the worker options, so a script that PyTorch refuses is refused here too."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError(
            f"DataLoader: num_workers should be a non-negative integer, but got {num_workers!r}; "
            "use num_workers=0 to load in this process"
        )
    _check_non_negative("timeout", timeout)
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            f"DataLoader: prefetch_factor={prefetch_factor!r} needs worker processes (num_workers > 0); "
            "leave prefetch_factor=None with num_workers=0"
        )
    if prefetch_factor is not None:
        _check_non_negative("prefetch_factor", prefetch_factor)
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")
    if multiprocessing_context is None:
        return
    if num_workers == 0:
        raise ValueError(
            "DataLoader: multiprocessing_context can only be used with multi-process loading "
            "(num_workers > 0), but got num_workers=0"
        )
    methods = multiprocessing.get_all_start_methods()
    if isinstance(multiprocessing_context, str) and multiprocessing_context not in methods:
        raise ValueError(
            f"DataLoader: multiprocessing_context should be a start method in {methods!r}, "
            f"but got multiprocessing_context={multiprocessing_context!r}"
        )


class DataLoader:
    """Batches of a dataset, with `torch.utils.data.DataLoader`'s arguments and rules.

    Args:
        dataset: a map-style dataset (`__getitem__`, and `__len__` unless a sampler is given: a `Dataset`, a
            list, ...) or an `IterableDataset`.
        batch_size: samples per batch (a positive int), or None to turn batching off.
        shuffle: a new random order every epoch (a `RandomSampler`); None means False.
        sampler: the keys of one epoch (any iterable of keys); excludes `shuffle`.
        batch_sampler: lists of keys, one per batch; excludes batch_size (other than 1), shuffle, sampler and
            drop_last.
        num_workers: accepted; loading always happens in this process (see the module docstring).
        collate_fn: turns a list of samples into a batch; default `default_collate` (`default_convert` for
            single samples when batching is off).
        pin_memory, pin_memory_device: accepted; they change nothing (see the module docstring).
        drop_last: drop the last batch when it is smaller than `batch_size`.
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor, persistent_workers, in_order:
            worker options, checked as PyTorch does; with no workers there is nothing for them to do.
        generator: a `gg.Generator` for the default `RandomSampler`; default the global generator
            (`gg.manual_seed`).

    `len(loader)` is `len(loader.batch_sampler)` when batching, else `len(loader.sampler)`; for an
    `IterableDataset`, len(dataset) divided by batch_size (rounded up, or down with drop_last).

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
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: object | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context)
        shuffle = check_bool("DataLoader", "shuffle", False if shuffle is None else shuffle)
        drop_last = check_bool("DataLoader", "drop_last", drop_last)
        is_iterable = isinstance(dataset, IterableDataset)
        if is_iterable:
            # shuffle=False is allowed: it was the default before PyTorch made it None.
            for name, value in (("shuffle", shuffle or None), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                        f"{name}={value!r}; the dataset's __iter__ decides the order"
                    )
        elif not hasattr(dataset, "__getitem__") or (
            sampler is None and batch_sampler is None and not hasattr(dataset, "__len__")
        ):
            raise TypeError(
                "DataLoader: dataset must define __len__ and __getitem__ (a map-style dataset) or be an "
                f"IterableDataset (a stream), got {type(dataset).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle; shuffle in the sampler")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    "and drop_last; the batch sampler alone decides the batches"
                )
            batch_size = None
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    "DataLoader: batch_size=None option disables auto-batching and is mutually exclusive with "
                    "drop_last"
                )
        else:
            batch_size = check_positive_int("DataLoader", "batch_size", batch_size)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        if generator is not None:
            numpy_generator(generator, "DataLoader")  # fail now on a wrong type, not at the first epoch

        if sampler is None:
            if is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = int(num_workers)
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._is_iterable = is_iterable
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _FIXED_ATTRIBUTES:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized; "
                "build a new DataLoader instead"
            )
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        """Whether samples are grouped into batches (a batch sampler exists)."""
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Iterable[Any]:
        """What one epoch iterates: lists of keys when batching, single keys otherwise."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)

    def _fetch_map(self, keys: Any) -> Any:
        """Step 2, map-style: the batch (or single sample) at `keys`."""
        if not self._auto_collation:
            return self.collate_fn(self.dataset[keys])
        fetch_batch = getattr(self.dataset, "fetch_batch", None)
        if self.collate_fn is default_collate and fetch_batch is not None:
            indices = np.asarray(keys)
            if indices.ndim == 1 and indices.dtype.kind in "iu":  # the fast path needs integer indices
                return fetch_batch(indices.astype(np.int64, copy=False))
        get_items = getattr(self.dataset, "__getitems__", None)  # PyTorch's batched-fetch protocol
        if get_items is not None:
            return self.collate_fn(get_items(keys))
        return self.collate_fn([self.dataset[key] for key in keys])

    def _iter_stream(self) -> Iterator[Any]:
        """Step 2, iterable-style: consecutive samples of the stream, one slot of the batch sampler each."""
        stream = iter(self.dataset)
        for slots in self._index_sampler:
            if not self._auto_collation:
                try:
                    sample = next(stream)
                except StopIteration:
                    return
                yield self.collate_fn(sample)
                continue
            samples = [sample for _, sample in zip(slots, stream)]
            if not samples or (self.drop_last and len(samples) < len(slots)):
                return
            yield self.collate_fn(samples)

    def __iter__(self) -> Iterator[Any]:
        if self._is_iterable:
            yield from self._iter_stream()
            return
        for keys in self._index_sampler:
            yield self._fetch_map(keys)
