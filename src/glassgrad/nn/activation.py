"""Activation layers: ReLU, ReLU6, LeakyReLU, GELU, SiLU, Softplus, ELU, Hardtanh, Threshold, Sigmoid, Tanh,
Softmax, LogSoftmax; Mish, SELU, CELU, LogSigmoid, Hardswish, Hardsigmoid, Softmin, Softsign, GLU, PReLU,
Tanhshrink, Hardshrink, Softshrink. Each holds its hyperparameters and calls the function of the same name in
functional/activation.py (fused ops, derivatives written out) or functional/activation_composite.py
(compositions). All but GLU map an input of any shape (*) to an output of the same shape.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import creation
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _inplace_suffix(inplace: bool, first: bool = False) -> str:
    # PyTorch prints inplace only when it is True.
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class ReLU(Module):
    """ReLU(x) = max(x, 0), with gradient 0 at x = 0.

    Example:
        >>> import glassgrad as gg
        >>> ReLU()(gg.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_suffix(self.inplace, first=True)


class LeakyReLU(Module):
    """LeakyReLU(x) = x for x > 0, negative_slope·x otherwise.

    Example:
        >>> import glassgrad as gg
        >>> LeakyReLU(0.5)(gg.tensor([-2.0, 3.0])).tolist()
        [-1.0, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class GELU(Module):
    """GELU(x) = x·Φ(x), Φ the standard normal CDF; approximate='tanh' uses
    ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel, 2016).

    Example:
        >>> import glassgrad as gg
        >>> round(GELU()(gg.tensor([1.0])).item(), 4)
        0.8413
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """SiLU(x) = x·σ(x) (also called swish)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_suffix(self.inplace, first=True)


class Softplus(Module):
    """Softplus(x) = (1/β)·log(1 + exp(βx)), the identity where βx > threshold (for numerical stability)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """ELU(x) = x for x > 0, α(exp(x) − 1) otherwise (Clevert et al., 2015)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class Hardtanh(Module):
    """Hardtanh(x) = x clamped to [min_val, max_val], with gradient 0 at the bounds.

    `min_value`/`max_value` are PyTorch's deprecated spellings of `min_val`/`max_val`.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        for old_name, value in (("min_value", min_value), ("max_value", max_value)):
            if value is not None:
                warnings.warn(f"keyword argument `{old_name}` is deprecated and renamed to `{old_name[:7]}`",
                              FutureWarning, stacklevel=2)
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise ValueError(f"Hardtanh: max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """ReLU6(x) = min(max(x, 0), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_suffix(self.inplace, first=True)


class Threshold(Module):
    """Threshold(x) = x where x > threshold, else value; the gradient is 0 where x ≤ threshold.

    Example:
        >>> import glassgrad as gg
        >>> Threshold(0.5, 9.0)(gg.tensor([-1.0, 0.5, 2.0])).tolist()
        [9.0, 9.0, 2.0]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class Sigmoid(Module):
    """Sigmoid(x) = 1/(1 + exp(−x))."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """Tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class Softmax(Module):
    """Softmax(x)_i = exp(x_i)/Σ_j exp(x_j) along `dim` (every slice along dim sums to 1).

    Example:
        >>> import glassgrad as gg
        >>> Softmax(dim=-1)(gg.zeros(2, 4)).tolist()[0]
        [0.25, 0.25, 0.25, 0.25]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """LogSoftmax(x)_i = x_i − log Σ_j exp(x_j) along `dim`, in one stable pass."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Stateless(Module):
    """A layer without hyperparameters: PyTorch's take and ignore any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()


class _InPlaceOnly(Module):
    """A layer whose only hyperparameter is `inplace` (printed when True)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_suffix(self.inplace, first=True)


class Mish(_InPlaceOnly):
    """Mish(x) = x·tanh(softplus(x)) (Misra, 2019)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.mish(input, inplace=self.inplace)


class SELU(_InPlaceOnly):
    """SELU(x) = scale·(max(0, x) + min(0, α(eˣ − 1))), α ≈ 1.6733, scale ≈ 1.0507 (Klambauer et al., 2017)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.selu(input, inplace=self.inplace)


class CELU(Module):
    """CELU(x) = max(0, x) + min(0, α(e^(x/α) − 1)) (Barron, 2017)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class Hardswish(_InPlaceOnly):
    """Hardswish(x) = x·relu6(x + 3)/6 (Howard et al., 2019). PyTorch's repr omits inplace; so does ours."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(_InPlaceOnly):
    """Hardsigmoid(x) = relu6(x + 3)/6. PyTorch's repr omits inplace; so does ours."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class LogSigmoid(_Stateless):
    """LogSigmoid(x) = log(1/(1 + e⁻ˣ)), computed as −softplus(−x)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.logsigmoid(input)


class Softsign(_Stateless):
    """Softsign(x) = x/(1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softsign(input)


class Tanhshrink(_Stateless):
    """Tanhshrink(x) = x − tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanhshrink(input)


class Softmin(Module):
    """Softmin(x)_i = exp(−x_i)/Σ_j exp(−x_j) along `dim`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """GLU(x) = a·σ(b), a and b the halves of x along `dim`: (*, 2N, *) → (*, N, *) (Dauphin et al., 2017)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Shrink(Module):
    """A layer with one threshold λ (`lambd`, PyTorch's spelling: `lambda` is a keyword), printed bare."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    """Hardshrink(x) = x where |x| > λ, else 0."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardshrink(input, self.lambd)


class Softshrink(_Shrink):
    """Softshrink(x) = x − λ for x > λ, x + λ for x < −λ, else 0."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softshrink(input, self.lambd)


class PReLU(Module):
    """PReLU(x) = x for x > 0, a·x otherwise, with a learned: one a for all channels, or one per channel (dim 1).

    Attributes:
        weight: (num_parameters,), initialised to `init` (0.25).
    """

    weight: Parameter

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int (1, or the number of channels), "
                             f"got {num_parameters!r}")
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
