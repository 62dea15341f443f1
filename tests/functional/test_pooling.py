"""F.max_pool1d/2d, F.avg_pool1d/2d, F.adaptive_avg_pool2d: torch parity and gradcheck over one table each,
PyTorch's tie rule for max pooling, return_indices, and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

MAX_POOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=1),  # overlapping windows: gradients add up
    dict(kernel_size=(1, 3), stride=(1, 2), dilation=2),
]
AVG_POOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=3, stride=3, padding=1, ceil_mode=True),  # last window hangs past the padded input
    dict(kernel_size=(2, 3), stride=1, divisor_override=4),
]
ADAPTIVE = [1, (3, 4), (None, 2), (5, 9), (4, 7), (7, 9)]
SHAPES = [(2, 3, 7, 9), (3, 6, 6)]  # odd sizes, and an unbatched input


def _check_torch(ours, theirs, x: np.ndarray, rtol: float = 1e-12) -> None:
    torch = pytest.importorskip("torch")
    mine, ref = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, y_ref = ours(mine), theirs(ref)
    assert y.shape == tuple(y_ref.shape)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=rtol, atol=rtol)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    y.backward(gg.tensor(g))
    y_ref.backward(torch.tensor(g))
    np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy(), rtol=rtol, atol=rtol)


def _input(shape: tuple, relu: bool = False) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal(shape)
    return np.maximum(x, 0) if relu else x  # after a ReLU many windows tie at 0


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kwargs", MAX_POOL)
@pytest.mark.parametrize("relu", [False, True])
def test_max_pool2d_matches_torch(kwargs, shape, relu) -> None:
    torch = pytest.importorskip("torch")
    _check_torch(lambda t: F.max_pool2d(t, **kwargs), lambda t: torch.nn.functional.max_pool2d(t, **kwargs),
                 _input(shape, relu))  # fmt: skip


@pytest.mark.parametrize("kwargs", MAX_POOL)
def test_max_pool2d_indices_match_torch(kwargs) -> None:
    torch = pytest.importorskip("torch")
    x = _input((2, 3, 7, 9), relu=True)
    y, indices = F.max_pool2d(gg.tensor(x), return_indices=True, **kwargs)
    y_ref, indices_ref = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    assert indices.dtype == gg.int64
    np.testing.assert_array_equal(indices.numpy(), indices_ref.numpy())


def test_max_pool_tie_gradient_goes_to_first_maximum() -> None:
    # PyTorch's subgradient: the whole gradient to the first maximum of the window in row-major order.
    x = gg.tensor([[[[1.0, 3.0], [3.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kwargs", AVG_POOL)
def test_avg_pool2d_matches_torch(kwargs, shape) -> None:
    torch = pytest.importorskip("torch")
    _check_torch(lambda t: F.avg_pool2d(t, **kwargs), lambda t: torch.nn.functional.avg_pool2d(t, **kwargs),
                 _input(shape))  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("output_size", ADAPTIVE)
def test_adaptive_avg_pool2d_matches_torch(output_size, shape) -> None:
    torch = pytest.importorskip("torch")
    _check_torch(lambda t: F.adaptive_avg_pool2d(t, output_size),
                 lambda t: torch.nn.functional.adaptive_avg_pool2d(t, output_size), _input(shape))  # fmt: skip


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2),
                                    dict(kernel_size=3, stride=1, dilation=2, ceil_mode=True)])  # fmt: skip
def test_pool1d_matches_torch(kwargs) -> None:
    torch = pytest.importorskip("torch")
    x = _input((2, 3, 11))
    _check_torch(lambda t: F.max_pool1d(t, **kwargs), lambda t: torch.nn.functional.max_pool1d(t, **kwargs), x)
    kwargs = {k: v for k, v in kwargs.items() if k != "dilation"}
    _check_torch(lambda t: F.avg_pool1d(t, **kwargs), lambda t: torch.nn.functional.avg_pool1d(t, **kwargs), x)


def test_float32_stays_float32() -> None:
    torch = pytest.importorskip("torch")
    x = _input((4, 8, 28, 28), relu=True).astype(np.float32)
    y = F.max_pool2d(gg.tensor(x), 2)
    assert y.dtype == gg.float32 and F.avg_pool2d(gg.tensor(x), 2).dtype == gg.float32
    _check_torch(lambda t: F.max_pool2d(t, 2), lambda t: torch.nn.functional.max_pool2d(t, 2), x, rtol=1e-6)


@pytest.mark.parametrize("kwargs", MAX_POOL)
def test_max_pool2d_gradcheck(kwargs) -> None:
    x = gg.tensor(_input((1, 2, 7, 9)), requires_grad=True)  # distinct values: no ties for finite differences
    assert gradcheck(lambda t: F.max_pool2d(t, **kwargs), [x])


@pytest.mark.parametrize("kwargs", AVG_POOL)
def test_avg_pool2d_gradcheck(kwargs) -> None:
    x = gg.tensor(_input((1, 2, 7, 9)), requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, **kwargs), [x])


@pytest.mark.parametrize("output_size", ADAPTIVE)
def test_adaptive_avg_pool2d_gradcheck(output_size) -> None:
    x = gg.tensor(_input((1, 2, 7, 9)), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, output_size), [x])


def test_pool1d_gradcheck() -> None:
    x = gg.tensor(_input((2, 3, 11)), requires_grad=True)
    assert gradcheck(lambda t: F.max_pool1d(t, 3, 2, 1), [x])
    assert gradcheck(lambda t: F.avg_pool1d(t, 3, 2, 1, count_include_pad=False), [x])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.max_pool2d(gg.randn(1, 3, 8, 8), 3, padding=2), ValueError, "at most half of kernel_size"),
        (lambda: F.avg_pool2d(gg.randn(1, 3, 8, 8), 3, padding=2), ValueError, "at most half of kernel_size"),
        (lambda: F.max_pool2d(gg.randn(1, 3, 2, 2), 3), ValueError, r"\(1, 3, 2, 2\) is too small for kernel_size"),
        (lambda: F.max_pool2d(gg.randn(8, 8), 2), ValueError, r"3-D \(unbatched\) or 4-D .* shape \(8, 8\)"),
        (lambda: F.max_pool2d(gg.randn(1, 3, 8, 8), 0), ValueError, "must be positive"),
        (lambda: F.max_pool2d(gg.randn(1, 3, 8, 8), (2, 2, 2)), TypeError, "a tuple of 2 ints"),
        (lambda: F.max_pool2d(gg.ones(1, 3, 8, 8, dtype=gg.int64), 2), TypeError, "floating-point"),
        (lambda: F.avg_pool2d(gg.randn(1, 3, 8, 8), 2, divisor_override=0), ValueError, "divisor_override"),
        (lambda: F.adaptive_avg_pool2d(gg.randn(1, 3, 8, 8), (0, 2)), ValueError, "positive int"),
        (lambda: F.adaptive_avg_pool2d(gg.randn(3, 8), 2), ValueError, r"input of shape \(3, 8\)"),
    ],
)
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
