"""Turning a list of samples into one batch: PyTorch's `default_collate` and `default_convert`.

`default_collate` follows `torch.utils.data.default_collate` rule for rule, quirks included, so a training
loop ported from PyTorch unpacks the same structure:

    sample element          batch
    --------------------    ---------------------------------------------------------------
    Tensor (shape S)        Tensor (B, *S)            stacked (differentiable, as torch.stack)
    np.ndarray (shape S)    Tensor (B, *S)            keeps the array's dtype
    NumPy scalar            Tensor (B,)               keeps its dtype
    float                   Tensor (B,) float64       PyTorch's choice: Python floats are doubles
    int / bool              Tensor (B,) int64 / bool
    str / bytes             list of B strings          unchanged
    dict                    dict of batches            same keys, collated per key
    namedtuple              the same namedtuple        collated per field
    tuple / list            list of batches            a tuple becomes a *list*, as in PyTorch
"""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

import glassgrad
from glassgrad.tensor import Tensor


def _check_numeric(array: np.ndarray, where: str) -> None:
    """Strings and Python objects have no tensor form; say so before NumPy builds an object array."""
    if array.dtype.kind in "SaUO":
        raise TypeError(
            f"{where}: cannot batch NumPy arrays of dtype {array.dtype}; "
            "convert them to numbers, or pass a collate_fn that handles them"
        )


def _check_same_shapes(shapes: list[tuple[int, ...]], kind: str) -> None:
    for position, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(
                f"default_collate: sample {position} has a {kind} of shape {shape} "
                f"but sample 0 has {shapes[0]}; "
                "stacking needs equal shapes: resize or crop the samples, or pass a collate_fn that pads them"
            )


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (see the module docstring for the rules).

    Example:
        >>> import glassgrad as gg
        >>> from glassgrad.data import default_collate
        >>> x, y = default_collate([(gg.zeros(3), 0), (gg.ones(3), 1)])
        >>> x.shape, y.tolist()
        ((2, 3), [0, 1])
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch; batches need at least one sample")
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_same_shapes([tuple(sample.shape) for sample in batch], "tensor")
        return glassgrad.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        _check_numeric(elem, "default_collate")
        _check_same_shapes([sample.shape for sample in batch], "NumPy array")
        return glassgrad.from_numpy(np.stack(batch))
    if isinstance(elem, np.generic):  # before `float`: np.float64 is a subclass of float
        array = np.asarray(batch)
        _check_numeric(array, "default_collate")
        return glassgrad.from_numpy(array)
    if isinstance(elem, float):
        return glassgrad.tensor(list(batch), dtype=glassgrad.float64)
    if isinstance(elem, int):  # bool is an int: [True, False] becomes a bool tensor, as in PyTorch
        return glassgrad.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)  # keeps the mapping's own type (OrderedDict, defaultdict, ...)
            clone.update(collated)
            return clone
        return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        lengths = [len(sample) for sample in batch]
        if any(length != lengths[0] for length in lengths):
            raise ValueError(
                f"default_collate: samples are sequences of different lengths {sorted(set(lengths))}; "
                "each sample must have the same number of elements"
            )
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: samples must hold tensors, NumPy arrays, numbers, strings, dicts or lists; "
        f"found {type(elem).__name__}. Pass a collate_fn that knows how to batch it"
    )


def default_convert(data: Any) -> Any:
    """Convert one unbatched sample as PyTorch's `default_convert`: NumPy arrays and scalars become Tensors,
    containers are converted element by element (a tuple becomes a list), everything else is returned as is.
    The DataLoader uses it when `batch_size=None` turns batching off."""
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else glassgrad.from_numpy(data)
    if isinstance(data, np.generic):
        return data if np.asarray(data).dtype.kind in "SaUO" else glassgrad.from_numpy(np.asarray(data))
    if isinstance(data, (str, bytes, Tensor)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(value) for value in data]
    return data
