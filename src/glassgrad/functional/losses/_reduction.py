"""What every loss shares: the `reduction` argument, PyTorch's deprecated `size_average`/`reduce` pair, and the
reduce/un-reduce pair that a fused loss op applies in forward and backward."""

from __future__ import annotations

import warnings
from typing import Any

from ...backend import namespace_of

REDUCTIONS = ("none", "mean", "sum")


def resolve(name: str, reduction: str, size_average: bool | None = None, reduce: bool | None = None) -> str:
    """The reduction to apply: `reduction`, unless one of PyTorch's deprecated flags is given (they win)."""
    if size_average is not None or reduce is not None:
        # PyTorch's _Reduction.legacy_get_string: both flags default to True.
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(
            f"{name}: size_average and reduce args will be deprecated, please use reduction='{reduction}' "
            "instead.",
            stacklevel=3,
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def reduce_loss(loss: Any, reduction: str) -> Any:
    """Apply a reduction to the elementwise loss array (mean over every element)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if loss.size == 0:  # the mean of nothing is NaN, as in PyTorch, without NumPy's "Mean of empty slice"
        return namespace_of(loss).full((), float("nan"), dtype=loss.dtype)
    return loss.mean()


def unreduce_grad(grad: Any, reduction: str, count: int) -> Any:
    """dL/d(elementwise loss) from the gradient of the reduced loss; broadcasts against the elementwise shape.

    sum: every element gets the scalar gradient; mean: the same divided by the element count.
    """
    if reduction == "mean":
        # A Python-int divisor keeps float32 float32; an empty loss has mean nan, and so has its gradient.
        return grad / count if count else grad * namespace_of(grad).nan
    return grad


def reduce_tensor(loss: Any, reduction: str) -> Any:
    """The same reduction on a Tensor with a graph (the composed losses of margin.py and likelihood.py)."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
