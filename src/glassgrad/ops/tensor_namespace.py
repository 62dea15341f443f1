"""NumPy's names on Tensors: the array namespace a backward is handed when its own graph is wanted.

Each backward in ops/ is written once, against `xp = namespace_of(array)`. On raw arrays `xp` is NumPy (or
CuPy): the fast path, nothing recorded. With `create_graph=True` the engine runs the same backward on Tensors,
and `namespace_of(tensor)` returns this module, whose functions are glassgrad's differentiable ops under
NumPy's names and signatures (`sum(a, axis, keepdims)`, `split(a, indices_or_sections, axis)`, ...). So the
gradient a backward computes is itself a graph that can be differentiated again.

The names the backwards of ops/ use are here, and a few common ones for custom backwards. (A backward may also
call `grad.sum(axis=..., keepdims=...)`: Tensor.sum takes NumPy's names, as PyTorch's does.) Functions whose
result has zero derivative everywhere it exists (sign, isfinite, zeros_like) return constant tensors.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of as _array_namespace
from . import matmul as _matmul
from . import reduce as _reduce
from . import select as _select
from . import shape as _shape
from . import unary as _unary

exp = _unary.exp
log = _unary.log
log1p = _unary.log1p
sqrt = _unary.sqrt
sin = _unary.sin
cos = _unary.cos
tanh = _unary.tanh
abs = _unary.abs  # noqa: A001 - NumPy's name
maximum = _select.maximum
minimum = _select.minimum
matmul = _matmul.matmul
einsum = _matmul.einsum


def _raw(value: Any) -> Any:
    return value.array if is_tensor(value) else value


def sign(x: Any) -> Any:
    """sign(x), a constant: its derivative is 0 wherever it exists."""
    return make_tensor(_array_namespace(x.array).sign(x.array))


def isfinite(x: Any) -> Any:
    return make_tensor(_array_namespace(x.array).isfinite(x.array))


def zeros_like(x: Any) -> Any:
    return make_tensor(_array_namespace(x.array).zeros_like(x.array))


def ones_like(x: Any) -> Any:
    return make_tensor(_array_namespace(x.array).ones_like(x.array))


def where(condition: Any, x: Any, y: Any) -> Any:
    """x where condition else y; the condition may be a bool tensor, a raw bool array or a bool."""
    if not is_tensor(condition):
        condition = make_tensor(condition)
    if not is_tensor(x) and not is_tensor(y):  # NumPy's dtype for two numbers
        return make_tensor(_array_namespace(condition.array).where(condition.array, x, y))
    return _select.where(condition, x, y)


def logical_and(a: Any, b: Any) -> Any:
    """a ∧ b of bool tensors, arrays or bools: a constant."""
    a, b = _raw(a), _raw(b)
    return make_tensor(_array_namespace(b if hasattr(b, "shape") else a).logical_and(a, b))


def clip(x: Any, low: Any, high: Any) -> Any:
    return _unary.clamp(x, low, high)


def triu(x: Any, k: int = 0) -> Any:
    return _select.triangle(x, True, k)


def tril(x: Any, k: int = 0) -> Any:
    return _select.triangle(x, False, k)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 - NumPy's name
    return _reduce.reduce_sum(x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _reduce.mean(x, axis, keepdims)


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    return _shape.expand(x, tuple(shape))


def expand_dims(x: Any, axis: int) -> Any:
    return _shape.unsqueeze(x, axis)


def squeeze(x: Any, axis: Any = None) -> Any:
    return _shape.squeeze(x, axis)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(int(a) for a in axes)
    return _shape.permute(x, axes)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    return _shape.transpose(x, axis1, axis2)


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    return _shape.cat(list(xs), axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    return _shape.stack(list(xs), axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """NumPy's split: an int gives that many equal pieces, a sequence gives the indices to cut at."""
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sizes = [length // int(indices_or_sections)] * int(indices_or_sections)
    else:
        bounds = [0, *(int(b) for b in indices_or_sections), length]
        sizes = [high - low for low, high in zip(bounds[:-1], bounds[1:])]
    return list(_shape.split(x, sizes, axis))


def asarray(value: Any, dtype: Any = None) -> Any:
    """A tensor as it is, or a constant tensor made from an array or a number."""
    if is_tensor(value):
        return value
    return make_tensor(np.asarray(value, dtype=dtype))
