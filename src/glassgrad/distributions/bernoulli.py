"""Bernoulli(probs=None, logits=None): 1 with probability p, else 0, as `torch.distributions.Bernoulli`.

Exactly one of probs p ∈ [0, 1] or logits z = log(p/(1 − p)) is given; the other is derived on first use
(p = σ(z); z = log p − log(1 − p) with p clamped to [eps, 1 − eps]).

    log p(x) = x log σ(z) + (1 − x) log(1 − σ(z)) = −BCEWithLogits(z, x) = −((1 − x)z + softplus(−z))
    H = BCEWithLogits(z, p),   mean = p,   variance = p(1 − p)

Both go through F.binary_cross_entropy_with_logits, whose softplus form stays finite where σ(z) rounds to
0 or 1 (log(1 − σ(40)) in float32 would be log 0). Samples are floats 0.0/1.0 in the parameter's dtype.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

from ..creation import rand, tensor
from ..functional.losses.binary import binary_cross_entropy_with_logits
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, broadcast_parameters, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    """A batch of coin flips over the shape of `probs` or `logits` (a float or a tensor).

    Attributes:
        probs: P(X = 1), of shape batch_shape.
        logits: log(p/(1 − p)), of shape batch_shape.

    Example:
        >>> import glassgrad as gg
        >>> d = gg.distributions.Bernoulli(logits=gg.tensor([0.0, 2.0]))
        >>> [round(p, 4) for p in d.probs.tolist()], d.sample((3,)).shape
        ([0.5, 0.8808], (3, 2))
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: either `probs` or `logits` must be specified, but not both")
        if probs is not None:
            (self.probs,) = broadcast_parameters("Bernoulli", probs=probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_parameters("Bernoulli", logits=logits)
            self._param = self.logits
        given = probs if probs is not None else logits
        batch_shape = () if isinstance(given, numbers.Number) else tuple(self._param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    @functools.cached_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @functools.cached_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where p > ½, 0 where p < ½, nan at p = ½ (both are modes), as PyTorch."""
        mode = (self.probs >= 0.5).type_as(self.probs)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """0.0/1.0 of shape sample_shape + batch_shape: 1 where a uniform draw u ∈ [0, 1) falls below p."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach()
        uniform = rand(shape, dtype=probs.dtype, device=probs.device)
        return (uniform < probs).type_as(probs)

    def log_prob(self, value: Tensor) -> Tensor:
        """−BCEWithLogits(z, x), value broadcast against the batch."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value.type_as(logits), reduction="none")

    def entropy(self) -> Tensor:
        """BCEWithLogits(z, p) = −p log p − (1 − p) log(1 − p)."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0.0 and 1.0 along a new leading dim: shape (2,) + batch_shape (expanded) or (2, 1, ..., 1)."""
        values = tensor([0.0, 1.0], dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))  # (2, 1, ..., 1)
        if expand:
            values = values.expand((2,) + self._batch_shape)  # (2,) + batch_shape
        return values
