"""Linear layers: Identity and Linear (y = x Wᵀ + b)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; arguments are accepted and ignored (a placeholder for an optional layer).

    Example:
        >>> import glassgrad as gg
        >>> x = gg.randn(2, 3)
        >>> Identity(54, unused="x")(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return input


class Linear(Module):
    r"""Applies an affine transformation to the last dim of the input: :math:`y = xW^T + b`.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample
        bias: if ``False``, the layer does not learn an additive bias (default: ``True``)
        device, dtype: where and in which floating dtype to create the parameters (default: cpu, float32)

    Shape:
        - Input: :math:`(*, H_{in})` where :math:`*` means any number of dimensions (including none) and
          :math:`H_{in} = \text{in\_features}`.
        - Output: :math:`(*, H_{out})`, all but the last dimension the same as the input, and
          :math:`H_{out} = \text{out\_features}`.

    Attributes:
        weight: the learnable weights of shape :math:`(\text{out\_features}, \text{in\_features})`,
            initialised from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` with
            :math:`k = \frac{1}{\text{in\_features}}` (``kaiming_uniform_(weight, a=√5)``).
        bias: the learnable bias of shape :math:`(\text{out\_features})`, initialised from
            :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` with :math:`k = \frac{1}{\text{in\_features}}`.

    Gradients (from ``F.linear``'s fused op): :math:`\partial L/\partial x = G W`,
    :math:`\partial L/\partial W = G^T x`, :math:`\partial L/\partial b = \sum_n G_n`, for
    :math:`G = \partial L/\partial y`.

    Example::

        >>> import glassgrad as gg
        >>> m = Linear(20, 30)
        >>> input = gg.randn(128, 20)
        >>> output = m(input)
        >>> print(output.size())
        (128, 30)
    """

    in_features: int
    out_features: int
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in_features), dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_ with a = √5 gives gain √(2/6) and bound gain·√(3/fan_in) = 1/√fan_in: PyTorch's
        # long-standing default (see pytorch/pytorch#57109), kept so results match PyTorch's.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Bilinear(Module):
    r"""y = x1ᵀ·A·x2 + b for each output feature: y[..., o] = Σ_ij x1[..., i]·A[o, i, j]·x2[..., j] + b[o].

    Attributes:
        weight: A, (out_features, in1_features, in2_features), drawn from U(−1/√in1, 1/√in1)
        bias: b, (out_features,), drawn from the same distribution

    Shape: x1 (*, in1_features), x2 (*, in2_features) → (*, out_features).
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty((out_features, in1_features, in2_features), dtype=dtype,
                                               device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])  # PyTorch's: 1/√in1_features for both
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is read from its first input: until then weight and bias are empty (0,)
    placeholders (PyTorch's UninitializedParameter) and in_features is 0. The first forward gives them their
    shapes in place (the same Parameter objects, so an optimizer built before it sees the real ones), runs
    Linear's initialisation, and turns the module into a plain Linear, as PyTorch's `cls_to_become`.

    Loading a state_dict into a LazyLinear that has not run yet is not supported (run one batch first).
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = Parameter(creation.empty(0, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(0, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.in_features:  # placeholders have nothing to initialise
            super().reset_parameters()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        if not self.in_features:
            self._materialize(input.shape[-1] if input.ndim else 1)
        return F.linear(input, self.weight, self.bias)

    def _materialize(self, in_features: int) -> None:
        self.in_features = in_features
        weight_shape = (self.out_features, in_features)
        for parameter, shape in ((self.weight, weight_shape), (self.bias, (self.out_features,))):
            if parameter is not None:
                parameter.array = creation.empty(shape, dtype=parameter.dtype, device=parameter.device).array
        self.reset_parameters()
        self.__class__ = self.cls_to_become
