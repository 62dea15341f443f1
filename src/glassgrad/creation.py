"""Making tensors: `tensor`, `from_numpy`, and the factories (zeros, ones, arange, randn, ...).

dtype rules are PyTorch's: Python floats give float32 (the default), Python ints give int64, NumPy arrays keep
their dtype. Random factories draw from glassgrad's seeded generator (`gg.manual_seed`), or from `generator=`.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import backend
from .backend import random as random_state
from .tensor import Tensor


def _finish(array: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        target = backend.to_dtype(dtype).np
        if target.kind in "iub" and array.dtype.kind == "f" and array.size and not np.isfinite(array).all():
            # NumPy casts inf and nan to arbitrary integers (with a RuntimeWarning); PyTorch refuses.
            raise ValueError(f"cannot convert inf or nan to the integer dtype {backend.to_dtype(dtype)}")
        array = array.astype(target, copy=False)
    if device is not None and backend.device(device).type != "cpu":
        array = backend.namespace(backend.device(device)).asarray(array)
    result = Tensor(array)
    if requires_grad:
        result.requires_grad = True
    return result


def _python_data_dtype(array: np.ndarray) -> np.dtype:
    """The dtype PyTorch infers for Python data: float32 for floats, int64 for ints, bool for bools."""
    kind = array.dtype.kind
    if kind == "f":
        return np.dtype(np.float32)
    if kind in "iu":
        return np.dtype(np.int64)
    if kind == "b":
        return np.dtype(np.bool_)
    raise TypeError(f"tensor: cannot make a tensor from data of NumPy dtype {array.dtype}; pass numbers or bools")


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (numbers, nested lists, a NumPy array or a tensor)."""
    if isinstance(data, Tensor):
        array = data.array.copy()
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
        backend.from_numpy_dtype(data.dtype)  # a clear error for unsupported dtypes
        array = np.array(data)
    elif backend.device_of(data).type == "cuda":
        array = data.copy()
    else:
        array = np.array(data)
        if dtype is None:
            array = array.astype(_python_data_dtype(array), copy=False)
    return _finish(array, dtype, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like `tensor`, but shares memory with a tensor or NumPy array when dtype and device already fit."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and device is None and (dtype is None or backend.to_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array, keeping its dtype (a float64 array stays float64)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    backend.from_numpy_dtype(array.dtype)
    return Tensor(array)


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (builtins.int, np.integer)) or s < 0:
            raise ValueError(f"sizes must be non-negative integers, got {size}")
    return tuple(builtins.int(s) for s in size)


def _default(dtype: Any) -> np.dtype:
    return backend.default_float.np if dtype is None else backend.to_dtype(dtype).np


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (`*ints` or one tuple), float32 unless `dtype` says otherwise.

    >>> gg.zeros(2, 3).shape, gg.zeros((2, 3)).dtype
    ((2, 3), glassgrad.float32)
    """
    return _finish(np.zeros(_size(size), _default(dtype)), None, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (`*ints` or one tuple), float32 unless `dtype` says otherwise."""
    return _finish(np.ones(_size(size), _default(dtype)), None, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of the given size: its values are whatever the memory held; write before reading."""
    return _finish(np.empty(_size(size), _default(dtype)), None, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value`; its dtype, unless given, is the value's (float32, int64, bool).

    >>> gg.full((2,), 7).tolist(), gg.full((2,), 0.5).dtype
    ([7, 7], glassgrad.float32)
    """
    if dtype is None:
        dtype = _python_data_dtype(np.asarray(fill_value))
    return _finish(np.full(_size((size,)), fill_value, backend.to_dtype(dtype).np), None, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 unless a bound or step is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise ValueError(
            f"arange: upper bound and lower bound inconsistent with step sign (start={start}, end={end}, "
            f"step={step}); swap start and end or negate step"
        )
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = np.float32 if floats else np.int64
    return _finish(np.arange(start, end, step).astype(backend.to_dtype(dtype).np), None, device, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` values evenly spaced from `start` to `end`, both included.

    >>> gg.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    _check_count("linspace", "steps", steps)
    return _finish(np.linspace(start, end, steps).astype(_default(dtype)), None, device, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (m defaults to n): ones on the diagonal, zeros elsewhere."""
    _check_count("eye", "n", n)
    if m is not None:
        _check_count("eye", "m", m)
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad)


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    _check_float_dtype("rand", dtype)
    draw = random_state.generator_for(generator).random(_size(size), dtype=np.float64)
    return _finish(draw.astype(_default(dtype)), None, device, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    _check_float_dtype("randn", dtype)
    draw = random_state.generator_for(generator).standard_normal(_size(size))
    return _finish(draw.astype(_default(dtype)), None, device, requires_grad)


def randint(*args: Any, generator: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, size: Any = None) -> Tensor:
    """Integers uniform in [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    numbers = list(args)
    if size is None:
        size = numbers.pop()
    low, high = (0, numbers[0]) if len(numbers) == 1 else numbers
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    draw = random_state.generator_for(generator).integers(low, high, _size((size,)))
    return _finish(draw.astype(np.int64), dtype, device, requires_grad)


def randperm(n: int, generator: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0, ..., n - 1 (int64), from `generator` or the global one `gg.manual_seed` seeds."""
    _check_count("randperm", "n", n)
    return _finish(random_state.generator_for(generator).permutation(n).astype(np.int64), dtype, device, False)


def _check_count(name: str, label: str, value: Any) -> None:
    if isinstance(value, builtins.bool) or not isinstance(value, (builtins.int, np.integer)):
        raise TypeError(f"{name}: {label} must be an int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name}: {label} must be a non-negative integer, got {value}")


def _check_float_dtype(name: str, dtype: Any) -> None:
    """Samples of [0, 1) or N(0, 1) cast to an integer dtype would be silently truncated (to mostly 0)."""
    if dtype is not None and backend.to_dtype(dtype).np.kind != "f":
        raise TypeError(
            f"{name}: dtype must be floating point, got {backend.to_dtype(dtype)}; use randint for integers"
        )


def _check_like(name: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}; for a shape use zeros(shape)")


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape of `input`, and its dtype and device unless given."""
    _check_like("zeros_like", input)
    return zeros(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape of `input`, and its dtype and device unless given."""
    _check_like("ones_like", input)
    return ones(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with the shape of `input`, and its dtype and device unless given."""
    _check_like("empty_like", input)
    return empty(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere, with the shape of `input`, and its dtype and device unless given."""
    _check_like("full_like", input)
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def rand_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) with the shape of `input`, and its dtype and device unless given."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape of `input`, and its dtype and device unless given."""
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)
