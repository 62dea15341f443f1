"""Distribution: the base class of every probability distribution, as `torch.distributions.Distribution`.

Shapes. One draw of a distribution is an *event*, of shape `event_shape` (`()` for a scalar distribution such
as Normal). A distribution may hold a batch of independent ones with different parameters: `batch_shape`.
`sample(sample_shape)` returns `sample_shape + batch_shape + event_shape`; `log_prob(value)` reads value's
rightmost dims as the event, broadcasts the rest against `batch_shape`, and returns one number per event.

Gradients. Every method is built from glassgrad's differentiable tensor ops, so `log_prob`, `entropy`,
`cdf` and `rsample` are differentiated by autograd with no backward code of their own. `sample` runs under
`no_grad` (a draw by counting or comparing has no gradient); `rsample` (only where `has_rsample`) draws by
reparameterisation, x = f(θ, ε) with ε parameter-free noise, so that ∂x/∂θ exists: the pathwise gradient.

Validation. As in PyTorch, it is on by default (`validate_args=None` means the class default, True): the
constructor checks each parameter against `arg_constraints`, and `log_prob`/`cdf` check their value's shape
and that it lies in `support`. A failure is a ValueError naming the distribution, the argument and its bad
values. `validate_args=False`, or `Distribution.set_default_validate_args(False)`, skips the checks.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import constraints

__all__ = ["Distribution"]

_SHOWN_BAD_VALUES = 5  # how many invalid entries an error lists


class Distribution:
    """Base class: subclasses set `arg_constraints`, `support`, the shapes, and the methods they support."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # PyTorch's default (`__debug__`): cheap checks on, unless asked otherwise

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution built afterwards without `validate_args=`."""
        if value not in (True, False):
            raise ValueError(f"Distribution.set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: tuple = (), event_shape: tuple = (), validate_args: bool | None = None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_parameters()

    # ---- shapes ----------------------------------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape of the batch of independent distributions held (the parameters' broadcast shape)."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of one draw."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        """sample_shape + batch_shape + event_shape: the shape that sample and rsample return."""
        return self._sample_shape(sample_shape) + self._batch_shape + self._event_shape

    def _sample_shape(self, sample_shape: Any) -> tuple[int, ...]:
        """sample_shape as a tuple, refusing a bare int as torch.Size does (n draws are (n,), not n)."""
        sizes = sample_shape if isinstance(sample_shape, (tuple, list)) else None
        if sizes is None or not all(
            isinstance(size, numbers.Integral) and not isinstance(size, bool) and size >= 0 for size in sizes
        ):
            raise TypeError(
                f"{type(self).__name__}.sample: sample_shape must be a tuple of non-negative ints (as "
                f"torch.Size), got {sample_shape!r}; for n draws pass (n,)"
            )
        return tuple(int(size) for size in sample_shape)

    # ---- parameters and support ------------------------------------------------------------------------------
    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """The constraint each parameter must satisfy, by the parameter's name."""
        return {}

    @property
    def support(self) -> constraints.Constraint:
        """The set of values that have non-zero probability (what log_prob accepts)."""
        raise NotImplementedError(f"{type(self).__name__} does not define its support")

    # ---- drawing ---------------------------------------------------------------------------------------------
    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape + event_shape, with no gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Reparameterised draws, differentiable with respect to the parameters (where `has_rsample`)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no reparameterised sampler (has_rsample is False); use sample(), "
            "whose draws carry no gradient, or a score-function estimator with log_prob"
        )

    # ---- scoring ---------------------------------------------------------------------------------------------
    def log_prob(self, value: Tensor) -> Tensor:
        """log p(value): the log density (continuous) or log mass (discrete), one number per event."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """P(X ≤ value)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of cdf: the x with P(X ≤ x) = value."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        """H = −E[log p(X)], one number per distribution of the batch (shape batch_shape)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """e^H."""
        return self.entropy().exp()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete support, along a new leading dim."""
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    # ---- moments ---------------------------------------------------------------------------------------------
    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """√variance."""
        return self.variance.sqrt()

    # ---- validation ------------------------------------------------------------------------------------------
    def _validate_parameters(self) -> None:
        """Each parameter against its constraint; lazily computed ones (probs from logits) are not checked."""
        for parameter, constraint in self.arg_constraints.items():
            if constraint is constraints.dependent:
                continue  # a set that depends on other parameters: checked by the subclass, if at all
            if parameter not in self.__dict__ and isinstance(
                getattr(type(self), parameter, None), functools.cached_property
            ):
                continue  # derived from the parameter that was given: valid when that one is
            value = getattr(self, parameter)
            valid = constraint.check(value)
            if not bool(valid.all()):
                raise ValueError(
                    f"Expected parameter {parameter} ({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid "
                    f"values: {_bad_values(value, valid)}; pass a valid {parameter} (or validate_args=False "
                    "to skip this check)"
                )

    def _validate_sample(self, value: Any, method: str = "log_prob") -> None:
        """value is a tensor whose rightmost dims are event_shape, whose others broadcast against batch_shape,
        and whose entries lie in the support."""
        name = f"{type(self).__name__}.{method}"
        if not isinstance(value, Tensor):
            raise ValueError(
                f"{name}: the value argument must be a Tensor, got {type(value).__name__} {value!r}; "
                "pass gg.tensor(value)"
            )
        event_start = value.ndim - len(self._event_shape)
        if tuple(value.shape[event_start:]) != self._event_shape:
            raise ValueError(
                f"{name}: the right-most size of value must match event_shape: {tuple(value.shape)} vs "
                f"{self._event_shape}"
            )
        expected = self._batch_shape + self._event_shape
        for actual_size, expected_size in zip(reversed(value.shape), reversed(expected)):
            if actual_size != 1 and expected_size != 1 and actual_size != expected_size:
                raise ValueError(
                    f"{name}: value is not broadcastable with batch_shape+event_shape: {tuple(value.shape)} vs "
                    f"{expected}; give value those trailing sizes (or 1 where it should broadcast)"
                )
        valid = self.support.check(value)
        if not bool(valid.all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be within "
                f"the support ({self.support!r}) of the distribution {self!r}, but found invalid values: "
                f"{_bad_values(value, valid)}"
            )

    def __repr__(self) -> str:
        shown = []
        for parameter in self.arg_constraints:
            if parameter in self.__dict__:  # the parameters given (or computed eagerly), not the lazy ones
                value = self.__dict__[parameter]
                shown.append(f"{parameter}: {value.item() if value.numel() == 1 else tuple(value.shape)}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _bad_values(value: Tensor, valid: Tensor) -> str:
    """The first invalid entries of value (whole events where the constraint covers events) and their indices."""
    values = np.asarray(value.detach().cpu().numpy())
    mask = ~np.asarray(valid.cpu().numpy())
    indices = np.argwhere(mask)[:_SHOWN_BAD_VALUES]
    entries = [values[tuple(index)].tolist() for index in indices]
    where = [tuple(int(i) for i in index) for index in indices]
    more = f" (and {int(mask.sum()) - len(entries)} more)" if mask.sum() > len(entries) else ""
    return f"{entries} at index {where}{more}"
