"""ops/arithmetic.py and ops/promote.py: PyTorch's type promotion, integer division, scalars on either side."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def dtype_of(expression: str, lib: object) -> str:
    return str(eval(expression, {"m": lib}).dtype).split(".")[-1]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("m.tensor([1, 2]) + 1.5", "float32"),  # an int tensor with a Python float: the default float
        ("m.tensor([1., 2.]) + m.tensor(1., dtype=m.float64)", "float32"),  # a 0-dim tensor ranks below
        ("m.tensor([1., 2.]) + m.tensor([1.], dtype=m.float64)", "float64"),  # a dimensioned tensor does not
        ("m.tensor([1, 2]) / m.tensor([2, 4])", "float32"),  # true division of ints
        ("m.tensor([1, 2]) / 2", "float32"),
        ("m.tensor([1, 2]).exp()", "float32"),  # float math of ints
        ("m.tensor([1, 2]) + m.tensor([3, 4])", "int64"),
        ("m.tensor([1, 2], dtype=m.int32) + 5", "int32"),  # a Python int keeps the tensor's int type
        ("m.tensor([1, 2], dtype=m.int32) + m.tensor(5)", "int32"),  # so does a 0-dim int64 tensor
        ("m.tensor([1, 2], dtype=m.int32) + m.tensor([5])", "int64"),
        ("m.tensor([1, 2], dtype=m.int32) * 2.5", "float32"),
        ("m.tensor(2, dtype=m.int32) * m.tensor(3)", "int64"),
        ("m.tensor(2.0, dtype=m.float64) * m.tensor(3)", "float64"),
        ("m.tensor([1., 2.], dtype=m.float16) + m.tensor([1.])", "float32"),
        ("m.tensor([1, 2], dtype=m.uint8) + m.tensor([1], dtype=m.int32)", "int32"),
        ("m.tensor([True, False]) + 1", "int64"),
        ("m.tensor([True]) * 2.5", "float32"),
        ("m.tensor([1., 2.]) + m.tensor([1, 2])", "float32"),
        ("m.tensor([5, -5]) // 2", "int64"),
        ("m.tensor([5, -5]) // -2.0", "float32"),
        ("m.tensor([2]) ** 2", "int64"),
        ("m.tensor([2]) ** 2.0", "float32"),
        ("2 ** m.tensor([3])", "int64"),
        ("2.5 ** m.tensor([2])", "float32"),
        ("m.tensor([1, 2]) == m.tensor([1., 3.])", "bool"),
        ("m.tensor([1, 2]).sum()", "int64"),
        ("m.tensor([True, True]).sum()", "int64"),
        ("m.tensor([1, 2], dtype=m.int32).sum()", "int64"),
        ("m.tensor([1., 2.]).sum(dtype=m.float64)", "float64"),
    ],
)
def test_type_promotion_matches_torch(expression: str, expected: str) -> None:
    assert dtype_of(expression, gg) == expected
    torch = pytest.importorskip("torch")
    assert dtype_of(expression, torch) == expected


def test_float32_stays_float32_with_python_and_numpy_scalars() -> None:
    x = gg.ones(3)
    for value in (0.5, 2, np.float64(0.5), np.int64(2)):
        for result in (x + value, value + x, x * value, value * x, x - value, value - x, x / value, value / x):
            assert result.dtype == gg.float32


@pytest.mark.parametrize(
    "expression",
    [
        "m.tensor([5, -5]) // 2",
        "m.tensor([5, -5]) // -2.0",
        "7 // m.tensor([2, -2])",
        "m.tensor([5., -5.]) % 3",
        "m.tensor([5, -5]) % -3",
        "m.tensor([5., -7.]).div(2, rounding_mode='trunc')",
        "m.tensor([5, -7]).div(2, rounding_mode='floor')",
        "m.tensor([5, -7]).div(2, rounding_mode='trunc')",
        "m.tensor([5, -7]).div(2)",
        "2 / m.tensor([4])",
        "1.0 - m.tensor([1, 2])",
        "m.sub(m.tensor([1., 2.]), m.tensor([1., 1.]), alpha=3)",
        "m.add(m.tensor([1, 2]), 3, alpha=2)",
    ],
)
def test_integer_and_rounding_division_match_torch(expression: str) -> None:
    torch = pytest.importorskip("torch")
    ours = eval(expression, {"m": gg})
    theirs = eval(expression, {"m": torch})
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.tolist() == theirs.tolist()


def test_remainder_is_differentiable_in_the_dividend() -> None:
    x = gg.tensor([5.0, -5.0], requires_grad=True)
    (x % 3).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_integer_results_do_not_require_grad() -> None:
    x = gg.tensor([1.5, 2.5], requires_grad=True)
    assert not (x // 1).requires_grad
    assert not (x > 2).requires_grad


def test_pow_derivative_at_zero_base_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for exponent in (2, 0, 0.5):
        x = gg.tensor([0.0, 4.0], requires_grad=True)
        xt = torch.tensor([0.0, 4.0], requires_grad=True)
        with np.errstate(divide="ignore"):
            (x**exponent).sum().backward()
        (xt**exponent).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_pow_gradient_of_the_exponent_is_zero_where_the_base_is_zero() -> None:
    x = gg.tensor([0.0, 4.0, 2.0], requires_grad=True)
    p = gg.tensor([2.0, 0.5, 0.0], requires_grad=True)
    (x**p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [0.0, 2.0 * np.log(4.0), np.log(2.0)], rtol=1e-6)


def test_negative_integer_power_of_integers_is_refused() -> None:
    with pytest.raises(ValueError, match="negative integer powers"):
        gg.tensor([1, 2]) ** -1


def test_negating_a_bool_tensor_says_what_to_use() -> None:
    with pytest.raises(TypeError, match="logical_not"):
        -gg.tensor([True])
