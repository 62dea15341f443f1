"""Transformer encoder (Vaswani et al. 2017, §3.1) with PyTorch's submodule names: state_dicts map one to one.

One layer is self-attention then a position-wise feed-forward network, each inside a residual connection with
layer norm. Post-norm (the paper; PyTorch's default) normalises after each residual sum; pre-norm
(`norm_first`, as GPT-2 and ViT; Xiong et al. 2020, arXiv:2002.04745, on why it trains more stably)
normalises each branch's input:

    post-norm:  x = LN₁(x + SA(x));      x = LN₂(x + FF(x))
    pre-norm:   x = x + SA(LN₁(x));      x = x + FF(LN₂(x))
    SA(x) = Dropout₁(MultiheadAttention(x, x, x)),   FF(x) = Dropout₂(W₂ Dropout(act(W₁ x + b₁)) + b₂)
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from ..functional.activation import gelu, relu
from ..tensor import Tensor
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .layer_norm import LayerNorm
from .linear import Linear
from .module import Module

_ACTIVATIONS = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    r"""One encoder layer: self-attention and a feed-forward network, each with residual and layer norm.

    Args:
        d_model: E, the number of expected features in the input
        nhead: the number of attention heads (E must be divisible by it)
        dim_feedforward: the hidden size of the feed-forward network (default: 2048)
        dropout: dropout probability on the attention weights, the feed-forward hidden layer and both
            residual branches (default: 0.1)
        activation: "relu" (default), "gelu" or a callable (a function or a Module)
        layer_norm_eps: ε of both layer norms (default: 1e-5)
        batch_first: inputs are (N, S, E) instead of (S, N, E) (default: False)
        norm_first: pre-norm instead of post-norm (default: False)
        bias: learn biases in the linear layers and layer norms (default: True)
        device, dtype: where and in which floating dtype to create the parameters

    Shape: src (S, N, E), or (N, S, E) with batch_first, or (S, E) unbatched; output the same.
    src_mask (S, S) or (N·nhead, S, S) and src_key_padding_mask (N, S) as in MultiheadAttention
    (True = not allowed to attend).

    Attributes (PyTorch's names): self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.

    Example:
        >>> import glassgrad as gg
        >>> layer = TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
        >>> layer(gg.randn(2, 5, 16)).shape
        (2, 5, 16)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias=bias, batch_first=batch_first,
                                            **factory)  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(
                    f"TransformerEncoderLayer: activation should be 'relu', 'gelu' or a callable, got {activation!r}"
                )
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"TransformerEncoderLayer: activation must be a str or callable, got {activation!r}")
        self.activation = activation  # a Module becomes a submodule named "activation", as in PyTorch

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]  # fmt: skip
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    r"""A stack of `num_layers` copies of `encoder_layer` (deep copies: each learns its own weights), then an
    optional final norm (used with pre-norm layers, whose output is not normalised).

    Args:
        encoder_layer: a TransformerEncoderLayer (or any module with its forward signature) to copy
        num_layers: how many layers
        norm: an optional module applied to the output of the last layer

    Attributes: layers (a ModuleList: state_dict keys `layers.0.self_attn.in_proj_weight`, ...), norm.

    Example:
        >>> import glassgrad as gg
        >>> layer = TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> TransformerEncoder(layer, num_layers=2)(gg.randn(5, 2, 16)).shape
        (5, 2, 16)
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be a positive int, got {num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))  # fmt: skip
        if self.norm is not None:
            output = self.norm(output)
        return output
