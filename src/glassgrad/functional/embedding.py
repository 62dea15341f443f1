"""Embedding lookup: rows of a weight matrix picked by integer ids, with a scatter-add backward.

    y[..., :] = W[idx[...], :]          W: (num_embeddings, embedding_dim)

The gradient of W is the sum of the output gradients of every position that read a row,
dL/dW[v] = Σ_{p : idx[p] = v} dL/dy[p]. Rows that repeat (the same character many times in a batch) make this
a reduction with repeated keys; `np.add.at` does it one element at a time, so the backward sorts the ids once
and sums each run of equal ids with one `add.reduceat` (about 6x faster than `add.at` for a 65-character
vocabulary and 2,048 positions). That backward is a reference at the seam (kernels/registry.py): a float32
gradient without scale_grad_by_freq runs kernels/embedding.py, one pass in position order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import Array, namespace_of
from ..kernels.registry import reference
from ..tensor import Tensor


@reference("embedding_backward")
def embedding_backward(ids: Array, grad: Array, num_embeddings: int, scale_grad_by_freq: bool = False) -> Array:
    """dL/dW (num_embeddings, dim) from the ids (P,) and their gradients g (P, dim): row v is the sum of the g
    of the positions that read v (divided by how many did, with scale_grad_by_freq)."""
    xp = namespace_of(grad)
    grad_weight = xp.zeros((num_embeddings, grad.shape[1]), dtype=grad.dtype)
    if xp is not np or ids.size == 0:  # add.reduceat is NumPy's and needs at least one id
        xp.add.at(grad_weight, ids, grad)
        if scale_grad_by_freq:
            counts = xp.bincount(ids, minlength=num_embeddings)
            grad_weight /= xp.maximum(counts, 1)[:, None].astype(grad.dtype)
        return grad_weight
    # 1. sort the ids so equal ids sit together; 2. sum each run; 3. write each sum to its row.
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    run_starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
    sums = np.add.reduceat(grad[order], run_starts, axis=0)
    if scale_grad_by_freq:
        counts = np.diff(np.append(run_starts, ids.shape[0]))
        sums /= counts[:, None].astype(sums.dtype)
    grad_weight[sorted_ids[run_starts]] = sums
    return grad_weight


class EmbeddingLookupOp(Op):
    """y = W[idx].   dL/dW[v] = Σ_{p: idx[p]=v} dL/dy[p]  (0 at padding_idx; ÷ count(v) by freq)"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.weight_shape = weight.shape
        ctx.padding_idx = padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        num_embeddings, dim = ctx.weight_shape
        grad_weight = embedding_backward(indices.reshape(-1), grad.reshape(-1, dim), num_embeddings,
                                         ctx.scale_grad_by_freq)  # fmt: skip
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0  # the padding row is a constant: it never learns (PyTorch)
        return grad_weight, None, None, None

    @staticmethod
    def reference(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        ids = indices.array
        rows = weight[ids]  # (..., embedding_dim); GetItem's backward is the scatter-add
        if padding_idx is None and not scale_grad_by_freq:
            return rows
        factor = np.ones(ids.shape + (1,), dtype=rows.array.dtype)  # each position's share of its gradient
        if scale_grad_by_freq:
            factor /= np.bincount(ids.reshape(-1), minlength=weight.shape[0])[ids][..., None]
        if padding_idx is not None:
            factor[ids == padding_idx] = 0
        # rows in value, factor·d(rows) in gradient: the scaled part carries the graph, the rest is a constant.
        scaled = rows * Tensor(factor)
        return scaled + (rows - scaled).detach()


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of `weight` (num_embeddings, embedding_dim) for integer ids `input` of any shape.

    Returns a tensor of shape `input.shape + (embedding_dim,)`. `padding_idx` (may be negative) names a row
    that gets no gradient. `max_norm`: rows read by this call whose `norm_type`-norm exceeds it are rescaled
    in place to norm `max_norm` first (PyTorch's `embedding_renorm_`). `scale_grad_by_freq` divides each row's
    gradient by how often its id occurs in `input`. Dense gradients only: `sparse=True` is refused.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"embedding: expected tensors for input and weight, got {type(input).__name__} and "
            f"{type(weight).__name__}"
        )
    if input.array.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: input must hold integer ids (int64 or int32), got {input.dtype}; "
            "convert with .long()"
        )
    if weight.array.ndim != 2:
        raise ValueError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported in glassgrad; use sparse=False")
    num_embeddings = weight.shape[0]
    padding_idx = _normalize_padding_idx(padding_idx, num_embeddings)
    indices = input.array
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(
                f"embedding: index {bad} is out of range for an embedding of {num_embeddings} rows "
                f"(valid ids are 0 .. {num_embeddings - 1})"
            )
    if max_norm is not None:
        _renorm_rows(weight, indices, float(max_norm), float(norm_type))
    return EmbeddingLookupOp.apply(weight, input, padding_idx, bool(scale_grad_by_freq))


def _normalize_padding_idx(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"embedding: padding_idx={padding_idx} must be within num_embeddings ({num_embeddings}), "
            f"i.e. in [{-num_embeddings}, {num_embeddings - 1}]"
        )
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _renorm_rows(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """Scale the rows of `weight` that `indices` reads to norm `max_norm`, in place, outside the graph."""
    xp = namespace_of(weight.array)
    rows = xp.unique(indices.reshape(-1))
    selected = weight.array[rows]
    norms = xp.linalg.norm(selected, ord=norm_type, axis=1)
    too_long = norms > max_norm
    # PyTorch's embedding_renorm_ divides by (norm + 1e-7), so a row ends just under max_norm.
    scale = max_norm / (norms[too_long] + 1e-7)
    weight.array[rows[too_long]] = selected[too_long] * scale[:, None].astype(selected.dtype)
    weight._version_counter[0] += 1  # an in-place write: a graph that saved the weight must see it
