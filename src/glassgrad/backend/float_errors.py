"""Quiet floating-point errors inside glassgrad's ops: inf and nan results without NumPy's RuntimeWarning.

log(0) = −inf, 1/0 = inf, 0/0 = nan, √−1 = nan, exp(1000) = inf, log(−1) = nan: PyTorch returns these
silently; NumPy also warns (and raises under `warnings.simplefilter("error")`). Op.apply runs every forward
between `silence()` and `restore(token)`, and the engine its whole backward pass, so no op warns; the few
computations outside an Op (floor division) are decorated with `@quietly`. Only glassgrad's own computations are
quieted: the user's NumPy code keeps its settings.

Why not `with np.errstate(...)` around each forward: that costs about 1.6 µs (making and entering the object in
Python), as much as a whole small op. Since NumPy 2, errstate is one context variable holding the error state;
setting it to a state built once here costs about 0.1 µs. NumPy 1.x has no such variable, and gets errstate.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

_IGNORED = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}  # "under" is NumPy's default "ignore"

try:
    from numpy._core._ufunc_config import _extobj_contextvar  # NumPy ≥ 2: what np.errstate sets
except ImportError:  # NumPy 1.x
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    with np.errstate(**_IGNORED):
        _QUIET_STATE = _extobj_contextvar.get()

    # silence() ignores divide-by-zero, invalid and overflow until restore(token); it returns the token. Both
    # are the context variable's own (C) methods, with no Python frame: this runs around every op.
    silence: Callable[[], Any] = functools.partial(_extobj_contextvar.set, _QUIET_STATE)
    restore: Callable[[Any], None] = _extobj_contextvar.reset

else:

    def silence() -> Any:
        """Ignore divide-by-zero, invalid and overflow until `restore(token)`; returns the token."""
        state = np.errstate(**_IGNORED)
        state.__enter__()
        return state

    def restore(token: Any) -> None:
        token.__exit__(None, None, None)


def quietly(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` run between silence() and restore(), for the computations on arrays outside an Op."""

    @functools.wraps(function)
    def quiet_function(*args: Any, **kwargs: Any) -> Any:
        token = silence()
        try:
            return function(*args, **kwargs)
        finally:
            restore(token)

    return quiet_function
