"""Property tests: binary (and ternary) ops on random broadcast-compatible shapes agree with PyTorch.

hypothesis draws shape pairs that broadcast (including 0-d tensors and size-1 dims), and the values and
gradients are compared with torch, so the engine's sum-back-to-shape is checked on shapes no one wrote down.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from .test_parity import check_parity
from .test_table import DOMAINS, const

SETTINGS = settings(max_examples=30, deadline=None)
MATMUL_SIGNATURE = "(m?,n),(n,p?)->(m?,p?)"  # NumPy's gufunc signature: 1-D operands and batch broadcasting

# name -> (fn(lib, a, b), domain of a, domain of b)
BINARY = {
    "add": (lambda m, a, b: a + b, "real", "real"),
    "sub": (lambda m, a, b: a - b, "real", "real"),
    "mul": (lambda m, a, b: a * b, "real", "real"),
    "div": (lambda m, a, b: a / b, "real", "nonzero"),
    "pow": (lambda m, a, b: a**b, "positive", "real"),
    "maximum": (lambda m, a, b: m.maximum(a, b), "real", "real"),
    "minimum": (lambda m, a, b: m.minimum(a, b), "real", "real"),
    "composite": (lambda m, a, b: (a * b).tanh() + a.exp() / (1.0 + b * b), "real", "real"),
}


def _arrays(seed: int, shapes: tuple, domains: tuple, dtype: str) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [DOMAINS[d](rng, shape).astype(dtype) for shape, d in zip(shapes, domains)]


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=3),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcasting_matches_torch(name: str, shapes, dtype: str, seed: int) -> None:
    pytest.importorskip("torch")
    fn, domain_a, domain_b = BINARY[name]
    arrays = _arrays(seed, shapes.input_shapes, (domain_a, domain_b), dtype)
    check_parity(fn, fn, arrays, rtol=1e-5 if dtype == "float32" else 1e-10)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_where_broadcasting_matches_torch(shapes, seed: int) -> None:
    pytest.importorskip("torch")
    condition_shape, x_shape, y_shape = shapes.input_shapes
    mask = np.random.default_rng(seed).random(condition_shape) > 0.5
    arrays = _arrays(seed, (x_shape, y_shape), ("real", "real"), "float64")
    where = lambda m, x, y: m.where(const(m, x, mask), x, y)
    check_parity(where, where, arrays, rtol=1e-10)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(signature=MATMUL_SIGNATURE, max_dims=3, min_side=1, max_side=3),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_matmul_batch_broadcasting_matches_torch(shapes, dtype: str, seed: int) -> None:
    pytest.importorskip("torch")
    arrays = _arrays(seed, shapes.input_shapes, ("real", "real"), dtype)
    matmul = lambda m, a, b: a @ b
    check_parity(matmul, matmul, arrays, rtol=1e-5 if dtype == "float32" else 1e-10)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_in_place_add_with_broadcast_other_matches_torch(shapes, seed: int) -> None:
    # x.add_(y) keeps x's shape, so only shape pairs where y broadcasts to x count.
    pytest.importorskip("torch")
    x_shape, y_shape = shapes.input_shapes
    if np.broadcast_shapes(x_shape, y_shape) != tuple(x_shape):
        return

    def fn(m, x, y):
        h = x * 1.0
        h.add_(y, alpha=0.5)
        return h

    arrays = _arrays(seed, (x_shape, y_shape), ("real", "real"), "float64")
    check_parity(fn, fn, arrays, rtol=1e-10)
