"""Every mismatch the fuzzer found, shrunk to a plain test: explicit inputs, both frameworks, values and gradients.

The first group was fixed with this suite. The tests marked xfail(strict=True) pin mismatches in code another
worker of issue #13 owns (named in the reason, and in known.py); each one fails loudly (XPASS) once the fix
lands, so the mark and the known.py entry are deleted together.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

INF = math.inf
NAN = math.nan


def _run(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray], weights: np.ndarray | None) -> tuple:
    """fn's output and the gradients of backward(Σ w · output), as NumPy arrays (grads None when not reached)."""
    leaves = [lib.tensor(np.array(a), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    w = np.ones(out.shape) if weights is None else np.broadcast_to(weights, out.shape)
    (out * lib.tensor(w.astype(np.array(arrays[0]).dtype))).sum().backward()
    grads = [None if t.grad is None else t.grad.detach().numpy() for t in leaves]
    return out.detach().numpy(), grads


def assert_matches_torch(fn: Callable[..., Any], *arrays: Any, weights: Any = None, rtol: float = 1e-7) -> None:
    """fn(lib, *tensors) gives the same values, shapes and gradients in glassgrad and PyTorch."""
    arrays = [np.asarray(a, dtype=np.float64) if not isinstance(a, np.ndarray) else a for a in arrays]
    out, grads = _run(gg, fn, arrays, weights)
    torch_out, torch_grads = _run(torch, fn, arrays, weights)
    assert out.shape == torch_out.shape, (out.shape, torch_out.shape)
    np.testing.assert_allclose(out, torch_out, rtol=rtol, atol=rtol, equal_nan=True)
    for grad, torch_grad in zip(grads, torch_grads):
        assert (grad is None) == (torch_grad is None)
        if grad is not None:
            np.testing.assert_allclose(grad, torch_grad, rtol=rtol, atol=rtol, equal_nan=True)


def F(lib: Any) -> Any:
    return lib.nn.functional


# ---- fixed: 0-d tensors reduced along dim 0 or -1 (PyTorch accepts both and reduces over nothing) ----------

ZERO_DIM_REDUCTIONS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k),
    "mean": lambda m, x, d, k: x.mean(d, keepdim=k),
    "var_correction0": lambda m, x, d, k: x.var(d, keepdim=k, correction=0),
    "std_correction0": lambda m, x, d, k: x.std(d, keepdim=k, correction=0),
    "prod": lambda m, x, d, k: x.prod(d, keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "amax": lambda m, x, d, k: x.amax(d, keepdim=k),
    "amin": lambda m, x, d, k: x.amin(d, keepdim=k),
    "max_dim": lambda m, x, d, k: x.max(d, keepdim=k)[0],
    "min_dim": lambda m, x, d, k: x.min(d, keepdim=k).values,
    "softmax": lambda m, x, d, k: F(m).softmax(x, d),
    "log_softmax": lambda m, x, d, k: F(m).log_softmax(x, d),
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", sorted(ZERO_DIM_REDUCTIONS))
def test_zero_dim_reduction_along_dim_0(name: str, dim: int, keepdim: bool) -> None:
    # was: IndexError / AxisError from NumPy (fuzz: `var(leaf(()), dim=0)`, `min_dim(leaf(()), dim=0)`)
    reduction = ZERO_DIM_REDUCTIONS[name]
    assert_matches_torch(lambda m, x: reduction(m, x * 1.5, dim, keepdim), 0.7, weights=np.array(-2.0))


def test_zero_dim_max_along_dim_0_returns_index_0() -> None:
    values, indices = gg.tensor(2.5).max(0, keepdim=True)
    torch_values, torch_indices = torch.tensor(2.5).max(0, keepdim=True)
    assert (values.item(), indices.item(), values.shape) == (torch_values.item(), torch_indices.item(), ())
    assert indices.dtype == gg.int64


ACTIVATIONS = {
    "gelu": lambda m, x: F(m).gelu(x),
    "gelu_tanh": lambda m, x: F(m).gelu(x, approximate="tanh"),
    "silu": lambda m, x: F(m).silu(x),
    "leaky_relu": lambda m, x: F(m).leaky_relu(x, 0.1),
    "elu": lambda m, x: F(m).elu(x),
    "softplus": lambda m, x: F(m).softplus(x, beta=2.0),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_fused_activation_of_a_zero_dim_tensor(name: str, dtype: str) -> None:
    # was: TypeError "return arrays must be of ArrayType" (NumPy makes a 0-d product a scalar, no `out=`)
    for value in (-0.8, 0.6):
        assert_matches_torch(ACTIVATIONS[name], np.array(value, dtype=dtype), weights=np.array(0.5), rtol=1e-6)


def test_fused_activation_in_place_on_a_zero_dim_tensor() -> None:
    x = gg.tensor(-0.5)
    gg.nn.functional.silu(x, inplace=True)
    assert x.shape == () and x.item() == pytest.approx(torch.nn.functional.silu(torch.tensor(-0.5)).item())


# ---- fixed: softmax / log_softmax with an infinite entry, and over empty slices --------------------------


@pytest.mark.parametrize("row", [[INF, 1.0], [INF, -INF], [INF, INF], [-INF, -INF], [-INF, 1.0], [NAN, 1.0]])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_of_a_row_with_infinities(name: str, row: list) -> None:
    # was: softmax([inf, 1]) = [nan, 0] and log_softmax = [nan, -inf]; PyTorch gives nan throughout (fuzz:
    # `softmax(leaf((3,), specials=(-inf, inf)))`). logsumexp keeps PyTorch's masked shift: inf, not nan.
    fn = {
        "softmax": lambda m, x: F(m).softmax(x, 0),
        "log_softmax": lambda m, x: F(m).log_softmax(x, 0),
        "logsumexp": lambda m, x: x.logsumexp(0),
    }[name]
    x = np.array(row)
    np.testing.assert_array_equal(fn(gg, gg.tensor(x)).numpy(), fn(torch, torch.tensor(x)).numpy())


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_over_an_empty_tensor(name: str, dim: int) -> None:
    # was: ValueError "zero-size array to reduction operation maximum" (fuzz: `log_softmax(t0[[False]], dim=0)`)
    fn = {
        "softmax": lambda m, x: F(m).softmax(x, dim),
        "log_softmax": lambda m, x: F(m).log_softmax(x, dim),
        "logsumexp": lambda m, x: x.logsumexp(dim),
    }[name]
    assert_matches_torch(fn, np.zeros((2, 0, 3)))


# ---- fixed: std's gradient on a constant slice, amax/amin ---------------------------------------------


@pytest.mark.parametrize("correction", [0, 1])
def test_std_gradient_is_zero_where_std_is_zero(correction: int) -> None:
    # was: nan, from d√v/dv = inf at v = 0 (fuzz: `std(leaf((4, 4, 3, 1)), dim=3, correction=0)`)
    x = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    assert_matches_torch(lambda m, t: t.std(dim=1, correction=correction), x, weights=np.array([0.5, -1.5]))
    assert_matches_torch(lambda m, t: t.std(dim=1, keepdim=True, correction=0), x[:, :1])
    # fuzz: `sqrt_abs(std(abs(t0), dim=-1, correction=0))`: an inf upstream gradient on a zero std is still 0
    assert_matches_torch(lambda m, t: t.std(dim=1, correction=0).sqrt(), x[:, :1])


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1), -1])
def test_amax_amin_share_the_gradient_of_ties(name: str, dim: Any) -> None:
    # was: AttributeError, no Tensor.amax / amin
    x = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.5]])
    assert_matches_torch(lambda m, t: getattr(t, name)(dim), x)
    assert_matches_torch(lambda m, t: getattr(m, name)(t * t, dim, keepdim=True), x)


# ---- open: NaN-safe masking (worker "masks") ------------------------------------------------------------

MASKS = pytest.mark.xfail(strict=True, reason="masks: NaN-safe masking backward (known.py)")


def test_nan_safe_masking_abs_at_nan() -> None:
    # fuzz: `abs(leaf((3,), specials=nan))`: glassgrad sign(nan) = nan, PyTorch's gradient is 0
    assert_matches_torch(lambda m, x: x.abs(), [NAN, -1.0, 2.0])


def test_nan_safe_masking_minimum_with_nan() -> None:
    # fuzz: `minimum(leaf((1, 1, 1, 2), specials=nan), leaf((2,)))`: the non-nan side got 0, PyTorch 1
    assert_matches_torch(lambda m, x, y: m.minimum(x, y), [[NAN, 0.3]], [0.5, -1.0])


def test_nan_safe_masking_max_of_all_with_nan() -> None:
    # fuzz: `max_all(sub(t0, leaf(specials=nan)))`: glassgrad 0/0 = nan everywhere
    assert_matches_torch(lambda m, x: x.max(), [NAN, 0.5, 2.0])


def test_nan_safe_masking_clamp_with_min_above_max() -> None:
    # fuzz: `div_scalar(clamp(leaf((1,)), lo=1.0, hi=-1.0), c=0.0)`: upstream inf times mask 0 is nan
    assert_matches_torch(lambda m, x: m.clamp(x, 1.0, -1.0) / 0.0, [0.3, -2.0])


def test_nan_safe_masking_relu_passes_the_gradient_of_a_nan() -> None:
    # fuzz: `relu(view(var(leaf(()), dim=-1, keepdim=True)), (1,))`: PyTorch's threshold_backward keeps the
    # gradient where the input is nan (nan <= 0 is false); glassgrad's mask (y > 0) drops it
    assert_matches_torch(lambda m, x: x.relu(), [NAN, -1.0, 2.0])


def test_nan_safe_masking_relu_of_a_zero_dim_tensor_with_an_accumulated_nan_gradient() -> None:
    # fuzz: `log_abs(relu(leaf((), float32)))` plus the weighted sum: an accumulated 0-d gradient is a NumPy
    # scalar, which skips the relu kernel (a select) for `grad * (y > 0)`: nan · 0 = nan, PyTorch 0
    assert_matches_torch(lambda m, x: x.relu().abs().log() * 2.0 + x.relu() * 0.5, -0.39)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_nan_safe_masking_ignored_target_gets_no_gradient(name: str) -> None:
    # fuzz: `div(t0, cross_entropy(t0, target=[[-100, 2, 2, 1]], reduction='none'))`: the ignored position's
    # loss is 0, its upstream gradient inf, and 0 · inf = nan spreads over the whole row; PyTorch gives 0
    x = np.random.default_rng(0).standard_normal((4, 3))
    target = np.array([-100, 2, 2, 1])
    assert_matches_torch(lambda m, t: getattr(F(m), name)(t, m.tensor(target), reduction="none"), x,
                         weights=np.array([INF, 1.0, 1.0, 1.0]))


# ---- open: Pow's exponent gradient at base 0, Var's at no degrees of freedom (worker "higher") ------------


def test_pow_exponent_gradient_at_base_zero() -> None:
    # fuzz: `rpow_scalar(t, c=0.0)`: d(0**b)/db = 0**b · ln 0 is ±inf for b < 0 in PyTorch, nan in glassgrad
    assert_matches_torch(lambda m, b: 0.0**b, [-1.5, -0.5, 0.5, 2.0])


def test_pow_zero_exponent_gradient_with_an_infinite_upstream_gradient() -> None:
    # fuzz: `pow_abs(cross_entropy(...), p=0.0)`: d(a**0)/da is 0 in PyTorch (zeros), grad · 0 = nan here
    assert_matches_torch(lambda m, a: a**0.0, [0.5, 2.0], weights=np.array([INF, 1.0]))


def test_var_gradient_of_a_nan_with_no_degrees_of_freedom() -> None:
    # fuzz: `var(var(leaf(()), dim=0), correction=1)`: the gradient reaching the inner (nan) variance is inf
    # in PyTorch ((2/0) · g · (x − x̄)), nan in glassgrad
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(np.array(0.3), requires_grad=True)
        inner = x.var(0, keepdim=True)
        inner.retain_grad()
        (inner.var() * 1.3).backward()
        grads.append(inner.grad.numpy())
    np.testing.assert_array_equal(*grads)


# ---- open: views and ops/shape.py (worker "inplace") ------------------------------------------------------

NO_OP_VIEWS = {  # name -> (input shape, a view that changes nothing)
    "squeeze": ((2, 3), lambda x: x.squeeze()),
    "reshape": ((2, 3), lambda x: x.reshape(2, 3)),
    "view": ((2, 3), lambda x: x.view(2, -1)),
    "transpose_0d": ((), lambda x: x.transpose(0, -1)),
    "split": ((2, 3), lambda x: x.split(2, dim=0)[0]),
    "chunk": ((2, 3), lambda x: x.chunk(1, dim=1)[0]),
}


@pytest.mark.parametrize("name", sorted(NO_OP_VIEWS))
def test_no_op_view_is_a_new_tensor(name: str) -> None:
    # fuzz: `squeeze(add(t0, t1))` and the like return x itself, so y.retain_grad() (and hooks on y) see x's
    # whole gradient: below y.grad must be w_y alone, glassgrad gives w_x + w_y
    shape, view = NO_OP_VIEWS[name]
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(np.arange(6.0)[: int(np.prod(shape))].reshape(shape), requires_grad=True) * 1.0
        y = view(x)
        y.retain_grad()
        ((x * 2.0).sum() + (y * 3.0).sum()).backward()
        grads.append(y.grad.numpy())
    np.testing.assert_array_equal(*grads)


DIMS_OUT_OF_RANGE = {
    "stack": lambda m, x: m.stack([x, x], dim=2),        # 1-D inputs: dim in [-2, 1]
    "cat": lambda m, x: m.cat([x, x], dim=1),            # dim in [-1, 0]
    "flatten": lambda m, x: x.flatten(-1, -3),           # dims in [-1, 0]
    "transpose_0d": lambda m, x: x.sum().transpose(-1, 1),  # dims in [-1, 0]
}


@pytest.mark.parametrize("name", sorted(DIMS_OUT_OF_RANGE))
def test_dim_out_of_range_raises(name: str) -> None:
    fn = DIMS_OUT_OF_RANGE[name]
    with pytest.raises(IndexError):
        fn(torch, torch.zeros(3))
    with pytest.raises((IndexError, ValueError)):
        fn(gg, gg.zeros(3))


def test_chunk_of_an_empty_dim() -> None:
    # fuzz: `chunk(leaf((0,)), chunks=3)`: PyTorch gives 3 empty pieces, glassgrad 1
    assert len(gg.zeros(0).chunk(3)) == len(torch.zeros(0).chunk(3))


# ---- open: matmul's errors (worker "errors") -------------------------------------------------------------


def test_matmul_mixed_dtypes() -> None:
    # fuzz: `matmul(leaf((1, 3), float32), leaf((3, 1), float64))`: PyTorch refuses, glassgrad promotes
    with pytest.raises(RuntimeError):
        torch.zeros(1, 3) @ torch.zeros(3, 1, dtype=torch.float64)
    with pytest.raises((RuntimeError, TypeError)):
        gg.zeros(1, 3) @ gg.zeros(3, 1, dtype=gg.float64)


# ---- PyTorch behaviour not copied -------------------------------------------------------------------------


def test_gelu_of_infinity_is_infinity_in_float32_too() -> None:
    # PyTorch's float32 CPU kernel gives gelu(+inf) = nan, its float64 one inf; glassgrad gives x·Φ(x) = inf
    # in both (fuzz: `gelu(leaf((3, 4, 1), float32, specials=inf))`)
    x = np.array([INF, -INF, 1.0])
    expected = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    for dtype in ("float32", "float64"):
        np.testing.assert_allclose(gg.nn.functional.gelu(gg.tensor(x.astype(dtype))).numpy(), expected, rtol=1e-6)


# ---- open: the in-place family, run by the fuzzer only with GLASSGRAD_FUZZ_INPLACE=1 (worker "inplace") ----



def _write_through_zero_dim_view(m: Any, x: Any) -> Any:
    y = x * 1.0
    y[0].add_(10.0)  # y[0] of a 1-D tensor is a 0-d view in PyTorch; glassgrad's is a copy, the write is lost
    return y


def _add_into_a_view(m: Any, x: Any, b: Any) -> Any:
    y = -x
    y[..., -1].add_(b)  # fuzz: `add_(neg(t0), t2, view=('getitem', (Ellipsis, -1)))`
    return y * y


def _copy_into_a_view(m: Any, x: Any, b: Any) -> Any:
    y = -x
    y[()].copy_(b)  # fuzz: `copy_(neg(t0), t2, view=('getitem', ()))`
    return y * y


def _add_into_a_transposed_view(m: Any, x: Any, b: Any) -> Any:
    y = x * 1.0
    y.transpose(0, 1).add_(b)  # fuzz: `add_(add(t0, t1), t3, view=('transpose', (0, 1)))`
    return y * y


@pytest.mark.parametrize(
    "fn", [_write_through_zero_dim_view, _add_into_a_view, _copy_into_a_view, _add_into_a_transposed_view]
)
def test_inplace_write_through_a_view_reaches_the_base(fn: Callable[..., Any]) -> None:
    x = np.array([[0.5, -1.5]]) if fn is _add_into_a_transposed_view else np.array([0.5, -1.5])
    arrays = [x, np.array(2.0)][: fn.__code__.co_argcount - 1]
    assert_matches_torch(fn, *arrays)


def test_inplace_setitem_of_a_zero_dim_tensor_used_twice() -> None:
    # fuzz: `setitem(bce_with_logits(t0), t2, key=())`: SetItem's backward does grad[()] = 0, and an accumulated
    # 0-d gradient is a NumPy scalar: TypeError "'numpy.float64' object does not support item assignment"
    def fn(m: Any, x: Any, b: Any) -> Any:
        y = x.sum()
        y[()] = b * 2.0
        return y * x + y

    assert_matches_torch(fn, np.array([0.5, -1.5]), np.array(2.0))


def test_inplace_write_into_a_view_of_a_leaf_is_refused() -> None:
    # fuzz: `mul_(t1, t0, view=('transpose', (0, 1)))` on a leaf: PyTorch raises, glassgrad writes
    for lib in (torch, gg):
        leaf = lib.tensor(np.ones((2, 2)), requires_grad=True)
        with pytest.raises(RuntimeError):
            leaf.transpose(0, 1).mul_(2.0)


@pytest.mark.parametrize("name", ["zero_", "fill_", "copy_"])
def test_inplace_overwrite_of_a_tensor_holding_inf_and_nan(name: str) -> None:
    # fuzz: `zero_(gelu_tanh(leaky_relu(leaf(specials=nan))))`, `copy_(t, src)`: fill_ and copy_ compute
    # t·0 + value, and nan·0 = nan, so the old nan or inf survives the overwrite
    write = {
        "zero_": lambda m, t: t.zero_(),
        "fill_": lambda m, t: t.fill_(2.0),
        "copy_": lambda m, t: t.copy_(m.tensor(np.array([1.0, 2.0, 3.0]))),
    }[name]
    assert_matches_torch(lambda m, x: write(m, x * 1.0), [NAN, INF, -1.0])


def test_inplace_write_to_the_output_of_pow_leaves_its_backward_valid() -> None:
    # fuzz: `add_(pow_abs(t2, p=0.5), t4, view=('getitem', ()))`: PyTorch's pow saves only its input, so
    # writing into the output is fine; glassgrad's Pow saves z too and refuses the backward
    assert_matches_torch(lambda m, x: ((x * 1.0) ** 0.5).add_(1.0) * 3.0, [0.25, 4.0])


def test_inplace_write_into_an_output_of_split_is_refused() -> None:
    # fuzz: `add(zero_(t2[:, 1:2]), split(t1, 1, dim=1))`: PyTorch refuses in-place writes to the views that
    # split returns (and to their base) once a view of them is modified; glassgrad goes on
    for lib in (torch, gg):
        base = lib.tensor(np.ones((2, 2)), requires_grad=True) * 1.0
        first, _ = base.split(1, dim=1)
        with pytest.raises(RuntimeError):
            first.mul_(2.0)


def test_view_of_a_non_contiguous_tensor_is_refused() -> None:
    # fuzz: `view(permute(transpose(t0, (0, -4)), (2, 0, 1, -1)), (-1, 3, 3))`: PyTorch refuses (use reshape);
    # glassgrad copies, so a later in-place write through the "view" would not reach the base
    for lib in (torch, gg):
        x = lib.zeros(1, 4, 3, 3).permute(2, 0, 1, 3)
        with pytest.raises(RuntimeError):
            x.view(-1, 3, 3)


@pytest.mark.parametrize("value", [INF, NAN])
def test_nan_safe_masking_elu_at_inf_and_nan(value: float) -> None:
    # fuzz: `elu(leaf((4, 1), specials=inf))`: PyTorch passes the gradient where x > 0 is not true for the
    # exp branch only; glassgrad's exp(x) · mask makes inf · 0 = nan
    assert_matches_torch(lambda m, x: F(m).elu(x), [value, -1.0, 0.5])


def test_nan_safe_masking_softplus_with_an_infinite_upstream_gradient() -> None:
    # fuzz: `exp(mul(softplus(rdiv_scalar(t0, c=1.0)), t3))`: `select` is a·m + b·(1 − m), and inf · 0 = nan
    assert_matches_torch(lambda m, x: F(m).softplus(x), [-2.0, 0.5, 30.0], weights=np.array([INF, 1.0, INF]))


def test_cross_entropy_with_probabilities_over_zero_classes() -> None:
    # fuzz: `cross_entropy_probs(leaf((1, 0, 1)), target=[[]], smoothing=0.2)`: label_smoothing / C with C = 0
    assert_matches_torch(lambda m, x: F(m).cross_entropy(x, m.zeros(1, 0, 1, dtype=x.dtype), label_smoothing=0.2),
                         np.zeros((1, 0, 1)))


def test_sum_of_a_negative_zero_is_positive_zero() -> None:
    # NumPy's sum starts from +0.0, PyTorch's keeps -0.0: a mean loss of exactly 0 (one class) is +0.0 here,
    # -0.0 in PyTorch, and 1/loss then has the other sign (fuzz: `div(t0, cross_entropy_probs(t1, [1.0]))`).
    # Not copied: the two zeros compare equal, and every other use of the loss is the same.
    x = gg.tensor(np.array([-0.0]))
    assert x.sum().item() == 0.0 and not np.signbit(x.sum().item())
    assert torch.tensor([-0.0]).sum().item() == 0.0


def test_nll_loss_of_a_permuted_input() -> None:
    # fuzz: `nll_loss(square(permute(t0, (-1, -3, -4, -2))), target, weight, reduction='none')`: PyTorch's
    # backward raises "grad_input must be contiguous" for this non-contiguous (N, C, d) input; glassgrad's
    # gradient equals PyTorch's on a contiguous copy of the same values (not copied: the error)
    x = np.random.default_rng(0).standard_normal((1, 4, 2, 4)).astype(np.float32)
    target = np.array([[[1, 3]], [[2, 2]], [[2, 1]], [[0, 1]]])
    weight = np.array([1.9, 1.3, 0.7, 0.7], dtype=np.float32)
    grads = []
    for lib, prepare in ((gg, lambda t: t), (torch, lambda t: t.contiguous())):
        leaf = lib.tensor(x, requires_grad=True)
        logits = prepare(leaf.permute(3, 1, 0, 2).square())  # (N, C, 1, d) = (4, 4, 1, 2)
        F(lib).nll_loss(logits, lib.tensor(target), weight=lib.tensor(weight), reduction="none").sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_allclose(*grads, rtol=1e-6)
