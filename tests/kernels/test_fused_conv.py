"""The convolution, max-pool and ReLU kernels against the plain NumPy path: same float32 inputs, kernels on and off.

Each case checks the output and every gradient. PyTorch parity of the same ops (tests/functional/test_conv.py,
test_pooling.py, tests/ops/test_unary.py) runs with the kernels on.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.kernels import _numba

from .test_fused_paths import assert_all_close, forward_and_grads, run_both, spy_on_fast_paths

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def assert_close_to_scale(fast, plain):
    """Equal up to float32 rounding of sums: dL/dW adds N·Ho·Wo products (in another order when the products'
    shapes differ), so an entry near 0 is off by rounding of the large terms: atol scales with the largest entry."""
    for a, b in zip(fast, plain):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(b).max())))


CONV2D_CASES = {  # name: (input shape, weight shape, conv2d keyword arguments)
    "benchmark": ((4, 32, 14, 14), (64, 32, 3, 3), dict(padding=1)),
    "one_channel": ((3, 1, 28, 28), (8, 1, 3, 3), dict(padding=1)),
    "valid": ((2, 3, 9, 11), (5, 3, 3, 3), dict()),
    "stride": ((2, 3, 10, 11), (4, 3, 3, 3), dict(stride=2, padding=1)),
    "stride_exceeds_kernel": ((2, 3, 13, 12), (4, 3, 2, 2), dict(stride=3)),
    "uneven": ((2, 3, 11, 9), (6, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    "dilation": ((2, 4, 12, 12), (4, 4, 3, 3), dict(padding=2, dilation=2)),
    "same": ((2, 3, 8, 7), (4, 3, 4, 4), dict(padding="same")),
    "groups": ((2, 6, 8, 8), (9, 2, 3, 3), dict(padding=1, groups=3)),
    "depthwise": ((2, 4, 9, 9), (4, 1, 3, 3), dict(stride=2, padding=1, groups=4)),
    "wide_padding": ((2, 2, 5, 5), (3, 2, 3, 3), dict(padding=3)),
    "1x1": ((2, 8, 5, 6), (4, 8, 1, 1), dict()),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d(monkeypatch, case, bias):
    x_shape, w_shape, kwargs = CONV2D_CASES[case]
    x, w, b = random(*x_shape), random(*w_shape, seed=1), random(w_shape[0], seed=2)
    if bias:
        conv, arrays = (lambda x, w, b: F.conv2d(x, w, b, **kwargs)), (x, w, b)
    else:
        conv, arrays = (lambda x, w: F.conv2d(x, w, **kwargs)), (x, w)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(conv, *arrays))
    assert_close_to_scale(fast, plain)


def test_conv2d_input_without_grad(monkeypatch):
    """The first layer of a network: no dL/dX wanted, so backward skips col2im."""
    x, w, b = random(4, 1, 12, 12), random(6, 1, 3, 3, seed=1), random(6, seed=2)
    conv = lambda w, b: F.conv2d(gg.tensor(x), w, b, padding=1)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(conv, w, b))
    assert_close_to_scale(fast, plain)


@pytest.mark.parametrize("kwargs", [dict(padding=2), dict(stride=2, dilation=2), dict(padding="same", groups=2)])
def test_conv1d(monkeypatch, kwargs):
    x, w, b = random(3, 4, 17), random(6, 4 // kwargs.get("groups", 1), 5, seed=1), random(6, seed=2)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(lambda x, w, b: F.conv1d(x, w, b, **kwargs), x, w, b))
    assert_close_to_scale(fast, plain)


MAX_POOL_CASES = {  # name: (input shape, max_pool2d keyword arguments); the 2×2 ones without padding take the kernel
    "2x2": ((4, 8, 28, 28), dict(kernel_size=2)),
    "2x2_odd_size": ((2, 3, 9, 11), dict(kernel_size=2)),
    "2x2_stride_1": ((2, 3, 8, 9), dict(kernel_size=2, stride=1)),
    "2x2_stride_3": ((2, 3, 11, 10), dict(kernel_size=2, stride=(3, 2))),
    "2x2_ceil_inside": ((2, 3, 8, 8), dict(kernel_size=2, ceil_mode=True)),
    "2x2_ceil_overhang": ((2, 3, 9, 9), dict(kernel_size=2, ceil_mode=True)),  # NumPy path
    "2x2_padding": ((2, 3, 9, 9), dict(kernel_size=2, padding=1)),  # NumPy path
    "3x3_stride_2": ((2, 3, 11, 11), dict(kernel_size=3, stride=2, padding=1)),  # NumPy path
}


@pytest.mark.parametrize("case", MAX_POOL_CASES)
def test_max_pool2d(monkeypatch, case):
    shape, kwargs = MAX_POOL_CASES[case]
    x = random(*shape)
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(lambda x: F.max_pool2d(x, **kwargs), x))
    np.testing.assert_array_equal(fast[0], plain[0])  # a max: no rounding
    assert_all_close(fast, plain)  # overlapping windows (stride 1) add in another order
    fast_indices, plain_indices = run_both(
        monkeypatch, lambda: F.max_pool2d(gg.tensor(x), return_indices=True, **kwargs)[1].numpy()
    )
    np.testing.assert_array_equal(fast_indices, plain_indices)


def test_max_pool2d_ties_and_nan(monkeypatch):
    """Ties go to the first maximum (after a ReLU whole windows are 0); a NaN wins the window, as in NumPy."""
    x = np.maximum(random(2, 3, 8, 8), 0)
    x[0, 0, 0, 1] = np.nan  # window (0, 0): NaN at offset 1
    x[0, 0, 2, 2] = np.nan  # window (1, 1): NaN at offset 0, then a larger value after it
    x[0, 0, 3, 3] = 9.0
    x[1, 2, :2, :2] = 0.0  # an all-zero window
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(lambda x: F.max_pool2d(x, 2), x))
    np.testing.assert_array_equal(fast[0], plain[0])  # NaN where NaN
    np.testing.assert_array_equal(fast[1], plain[1])
    assert np.isnan(fast[0][0, 0, 0, 0]) and np.isnan(fast[0][0, 0, 1, 1])


def test_relu(monkeypatch):
    x = random(7, 33, 5)
    x[0, :4, 0] = [0.0, -0.0, np.inf, -np.inf]
    fast, plain = run_both(monkeypatch, lambda: forward_and_grads(F.relu, x))
    assert_all_close(fast, plain, rtol=0, atol=0)
    nan = np.array([np.nan, -np.nan, 1.0], dtype=np.float32)
    fast_nan, plain_nan = run_both(monkeypatch, lambda: F.relu(gg.tensor(nan)).numpy())
    np.testing.assert_array_equal(fast_nan, plain_nan)  # NaN stays NaN, of either sign


def test_cnn_layers_take_the_kernels(monkeypatch):
    """The benchmark's layers (bench/workloads/cnn.py) run on the kernels, forward and backward."""
    called = set()
    names = ["conv_im2col", "conv_to_images", "conv_channels_last", "conv_col2im", "max_pool_forward",
             "max_pool_backward", "relu_forward", "relu_backward"]  # fmt: skip
    spy_on_fast_paths(monkeypatch, names, called)  # registered at the seam (kernels/registry.py)
    x = gg.tensor(random(2, 4, 8, 8), requires_grad=True)
    w = gg.tensor(random(6, 4, 3, 3, seed=1), requires_grad=True)
    y = F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2)
    y.backward(gg.tensor(random(*y.shape, seed=2)))
    assert called == set(names)
