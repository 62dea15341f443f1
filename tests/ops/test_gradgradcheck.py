"""Second derivatives of every case of the op table: a float64 gradgradcheck on every available device, and
the double backward (gradients of gradients, with respect to the inputs and the grad_outputs) against
PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradgradcheck

from .test_table import CASES, DEVICES, Case, as_outputs, case_params, inputs_for

SECOND_ORDER = [case for case in CASES if case.second_order]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", case_params(SECOND_ORDER))
def test_gradgradcheck(case: Case, device: str) -> None:
    inputs = [gg.tensor(a, dtype=gg.float64, device=device, requires_grad=True) for a in inputs_for(case)]
    assert gradgradcheck(lambda *xs: case.fn(gg, *xs), inputs, eps=case.gradcheck_eps)


def double_backward(lib: Any, fn: Any, arrays: list[np.ndarray], device: str = "cpu") -> list[Any] | None:
    """∂/∂(x, u) of Σ w · (uᵀ ∂f/∂x): the second derivatives, as arrays (None where none flows)."""
    def make(array: np.ndarray) -> Any:
        if lib is gg:
            return gg.tensor(array, dtype=gg.float64, device=device, requires_grad=True)
        return lib.tensor(array, dtype=lib.float64, requires_grad=True)

    inputs = [make(a) for a in arrays]
    outputs = [out for out in as_outputs(fn(lib, *inputs)) if out.requires_grad]
    rng = np.random.default_rng(3)
    grad_outputs = [make(rng.standard_normal(tuple(out.shape))) for out in outputs]
    grads = lib.autograd.grad(outputs, inputs, grad_outputs, create_graph=True, allow_unused=True)
    weighted = [(g * make(rng.standard_normal(tuple(g.shape)))).sum() for g in grads if g is not None]
    weighted = [w for w in weighted if w.requires_grad]
    if not weighted:
        return None
    second = lib.autograd.grad(sum(weighted), inputs + grad_outputs, allow_unused=True)
    if lib is gg:
        return [None if s is None else s.detach().cpu().numpy() for s in second]
    return [None if s is None else s.detach().numpy(force=True) for s in second]  # force: torch's ZeroTensor


@pytest.mark.parametrize("case", case_params(SECOND_ORDER))
def test_double_backward_parity(case: Case) -> None:
    torch = pytest.importorskip("torch")
    if case.cuda_only:
        pytest.skip("the torch side runs on cpu")
    arrays = inputs_for(case)
    ours = double_backward(gg, case.fn, arrays)
    theirs = double_backward(torch, case.torch_side(), arrays)
    assert (ours is None) == (theirs is None), "one framework has second derivatives, the other none"
    for index, (a, b) in enumerate(zip(ours or (), theirs or ())):
        if a is None and b is None:
            continue
        # A gradient one side leaves undefined is zero (torch returns None where no path exists).
        a = np.zeros_like(b) if a is None else a
        b = np.zeros_like(a) if b is None else b
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg=f"second derivative {index}")


def test_gradgradcheck_catches_a_wrong_double_backward() -> None:
    class DetachedSquare(gg.autograd.Function):
        """y = x²; backward 2x·g with x detached: the first derivative is right, the second (2g) is lost."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x.detach()

    x = gg.tensor([0.5, -1.5], dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradcheck(DetachedSquare.apply, (x,))
    with pytest.raises(gg.autograd.GradcheckError, match="disagrees with finite differences"):
        gradgradcheck(DetachedSquare.apply, (x,))
    assert gradgradcheck(DetachedSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_with_given_grad_outputs() -> None:
    x = gg.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=gg.float64, requires_grad=True)
    u = gg.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=gg.float64)  # a constant u: only ∂²/∂x² is checked
    assert gradgradcheck(lambda t: (t * t * t).tanh(), (x,), grad_outputs=(u,))
    with pytest.raises(ValueError, match="1 outputs"):
        gradgradcheck(lambda t: t * t, (x,), grad_outputs=(u, u))
