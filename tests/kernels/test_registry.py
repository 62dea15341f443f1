"""Every fast path registered at the seam (kernels/registry.py) agrees with its reference on its example."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad  # noqa: F401 - importing glassgrad registers every reference and fast path
from glassgrad.kernels import ENABLED, registry

ENTRIES = registry.entries()


def _as_list(result):
    if result is None:  # an update in place
        return []
    return list(result) if isinstance(result, tuple) else [result]


def test_every_name_has_a_reference() -> None:
    assert [entry.name for entry in ENTRIES if entry.reference is None] == []
    assert any(entry.kernel is not None for entry in ENTRIES)


@pytest.mark.skipif(not ENABLED, reason="Numba not installed or disabled: only the references run")
@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kernel is not None], ids=lambda e: e.name)
def test_fast_path_matches_its_reference(entry: registry.Entry) -> None:
    args = entry.example()
    assert entry.when(*args), f"{entry.name}: its example does not fit its own fast path"
    fast_args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    slow_args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    # The results, then the arguments: an update in place (Adam's) returns nothing and writes into them.
    fast = _as_list(entry.kernel(*fast_args)) + [a for a in fast_args if isinstance(a, np.ndarray)]
    slow = _as_list(entry.reference(*slow_args)) + [a for a in slow_args if isinstance(a, np.ndarray)]
    assert len(fast) == len(slow)
    for mine, theirs in zip(fast, slow):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), rtol=2e-6, atol=1e-6)


def test_a_call_that_does_not_fit_runs_the_reference() -> None:
    from glassgrad.ops.unary import relu_backward

    y = np.maximum(np.linspace(-1, 1, 7), 0)  # float64: never the fast path
    assert relu_backward.entry.when(y, y) is False
    np.testing.assert_array_equal(relu_backward(y, np.ones(7)), (y > 0).astype(np.float64))


def test_a_name_takes_one_reference_and_one_fast_path() -> None:
    registry.reference("test_registry_name")(lambda x: x)
    with pytest.raises(ValueError, match="already has a reference"):
        registry.reference("test_registry_name")(lambda x: x)
    registry.fast_path("test_registry_name", when=lambda x: True, example=lambda: (1,))(lambda x: x)
    with pytest.raises(ValueError, match="already has a fast path"):
        registry.fast_path("test_registry_name", when=lambda x: True, example=lambda: (1,))(lambda x: x)
    registry._ENTRIES.pop("test_registry_name")
