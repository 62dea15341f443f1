"""Every case of the op table passes a float64 finite-difference gradcheck, on every available device."""

from __future__ import annotations

import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck

from .test_table import DEVICES, Case, case_params, inputs_for


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", case_params())
def test_gradcheck(case: Case, device: str) -> None:
    inputs = [gg.tensor(a, dtype=gg.float64, device=device, requires_grad=True) for a in inputs_for(case)]
    assert gradcheck(lambda *xs: case.fn(gg, *xs), inputs, eps=case.gradcheck_eps)


def test_gradcheck_catches_a_wrong_backward() -> None:
    class WrongSquare(gg.autograd.Op):
        """y = x²   (backward deliberately returns x instead of 2x)"""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x

    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    with pytest.raises(gg.autograd.GradcheckError, match="disagrees with finite differences"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_refuses_float32_inputs() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, (x,))


def test_gradcheck_of_a_non_contiguous_input() -> None:
    # A transposed NumPy array is a leaf whose memory is not row-major: perturbing it must still reach fn.
    import numpy as np

    x = gg.from_numpy(np.arange(6.0).reshape(2, 3).T.copy().T).requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t * t).sum(0), (x,))
