"""NaN-safe masking backward: every op whose gradient is cut off by a mask, against PyTorch 2.13.

A mask's backward selects (`where(mask, g, 0)`), never multiplies by 0/1: an infinite upstream gradient times a
0 mask would be NaN where the branch is cut off. Each case runs the op on inputs holding NaN, ±inf, ties, ±0
and finite values, with upstream gradients 1, inf, −inf and NaN at every input, and compares output and
gradient element for element (NaN where NaN) with PyTorch, in float64 and in float32 (with the Numba kernels
and on the NumPy path).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.kernels import _numba

torch = pytest.importorskip("torch")
# inf − inf and inf·0 in the ops' own arithmetic (the NaNs PyTorch gives too) make NumPy warn
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

inf = math.inf
nan = math.nan
VALUES = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 6.0, 7.0, nan, inf, -inf]
UPSTREAM = [1.0, inf, -inf, nan]
# every value meets every kind of upstream gradient: (48,) each
X, G = (list(column) for column in zip(*itertools.product(VALUES, UPSTREAM)))

UNARY = {  # name: (glassgrad, torch) on one tensor
    "relu": (F.relu, torch.relu),
    "tensor.relu": (lambda x: x.relu(), lambda x: x.relu()),
    "clamp": (lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0)),
    "clamp_min": (lambda x: x.clamp(min=0.0), lambda x: x.clamp(min=0.0)),
    "clamp_max": (lambda x: x.clamp(max=0.5), lambda x: x.clamp(max=0.5)),
    "clamp_low_above_high": (lambda x: x.clamp(2.0, 1.0), lambda x: x.clamp(2.0, 1.0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: torch.nn.functional.leaky_relu(x, 0.1)),
    "leaky_relu_slope_0": (lambda x: F.leaky_relu(x, 0.0), lambda x: torch.nn.functional.leaky_relu(x, 0.0)),
    "softplus": (F.softplus, torch.nn.functional.softplus),
    "abs": (lambda x: x.abs(), torch.abs),  # PyTorch multiplies by sign(x): inf·0 = NaN at x = 0, kept
    "max_all": (lambda x: x.max(), lambda x: x.max()),
    "min_all": (lambda x: x.min(), lambda x: x.min()),
    "max_dim": (lambda x: x.reshape(12, 4).max(1)[0], lambda x: x.reshape(12, 4).max(1)[0]),
    "threshold": (lambda x: F.threshold(x, 0.5, -3.0), lambda x: torch.nn.functional.threshold(x, 0.5, -3.0)),
    "threshold_module_at_0": (gg.nn.Threshold(0.0, 7.0), torch.nn.Threshold(0.0, 7.0)),
    "masked_fill": (lambda x: x.masked_fill(x > 0.5, 0.0), lambda x: x.masked_fill(x > 0.5, 0.0)),
}
# PyTorch's hardtanh and elu backward at a NaN input depend on where the element sits (the vectorised body gives
# 0 or NaN, the scalar tail passes g): compared here without NaN inputs, and pinned to the body's answer below.
NAN_FREE = {
    "elu": (F.elu, torch.nn.functional.elu),
    "hardtanh": (F.hardtanh, torch.nn.functional.hardtanh),
    "relu6": (F.relu6, torch.nn.functional.relu6),
    "hardtanh_0_6": (lambda x: F.hardtanh(x, 0.0, 6.0), lambda x: torch.nn.functional.hardtanh(x, 0.0, 6.0)),
}


def gg_run(fn, values, upstream, dtype):
    x = gg.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(gg.tensor(np.asarray(upstream, dtype=dtype.np).reshape(y.shape)))
    return y.detach().numpy(), x.grad.numpy()


def torch_run(fn, values, upstream, dtype):
    x = torch.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(torch.tensor(np.asarray(upstream).reshape(y.shape), dtype=dtype))
    return y.detach().numpy(), x.grad.numpy()


def assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        # NaN where NaN, the same inf where inf, exact zeros, and finite values to rounding (softplus's exp)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)


DTYPES = [(gg.float64, torch.float64), (gg.float32, torch.float32)]


def paths(monkeypatch, compute):
    """compute() with the Numba kernels (where installed), then on the NumPy path."""
    results = [compute()]
    with monkeypatch.context() as patch:
        patch.setattr(_numba, "ENABLED", False)
        results.append(compute())
    return results


@pytest.mark.parametrize("dtypes", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(UNARY) + sorted(NAN_FREE))
def test_masking_backward_matches_torch_on_nan_and_inf(monkeypatch, name, dtypes) -> None:
    ours, theirs = {**UNARY, **NAN_FREE}[name]
    values, upstream = X, G
    if name in NAN_FREE:
        values, upstream = zip(*[(x, g) for x, g in zip(X, G) if not math.isnan(x)])
    if name in ("max_all", "min_all"):
        upstream = [upstream[1]]  # one output: an infinite scalar gradient (every kind: the test below)
    if name == "max_dim":
        upstream = upstream[:12]  # one gradient per row of 4
    expected = torch_run(theirs, values, upstream, dtypes[1])
    for result in paths(monkeypatch, lambda: gg_run(ours, values, upstream, dtypes[0])):
        assert_same(result, expected)


@pytest.mark.parametrize("upstream", UPSTREAM)
@pytest.mark.parametrize("values", [[1.0, 3.0, 3.0, -inf], [1.0, nan, 3.0, nan], [inf, 2.0, inf, 0.0]])
@pytest.mark.parametrize("reduce", ["max", "min"])
def test_max_min_of_all_elements_share_ties_and_go_to_nan(values, upstream, reduce) -> None:
    """Ties share g evenly; a NaN result sends g to the NaNs; the others get exactly 0, even for g = inf."""
    fn = (lambda x: x.max()) if reduce == "max" else (lambda x: x.min())
    assert_same(gg_run(fn, values, upstream, gg.float64), torch_run(fn, values, upstream, torch.float64))


def test_hardtanh_gradient_is_zero_at_nan_like_clamp() -> None:
    for fn in (F.hardtanh, F.relu6, lambda x: x.clamp(0.0, 6.0)):
        for dtype in (gg.float32, gg.float64):
            assert gg_run(fn, [nan, 0.5], [1.0, 1.0], dtype)[1].tolist() == [0.0, 1.0]


def test_elu_gradient_passes_at_nan() -> None:
    # PyTorch's elu_backward formula `x <= 0 ? g·α·eˣ : g` (its CUDA kernel and CPU scalar loop; its CPU
    # vectorised body, 32 float32 or 16 float64 elements at a time, gives NaN: not copied)
    for dtype in (gg.float32, gg.float64):
        grad = gg_run(F.elu, [nan, 0.5, -1.0], [1.0, inf, inf], dtype)[1]
        assert grad[0] == 1.0 and grad[1] == inf and grad[2] == inf


def test_relu_passes_the_gradient_where_its_output_is_nan(monkeypatch) -> None:
    # PyTorch's threshold_backward: 0 where y ≤ 0, else g (NaN ≤ 0 is false). Kernel and NumPy path agree.
    values = [nan, -nan, 0.0, -0.0, -1.0, 1.0] * 8  # 48: the kernel's vectorised body and its tail
    for grad in paths(monkeypatch, lambda: gg_run(F.relu, values, [inf] * 48, gg.float32)[1]):
        assert grad.tolist() == [inf, inf, 0.0, 0.0, 0.0, inf] * 8


def test_sqrt_of_clamped_squared_distance_has_gradient_zero() -> None:
    """The pairwise-distance pattern sqrt(clamp(d², min=0)): at d² < 0 PyTorch's gradient is 0, not NaN."""
    for dtype in (gg.float32, gg.float64):
        x = gg.tensor([-1.0, 4.0], dtype=dtype, requires_grad=True)
        x.clamp(min=0).sqrt().sum().backward()
        assert x.grad.tolist() == [0.0, 0.25]


BINARY = {
    "maximum": (gg.maximum, torch.maximum),
    "minimum": (gg.minimum, torch.minimum),
    "tensor.max(other)": (lambda a, b: a.max(b), lambda a, b: a.max(b)),
}
PAIR_VALUES = [-1.0, 0.0, -0.0, 1.0, nan, inf, -inf]


@pytest.mark.parametrize("dtypes", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_maximum_minimum_split_ties_and_stay_finite(name, dtypes) -> None:
    """Ties split g in halves (inf/2 = inf), the loser gets exactly 0, and both get g where one side is NaN."""
    pairs = list(itertools.product(PAIR_VALUES, PAIR_VALUES, UPSTREAM))
    a, b, upstream = (list(column) for column in zip(*pairs))
    ours, theirs = BINARY[name]
    results = []
    for lib, fn, dtype in ((gg, ours, dtypes[0]), (torch, theirs, dtypes[1])):
        left = lib.tensor(a, dtype=dtype, requires_grad=True)
        right = lib.tensor(b, dtype=dtype, requires_grad=True)
        out = fn(left, right)
        out.backward(lib.tensor(upstream, dtype=dtype))
        results.append([out.detach().numpy(), left.grad.numpy(), right.grad.numpy()])
    assert_same(*results)


def test_maximum_broadcast_tie_gradient_sums_halves() -> None:
    results = []
    for lib in (gg, torch):
        a = lib.tensor([[1.0], [2.0]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([1.0, 2.0, inf], dtype=lib.float64, requires_grad=True)
        lib.maximum(a, b).backward(lib.tensor([[inf, 1.0, 1.0], [1.0, 1.0, nan]], dtype=lib.float64))
        results.append([a.grad.numpy(), b.grad.numpy()])
    assert_same(*results)


CLAMP_X = [-1.0, 0.0, 0.5, 1.0, 2.0, nan, inf]
CLAMP_BOUND = [0.0, 1.0, nan]


@pytest.mark.parametrize("bounds", ["both", "min", "max"])
def test_clamp_with_tensor_bounds_matches_torch_on_nan_inf_and_crossed_bounds(bounds) -> None:
    """PyTorch's clamp_backward_min_max, quirks included: low = high > x gives every input gradient 0."""
    triples = list(itertools.product(CLAMP_X, CLAMP_BOUND, CLAMP_BOUND))
    x, low, high = (list(column) for column in zip(*triples))
    upstream = [UPSTREAM[i % 4] for i in range(len(x))]
    results = []
    for lib in (gg, torch):
        leaves = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (x, low, high)]
        lo = leaves[1] if bounds in ("both", "min") else None
        hi = leaves[2] if bounds in ("both", "max") else None
        out = lib.clamp(leaves[0], lo, hi)
        out.backward(lib.tensor(upstream, dtype=lib.float64))
        results.append([out.detach().numpy()] + [leaf.grad.numpy() if leaf.grad is not None else None
                                                 for leaf in leaves])
    for a, b in zip(*results):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)  # NaN where NaN, inf where inf, exact elsewhere


def test_clamp_tensor_bound_promotes_and_broadcasts() -> None:
    x = gg.tensor([[-1, 5], [2, 3]])  # int64
    low = gg.tensor([0.5, 0.0], requires_grad=True)  # float32
    y = gg.clamp(x, low, None)
    assert y.dtype == gg.float32 and y.tolist() == [[0.5, 5.0], [2.0, 3.0]]
    y.sum().backward()
    assert low.grad.tolist() == [1.0, 0.0]


MAX_POOL_CASES = {  # name: (input (1, 1, H, W), max_pool2d arguments) — NaNs, ties and ±inf in the windows
    "2x2_kernel_path": ([[nan, 1.0, nan, 5.0, 3.0, 3.0], [2.0, nan, 3.0, nan, 3.0, 3.0]], (2,)),
    "3x3_stride_1": ([[nan, 1.0, nan, 5.0, 1.0], [2.0, nan, 3.0, inf, 1.0], [1.0, 1.0, -inf, 1.0, nan]], (3, 1)),
    "3x3_padded": ([[0.0, 0.0, 0.0], [0.0, nan, 0.0], [0.0, 0.0, -inf]], (3, 2, 1)),
}


@pytest.mark.parametrize("dtypes", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("upstream", UPSTREAM)
@pytest.mark.parametrize("name", sorted(MAX_POOL_CASES))
def test_max_pool_sends_the_gradient_to_the_last_nan_and_nowhere_else(monkeypatch, name, upstream, dtypes) -> None:
    """A NaN wins its window and gets the gradient (PyTorch: `val > max || isnan(val)`); the other elements
    get exactly 0 even when g is inf; ties go to the first maximum."""
    rows, args = MAX_POOL_CASES[name]
    values = [[rows]]
    x = torch.tensor(values, dtype=dtypes[1], requires_grad=True)
    y = torch.nn.functional.max_pool2d(x, *args)
    y.backward(torch.full_like(y, upstream))
    expected = (y.detach().numpy(), x.grad.numpy())

    def ours():
        x = gg.tensor(values, dtype=dtypes[0], requires_grad=True)
        y = F.max_pool2d(x, *args)
        y.backward(gg.full(y.shape, upstream, dtype=dtypes[0]))
        return y.detach().numpy(), x.grad.numpy()

    for result in paths(monkeypatch, ours):
        assert_same(result, expected)


def test_l1_loss_slope_is_zero_at_nan_as_torch() -> None:
    """l1_loss' = sign(x − t), with PyTorch's sign(NaN) = 0; an infinite gradient at x = t is NaN in both."""
    results = []
    for lib in (gg, torch):
        x = lib.tensor([nan, 1.0, 2.0, inf, -1.0], dtype=lib.float64, requires_grad=True)
        target = lib.tensor([0.0, 1.0, 0.0, inf, 0.0], dtype=lib.float64)
        loss = lib.nn.functional.l1_loss(x, target, reduction="none")
        loss.backward(lib.tensor([1.0, inf, 1.0, 1.0, -inf], dtype=lib.float64))
        results.append([loss.detach().numpy(), x.grad.numpy()])
    assert_same(*results)


def test_dropout_backward_multiplies_by_its_mask_as_torch() -> None:
    """Dropout keeps PyTorch's g·m/(1 − p): an infinite gradient at a dropped element is NaN in both."""
    gg.manual_seed(0)
    x = gg.ones(64, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.backward(gg.full((64,), inf))
    dropped = y.detach().numpy() == 0
    assert dropped.any() and (~dropped).any()
    assert np.isnan(x.grad.numpy()[dropped]).all() and (x.grad.numpy()[~dropped] == inf).all()


def test_relu_rnn_backward_keeps_an_infinite_gradient_out_of_units_at_zero() -> None:
    """The fused Elman RNN (relu) selects like F.relu: inf upstream at units that are 0 gives 0, not NaN."""
    results = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        rnn = lib.nn.RNN(2, 3, nonlinearity="relu")
        with lib.no_grad():
            for parameter in rnn.parameters():
                parameter.mul_(0.0)
            rnn.bias_ih_l0.add_(lib.tensor([-1.0, 2.0, -0.5]))  # h' = relu(b): units 0 and 2 are off
        x = lib.ones(4, 2, 2, requires_grad=True)
        out, _ = rnn(x)
        out.backward(lib.tensor([[[inf, 1.0, inf]] * 2] * 4))
        results.append([out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in rnn.parameters()])
    assert_same(*results)
