"""distributions/_erfinv.py and functional/_special.erfinv: accuracy against torch.erfinv and against math.erf
round trips (float64 and float32), the edges ±1 and out-of-range inputs, and the gradient by gradcheck and
gradgradcheck (its backward is written in tensor ops, so create_graph works)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck
from glassgrad.autograd.gradcheck import gradgradcheck
from glassgrad.distributions._erfinv import erfinv
from glassgrad.functional._special import erfinv as erfinv_array

# dense in the middle, and down to 1 − 1e-15 in both tails, where erfinv grows like √(log 1/(1 − y))
INTERIOR = np.concatenate([np.linspace(-0.999, 0.999, 4001), 1 - np.logspace(-15, -3, 200),
                           -1 + np.logspace(-15, -3, 200), np.logspace(-300, -1, 50)])


def test_float64_round_trip_through_erf() -> None:
    x = erfinv_array(INTERIOR)
    back = np.array([math.erf(v) for v in x])
    # erf's slope at x is 2/√π e^(−x²): a residual of one ulp of y is all a correctly rounded x can reach
    ulps = np.abs(back - INTERIOR) / np.spacing(np.abs(INTERIOR))
    assert np.max(ulps) <= 4


def test_float64_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    y = np.concatenate([INTERIOR[::10], [1 - 2**-53, -(1 - 2**-53)]])
    truth = np.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in y])
    np.testing.assert_allclose(erfinv_array(y), truth, rtol=2e-15, atol=0)


def test_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for dtype, tolerance in ((np.float64, 1e-13), (np.float32, 4e-7)):
        y = INTERIOR.astype(dtype)
        y = y[np.abs(y) < 1]  # float32 rounds the far tail to ±1
        ours = erfinv_array(y)
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, torch.erfinv(torch.tensor(y)).numpy(), rtol=tolerance, atol=1e-300)


def test_edges_and_out_of_range() -> None:
    y = np.array([-1.0, 1.0, 0.0, -0.0, 1.5, -2.0, np.nan])
    x = erfinv_array(y)
    assert x[:2].tolist() == [-np.inf, np.inf]
    assert x[2] == 0.0 and np.signbit(x[3])  # odd: erfinv(−0) = −0, as torch
    assert np.all(np.isnan(x[4:]))


def test_gradient() -> None:
    y = gg.tensor(np.linspace(-0.95, 0.95, 9), requires_grad=True)
    assert gradcheck(erfinv, (y,))
    assert gradgradcheck(erfinv, (y,))
    x = erfinv(y)
    x.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), math.sqrt(math.pi) / 2 * np.exp(x.detach().numpy() ** 2), rtol=1e-12)


def test_refuses_integer_input() -> None:
    with pytest.raises(TypeError, match=r"erfinv: expected a floating tensor, got glassgrad.int64; pass y\.float\(\)"):
        erfinv(gg.tensor([0, 1]))
