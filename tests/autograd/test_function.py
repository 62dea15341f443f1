"""Custom differentiable functions: tensor-level autograd.Function (PyTorch style) and array-level Op."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function, Op, gradcheck


class LogCosh(Function):
    """y = log(cosh(x)).   dy/dx = tanh(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ((x.exp() + (-x).exp()) * 0.5).log()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.tanh()


class ScaledMul(Function):
    """z = a · x · y.   dz/dx = a y, dz/dy = a x  (a is a plain number: no gradient)"""

    @staticmethod
    def forward(ctx, x, y, a):
        ctx.save_for_backward(x, y)
        ctx.a = a
        return x * y * a

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad * y * ctx.a if ctx.needs_input_grad[0] else None
        grad_y = grad * x * ctx.a if ctx.needs_input_grad[1] else None
        return grad_x, grad_y, None


class SinCos(Op):
    """(s, c) = (sin x, cos x), two outputs.   ds/dx = cos x, dc/dx = −sin x"""

    @staticmethod
    def forward(ctx, x):
        s, c = np.sin(x), np.cos(x)
        ctx.save_for_backward(s, c)
        return s, c

    @staticmethod
    def backward(ctx, grad_s, grad_c):
        s, c = ctx.saved_tensors
        return grad_s * c - grad_c * s


def test_function_with_save_for_backward_computes_the_gradient() -> None:
    x = gg.tensor([0.0, 1.0, -2.0], requires_grad=True)
    y = LogCosh.apply(x)
    assert y.grad_fn.name() == "LogCoshBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tanh([0.0, 1.0, -2.0]), rtol=1e-6)


def test_function_passes_gradcheck() -> None:
    x = gg.randn(4, dtype=gg.float64, requires_grad=True)
    y = gg.randn(4, dtype=gg.float64, requires_grad=True)
    assert gradcheck(LogCosh.apply, (x,))
    assert gradcheck(lambda a, b: ScaledMul.apply(a, b, 2.5), (x, y))


def test_function_forward_and_backward_run_without_recording() -> None:
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen["forward"] = (gg.is_grad_enabled(), x.requires_grad)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen["backward"] = gg.is_grad_enabled()
            return grad * 2

    x = gg.ones(2, requires_grad=True)
    Probe.apply(x).sum().backward()
    assert seen == {"forward": (False, False), "backward": False}
    assert x.grad.tolist() == [2.0, 2.0]


def test_needs_input_grad_skips_unneeded_gradients() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = gg.tensor([3.0, 4.0])
    out = ScaledMul.apply(x, y, 2.0)
    assert out.grad_fn.needs_input_grad == (True, False, False)
    out.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0] and y.grad is None


def test_modifying_a_tensor_saved_by_a_function_raises_at_backward() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    out = LogCosh.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()


def test_function_must_return_tensors() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.numpy()

    with pytest.raises(TypeError, match="Bad: forward and backward of an autograd.Function must return tensors"):
        Bad.apply(gg.ones(2))


def test_op_with_two_outputs() -> None:
    x = gg.tensor([0.3, 1.2], dtype=gg.float64, requires_grad=True)
    s, c = SinCos.apply(x)
    assert s.grad_fn is c.grad_fn and (s.output_nr, c.output_nr) == (0, 1)
    (s * 2 + c * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos([0.3, 1.2]) - 3 * np.sin([0.3, 1.2]))
    x.grad = None
    s, _ = SinCos.apply(x)
    s.sum().backward()  # the unused output's gradient arrives as zeros
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.3, 1.2]))
    assert gradcheck(SinCos.apply, (x,))


def test_op_backward_returning_the_wrong_count_is_reported() -> None:
    class TwoGrads(Op):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="TwoGrads.backward returned 2 gradients for 1 forward arguments"):
        TwoGrads.apply(x).sum().backward()


def test_op_backward_with_a_wrong_shape_is_reported() -> None:
    class WrongShape(Op):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return np.ones((5, 7))

    x = gg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongShape: backward returned a gradient of shape \(5, 7\) for an input "
                                           r"of shape \(2, 3\)"):
        WrongShape.apply(x).sum().backward()
