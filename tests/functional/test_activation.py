"""functional/activation.py and _special.py: parity with torch (values and gradients, float32 and float64),
gradcheck of every op, the subgradients chosen at the kinks, both GELU modes, erf accuracy, in-place, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck
from glassgrad.functional._special import erf, erfc, normal_cdf

# name -> (glassgrad call, torch call); each takes (F, x) so one lambda serves both libraries.
ACTIVATIONS = {
    "relu": lambda f, x: f.relu(x),
    "relu6": lambda f, x: f.relu6(x),
    "leaky_relu": lambda f, x: f.leaky_relu(x),
    "leaky_relu_0.2": lambda f, x: f.leaky_relu(x, 0.2),
    "gelu": lambda f, x: f.gelu(x),
    "gelu_tanh": lambda f, x: f.gelu(x, approximate="tanh"),
    "silu": lambda f, x: f.silu(x),
    "softplus": lambda f, x: f.softplus(x),
    "softplus_beta2_threshold5": lambda f, x: f.softplus(x, beta=2.0, threshold=5.0),
    "softplus_beta_negative": lambda f, x: f.softplus(x, beta=-0.5),
    "elu": lambda f, x: f.elu(x),
    "elu_0.5": lambda f, x: f.elu(x, alpha=0.5),
    "hardtanh": lambda f, x: f.hardtanh(x),
    "hardtanh_-2_3": lambda f, x: f.hardtanh(x, -2.0, 3.0),
    "sigmoid": lambda f, x: f.sigmoid(x),
    "tanh": lambda f, x: f.tanh(x),
    "softmax_0": lambda f, x: f.softmax(x, dim=0),
    "softmax_-1": lambda f, x: f.softmax(x, dim=-1),
    "log_softmax_1": lambda f, x: f.log_softmax(x, dim=1),
}

# Kinks, saturation (±100 overflows e^x in float32) and ordinary values, as a (4, 6) array.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 100.0, -100.0, 3.0, -3.0, 6.0, -2.0, 20.0, 10.0]


def sample(dtype: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.concatenate([SPECIAL, rng.standard_normal(12) * 3]).reshape(4, 6).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_matches_torch(name: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    fn = ACTIVATIONS[name]
    values = sample(dtype)
    upstream = np.random.default_rng(1).standard_normal(values.shape).astype(dtype)
    ours = gg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    y_ours = fn(F, ours)
    y_theirs = fn(torch.nn.functional, theirs)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    tolerance = 2e-6 if dtype == "float32" else 1e-12
    assert y_ours.dtype == ours.dtype and ours.grad.dtype == ours.dtype
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tolerance, atol=tolerance)


# Away from the kinks (0, ±1, 6, the softplus threshold), where finite differences are meaningful.
SMOOTH = np.array([-2.7, -1.3, -0.6, -0.2, 0.3, 0.8, 1.6, 2.4, 3.5, -4.5, 4.5, 7.5])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gradcheck(name: str) -> None:
    x = gg.tensor(SMOOTH.reshape(3, 4), dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda t: ACTIVATIONS[name](F, t), (x,))


def grad_of(fn, values: list[float]) -> list[float]:
    x = gg.tensor(values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


def test_relu_subgradient_at_zero_is_zero() -> None:
    assert grad_of(F.relu, [-1.0, 0.0, -0.0, 2.0]) == [0.0, 0.0, 0.0, 1.0]


def test_leaky_relu_and_elu_take_the_negative_side_at_zero() -> None:
    # PyTorch: leaky_relu' = slope where x ≤ 0; elu' = α·eˣ where x ≤ 0 (so α at 0).
    assert grad_of(lambda x: F.leaky_relu(x, 0.25), [-1.0, 0.0, 1.0]) == [0.25, 0.25, 1.0]
    assert grad_of(lambda x: F.elu(x, 0.5), [0.0, 1.0]) == [0.5, 1.0]


def test_hardtanh_and_relu6_gradient_is_zero_at_the_bounds() -> None:
    assert grad_of(F.hardtanh, [-1.0, -0.5, 1.0]) == [0.0, 1.0, 0.0]
    assert grad_of(F.relu6, [0.0, 3.0, 6.0]) == [0.0, 1.0, 0.0]


def test_gelu_both_modes_at_known_values() -> None:
    x = gg.tensor([-1.0, 0.0, 1.0, 2.0], dtype=gg.float64)
    exact = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in (-1.0, 0.0, 1.0, 2.0)]
    tanh = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))) for v in (-1.0, 0.0, 1.0, 2.0)]
    np.testing.assert_allclose(F.gelu(x).numpy(), exact, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").numpy(), tanh, rtol=1e-15, atol=1e-16)
    assert abs(F.gelu(x).numpy()[2] - F.gelu(x, approximate="tanh").numpy()[2]) > 1e-4  # two different functions


def test_erf_erfc_and_normal_cdf_are_float64_accurate() -> None:
    x = np.concatenate([np.linspace(-7, 7, 2801), [0.46875, -0.46875, 4.0, -4.0, 26.0, -26.0]])
    np.testing.assert_allclose(erf(x), [math.erf(v) for v in x], rtol=1e-15, atol=3e-16)
    np.testing.assert_allclose(erfc(x), [math.erfc(v) for v in x], rtol=1e-13, atol=0)
    left_tail = np.linspace(-37, -5, 321)  # Φ ~ 1e-300: computed through erfc, no cancellation in 1 + erf
    np.testing.assert_allclose(normal_cdf(left_tail), [0.5 * math.erfc(-v / math.sqrt(2)) for v in left_tail],
                               rtol=1e-12)
    edges = erf(np.array([np.inf, -np.inf, np.nan]))
    assert edges[0] == 1.0 and edges[1] == -1.0 and np.isnan(edges[2])
    assert erf(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_float32_normal_cdf_is_accurate_to_float32() -> None:
    # One Chebyshev fit of erfc (1.2e-7 in exact arithmetic); float32 rounding of y² adds ~1e-6 at |x| = 5.
    x = np.linspace(-5, 5, 4001).astype(np.float32)
    reference = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    result = normal_cdf(x)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, reference, rtol=3e-6)


def test_blocked_gelu_equals_whole_array_gelu() -> None:
    from glassgrad.functional._special import _BLOCK, blockwise

    x = np.random.default_rng(0).standard_normal(_BLOCK * 2 + 131).astype(np.float32).reshape(-1, 3)
    np.testing.assert_array_equal(blockwise(normal_cdf, x), normal_cdf(x))
    big = gg.tensor(x, requires_grad=True)
    F.gelu(big).sum().backward()
    small = gg.tensor(x[:5], requires_grad=True)
    F.gelu(small).sum().backward()
    # The fused kernel's SIMD body and its scalar tail may round the last bit differently (seen on Intel Xeon):
    # the blocks must agree to float32 round-off, not bit for bit.
    np.testing.assert_allclose(big.grad.numpy()[:5], small.grad.numpy(), rtol=1e-6, atol=0)


def test_activations_stay_finite_at_extreme_inputs() -> None:
    x = gg.tensor([-1e4, -100.0, 100.0, 1e4], requires_grad=True)
    for fn in (F.gelu, F.silu, F.softplus, F.elu, lambda t: F.gelu(t, approximate="tanh")):
        x.grad = None
        y = fn(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    assert F.softplus(gg.tensor([-np.inf, np.inf])).tolist() == [0.0, np.inf]


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "silu", "elu", "hardtanh"])
def test_inplace_writes_the_input_and_keeps_the_gradient(name: str) -> None:
    fn = getattr(F, name)
    values = [-1.5, -0.3, 0.4, 2.0]
    a = gg.tensor(values, requires_grad=True)
    b = gg.tensor(values, requires_grad=True)
    hidden = a * 2.0  # a non-leaf: in-place on a leaf that requires grad is refused, as in PyTorch
    result = fn(hidden, inplace=True)
    assert result is hidden
    expected = fn(b * 2.0)
    np.testing.assert_allclose(hidden.detach().numpy(), expected.detach().numpy())
    (result * gg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    (expected * gg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


def test_softmax_without_dim_warns_and_picks_torchs_legacy_dim() -> None:
    x = gg.randn(3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), np.ones(3), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.log_softmax(x, 1, dtype=gg.float64).dtype == gg.float64


def test_bad_inputs_are_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(gg.randn(3), approximate="erf")
    with pytest.raises(TypeError, match=r"gelu: expected a floating point tensor, got .*int64.*\.float\(\)"):
        F.gelu(gg.tensor([1, 2]))
    with pytest.raises(ValueError, match="softplus: beta must be nonzero"):
        F.softplus(gg.randn(3), beta=0.0)
    with pytest.raises(ValueError, match=r"min_val \(2.0\) cannot be greater than max_val \(1.0\)"):
        F.hardtanh(gg.randn(3), 2.0, 1.0)
    with pytest.raises(TypeError, match="expected a Tensor, got list"):
        F.silu([1.0, 2.0])
