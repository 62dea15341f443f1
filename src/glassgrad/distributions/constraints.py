"""Constraints: the sets a distribution's parameters and values must lie in, as `torch.distributions.constraints`.

A constraint's `check(value)` returns a bool tensor, True where `value` is inside the set. `event_dim` says
how many rightmost dimensions one check covers: 0 for elementwise sets, 1 for the simplex (a whole probability
vector is valid or not). `Distribution` checks its parameters against `arg_constraints` at construction and the
values given to `log_prob`/`cdf` against `support`, and names the first bad values in its error.
"""

from __future__ import annotations

from ..tensor import Tensor

__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "greater_than",
    "independent",
    "integer_interval",
    "interval",
    "less_than",
    "nonnegative_integer",
    "positive",
    "real",
    "simplex",
    "unit_interval",
]


class Constraint:
    """A set of valid values. `is_discrete`: integer-valued; `event_dim`: rightmost dims checked together."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        """A bool tensor of value's shape less `event_dim` dims: True where the value is in the set."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A set that depends on other parameters and cannot be checked alone (skipped by validation)."""

    def check(self, value: Tensor) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


class _Real(Constraint):
    """All reals, ±inf included: only NaN is refused (as in PyTorch)."""

    def check(self, value: Tensor) -> Tensor:
        return value == value  # False only for NaN


class _Boolean(Constraint):
    """{0, 1}."""

    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)


class _GreaterThan(Constraint):
    """(lower_bound, inf)."""

    def __init__(self, lower_bound: float | Tensor) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return value > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={_bound_repr(self.lower_bound)})"


class _LessThan(Constraint):
    """(−inf, upper_bound)."""

    def __init__(self, upper_bound: float | Tensor) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return value < self.upper_bound

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={_bound_repr(self.upper_bound)})"


class _Interval(Constraint):
    """[lower_bound, upper_bound]."""

    def __init__(self, lower_bound: float | Tensor, upper_bound: float | Tensor) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={_bound_repr(self.lower_bound)}, upper_bound={_bound_repr(self.upper_bound)})"


class _IntegerInterval(Constraint):
    """The integers lower_bound, ..., upper_bound (a float value must be a whole number to pass)."""

    is_discrete = True

    def __init__(self, lower_bound: int, upper_bound: int) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        whole = (value % 1) == 0
        return whole & (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    """The integers lower_bound, lower_bound + 1, ..."""

    is_discrete = True

    def __init__(self, lower_bound: int) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return ((value % 1) == 0) & (value >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Simplex(Constraint):
    """Probability vectors along the last dim: x ≥ 0 and |Σx − 1| < 1e-6 (PyTorch's tolerance)."""

    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(dim=-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _Independent(Constraint):
    """A base constraint applied elementwise, then required to hold over the `reinterpreted_batch_ndims`
    rightmost dims together (so that `event_dim` grows by that many)."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def check(self, value: Tensor) -> Tensor:
        valid = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            valid = valid.all(dim=-1)
        return valid

    def __repr__(self) -> str:
        return f"Independent({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


def _bound_repr(bound: float | Tensor) -> str:
    # A tensor bound (Uniform's support) would print its whole repr; its shape is what identifies it.
    return f"<Tensor of shape {tuple(bound.shape)}>" if isinstance(bound, Tensor) else repr(bound)


# PyTorch's public names: singletons for the fixed sets, classes (lower-case aliases) for the parametrised ones.
dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
nonnegative_integer = _IntegerGreaterThan(0)
greater_than = _GreaterThan
less_than = _LessThan
interval = _Interval
integer_interval = _IntegerInterval
independent = _Independent
