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

The op's body is this math on arrays: its products are `heads_matmul` and its softmax is F.softmax's own
(`ops.softmax.softmax_forward` / `softmax_backward`). Each is a readable NumPy reference whose fast path
(kernels/blas.py: one BLAS task per head; kernels/softmax.py: one pass per row, the causal mask fused) is
chosen at the seam, kernels/registry.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import device_of, move, namespace_of
from ..backend.random import default_generator
from ..kernels.registry import reference
from ..ops.arithmetic import cast
from ..ops.select import where
from ..ops.softmax import future_keys, softmax, softmax_backward, softmax_forward
from ..tensor import Tensor
from .dropout import dropout


@reference("heads_matmul")  # fast path: kernels/blas.py (each head's product as its own BLAS task, on every core)
def heads_matmul(a: Any, b: Any, out: Any) -> Any:
    """out = a @ b for attention's (..., L, E) @ (..., E, S) products, written into `out` (its layout)."""
    return namespace_of(a).matmul(a, b, out=out)


def _empty_product(a: Any, b: Any, heads_side_by_side: bool = False) -> Any:
    """An empty array for a @ b (batch dims broadcast), for `heads_matmul` to write into.

    With `heads_side_by_side` a (B, H, L, D) result is a view of a (B, L, H, D) array: a model puts the heads
    back side by side with `y.transpose(1, 2).reshape(B, L, H·D)`, which is then a view, not a copy, and the
    same holds for the gradients on their way back to the Q, K, V projection.
    """
    xp = namespace_of(a)
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    dtype = np.result_type(a.dtype, b.dtype)
    if heads_side_by_side and len(shape) == 4 and xp is np:
        batch, heads, rows, width = shape
        return np.empty((batch, rows, heads, width), dtype=dtype).transpose(0, 2, 1, 3)
    return xp.empty(shape, dtype=dtype)


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


def _masked(scores: Any, mask: Any) -> Any:
    """s·Q Kᵀ + M, in place where the shapes allow: a bool mask sets −inf where it is False (True = attend, as
    PyTorch), a float mask is added. A mask with more batch dims than Q, K, V gives the scores those too."""
    xp = namespace_of(scores)
    full = np.broadcast_shapes(scores.shape, mask.shape)
    if full != scores.shape:
        scores = xp.broadcast_to(scores, full).copy()
    if mask.dtype == bool:
        xp.copyto(scores, -math.inf, where=~mask)
    else:
        scores += mask
    return scores


def _rows_without_keys(scores: Any, is_causal: bool) -> Any:
    """Bool (..., L, 1): the queries whose every key is masked (−inf, or in the future when causal)."""
    xp = namespace_of(scores)
    blocked = xp.isneginf(scores)
    if is_causal:
        future = future_keys(*scores.shape[-2:])
        blocked |= future if xp is np else move(future, device_of(scores))
    return blocked.all(axis=-1, keepdims=True)


class ScaledDotProductAttentionOp(Op):
    """O = softmax(s Q Kᵀ + M) V, dropout on P.   dA = P ⊙ (dP − Σ dP ⊙ P); dQ = s dA K, dK = s dAᵀ Q"""

    @staticmethod
    def forward(ctx, q, k, v, mask, dropout_p, is_causal, scale, return_weights=False):
        xp = namespace_of(q)
        k_t = _transposed(k, scale)  # s·Kᵀ, (..., E, S)
        scores = heads_matmul(q, k_t, _empty_product(q, k_t))  # (..., L, E) @ (..., E, S) -> (..., L, S)
        if mask is not None:
            scores = _masked(scores, mask)
        weights = softmax_forward(scores, -1, is_causal)  # P, (..., L, S)
        if mask is not None:  # a query that may see no key has no softmax (nan): it attends to nothing, P = 0
            xp.copyto(weights, 0.0, where=_rows_without_keys(scores, is_causal))
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
        ctx.scale = scale
        output = heads_matmul(dropped, v, _empty_product(dropped, v, heads_side_by_side=True))  # (..., L, Ev)
        # MultiheadAttention(need_weights=True) also returns P' (after dropout, as PyTorch), a second output.
        return (output, dropped) if return_weights else output

    @staticmethod
    def backward(ctx, grad, grad_weights=None):
        q, k, v, weights, keep = ctx.saved_tensors
        needs_q, needs_k, needs_v, needs_mask = ctx.needs_input_grad[:4]
        xp = namespace_of(grad)
        grad_q = grad_k = grad_v = grad_mask = None
        if needs_v:
            dropped_t = xp.swapaxes(weights if keep is None else weights * keep, -1, -2)  # P'ᵀ, (..., S, L)
            grad_v = heads_matmul(dropped_t, grad, _empty_product(dropped_t, grad, heads_side_by_side=True))
        if not (needs_q or needs_k or needs_mask):
            return grad_q, grad_k, grad_v, None, None, None, None, None
        v_t = _transposed(v)
        grad_scores = heads_matmul(grad, v_t, _empty_product(grad, v_t))  # dL/dP' = G Vᵀ, (..., L, S)
        if grad_weights is not None:
            grad_scores += grad_weights  # P' is also an output: its own gradient adds in
        if keep is not None:
            grad_scores *= keep  # dL/dP
        # dL/dA = P ⊙ (dL/dP − Σ_S dL/dP ⊙ P). dQ and dK both carry the factor s: it is folded in here
        # (s · dL/dA), unless dL/dA itself is wanted, as the gradient of a float mask.
        grad_scores = softmax_backward(weights, grad_scores, -1, 1.0 if needs_mask else ctx.scale)
        if needs_mask:
            grad_mask = grad_scores.copy()  # the engine sums it to the mask's shape
            grad_scores *= ctx.scale
        if needs_q:  # s·dL/dA K: (..., L, S) @ (..., S, E)
            grad_q = heads_matmul(grad_scores, k, _empty_product(grad_scores, k, heads_side_by_side=True))
        if needs_k:  # s·(dL/dA)ᵀ Q: (..., S, L) @ (..., L, E)
            grad_t = xp.swapaxes(grad_scores, -1, -2)
            grad_k = heads_matmul(grad_t, q, _empty_product(grad_t, q, heads_side_by_side=True))
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
            past = ~future_keys(L, S)
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
    dead = _rows_without_keys(scores.array, False)  # (..., L, 1)
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
    if attn_mask is not None and is_causal:
        raise ValueError(
            "scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True (as "
            "PyTorch); combine them into one bool mask, e.g. attn_mask & gg.ones(L, S, dtype=gg.bool).tril()"
        )
    key, value, attn_mask, dropout_p, scale = _checked(query, key, value, attn_mask, dropout_p, scale, enable_gqa)
    return ScaledDotProductAttentionOp.apply(query, key, value, attn_mask, dropout_p, bool(is_causal), scale, False)


def attention_with_weights(
    query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None, dropout_p: float = 0.0,
    is_causal: bool = False, scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """`scaled_dot_product_attention` that also returns the attention weights P' (..., L, S), after dropout.

    The same fused op with P' as a second, differentiable output (what MultiheadAttention returns with
    need_weights=True). Unlike the public function, attn_mask and is_causal may be combined.
    """
    key, value, attn_mask, dropout_p, scale = _checked(query, key, value, attn_mask, dropout_p, scale)
    return ScaledDotProductAttentionOp.apply(query, key, value, attn_mask, dropout_p, bool(is_causal), scale, True)


def attention_reference(
    query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None, dropout_p: float = 0.0,
    is_causal: bool = False, scale: float | None = None,
) -> Tensor:
    """The same attention written with tensor ops, nanoGPT's readable path, to test the fused op.

    Unlike the fused op, a row whose every key is masked comes out nan (softmax of all −inf).
    """
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


def _checked(
    query: Any, key: Any, value: Any, attn_mask: Any, dropout_p: float, scale: float | None, enable_gqa: bool = False
) -> tuple[Tensor, Tensor, Tensor | None, float, float]:
    """The arguments as the op takes them, after the checks both entry points make: key and value (with each
    head repeated for its group of query heads under enable_gqa), the mask, dropout_p, and the scale."""
    _check_qkv(query, key, value)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p should be in [0, 1), got {dropout_p}")
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    _check_batch_dims(query, key, value)
    if attn_mask is not None:
        attn_mask = _check_mask(attn_mask, query, key, value, query.shape[-2], key.shape[-2])
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return key, value, attn_mask, float(dropout_p), scale


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
