"""F.scaled_dot_product_attention: softmax(Q Kᵀ·scale + mask) V, one fused op with a hand-written backward.

Vaswani et al. 2017, "Attention Is All You Need" (arXiv:1706.03762), eq. 1. With Q (..., L, E), K (..., S, E),
V (..., S, Ev), and s = scale (default 1/√E):

    A = s · Q Kᵀ + M            (..., L, S)   M: 0 where attended, −inf where masked, or a float mask
    P = softmax(A)              along S
    P' = P ⊙ D / (1 − p)        D ~ Bernoulli(1 − p): dropout on the attention weights (only when p > 0)
    O = P' V                    (..., L, Ev)

Backward, with G = dL/dO. The softmax Jacobian applied to a row gradient h is P ⊙ (h − Σ_S h ⊙ P):

    dL/dV = P'ᵀ G
    dL/dP = (G Vᵀ) ⊙ D / (1 − p)
    dL/dA = P ⊙ (dL/dP − Σ_S dL/dP ⊙ P)         (also dL/dM, for a float mask that requires grad)
    dL/dQ = s · dL/dA K,      dL/dK = s · (dL/dA)ᵀ Q

The readable path that this op fuses is nanoGPT's CausalSelfAttention without flash attention, spelled out
with tensor ops in `attention_reference` below (the tests check that both give the same values and gradients):

    att = (q @ k.transpose(-2, -1)) * scale
    att = att.masked_fill(mask == 0, float('-inf'))
    att = F.softmax(att, dim=-1)
    att = F.dropout(att, p)
    y = att @ v

A row whose every key is masked has no softmax; like PyTorch 2.13 the fused op returns zeros for it (and zero
gradients), where the readable path would give nan.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import device_of, move, namespace_of
from ..backend.random import default_generator
from ..kernels import blas, fits
from ..kernels import softmax as softmax_kernel
from ..ops.arithmetic import cast
from ..ops.select import where
from ..ops.softmax import softmax
from ..tensor import Tensor


@functools.lru_cache(maxsize=32)
def _future_positions(L: int, S: int) -> np.ndarray:
    """Bool (L, S), True above the diagonal: the keys a causal query may not see (not tril(ones(L, S))).

    Cached because a model asks for the same (T, T) mask in every layer and every step.
    """
    return np.triu(np.ones((L, S), dtype=bool), k=1)


def _row_max(x: Any) -> Any:
    """max over the last axis, keepdims, by halving: max(x[..., :h], x[..., h:2h]) until one column is left.

    NumPy's max-reduction along a short contiguous axis (64 keys) runs element by element, about 5x slower
    than these log₂(S) vectorised elementwise maxima over shrinking halves (all views, no gathers).
    """
    xp = namespace_of(x)
    if xp is not np:
        return x.max(axis=-1, keepdims=True)
    size = x.shape[-1]
    while size > 1:
        half = size // 2
        folded = np.maximum(x[..., :half], x[..., half : 2 * half])
        if size % 2:  # an odd column out: fold it into the first
            np.maximum(folded[..., :1], x[..., -1:], out=folded[..., :1])
        x = folded
        size = half
    return x


def _row_sum(x: Any) -> Any:
    """Σ over the last axis of a contiguous array, keepdims, as one matrix-vector product with a ones vector
    (BLAS sums a 64-wide row about 6x faster than NumPy's add-reduction along that axis)."""
    xp = namespace_of(x)
    if xp is not np or not x.flags.c_contiguous:
        return x.sum(axis=-1, keepdims=True)
    ones = np.ones(x.shape[-1], dtype=x.dtype)
    return (x.reshape(-1, x.shape[-1]) @ ones).reshape(x.shape[:-1] + (1,))


def _softmax_rows_(scores: Any) -> Any:
    """softmax along the last axis, computed in place in `scores` (a fresh array); all-masked rows give 0.

    The row max is subtracted first so exp never overflows. A row that is −inf everywhere has max −inf; it is
    shifted by 0 instead, its exps are all 0 and its sum 0, and dividing by max(sum, tiny) leaves zeros.
    Any row with a finite entry has sum ≥ 1 (its max contributes e⁰), so the floor changes nothing there.
    """
    xp = namespace_of(scores)
    peak = _row_max(scores)
    infinite = xp.isinf(peak)
    if infinite.any():
        peak = xp.where(infinite, 0.0, peak).astype(scores.dtype)
    scores -= peak
    xp.exp(scores, out=scores)
    total = _row_sum(scores)
    xp.maximum(total, 1e-30, out=total)
    xp.reciprocal(total, out=total)
    scores *= total
    return scores


def _transposed(x: Any, factor: float = 1.0) -> Any:
    """factor · xᵀ (swapping the last two axes) in fresh C-order memory.

    A batched product of many small matrices runs about 1.7x faster with both operands in plain row order
    than with one read transposed through its strides (measured on NumPy's OpenBLAS, 48 heads of 64 × 32), so
    the copy pays for itself; the factor rides along for free.
    """
    xp = namespace_of(x)
    out = xp.empty(x.shape[:-2] + (x.shape[-1], x.shape[-2]), dtype=x.dtype)
    xp.multiply(xp.swapaxes(x, -1, -2), factor, out=out)
    return out


def _product(a: Any, b: Any, heads_side_by_side: bool = False) -> Any:
    """a @ b for the (B, H, ·, ·) operands of attention.

    On NumPy, every head's product runs as its own task on the kernels' threads (kernels/blas.py:
    NumPy would run the small products one after another on one core). With `heads_side_by_side` the result
    is a (B, H, L, D) view of a (B, L, H, D) array: a model puts the heads back side by side with
    `y.transpose(1, 2).reshape(B, L, H·D)`, which is then a view, not a copy, and the same holds for the
    gradients on their way back to the Q, K, V projection. Other shapes, and CuPy arrays, get the plain product.
    """
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    if len(shape) != 4 or namespace_of(a) is not np:
        return a @ b
    batch, heads, rows, width = shape
    dtype = np.result_type(a, b)
    if heads_side_by_side:
        out = np.empty((batch, rows, heads, width), dtype=dtype).transpose(0, 2, 1, 3)
    else:
        out = np.empty(shape, dtype=dtype)
    if blas.fits_batched(a, b, out):
        return blas.batched_matmul(a, b, out)
    return np.matmul(a, b, out=out)


class ScaledDotProductAttentionOp(Op):
    """O = softmax(s Q Kᵀ + M) V, dropout on P.   dA = P ⊙ (dP − Σ dP ⊙ P); dQ = s dA K, dK = s dAᵀ Q"""

    @staticmethod
    def forward(ctx, q, k, v, mask, dropout_p, is_causal, scale, return_weights=False):
        xp = namespace_of(q)
        scores = _product(q, _transposed(k, scale))  # (..., L, E) @ (..., E, S) -> (..., L, S), s·Q Kᵀ
        if mask is None and fits(scores):  # causal mask and softmax in one pass (kernels/softmax.py)
            weights = softmax_kernel.softmax_rows_(scores, causal=is_causal)
        else:
            if mask is not None:
                full = np.broadcast_shapes(scores.shape, mask.shape)
                if full != scores.shape:  # a mask with more batch dims than Q, K, V: the output takes them too
                    scores = xp.broadcast_to(scores, full).copy()
                if mask.dtype == bool:
                    xp.copyto(scores, -math.inf, where=~mask)  # True = attend, as PyTorch
                else:
                    scores += mask
            if is_causal:
                L, S = scores.shape[-2:]
                future = _future_positions(L, S) if xp is np else move(_future_positions(L, S), device_of(q))
                xp.copyto(scores, -math.inf, where=future)
            weights = _softmax_rows_(scores)  # P, (..., L, S)
        keep = None
        if dropout_p > 0.0:
            # The mask is drawn on the host in float32 from the seeded generator, as F.dropout does.
            keep = move(default_generator().random(weights.shape, dtype=np.float32) >= dropout_p, device_of(q))
            keep = keep.astype(weights.dtype)
            keep *= 1.0 / (1.0 - dropout_p)  # D / (1 − p)
            dropped = weights * keep  # P'
        else:
            dropped = weights
        ctx.save_for_backward(q, k, v, weights, keep)
        output = _product(dropped, v, heads_side_by_side=True)  # (..., L, S) @ (..., S, Ev) -> (..., L, Ev)
        # MultiheadAttention(need_weights=True) also returns P' (after dropout, as PyTorch), a second output.
        return (output, dropped) if return_weights else output

    @staticmethod
    def backward(ctx, grad, grad_weights=None):
        q, k, v, weights, keep = ctx.saved_tensors
        needs_q, needs_k, needs_v, needs_mask = ctx.needs_input_grad[:4]
        scale = ctx.inputs[6]
        xp = namespace_of(grad)
        grad_q = grad_k = grad_v = grad_mask = None
        if needs_v:
            dropped = weights if keep is None else weights * keep
            # P'ᵀ G: (..., S, L) @ (..., L, Ev)
            grad_v = _product(xp.swapaxes(dropped, -1, -2), grad, heads_side_by_side=True)
        if not (needs_q or needs_k or needs_mask):
            return grad_q, grad_k, grad_v, None, None, None, None, None
        grad_scores = _product(grad, _transposed(v))  # dL/dP' = G Vᵀ, (..., L, S), a fresh array
        if grad_weights is not None:
            grad_scores += grad_weights  # P' is also an output: its own gradient adds in
        if keep is not None:
            grad_scores *= keep  # dL/dP
        # dL/dA = P ⊙ (dL/dP − Σ_S dL/dP ⊙ P), in place in grad_scores. dQ and dK both carry the factor s: it is
        # folded in here (s · dL/dA), unless dL/dA itself is wanted, as the gradient of a float mask.
        factor = 1.0 if needs_mask else scale
        if fits(grad_scores, weights):
            softmax_kernel.softmax_backward_(grad_scores, weights, factor)  # the lines below, one pass
        else:
            row_dot = xp.einsum("...ij,...ij->...i", grad_scores, weights)[..., None]  # no (L, S) temporary
            grad_scores -= row_dot
            grad_scores *= weights
            if factor != 1.0:
                grad_scores *= factor
        if needs_mask:
            grad_mask = grad_scores.copy()  # the engine sums it to the mask's shape
            grad_scores *= scale
        if needs_q:
            grad_q = _product(grad_scores, k, heads_side_by_side=True)  # s·dL/dA K: (..., L, S) @ (..., S, E)
        if needs_k:
            # s·(dL/dA)ᵀ Q: (..., S, L) @ (..., L, E)
            grad_k = _product(xp.swapaxes(grad_scores, -1, -2), q, heads_side_by_side=True)
        return grad_q, grad_k, grad_v, grad_mask, None, None, None, None

    @staticmethod
    def reference(ctx, q, k, v, mask, dropout_p, is_causal, scale, return_weights=False):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        scores = (q @ k.transpose(-2, -1)) * scale  # (..., L, E) @ (..., E, S) -> (..., L, S)
        L, S = scores.shape[-2:]
        attend = None  # bool, broadcastable to the scores: True = attend
        if mask is not None and mask.array.dtype == bool:
            attend = mask.array
        elif mask is not None:
            scores = scores + mask
        if is_causal:
            past = ~_future_positions(L, S)
            attend = past if attend is None else attend & past
        if attend is not None:
            scores = where(Tensor(attend), scores, -math.inf)
        weights = _softmax_or_zeros(scores)  # P
        # The dropout mask D / (1 − p) forward drew, read where backward reads it (not a ctx attribute, which
        # would outlive release() and hold the (..., L, S) masks of a whole step until the graph is dropped).
        *_, keep = ctx.saved_tensors  # forward saved (q, k, v, P, keep)
        dropped = weights if keep is None else weights * Tensor(keep)  # P'
        output = dropped @ v  # (..., L, S) @ (..., S, Ev) -> (..., L, Ev)
        return (output, dropped) if return_weights else output


def _softmax_or_zeros(scores: Tensor) -> Tensor:
    """softmax over the last dim, and zeros for a row that is −inf everywhere (as the fused op and PyTorch).

    Such a row's scores are replaced by 0 before the softmax, so no nan enters the graph, and its weights by 0
    after it, so it gets no gradient.
    """
    dead = np.isneginf(scores.array).all(axis=-1, keepdims=True)  # (..., L, 1)
    if not dead.any():
        return softmax(scores, -1)
    dead = Tensor(dead)
    return where(dead, 0.0, softmax(where(dead, 0.0, scores), -1))


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """Attention of `query` over `key`/`value`: softmax(Q Kᵀ·scale + mask) V, fused (module docstring).

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev); batch dims broadcast; output (..., L, Ev).
    Usually (B, H, L, E) with B batch, H heads.

    Args:
        attn_mask: broadcastable to (..., L, S). A bool mask marks the keys each query may attend to (True =
            attend, as PyTorch); a float mask is added to the scores (use −inf to exclude).
        dropout_p: dropout probability on the attention weights, applied whenever > 0 (pass 0 in eval mode,
            as PyTorch callers do with `dropout_p if self.training else 0`).
        is_causal: query i attends to keys 0..i only (the top-left aligned tril(ones(L, S))); not together
            with `attn_mask` (ValueError, as PyTorch): fold the causal mask into attn_mask instead.
        scale: the factor s on Q Kᵀ; default 1/√E.
        enable_gqa: grouped-query attention: key/value may have fewer heads (dim −3) than query, a divisor
            of it; each key/value head serves query_heads / kv_heads consecutive query heads.

    Example:
        >>> q = k = v = gg.randn(2, 4, 16, 8)           # (B, H, T, D)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 16, 8)
    """
    _check_qkv(query, key, value)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p should be in [0, 1), got {dropout_p}")
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    _check_batch_dims(query, key, value)
    L, S = query.shape[-2], key.shape[-2]
    if attn_mask is not None and is_causal:
        raise ValueError(
            "scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True (as "
            "PyTorch); combine them into one bool mask, e.g. attn_mask & gg.ones(L, S, dtype=gg.bool).tril()"
        )
    if attn_mask is not None:
        attn_mask = _check_mask(attn_mask, query, key, value, L, S)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return ScaledDotProductAttentionOp.apply(
        query, key, value, attn_mask, float(dropout_p), bool(is_causal), scale, False
    )


def attention_with_weights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """`scaled_dot_product_attention` that also returns the attention weights P' (..., L, S), after dropout.

    The same fused op with P' as a second, differentiable output (what MultiheadAttention returns with
    need_weights=True). Unlike the public function, attn_mask and is_causal may be combined.
    """
    _check_qkv(query, key, value)
    _check_batch_dims(query, key, value)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p should be in [0, 1), got {dropout_p}")
    L, S = query.shape[-2], key.shape[-2]
    if attn_mask is not None:
        attn_mask = _check_mask(attn_mask, query, key, value, L, S)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return ScaledDotProductAttentionOp.apply(
        query, key, value, attn_mask, float(dropout_p), bool(is_causal), scale, True
    )


def attention_reference(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """The same attention written with tensor ops, nanoGPT's readable path, to test the fused op.

    Unlike the fused op, a row whose every key is masked comes out nan (softmax of all −inf).
    """
    from ..ops.softmax import softmax
    from .dropout import dropout

    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    att = (query @ key.transpose(-2, -1)) * scale  # (..., L, E) @ (..., E, S) -> (..., L, S)
    if attn_mask is not None:
        if attn_mask.array.dtype == bool:
            att = att.masked_fill(~attn_mask, -math.inf)
        else:
            att = att + attn_mask
    if is_causal:
        causal = Tensor(np.tril(np.ones((L, S), dtype=bool)))
        att = att.masked_fill(~causal, -math.inf)
    att = softmax(att, -1)
    att = dropout(att, dropout_p) if dropout_p > 0.0 else att
    return att @ value  # (..., L, S) @ (..., S, Ev) -> (..., L, Ev)


def _check_qkv(query: Any, key: Any, value: Any) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"scaled_dot_product_attention: {name} must be floating point, got {t.dtype}")
        if t.ndim < 2:
            raise ValueError(
                f"scaled_dot_product_attention: {name} needs at least 2 dims (..., length, features), got {t.shape}"
            )
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(
            f"scaled_dot_product_attention: query, key and value must share a dtype, got {query.dtype}, "
            f"{key.dtype}, {value.dtype}"
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"scaled_dot_product_attention: query {query.shape} and key {key.shape} must have the same "
            "last dim (the feature size E of Q Kᵀ)"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key {key.shape} and value {value.shape} must have the same "
            "sequence length (dim -2): each key has one value"
        )


def _check_batch_dims(query: Tensor, key: Tensor, value: Tensor) -> None:
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(
            f"scaled_dot_product_attention: the batch dims of query {query.shape}, key {key.shape} and value "
            f"{value.shape} do not broadcast (for fewer key/value heads than query heads, pass "
            "enable_gqa=True)"
        ) from None


def _check_mask(mask: Any, query: Tensor, key: Tensor, value: Tensor, L: int, S: int) -> Tensor:
    """The mask as the op takes it: bool, or float in the query's dtype; broadcastable to (..., L, S)."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be a Tensor or None, got {type(mask).__name__}")
    kind = mask.array.dtype.kind
    if kind not in "bf":
        raise TypeError(
            f"scaled_dot_product_attention: attn_mask must be bool (True = attend) or float (added to the "
            f"scores), got {mask.dtype}; convert it with .bool() or .float()"
        )
    batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    try:
        np.broadcast_shapes(mask.shape, batch + (L, S))
    except ValueError:
        raise ValueError(
            f"scaled_dot_product_attention: attn_mask of shape {mask.shape} does not broadcast to "
            f"the attention scores' shape {batch + (L, S)} (..., L, S) for query {query.shape} and key "
            f"{key.shape}"
        ) from None
    if kind == "f" and mask.dtype != query.dtype:
        mask = cast(mask, query.array.dtype)
    return mask


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: repeat each key/value head (dim −3) for its group of query heads."""
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise ValueError(
            f"scaled_dot_product_attention: enable_gqa needs a heads dim (-3) in query {query.shape}, key "
            f"{key.shape} and value {value.shape}"
        )
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if value.shape[-3] != kv_heads or heads % kv_heads:
        raise ValueError(
            f"scaled_dot_product_attention: with enable_gqa the query heads ({heads}) must be a multiple "
            f"of the key heads ({kv_heads}) and the value heads ({value.shape[-3]}), which must be equal"
        )
    group = heads // kv_heads

    def repeat(t: Tensor) -> Tensor:
        *batch, h, s, e = t.shape
        expanded = t.unsqueeze(-3).expand(*batch, h, group, s, e)  # (..., Hkv, 1, S, E) -> (..., Hkv, G, S, E)
        return expanded.reshape(*batch, h * group, s, e)  # (..., Hq, S, E), heads repeated in place

    return repeat(key), repeat(value)
