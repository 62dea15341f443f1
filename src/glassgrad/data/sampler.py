"""Samplers: which dataset keys a `DataLoader` visits, in what order, and how they are grouped into batches, as
`torch.utils.data.sampler`.

    sampler                                   yields                                   len
    ----------------------------------------  ---------------------------------------  -----------------------
    SequentialSampler(ds)                     0, 1, ..., len(ds) - 1                   len(ds)
    RandomSampler(ds)                         a fresh permutation of range(len(ds))    len(ds)
    RandomSampler(ds, num_samples=k)          whole permutations, then part of one     k
    RandomSampler(ds, replacement=True)       independent uniform draws from range(n)  num_samples (default n)
    SubsetRandomSampler(indices)              `indices` in a fresh random order        len(indices)
    WeightedRandomSampler(w, k)               k draws, key i with probability w_i/sum  k
    BatchSampler(sampler, b, drop_last)       lists of b keys from `sampler`           ceil or floor(len / b)

Every random draw comes from `generator=` when given, otherwise from the global generator at the moment an
epoch starts, so `gg.manual_seed(n)` makes the orders reproducible (see `_rng.numpy_generator`). PyTorch's
random samplers make the same kinds of draw (torch.randperm, torch.randint, torch.multinomial); only the
underlying random streams differ, so the orders are the same in distribution, not index for index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from glassgrad.backend import float64
from glassgrad.creation import as_tensor
from glassgrad.data._rng import numpy_generator
from glassgrad.torch_functions import multinomial

T_co = TypeVar("T_co", covariant=True)


def check_positive_int(where: str, name: str, value: Any) -> int:
    """`value` as an int if it is a positive integer (not a bool), else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def check_bool(where: str, name: str, value: Any, error: type[Exception] = ValueError) -> bool:
    """`value` as a bool if it is one (Python or NumPy), else `error` naming it (PyTorch's exception types)."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{where}: {name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define `__iter__` (the keys of one epoch) and usually `__len__`.

    There is deliberately no default `__len__` (as in PyTorch): a sampler of unknown length makes `len()`
    raise TypeError instead of returning a wrong number. `Sampler[int]` may be written as a base, as in
    PyTorch scripts.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} is a Sampler without keys: define __iter__(self)")


class SequentialSampler(Sampler[int]):
    """The indices `0, 1, ..., len(data_source) - 1`, in order (re-reading the length every epoch)."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Indices of `data_source` in random order.

    Without replacement, an epoch is `num_samples // n` whole permutations of `range(n)` followed by the first
    `num_samples % n` entries of one more (n = len(data_source)); with the default `num_samples=n` that is a
    single permutation. With replacement, `num_samples` independent uniform draws from `range(n)`.

    Args:
        data_source: the dataset (only its length is used, read again every epoch).
        replacement: draw with replacement.
        num_samples: keys per epoch; default len(data_source).
        generator: a `gg.Generator`; default the global generator that `gg.manual_seed` seeds.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: object | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = check_bool("RandomSampler", "replacement", replacement, error=TypeError)
        self._num_samples = num_samples
        self.generator = generator
        # Checked once here, through the property: num_samples=None with an empty dataset is refused too.
        check_positive_int("RandomSampler", "num_samples", self.num_samples)
        if generator is not None:
            numpy_generator(generator, "RandomSampler")  # fail now on a wrong type, not at the first epoch

    @property
    def num_samples(self) -> int:
        # The dataset may grow or shrink between epochs, so the default is looked up each time.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        # The whole epoch is drawn when iteration starts and handed out by a list iterator: a BatchSampler
        # slices that at C speed, where a generator would cost a Python frame switch per index.
        return iter(self._draw_epoch().tolist())

    def _draw_epoch(self) -> np.ndarray:
        n = len(self.data_source)
        if n == 0:
            raise ValueError("RandomSampler: data_source is empty, so there is no index to draw")
        rng = numpy_generator(self.generator, "RandomSampler")
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        whole, rest = divmod(self.num_samples, n)
        orders = [rng.permutation(n) for _ in range(whole)]
        if rest:  # no draw for an empty tail, so num_samples=n costs exactly one permutation per epoch
            orders.append(rng.permutation(n)[:rest])
        return np.concatenate(orders)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given `indices`, in a fresh random order every epoch (`indices[p]` for a permutation p)."""

    def __init__(self, indices: Sequence[int], generator: object | None = None) -> None:
        self.indices = indices
        self.generator = generator
        if generator is not None:
            numpy_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        order = numpy_generator(self.generator, "SubsetRandomSampler").permutation(len(self.indices))
        return iter([self.indices[position] for position in order.tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """`num_samples` indices drawn from `range(len(weights))` with P(i) = weights[i] / sum(weights).

    The draw is `gg.multinomial(weights, num_samples, replacement)`, as PyTorch's sampler calls
    torch.multinomial; the weights need not sum to one. Without replacement, `num_samples` can be at most the
    number of non-zero weights.

    Args:
        weights: a 1-D sequence (list, array or tensor) of non-negative weights, stored as a float64 tensor.
        num_samples: indices per epoch.
        replacement: draw with replacement (the default, unlike RandomSampler).
        generator: a `gg.Generator`; default the global generator that `gg.manual_seed` seeds.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: object | None = None,
    ) -> None:
        self.num_samples = check_positive_int("WeightedRandomSampler", "num_samples", num_samples)
        self.replacement = check_bool("WeightedRandomSampler", "replacement", replacement)
        self.weights = as_tensor(weights, dtype=float64)
        if self.weights.ndim != 1:
            raise ValueError(
                "WeightedRandomSampler: weights should be a 1d sequence but given weights have shape "
                f"{tuple(self.weights.shape)}; pass one weight per dataset index"
            )
        if generator is not None and not hasattr(generator, "numpy_generator"):
            raise TypeError(
                f"WeightedRandomSampler: generator must be a gg.Generator, got {type(generator).__name__}; "
                "create one with g = gg.Generator(); g.manual_seed(0)"
            )
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        draws = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Lists of `batch_size` consecutive keys from `sampler` (any iterable of keys); the last list is shorter,
    or dropped when `drop_last=True`.

    `len` is ceil(len(sampler) / batch_size), or floor(...) with drop_last (it needs `len(sampler)`).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = check_positive_int("BatchSampler", "batch_size", batch_size)
        self.drop_last = check_bool("BatchSampler", "drop_last", drop_last)

    def __iter__(self) -> Iterator[list]:
        keys = iter(self.sampler)
        while batch := list(itertools.islice(keys, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)  # ceil(len / batch_size)
