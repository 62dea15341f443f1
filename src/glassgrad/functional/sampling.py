"""F.gumbel_softmax: differentiable samples from a categorical distribution (Jang et al. 2016; Maddison et al.
2016), drawn from glassgrad's generator (reproducible with gg.manual_seed).

    g = −log E, E ~ Exponential(1)        (standard Gumbel noise)
    y_soft = softmax((logits + g)/τ)       dy/dlogits = softmax's Jacobian / τ
    hard=True: y = onehot(argmax y_soft) − y_soft.detach() + y_soft, a one-hot value whose gradient is y_soft's
    (the straight-through estimator).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..backend import namespace_of
from ..creation import rand
from ..ops import softmax as softmax_ops
from ..tensor import Tensor
from .activation import _require_float


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution of `logits` along `dim` (one-hot if hard=True)."""
    _require_float("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not -max(logits.ndim, 1) <= dim < max(logits.ndim, 1):
        raise IndexError(f"gumbel_softmax: dim {dim} is out of range for logits of shape {logits.shape}")
    uniform = rand(*logits.shape, dtype=logits.dtype, device=logits.device).array
    xp = namespace_of(uniform)
    # E = −log(1 − U) with U in [0, 1): E > 0 except where U = 0, clamped to the smallest normal float so that
    # the noise stays finite.
    exponential = xp.maximum(-xp.log1p(-uniform), np.finfo(uniform.dtype).tiny)
    gumbels = Tensor(-xp.log(exponential))
    y_soft = softmax_ops.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    axis = dim % max(logits.ndim, 1)
    index = xp.expand_dims(y_soft.array.argmax(axis=axis), axis) if logits.ndim else None
    one_hot = xp.zeros_like(y_soft.array)
    if index is None:
        one_hot[...] = 1
    else:
        xp.put_along_axis(one_hot, index, 1, axis=axis)
    return Tensor(one_hot) - y_soft.detach() + y_soft
