"""ops/unary.py: the subgradients we chose (relu, abs, clamp at their kinks), dtypes, and numerical safety."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def grad_of(fn, values, dtype=gg.float32):
    x = gg.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


def test_relu_subgradient_at_zero_is_exactly_zero() -> None:
    assert grad_of(lambda x: x.relu(), [-1.0, 0.0, 2.0]) == [0.0, 0.0, 1.0]
    assert grad_of(lambda x: gg.relu(x), [0.0, -0.0]) == [0.0, 0.0]


def test_abs_subgradient_at_zero_is_zero() -> None:
    assert grad_of(lambda x: x.abs(), [-2.0, 0.0, 3.0]) == [-1.0, 0.0, 1.0]


def test_clamp_gradient_is_inclusive_at_the_bounds() -> None:
    values = [-1.0, 0.0, 0.5, 1.0, 2.0]
    assert grad_of(lambda x: x.clamp(0.0, 1.0), values) == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert grad_of(lambda x: x.clamp(min=0.0), values) == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert grad_of(lambda x: x.clamp(max=1.0), values) == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_clamp_with_tensor_bounds_routes_the_gradient_like_torch() -> None:
    torch = pytest.importorskip("torch")
    values = [-1.0, 0.0, 0.5, 1.0, 2.0]
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(values, requires_grad=True)
        low = lib.tensor(0.0, requires_grad=True)
        high = lib.tensor([1.0, 1.0, 1.0, 1.0, 1.5], requires_grad=True)
        (x.clamp(low, high) * lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        grads.append([x.grad.tolist(), low.grad.tolist(), high.grad.tolist()])
    assert grads[0] == grads[1] == [[0.0, 2.0, 3.0, 4.0, 0.0], 1.0, [0.0, 0.0, 0.0, 0.0, 5.0]]


def test_clamp_without_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one of min and max"):
        gg.ones(2).clamp()


def test_clamp_of_an_int_tensor_with_float_bounds_is_float32() -> None:
    assert gg.tensor([1, 2]).clamp(0.5, 1.5).dtype == gg.float32
    assert gg.tensor([1, 2]).clamp(0, 1).dtype == gg.int64


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid"])
def test_float_math_of_integers_is_float32(name: str) -> None:
    x = gg.tensor([1, 2, 3])
    result = getattr(x, name)()
    assert result.dtype == gg.float32
    np.testing.assert_allclose(result.numpy(), getattr(x.float(), name)().numpy())


def test_sigmoid_does_not_overflow_at_extremes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Op.apply ignores overflow in every forward (backend/float_errors.py): switched off here, so that the
    # errstate below sees an exp that overflows
    from glassgrad.backend import float_errors

    monkeypatch.setattr(float_errors, "silence", lambda: None)
    monkeypatch.setattr(float_errors, "restore", lambda token: None)
    with np.errstate(over="raise"):
        y = gg.tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    assert y.tolist() == [0.0, 0.5, 1.0]


def test_sigmoid_of_float16_computes_in_float32() -> None:
    # float16's e⁻ˣ overflows below x = −11, but σ(−12) ≈ 6.1e-6 is still a float16 (PyTorch's CPU kernel also
    # computes in float32). silu and softplus's gradient share the one sigmoid (ops.unary.sigmoid_of).
    import glassgrad.functional as F

    x = gg.tensor(np.array([-12.0, -100.0, 0.0], np.float16))
    np.testing.assert_allclose(x.sigmoid().numpy(), [6.1442e-06, 0.0, 0.5], rtol=1e-3)
    np.testing.assert_allclose(F.silu(x).numpy(), [-12 * 6.1442e-06, 0.0, 0.0], rtol=1e-3)
    assert x.sigmoid().dtype == gg.float16


def test_relu_keeps_integer_dtype_and_refuses_bool() -> None:
    assert gg.tensor([-1, 2]).relu().tolist() == [0, 2]
    with pytest.raises(TypeError, match="relu.*bool"):
        gg.tensor([True]).relu()


def test_sqrt_gradient_at_zero_is_inf_as_torch() -> None:
    with np.errstate(divide="ignore"):
        assert grad_of(lambda x: x.sqrt(), [0.0, 4.0]) == [float("inf"), 0.25]
