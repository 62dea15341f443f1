"""Weight initialisation, as `torch.nn.init`: same names, formulas and defaults.

Every function fills a tensor in place, outside the graph, with draws from glassgrad's seeded generator (or
the `generator=` given), and returns the tensor. The scale rules (fan = fan_in or fan_out):

    xavier_uniform_   U(−a, a),   a = gain · √(6 / (fan_in + fan_out))          (Glorot & Bengio, 2010)
    xavier_normal_    N(0, σ²),   σ = gain · √(2 / (fan_in + fan_out))
    kaiming_uniform_  U(−b, b),   b = gain · √(3 / fan)                          (He et al., 2015)
    kaiming_normal_   N(0, σ²),   σ = gain / √fan
    orthogonal_       Q of the QR decomposition of a Gaussian matrix, signs from diag(R) (Saxe et al. 2013)

For a weight of shape (out, in, *kernel), fan_in = in · ∏kernel and fan_out = out · ∏kernel.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..backend.random import Generator, generator_for
from ..functional._special import erfinv as _erfinv
from ..tensor import Tensor

_LINEAR_GAINS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid")  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: the factor that keeps activations' variance stable.

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: √2;  leaky_relu: √(2 / (1 + slope²)), slope = `param`
    (default 0.01);  selu: 3/4.
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # the value PyTorch chose for self-normalising networks
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel): in·∏kernel and out·∏kernel."""
    if tensor.ndim < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape "
            f"{tensor.shape}); initialise biases and other vectors with uniform_/normal_/zeros_"
        )
    receptive_field_size = math.prod(tensor.shape[2:])
    fan_in = tensor.shape[1] * receptive_field_size
    fan_out = tensor.shape[0] * receptive_field_size
    return fan_in, fan_out


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write `values` (a NumPy array or a number) into `tensor` in place, outside the graph (under no_grad, as
    torch.nn.init). Tensor.copy_ and fill_ bump the version and refuse expanded or read-only memory."""
    with no_grad():
        if isinstance(values, np.ndarray):
            return tensor.copy_(Tensor(values))
        return tensor.fill_(values)


def _floating(name: str, tensor: Tensor) -> None:
    """Random draws written into an integer tensor would be truncated (mostly to 0); PyTorch refuses too."""
    if tensor.array.dtype.kind != "f":
        raise TypeError(f"init.{name}: expected a floating-point tensor, got {tensor.dtype}; random values "
                        "written into it would be truncated to integers")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    _floating("uniform_", tensor)
    return _fill(tensor, generator_for(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with draws from N(mean, std²)."""
    _floating("normal_", tensor)
    return _fill(tensor, generator_for(generator).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fill with draws from N(mean, std²) truncated to [a, b] (absolute bounds, not in units of std).

    By the inverse CDF, as PyTorch: u ~ U(Φ(α), Φ(β)) with α = (a − mean)/std, β = (b − mean)/std, then
    x = mean + std · √2 · erfinv(2u − 1), clamped to [a, b] against rounding.
    """
    _floating("trunc_normal_", tensor)
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
            "may be incorrect.",
            stacklevel=2,
        )
    lower = _normal_cdf((a - mean) / std)
    upper = _normal_cdf((b - mean) / std)
    u = generator_for(generator).uniform(2 * lower - 1, 2 * upper - 1, tensor.shape)
    values = mean + std * math.sqrt(2.0) * _erfinv(u)
    return _fill(tensor, np.clip(values, a, b))


def _normal_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value `val`."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with U(−a, a), a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(−a, a) has variance a²/3
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with N(0, σ²), σ = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Fill with U(−b, b), b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    `a` is the negative slope of the leaky ReLU that follows. `Linear` and `Conv*` use a = √5, which gives
    b = 1/√fan_in (PyTorch's historical default).
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Fill with N(0, σ²), σ = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times `gain`; dims after the first are flattened.

    Q from the QR decomposition of a Gaussian (rows, cols) matrix, with each column's sign set by diag(R) so Q
    is uniformly (Haar) distributed. For rows < cols the transpose is decomposed, so the rows are orthonormal.
    """
    _floating("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported, got shape {tensor.shape}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = generator_for(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flattened = flattened.T  # (cols, rows): QR needs at least as many rows as columns
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))  # the sign fix that makes the distribution uniform
    if rows < cols:
        q = q.T  # back to (rows, cols)
    return _fill(tensor, (gain * q).reshape(tensor.shape))

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.nn.init")  # "glassgrad does not implement torch.nn.init.X"
