"""F.conv1d / F.conv2d: torch parity (forward and every gradient) and gradcheck over one table of configurations,
float32 parity on benchmark-like shapes, and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

# (input shape, weight shape, keyword arguments, with bias). Odd sizes on purpose; the first rows use stride 1
# (the "wide rows" path), the others strides > 1 (exact rows); 'same' with even kernels pads asymmetrically.
CONV2D = [
    ((2, 3, 7, 9), (4, 3, 3, 3), dict(padding=1), True),
    ((2, 3, 10, 9), (4, 3, 3, 3), dict(stride=2, padding=1), True),
    ((2, 4, 11, 12), (6, 2, 3, 2), dict(stride=(3, 2), padding=(2, 1), dilation=2, groups=2), False),
    ((2, 2, 8, 8), (3, 2, 2, 2), dict(stride=2), True),
    ((1, 1, 5, 5), (1, 1, 5, 5), dict(), True),  # kernel = input: a single output pixel
    ((2, 4, 6, 7), (4, 1, 2, 4), dict(padding="same", groups=4), True),  # depthwise, asymmetric 'same'
    ((2, 3, 6, 7), (2, 3, 3, 2), dict(padding="same", dilation=(2, 3)), False),
    ((2, 4, 6, 7), (4, 2, 2, 2), dict(padding="valid", groups=2), True),
    ((3, 6, 5, 5), (6, 2, 1, 1), dict(groups=3), True),  # 1x1
    ((2, 3, 5, 6), (5, 3, 3, 3), dict(stride=(1, 2), padding=(0, 2)), True),
    ((3, 7, 7), (4, 3, 3, 3), dict(padding=1), True),  # unbatched (C, H, W)
]
CONV1D = [
    ((2, 3, 10), (4, 3, 3), dict(stride=2, padding=1), True),
    ((2, 4, 9), (6, 2, 4), dict(padding="same", dilation=2, groups=2), False),
    ((2, 3, 8), (5, 3, 1), dict(), True),
    ((3, 11), (2, 3, 5), dict(padding=2, stride=3), True),  # unbatched (C, L)
]


def _ids(table: list) -> list[str]:
    return [f"{x}-{w}-{kw}" for x, w, kw, _ in table]


def _arrays(x_shape: tuple, w_shape: tuple, with_bias: bool, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    return arrays + [rng.standard_normal(w_shape[0])] if with_bias else arrays


def _check_torch(ours, theirs, arrays: list, dtype: str, rtol: float, atol: float) -> None:
    torch = pytest.importorskip("torch")
    mine = [gg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    ref = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    y, y_ref = ours(*mine), theirs(*ref)
    assert y.shape == tuple(y_ref.shape)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    y.backward(gg.tensor(g))
    y_ref.backward(torch.tensor(g))
    for a, t in zip(mine, ref):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own padded copy
@pytest.mark.parametrize("x_shape, w_shape, kwargs, with_bias", CONV2D, ids=_ids(CONV2D))
def test_conv2d_matches_torch(x_shape, w_shape, kwargs, with_bias) -> None:
    torch = pytest.importorskip("torch")
    _check_torch(lambda *t: F.conv2d(*t, **kwargs), lambda *t: torch.nn.functional.conv2d(*t, **kwargs),
                 _arrays(x_shape, w_shape, with_bias), "float64", 1e-10, 1e-10)  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, kwargs, with_bias", CONV1D, ids=_ids(CONV1D))
def test_conv1d_matches_torch(x_shape, w_shape, kwargs, with_bias) -> None:
    torch = pytest.importorskip("torch")
    _check_torch(lambda *t: F.conv1d(*t, **kwargs), lambda *t: torch.nn.functional.conv1d(*t, **kwargs),
                 _arrays(x_shape, w_shape, with_bias), "float64", 1e-10, 1e-10)  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape", [((8, 1, 28, 28), (32, 1, 3, 3)), ((8, 32, 14, 14), (64, 32, 3, 3))])
def test_conv2d_float32_benchmark_shapes(x_shape, w_shape) -> None:
    torch = pytest.importorskip("torch")
    arrays = _arrays(x_shape, w_shape, True)
    arrays[1] *= 0.1
    _check_torch(lambda *t: F.conv2d(*t, padding=1), lambda *t: torch.nn.functional.conv2d(*t, padding=1),
                 arrays, "float32", 1e-4, 1e-4)  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, kwargs, with_bias", CONV2D, ids=_ids(CONV2D))
def test_conv2d_gradcheck(x_shape, w_shape, kwargs, with_bias) -> None:
    inputs = [gg.tensor(a, requires_grad=True) for a in _arrays(x_shape, w_shape, with_bias)]
    assert gradcheck(lambda *t: F.conv2d(*t, **kwargs), inputs)


@pytest.mark.parametrize("x_shape, w_shape, kwargs, with_bias", CONV1D, ids=_ids(CONV1D))
def test_conv1d_gradcheck(x_shape, w_shape, kwargs, with_bias) -> None:
    inputs = [gg.tensor(a, requires_grad=True) for a in _arrays(x_shape, w_shape, with_bias)]
    assert gradcheck(lambda *t: F.conv1d(*t, **kwargs), inputs)


def test_only_needed_gradients_and_float32_result() -> None:
    x = gg.randn(2, 3, 6, 6)  # no grad: the first conv of a network
    w = gg.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.dtype == gg.float32
    y.sum().backward()
    assert x.grad is None and w.grad is not None and w.grad.dtype == gg.float32


def test_no_grad_records_nothing() -> None:
    w = gg.randn(4, 3, 3, 3, requires_grad=True)
    with gg.no_grad():
        y = F.conv2d(gg.randn(1, 3, 5, 5), w)
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, message",
    [
        ((1, 3, 8, 8), (4, 2, 3, 3), {}, r"expects input with 2 channels, but input of shape \(1, 3, 8, 8\) has 3"),
        ((1, 3, 2, 2), (4, 3, 3, 3), {}, r"kernel .* is larger than the padded input \(2, 2\)"),
        ((1, 4, 8, 8), (3, 2, 3, 3), dict(groups=2), r"3 output channels, not divisible by groups=2"),
        ((1, 4, 8, 8), (4, 2, 3, 3), dict(groups=2, stride=2, padding="same"), "not supported for strided"),
        ((1, 3, 8, 8), (4, 3, 3, 3), dict(padding="full"), "invalid padding string 'full'"),
        ((1, 3, 8, 8), (4, 3, 3, 3), dict(padding=-1), "negative padding"),
        ((1, 3, 8, 8), (4, 3, 3, 3), dict(stride=0), "stride and dilation must be positive"),
        ((8, 8), (4, 3, 3, 3), {}, r"expected 3-D \(unbatched\) or 4-D \(batched\) input, got input of shape \(8, 8\)"),
        ((1, 3, 8, 8), (4, 3, 3), {}, "expected a 4-D weight"),
    ],
)
def test_conv2d_errors(x_shape, w_shape, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        F.conv2d(gg.randn(*x_shape), gg.randn(*w_shape), **kwargs)


def test_conv_bias_and_dtype_errors() -> None:
    x, w = gg.randn(1, 3, 8, 8), gg.randn(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"expects a bias of shape \(4,\), got bias of shape \(3,\)"):
        F.conv2d(x, w, gg.randn(3))
    with pytest.raises(TypeError, match="one floating dtype"):
        F.conv2d(x.double(), w)
    with pytest.raises(TypeError, match="one floating dtype"):
        F.conv1d(gg.ones(1, 3, 8, dtype=gg.int64), gg.ones(2, 3, 3, dtype=gg.int64))
    with pytest.raises(ValueError, match="conv1d: .* 3 channels"):
        F.conv1d(gg.randn(1, 3, 8), gg.randn(2, 2, 3))
