"""Per-sample normalisation layers: LayerNorm (Ba et al. 2016) and RMSNorm (Zhang & Sennrich 2019).

Both normalise over the trailing `normalized_shape` dims with the fused ops of `functional/normalization.py`,
whose docstring derives the backward.
"""

from __future__ import annotations

from typing import Any

from .. import creation
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _as_shape(name: str, normalized_shape: Any) -> tuple[int, ...]:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or any(not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in shape):
        raise ValueError(
            f"{name}: normalized_shape must be a positive int or a non-empty sequence of them, got {normalized_shape!r}"
        )
    return shape


class LayerNorm(Module):
    r"""Layer normalisation over the trailing dims: y = (x − E[x]) / √(Var[x] + ε) · γ + β.

    The mean and the (biased) variance are taken over the last D dims, D = len(normalized_shape), separately
    for every sample and position.

    Args:
        normalized_shape: the trailing shape to normalise over, e.g. C for an input (B, T, C)
        eps: added to the variance for numerical stability (default: 1e-5)
        elementwise_affine: learn γ (weight) and, with `bias`, β (default: True)
        bias: learn β; False gives nanoGPT's bias-free LayerNorm (default: True)
        device, dtype: where and in which floating dtype to create the parameters

    Shape: input (*, *normalized_shape); output the same shape.

    Attributes:
        weight: γ of shape normalized_shape, initialised to 1 (None without elementwise_affine)
        bias: β of shape normalized_shape, initialised to 0 (None without elementwise_affine or bias)

    Example:
        >>> import glassgrad as gg
        >>> ln = LayerNorm(8)
        >>> ln(gg.randn(2, 5, 8)).shape
        (2, 5, 8)
    """

    normalized_shape: tuple[int, ...]
    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(creation.empty(self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    r"""Root-mean-square normalisation over the trailing dims: y = x / √(mean(x²) + ε) · γ.

    Args:
        normalized_shape: the trailing shape to normalise over
        eps: added to mean(x²); None (default) uses the machine epsilon of the input's dtype, as PyTorch
        elementwise_affine: learn γ (weight), initialised to 1 (default: True)
        device, dtype: where and in which floating dtype to create the parameters

    Shape: input (*, *normalized_shape); output the same shape.

    Example:
        >>> import glassgrad as gg
        >>> RMSNorm(8)(gg.randn(2, 8)).shape
        (2, 8)
    """

    normalized_shape: tuple[int, ...]
    weight: Parameter | None

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape("RMSNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
