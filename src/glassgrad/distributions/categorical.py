"""Categorical(probs=None, logits=None): one of K categories, as `torch.distributions.Categorical`.

The last dim of the parameter indexes the K categories; the dims before it are the batch. Exactly one of
    probs   non-negative weights, normalised here:   p_k = w_k / Σ_j w_j
    logits  unnormalised log-probabilities, normalised here:   ℓ_k = z_k − log Σ_j e^(z_j)  (so Σ e^ℓ = 1)
is given; the other is derived on first use (probs = softmax(ℓ); logits = log p with p clamped to
[eps, 1 − eps], as PyTorch, so a zero probability gives a finite logit).

    log p(k) = ℓ_k,     H = −Σ_k p_k ℓ_k

Samples are int64 category indices of shape sample_shape + batch_shape, drawn by gg.multinomial.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..creation import arange, full, zeros
from ..tensor import Tensor
from ..torch_functions import multinomial
from . import constraints
from .distribution import Distribution
from .utils import logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """A distribution over {0, ..., K − 1}, batched over all but the last dim of `probs` or `logits`.

    Attributes:
        probs: the normalised probabilities, of shape batch_shape + (K,).
        logits: the normalised log-probabilities ℓ, of shape batch_shape + (K,).

    Example:
        >>> import glassgrad as gg
        >>> d = gg.distributions.Categorical(probs=gg.tensor([1.0, 3.0]))
        >>> d.probs.tolist(), d.sample((4,)).shape, round(d.entropy().item(), 4)
        ([0.25, 0.75], (4,), 0.5623)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: either `probs` or `logits` must be specified, but not both")
        parameter_name = "probs" if probs is not None else "logits"
        parameter = probs if probs is not None else logits
        if not isinstance(parameter, Tensor):
            raise TypeError(
                f"Categorical: {parameter_name} must be a Tensor, got {type(parameter).__name__}; "
                f"pass gg.tensor({parameter_name})"
            )
        if parameter.ndim < 1:
            raise ValueError(
                f"Categorical: `{parameter_name}` parameter must be at least one-dimensional (its last dim "
                f"indexes the categories), got shape {tuple(parameter.shape)}; pass e.g. {parameter_name}[None]"
            )
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = parameter.shape[-1]
        super().__init__(tuple(parameter.shape[:-1]), validate_args=validate_args)

    @functools.cached_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @functools.cached_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of probs and logits: batch_shape + (K,)."""
        return tuple(self._param.shape)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        """nan: the categories are labels, not numbers (as PyTorch)."""
        return full(self._extended_shape(), math.nan, dtype=self._param.dtype, device=self._param.device)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self._param.dtype, device=self._param.device)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """int64 indices of shape sample_shape + batch_shape, each drawn with probability probs[..., k]."""
        sample_shape = self._sample_shape(sample_shape)
        shape = self._extended_shape(sample_shape)
        draws = math.prod(sample_shape)
        if draws == 0 or 0 in self._batch_shape:
            return zeros(shape, dtype="int64", device=self._param.device)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)  # (B, K), B = prod(batch_shape)
        samples_2d = multinomial(probs_2d, draws, True).T  # (draws, B)
        return samples_2d.reshape(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """ℓ[value]: value (any shape that broadcasts against batch_shape) indexes the last dim of logits."""
        if self._validate_args:
            self._validate_sample(value)
        index = value.long().unsqueeze(-1)  # (..., 1)
        shape = np.broadcast_shapes(index.shape, self.logits.shape)  # (..., K)
        log_pmf = self.logits if self.logits.shape == shape else self.logits.expand(shape)
        index = index.expand(shape[:-1] + (1,))
        return log_pmf.gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        """−Σ p ℓ, with ℓ clamped to the dtype's most negative finite value: a zero probability's ℓ = −inf
        would make 0·(−inf) = nan where its term is 0."""
        min_real = float(np.finfo(self.logits.dtype.np).min)
        logits = self.logits.clamp(min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0, ..., K − 1 along a new leading dim: shape (K,) + batch_shape (expanded) or (K, 1, ..., 1)."""
        values = arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))  # (K, 1, ..., 1)
        if expand:
            values = values.expand((self._num_events,) + self._batch_shape)  # (K,) + batch_shape
        return values
