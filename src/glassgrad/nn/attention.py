"""Multi-head attention (Vaswani et al. 2017, "Attention Is All You Need", §3.2.2), with PyTorch's parameters.

    MultiHead(Q, K, V) = Concat(head₁, ..., head_H) W_Oᵀ + b_O
    headᵢ = softmax(Q W_Qᵢᵀ (K W_Kᵢᵀ)ᵀ / √D + M) V W_Vᵢᵀ          D = embed_dim / H

The H heads are computed at once: the projections are one matrix product each (one for all three in
self-attention), the (B, L, E) results are viewed as (B, H, L, D), and the fused
`F.scaled_dot_product_attention` op runs every head in one call.
"""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from .. import functional as F
from ..backend import namespace_of
from ..functional.attention import attention_with_weights
from ..tensor import Tensor
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear by another name: PyTorch's type for `MultiheadAttention.out_proj`, kept so reprs match."""


class MultiheadAttention(Module):
    r"""Attention from a target sequence (queries) to a source sequence (keys and values) with H heads.

    Args:
        embed_dim: E, the model dimension (of the query and of the output)
        num_heads: H; E must be divisible by H, each head has D = E / H features
        dropout: dropout probability on the attention weights while training (default: 0.0)
        bias: learn biases for the input and output projections (default: True)
        add_bias_kv, add_zero_attn: not supported in glassgrad (ValueError if True)
        kdim, vdim: feature sizes of key and value (default: embed_dim)
        batch_first: inputs and outputs are (N, L, E) instead of (L, N, E) (default: False)
        device, dtype: where and in which floating dtype to create the parameters

    Shape (N batch, L target length, S source length; no N for unbatched inputs):
        query (L, N, E) or (N, L, E) with batch_first; key (S, N, kdim); value (S, N, vdim).
        key_padding_mask (N, S): True (or −inf) marks padding keys to ignore; float values are added.
        attn_mask (L, S) or (N·H, L, S): True (or −inf) marks pairs NOT allowed to attend (PyTorch's
            convention here, the opposite of F.scaled_dot_product_attention's); float values are added.
        output: attn_output like query; attn_weights (N, L, S) averaged over heads, or (N, H, L, S) with
            average_attn_weights=False, or None with need_weights=False.

    Attributes:
        in_proj_weight: (3E, E), the stacked [W_Q; W_K; W_V], xavier_uniform_ (when kdim = vdim = E;
            otherwise q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim))
        in_proj_bias: (3E,), zeros
        out_proj: Linear(E, E) with W_O (Linear's default init) and b_O (zeros)

    Example:
        >>> import glassgrad as gg
        >>> mha = MultiheadAttention(16, 4, batch_first=True)
        >>> x = gg.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        ((2, 5, 16), (2, 5, 5))
    """

    in_proj_weight: Parameter | None
    q_proj_weight: Parameter | None
    k_proj_weight: Parameter | None
    v_proj_weight: Parameter | None
    in_proj_bias: Parameter | None
    out_proj: NonDynamicallyQuantizableLinear

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                f"embed_dim={embed_dim} and num_heads={num_heads}"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads}); "
                f"each head takes embed_dim / num_heads features"
            )
        if add_bias_kv or add_zero_attn:
            raise ValueError(
                "MultiheadAttention: add_bias_kv and add_zero_attn are not supported in glassgrad; leave them False"
            )
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads

        def empty(*shape: int) -> Parameter:
            return Parameter(creation.empty(shape, dtype=dtype, device=device))

        # Registered in PyTorch's order, so state_dict keys come out in the same order.
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """(attn_output, attn_weights or None); shapes and mask conventions in the class docstring.

        `is_causal` is PyTorch's hint that `attn_mask` is the causal mask (it must be given too); the mask is
        what is applied. `need_weights=False` skips returning the weights (same values otherwise).
        """
        batched = self._check_inputs(query, key, value)
        if not batched:  # (L, E) -> (L, 1, E) (or (1, L, E)), and the masks likewise get a batch dim of 1
            batch_dim = 0 if self.batch_first else 1
            query, key, value = (t.unsqueeze(batch_dim) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)  # (S,) -> (1, S); an (H, L, S) attn_mask fits N = 1
        if self.batch_first:
            N, L, _ = query.shape
            S = key.shape[1]
        else:
            L, N, _ = query.shape
            S = key.shape[0]
        if is_causal and attn_mask is None:
            raise ValueError(
                "MultiheadAttention: is_causal is a hint that attn_mask is the causal mask; pass "
                "attn_mask too, e.g. gg.ones(L, L, dtype=gg.bool).triu(1) (True = not allowed)"
            )

        q, k, v = self._in_projection(query, key, value)  # (N, H, L, D), (N, H, S, D), (N, H, S, D)
        mask = self._merged_mask(attn_mask, key_padding_mask, N, L, S, query.dtype.np)
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            out, weights = attention_with_weights(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
            weights = None

        E = self.embed_dim
        if self.batch_first:
            out = out.permute(0, 2, 1, 3).reshape(N, L, E)  # (N, H, L, D) -> (N, L, H, D) -> (N, L, E)
        else:
            out = out.permute(2, 0, 1, 3).reshape(L, N, E)  # (N, H, L, D) -> (L, N, H, D) -> (L, N, E)
        out = self.out_proj(out)
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)  # (N, H, L, S) -> (N, L, S)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            weights = weights.squeeze(0) if weights is not None else None
        return out, weights

    def _in_projection(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q, k, v projected and split into heads, each (N, H, length, D)."""
        E = self.embed_dim
        bias = self.in_proj_bias
        biases = (None, None, None) if bias is None else (bias[:E], bias[E : 2 * E], bias[2 * E :])
        if self._qkv_same_embed_dim and query is key and key is value:
            # Self-attention: one matrix product for all three projections, then split the last dim.
            q, k, v = F.linear(query, self.in_proj_weight, bias).split(E, dim=-1)
        else:
            if self._qkv_same_embed_dim:
                w = self.in_proj_weight
                weights = (w[:E], w[E : 2 * E], w[2 * E :])
            else:
                weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
            q, k, v = (F.linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))
        return self._split_heads(q), self._split_heads(k), self._split_heads(v)

    def _split_heads(self, x: Tensor) -> Tensor:
        H, D = self.num_heads, self.head_dim
        if self.batch_first:
            N, T, _ = x.shape
            return x.reshape(N, T, H, D).permute(0, 2, 1, 3)  # (N, T, E) -> (N, T, H, D) -> (N, H, T, D)
        T, N, _ = x.shape
        return x.reshape(T, N, H, D).permute(1, 2, 0, 3)  # (T, N, E) -> (T, N, H, D) -> (N, H, T, D)

    def _merged_mask(
        self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, N: int, L: int, S: int, dtype: Any
    ) -> Tensor | None:
        """One mask for the fused op, broadcastable to (N, H, L, S): bool True = attend, or float to add.

        PyTorch's MultiheadAttention marks the pairs to EXCLUDE with True; the fused op wants the pairs to
        keep, so bool masks are inverted. Two bool masks merge with `and`; a float mask turns the other into
        0/−inf and they add (PyTorch's _canonical_mask).
        """
        H = self.num_heads
        masks = []
        if attn_mask is not None:
            _check_mask_dtype("attn_mask", attn_mask)
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise ValueError(
                        f"MultiheadAttention: the 2D attn_mask has shape {attn_mask.shape} but should be "
                        f"(L, S) = {(L, S)}"
                    )
            elif attn_mask.ndim == 3:
                if tuple(attn_mask.shape) != (N * H, L, S):
                    raise ValueError(
                        f"MultiheadAttention: the 3D attn_mask has shape {attn_mask.shape} but should be "
                        f"(N·num_heads, L, S) = {(N * H, L, S)}"
                    )
                attn_mask = attn_mask.reshape(N, H, L, S)  # (N·H, L, S) -> (N, H, L, S)
            else:
                raise ValueError(
                    f"MultiheadAttention: attn_mask must be 2-D (L, S) or 3-D (N·num_heads, L, S), got shape "
                    f"{attn_mask.shape}"
                )
            masks.append(attn_mask)
        if key_padding_mask is not None:
            _check_mask_dtype("key_padding_mask", key_padding_mask)
            if tuple(key_padding_mask.shape) != (N, S):
                raise ValueError(
                    f"MultiheadAttention: key_padding_mask has shape {key_padding_mask.shape} but should be "
                    f"(N, S) = {(N, S)} (batch, source length)"
                )
            masks.append(key_padding_mask.reshape(N, 1, 1, S))  # (N, S) -> (N, 1, 1, S), one row per batch
        if not masks:
            return None
        if all(m.array.dtype == bool for m in masks):
            keep = ~masks[0]
            for m in masks[1:]:
                keep = keep & ~m
            return keep
        floats = [_additive(m, dtype) for m in masks]
        return floats[0] if len(floats) == 1 else floats[0] + floats[1]

    def _check_inputs(self, query: Any, key: Any, value: Any) -> bool:
        """True for batched (3-D) inputs, False for unbatched (2-D); ValueError for anything else."""
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(t).__name__}")
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                f"MultiheadAttention: query, key and value must all be 3-D (batched) or all 2-D (unbatched), "
                f"got shapes {query.shape}, {key.shape}, {value.shape}"
            )
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        expected = (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim))
        for name, t, size in expected:
            if t.shape[-1] != size:
                raise ValueError(
                    f"MultiheadAttention: {name} has {t.shape[-1]} features (last dim of {t.shape}) but the "
                    f"layer expects {size}; inputs are {layout}"
                )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(
                f"MultiheadAttention: key {key.shape} and value {value.shape} must agree in all but the "
                f"last dim (one value per key); inputs are {layout}"
            )
        batch_dim = 0 if self.batch_first else 1
        if query.ndim == 3 and query.shape[batch_dim] != key.shape[batch_dim]:
            raise ValueError(
                f"MultiheadAttention: query {query.shape} and key {key.shape} must have the same batch size; "
                f"inputs are {layout}"
            )
        return query.ndim == 3


def _check_mask_dtype(name: str, mask: Any) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor or None, got {type(mask).__name__}")
    if mask.array.dtype.kind not in "bf":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are supported, got {mask.dtype}")


def _additive(mask: Tensor, dtype: Any) -> Tensor:
    """A float mask as is; a bool mask (True = exclude) as −inf where True, 0 elsewhere."""
    if mask.array.dtype != bool:
        return mask if mask.array.dtype == dtype else mask.to(dtype)
    xp = namespace_of(mask.array)
    return Tensor(xp.where(mask.array, -math.inf, 0.0).astype(dtype))
