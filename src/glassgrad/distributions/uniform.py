"""Uniform(low, high): the flat density on [low, high), as `torch.distributions.Uniform`.

    p(x) = 1/(b − a) on [a, b), 0 elsewhere;   log p(x) = log 1[a ≤ x < b] − log(b − a)
    F(x) = clamp((x − a)/(b − a), 0, 1),   F⁻¹(q) = a + q(b − a)
    H = log(b − a),   mean = (a + b)/2,   variance = (b − a)²/12

rsample draws x = a + u(b − a) with u ~ U[0, 1), so ∂x/∂a = 1 − u and ∂x/∂b = u.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..creation import rand
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_parameters

__all__ = ["Uniform"]


class Uniform(Distribution):
    """U[low, high), batched over the broadcast shape of `low` and `high` (floats or tensors), low < high.

    Example:
        >>> import glassgrad as gg
        >>> d = gg.distributions.Uniform(0.0, gg.tensor([2.0, 4.0]))
        >>> d.mean.tolist(), d.entropy().exp().tolist()
        ([1.0, 2.0], [2.0, 4.0])
    """

    has_rsample = True

    def __init__(self, low: Tensor | float, high: Tensor | float, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_parameters("Uniform", low=low, high=high)
        both_numbers = isinstance(low, numbers.Number) and isinstance(high, numbers.Number)
        batch_shape = () if both_numbers else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        # Each bound constrained by the other, as PyTorch: an error names the bound that is out of order.
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)  # closed, as PyTorch: log_prob(high) = −inf

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """nan: every point of the interval is a mode (as PyTorch)."""
        return self.high * math.nan

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / math.sqrt(12)

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """x = low + u·(high − low), u ~ U[0, 1) from glassgrad's generator."""
        shape = self._extended_shape(sample_shape)
        u = rand(shape, dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        """−log(high − low) inside [low, high), −inf outside (at high itself, or anywhere with validate_args=False)."""
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).type_as(self.low)
        with np.errstate(divide="ignore"):  # log 0 = −inf outside the interval is the answer, not an accident
            log_inside = inside.log()
        return log_inside - (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value, "cdf")
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()
