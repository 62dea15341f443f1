"""kernels/select.py, the fast path of the masking backwards' where(mask, a, b) (ops/_where.py), against NumPy's
where on the same arrays.

PyTorch parity of the ops that select through it is in tests/ops/test_masks.py (kernels on and off).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.kernels import _numba, select
from glassgrad.ops._where import where

from .test_fused_paths import spy_on_fast_paths

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")

SPECIAL = np.array([np.inf, -np.inf, np.nan, -np.nan, 0.0, -0.0, 1.0, -2.5], dtype=np.float32)


def arrays(shape=(37, 129), seed=0):  # 4773 elements: above the kernel's _MIN_SIZE
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    a.reshape(-1)[: SPECIAL.size] = SPECIAL  # inf, NaN of both signs and ±0 must arrive bit for bit
    b = rng.standard_normal(shape).astype(np.float32)
    return rng.random(shape) > 0.5, a, b


def assert_same_bits(ours, reference):
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    np.testing.assert_array_equal(ours.view(np.int32), reference.view(np.int32))


@pytest.mark.parametrize("form", ["arrays", "array_else_number", "number_else_array"])
def test_where_moves_the_bits_of_the_chosen_branch(form) -> None:
    mask, a, b = arrays()
    first, second = {"arrays": (a, b), "array_else_number": (a, 0), "number_else_array": (0, b)}[form]
    assert where.entry.when(mask, first, second)
    assert_same_bits(select.where_float32(mask, first, second), np.where(mask, first, second).astype(np.float32))
    assert_same_bits(where(mask, first, second), np.where(mask, first, second).astype(np.float32))


def test_where_falls_back_to_numpy_off_the_fast_path() -> None:
    mask, a, b = arrays()
    # float64, a broadcast mask, a transposed (not C-order) array, too few elements: NumPy's where, same answer
    for args in [(mask, a.astype(np.float64), 0), (mask[:1], a, b), (mask.T, a.T, 0), (mask[:5], a[:5], b[:5])]:
        assert not where.entry.when(*args)
        np.testing.assert_array_equal(where(*args), np.where(*args))


def test_masking_backwards_take_the_kernel(monkeypatch) -> None:
    called = set()
    spy_on_fast_paths(monkeypatch, ["where"], called)
    x = gg.tensor(arrays()[1], requires_grad=True)
    for fn in (lambda t: t.clamp(-1.0, 1.0), F.hardtanh, F.leaky_relu, lambda t: F.threshold(t, 0.0, 1.0),
               lambda t: gg.maximum(t, t * 0.5), lambda t: F.max_pool2d(t[None, None], 3, 1),
               lambda t: gg.where(t > 0, t, t * 2.0), lambda t: t.masked_fill(t > 0, 0.0)):
        called.clear()
        y = fn(x)
        y.backward(gg.ones(y.shape))  # a C-order gradient (sum's backward hands on a broadcast view)
        assert called == {"where"}, "the backward did not select through kernels/select.py"


def test_a_numpy_scalar_counts_as_a_0d_array():
    # The engine may hand a 0-d backward a NumPy scalar (np.float64 is also a float): it is an array operand,
    # not a number (the fuzzer found relu of a 0-d tensor raising IndexError here).
    result = where(np.asarray(False), 0, np.float64(2.5))
    assert float(result) == 2.5
    assert float(where(np.asarray(True), 0, np.float64(2.5))) == 0.0
