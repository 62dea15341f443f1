"""The torch functions of issue 18 that the op table cannot check (integer, bool and index results, ties, NaN,
empty tensors, errors), each against PyTorch on the same inputs: values, dtypes and shapes. The differentiable
ones are cases of the op table (tests/ops/more_cases.py); here are their edge cases.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def _tensors(lib: Any, arrays: tuple) -> list:
    return [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]


def _flat(result: Any) -> list:
    if isinstance(result, (tuple, list)):
        return [item for part in result for item in _flat(part)]
    return [result]


def assert_same(ours: Any, theirs: Any) -> None:
    """Same values (NaN where NaN), dtype and shape; numbers and bools equal."""
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, gg.Tensor), f"expected a tensor, got {type(a).__name__}"
            assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
        else:
            assert a == b


def check(fn: Callable[..., Any], *arrays: Any) -> None:
    """fn(lib, *inputs) in glassgrad and in torch, on tensors made from the same arrays."""
    assert_same(fn(gg, *_tensors(gg, arrays)), fn(torch, *_tensors(torch, arrays)))


F32 = np.array([[-1.5, 0.5, 2.5, -0.5], [1.005, -2.7, 0.0, 3.49]], dtype=np.float32)
WITH_NAN = np.array([1.0, NAN, -INF, INF, 0.0, -2.0], dtype=np.float32)
INTS = np.array([[3, -7, 0], [7, 2, -3]])
BOOLS = np.array([True, False, True, True])
EMPTY = np.zeros((0, 3), dtype=np.float32)

VALUE_CASES: dict[str, tuple] = {
    # elementwise: dtypes (integers compute in float32), extremes
    "erf_erfc_extremes": (lambda m, x: (m.erf(x * 4), m.erfc(x * 4), x.erf()), F32),
    "erf_special_values": (lambda m, x: (m.erf(x), m.erfc(x)), WITH_NAN),
    "float_math_of_ints": (lambda m, x: (m.log2(x.abs() + 1), m.exp2(x), m.sinh(x), m.atan(x), m.reciprocal(x + 10)),
                           INTS),
    "expm1_log10_small": (lambda m, x: (m.expm1(x * 1e-6), m.log10(x.abs() + 1e-3)), F32),
    "inverse_trig_outside": (lambda m, x: (m.asin(x), m.acos(x)), F32),
    "atan2_quadrants": (lambda m, y, x: m.atan2(y, x), np.array([1.0, -1.0, 0.0, -0.0]),
                        np.array([-1.0, -1.0, -1.0, -1.0])),
    "hypot_large": (lambda m, a, b: m.hypot(a, b), np.array([3e200, 3.0]), np.array([4e200, 4.0])),
    "nan_to_num_defaults": (lambda m, x: (m.nan_to_num(x), x.nan_to_num(nan=1.0, neginf=-5.0)), WITH_NAN),
    "nan_to_num_int": (lambda m, x: m.nan_to_num(x), INTS),
    "lerp_dtype": (lambda m, a, b: m.lerp(a, b, 0.25), F32, F32[::-1].copy()),
    "clamp_min_max": (lambda m, x: (m.clamp_min(x, 0), x.clamp_max(1)), INTS),
    # rounding
    "round_half_even_decimals": (lambda m, x: (m.round(x), x.round(decimals=2), m.round(x * 100, decimals=-1)), F32),
    "floor_ceil_trunc_frac": (lambda m, x: (m.floor(x), x.ceil(), m.trunc(x), x.frac(), x.fix()), F32),
    "rounding_of_ints": (lambda m, x: (m.floor(x), m.round(x), x.trunc(), m.sign(x)), INTS),
    "sign_nan_zero": (lambda m, x: (m.sign(x), x.sgn(), m.sign(-x * 0)), WITH_NAN),
    "sign_bool": (lambda m, x: m.sign(x), BOOLS),
    "fmod_remainder_signs": (lambda m, a, b: (m.fmod(a, b), m.remainder(a, b), m.floor_divide(a, b), a.fmod(2)),
                             INTS, np.array([[2, 3, -5], [-2, 4, 2]])),
    "fmod_float": (lambda m, a: (m.fmod(a, 1.5), m.fmod(a, -0.75)), F32),
    # logic
    "isnan_isinf_isfinite": (lambda m, x: (m.isnan(x), x.isinf(), m.isfinite(x)), WITH_NAN),
    "isfinite_of_ints": (lambda m, x: (m.isfinite(x), m.isnan(x), x.isinf()), INTS),
    "isclose": (lambda m, a, b: (m.isclose(a, b), a.isclose(b, equal_nan=True), m.isclose(a, b, rtol=0.5, atol=0.1)),
                np.array([1.0, NAN, INF, -INF, 1.0, 0.0]), np.array([1.0 + 1e-9, NAN, INF, INF, 1.3, 0.05])),
    "logical": (lambda m, a, b: (m.logical_and(a, b), a.logical_or(b), m.logical_xor(a, b), m.logical_not(a)),
                np.array([0.0, 1.5, -2.0, 0.0]), BOOLS),
    "bitwise_ints": (lambda m, a, b: (m.bitwise_and(a, b), a.bitwise_or(b), m.bitwise_xor(a, 3), m.bitwise_not(a)),
                     INTS, INTS[::-1].copy()),
    "bitwise_bools": (lambda m, a: (m.bitwise_and(a, ~a), a.bitwise_not(), m.bitwise_xor(a, True)), BOOLS),
    # cumulative
    "cumsum_dtypes": (lambda m, x, b: (m.cumsum(x, 1), x.cumsum(-1, dtype=m.float32), m.cumsum(b, 0), b.cumprod(0)),
                      INTS, BOOLS),
    "cumsum_empty_and_0d": (lambda m, x: (m.cumsum(x, 0), x.cumprod(1), m.cumsum(m.tensor(2.5), 0)), EMPTY),
    "cumprod_values": (lambda m, x: m.cumprod(x, 1), F32),
    "cummax_ties_nan": (lambda m, x: (m.cummax(x, 0), x.cummin(0)), np.array([1.0, 3.0, 3.0, 0.5, NAN, 5.0, NAN, 0.0])),
    "cummax_ints_2d": (lambda m, x: (x.cummax(1), m.cummin(x, 0)), np.array([[2, 2, 1, 5], [0, 3, 3, 3]])),
    "diff_orders": (lambda m, x: (m.diff(x), x.diff(n=2, dim=0), m.diff(x, n=0), m.diff(x, 3, 0)), INTS),
    "diff_bool_append": (lambda m, x: (m.diff(x), x.diff(append=x[:1])), BOOLS),
    # reorder
    "flip_empty_ints": (lambda m, x, y: (m.flip(x, (0, 1)), y.flip(1), m.fliplr(y), m.flipud(y)), EMPTY, INTS),
    "diagonal_offsets": (lambda m, x: (m.diagonal(x, 5), x.diagonal(-1), m.diag(x, 2), m.diag(x[0], -2)), INTS),
    "diagonal_3d": (lambda m, x: (m.diagonal(x, 0, -1, 0), x.diagonal(1, 2, 1)), np.arange(24).reshape(2, 3, 4)),
    "tile_movedim_unflatten": (lambda m, x: (m.tile(x, (2,)), x.tile(1, 2, 1), m.movedim(x, 0, -1),
                                             x.unflatten(-1, (3, 1)), m.swapdims(x, 0, 1)), INTS),
    "broadcast_to": (lambda m, x: m.broadcast_to(x, (2, 2, 3)), INTS),
    "index_select_repeat_interleave": (lambda m, x, i: (m.index_select(x, 1, i), x.index_select(0, i[1:2]),
                                                        m.repeat_interleave(x, 2), x.repeat_interleave(i, dim=1),
                                                        m.repeat_interleave(i)), INTS, np.array([2, 0, 1])),
    "take_along_dim": (lambda m, x, i: (m.take_along_dim(x, i, 1), m.take_along_dim(x, i)), INTS,
                       np.array([[2], [0]])),
    # products and norms
    "products_of_ints": (lambda m, a, b: (m.mm(a, b), m.mv(a, b[:, 0]), m.dot(b[0], b[1]), m.outer(b[0], b[1])),
                         INTS, INTS.T.copy()),
    "addmm_beta_zero_ignores_nan": (lambda m, c, a, b: m.addmm(c, a, b, beta=0, alpha=0.5),
                                    np.full((2, 2), NAN), np.ones((2, 3)), np.ones((3, 2))),
    "tensordot_zero": (lambda m, a, b: m.tensordot(a, b, 0), np.arange(3.0), np.arange(2.0)),
    "norm_kinds": (lambda m, x: (m.norm(x), x.norm(0), m.norm(x, float("-inf"), 1), x.norm(2.5, dim=(0,), keepdim=True),
                                 m.norm(x, dim=0, p=1)), F32),
    "norm_empty_and_0d": (lambda m, x: (m.norm(x), x.norm(1, dim=0), m.norm(m.tensor(-3.0))), EMPTY),
    # scatter
    "scatter_ints_value": (lambda m, x, i: (m.scatter(x, 1, i, 9), x.scatter_add(1, i, x[:, :2]),
                                            x.scatter(0, i[1:], x[1:, :2])), INTS, np.array([[2, 0], [1, 1]])),
    "index_add_masked_select": (lambda m, x, i, mask: (m.index_add(x, 1, i, x), m.masked_select(x, mask),
                                                       x.masked_select(mask[:1, :1])), INTS, np.array([2, 2, 0]),
                                np.array([[True, False, True], [False, False, True]])),
    # order statistics
    "median_ties_even_nan": (lambda m, a, b, c: (m.median(a), b.median(), m.median(c), a.median(0)),
                             np.array([3.0, 1.0, 3.0, 2.0]), np.array([4, 1, 1, 2, 2, 7]), WITH_NAN),
    "median_dim_nan": (lambda m, x: m.median(x.unsqueeze(0), 1), WITH_NAN),
    "median_dim_keepdim": (lambda m, x: (x.median(dim=1, keepdim=True), m.median(x, -2)), F32),
    "mode": (lambda m, x, y: (m.mode(x), x.mode(0, keepdim=True), m.mode(y, 0), y.mode()),
             np.array([[3.0, 1.0, 3.0, 1.0, 2.0], [5.0, 5.0, 0.0, 0.0, 5.0]]), np.array([2, 2, 1, 1, 1, 2])),
    "kthvalue": (lambda m, x: (m.kthvalue(x, 1), x.kthvalue(2, 0, True), m.kthvalue(x, 4)), F32),
    "nansum_nanmean": (lambda m, x: (m.nansum(x), x.nanmean(), m.nansum(x[:1]), m.nanmean(x[1:2])), WITH_NAN),
    "nansum_nanmean_dims": (lambda m, x: (m.nansum(x, 1), m.nanmean(x, 0, keepdim=True)),
                            np.array([[NAN, 1.0], [NAN, 2.0]])),
    "nansum_ints": (lambda m, x: m.nansum(x, 0), INTS),
    "std_var_mean": (lambda m, x: (m.std_mean(x), m.var_mean(x, 1, correction=0), m.std_mean(x, (0, 1), keepdim=True)),
                     F32),
    "count_nonzero": (lambda m, x: (m.count_nonzero(x), x.count_nonzero(0), m.count_nonzero(x, (0, 1))), INTS),
    "nonzero": (lambda m, x: (m.nonzero(x), x.nonzero(as_tuple=True), m.argwhere(x)), INTS),
    "nonzero_0d_and_empty": (lambda m, x: (m.nonzero(m.tensor(2.0)), m.nonzero(m.tensor(2.0), as_tuple=True),
                                           m.nonzero(m.tensor(0)), m.nonzero(x)), EMPTY),
    "bincount": (lambda m, x, w: (m.bincount(x), x.bincount(minlength=8), m.bincount(x, w), x.bincount(w.double())),
                 np.array([1, 4, 1, 0]), np.array([0.5, 1.0, 2.0, 4.0], dtype=np.float32)),
    "bincount_empty": (lambda m, x: (m.bincount(x), m.bincount(x, minlength=3)), np.zeros(0, dtype=np.int64)),
    "unique": (lambda m, x: (m.unique(x), x.unique(return_inverse=True), m.unique(x, return_counts=True),
                             m.unique(x, sorted=False, return_inverse=True, return_counts=True)),
               np.array([[3, 1, 3], [0, 1, 3]])),
    "unique_dim": (lambda m, x: m.unique(x, dim=0, return_inverse=True, return_counts=True),
                   np.array([[1, 2], [1, 2], [0, 3]])),
    "searchsorted_bucketize": (lambda m, s, v: (m.searchsorted(s, v), m.searchsorted(s, v, right=True),
                                                m.searchsorted(s, v, side="right", out_int32=True),
                                                m.searchsorted(s, 3), m.bucketize(v, s), m.bucketize(v, s, right=True)),
                               np.array([1, 3, 3, 5]), np.array([[0, 3], [5, 6]])),
    "searchsorted_rows": (lambda m, s, v: m.searchsorted(s, v), np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 9.0]]),
                          np.array([[2.5, 0.0], [5.0, 10.0]])),
    "searchsorted_sorter": (lambda m, s, v, order: m.searchsorted(s, v, sorter=order), np.array([3.0, 1.0, 2.0]),
                            np.array([2.5, 0.0]), np.array([1, 2, 0])),
    "predicates": (lambda m, x: (x.is_floating_point(), m.is_floating_point(x), m.is_complex(x), x.is_complex(),
                                 m.is_nonzero(x[:1, :1]), x[0, 2].is_nonzero(), m.detach(x)), INTS),
}


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_matches_torch(name: str) -> None:
    fn, *arrays = VALUE_CASES[name]
    check(fn, *arrays)


# ---- gradients at the edges, against torch -------------------------------------------------------------------


def _grads(lib: Any, fn: Callable[..., Any], array: np.ndarray) -> np.ndarray:
    x = lib.tensor(array, dtype=lib.float64, requires_grad=True)
    fn(lib, x).sum().backward()
    return x.grad.numpy()


# One zero (inside, first, last), two zeros, none: the gradient at and after the first zero has its own formula.
CUMPROD_ZEROS = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 2.0, 0.5, 3.0], [1.5, 2.0, -1.0, 0.0], [2.0, 0.0, 4.0, 0.0],
                          [1.5, -2.0, 0.5, 3.0]])

GRAD_CASES: dict[str, tuple] = {
    "norm_of_zero_vector": (lambda m, x: m.norm(x) + x.norm(1) + m.norm(x, float("inf")) + x.norm(3), np.zeros(3)),
    "norm_inf_ties_share": (lambda m, x: m.norm(x, float("inf"), dim=1),
                            np.array([[2.0, -2.0, 1.0], [0.5, 3.0, -3.0]])),
    "mode_last_index": (lambda m, x: m.mode(x, 0).values, np.array([2.0, 1.0, 2.0, 1.0])),
    "median_ties_share": (lambda m, x: m.median(x), np.array([2.0, 1.0, 2.0, 3.0, 2.0])),
    "nan_to_num_blocks_nonfinite": (lambda m, x: m.nan_to_num(x * 2.0), np.array([1.0, NAN, INF, -INF])),
    "nansum_nanmean_skip_nan": (lambda m, x: m.nansum(x) + m.nanmean(x), np.array([1.0, NAN, 2.0])),
    "steps_are_flat": (lambda m, x: m.floor(x) + m.round(x, decimals=1) + m.sign(x) + x.frac(),
                       np.array([-1.5, 0.25, 2.0])),
    "cumprod_no_zero": (lambda m, x: m.cumprod(x, 0), np.array([2.0, -0.5, 3.0, 1.5])),
    "cumprod_with_zeros": (lambda m, x: m.cumprod(x, 1) * m.arange(1.0, 5.0, dtype=m.float64), CUMPROD_ZEROS),
    "cummax_ties": (lambda m, x: m.cummax(x, 0).values, np.array([1.0, 3.0, 3.0, 2.0, 3.0])),
    "scatter_duplicate_src": (lambda m, x: m.scatter(m.zeros(3, dtype=m.float64), 0, m.tensor([1, 1]), x) * m.tensor(
        [1.0, 2.0, 3.0], dtype=m.float64), np.array([5.0, 7.0])),
    "asin_at_one": (lambda m, x: m.asin(x), np.array([1.0, -1.0, 0.5])),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_matches_torch(name: str) -> None:
    fn, array = GRAD_CASES[name]
    np.testing.assert_allclose(_grads(gg, fn, array), _grads(torch, fn, array), rtol=1e-7, atol=1e-12)


def test_cumprod_second_derivative_with_zeros_matches_torch() -> None:
    def second(lib: Any) -> np.ndarray:
        x = lib.tensor(CUMPROD_ZEROS, dtype=lib.float64, requires_grad=True)
        weights = lib.tensor(np.arange(20.0).reshape(5, 4) / 7, dtype=lib.float64)
        (grad,) = lib.autograd.grad((lib.cumprod(x, 1) * weights).sum(), x, create_graph=True)
        (grad * grad).sum().backward()
        return x.grad.numpy()

    np.testing.assert_allclose(second(gg), second(torch), rtol=1e-10, atol=1e-12)


def test_in_place_scatter_and_index_add_match_torch() -> None:
    def run(lib: Any) -> list:
        base = lib.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        src = lib.tensor(np.linspace(-1.0, 1.0, 8).reshape(2, 4), requires_grad=True)
        y = base * 1.0
        y.scatter_(0, lib.tensor([[2, 0, 1, 0], [0, 1, 2, 2]]), src)
        y.scatter_add_(1, lib.tensor([[3], [3], [0]]), src[:1, :1].expand(3, 1) * 1.0)
        y.index_add_(0, lib.tensor([1, 1]), src, alpha=0.5)
        one_hot = lib.zeros(2, 3).scatter_(1, lib.tensor([[2], [0]]), 1.0)
        (y * lib.arange(12.0).reshape(3, 4)).sum().backward()
        return [y.detach().numpy(), one_hot.numpy(), base.grad.numpy(), src.grad.numpy()]

    for ours, theirs in zip(run(gg), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


# ---- errors name the op and the shapes ---------------------------------------------------------------------

ERROR_CASES: dict[str, tuple] = {
    "cumsum_dim": (lambda: gg.cumsum(gg.ones(2, 3), 2), IndexError, "cumsum"),
    "flip_repeated": (lambda: gg.ones(2, 3).flip(0, 0), RuntimeError, "flip"),
    "mm_rank": (lambda: gg.mm(gg.ones(2, 3, 1), gg.ones(3, 2)), RuntimeError,
                r"mm: input must be a 2-D tensor, got shape \(2, 3, 1\)"),
    "bmm_batch": (lambda: gg.bmm(gg.ones(2, 3, 4), gg.ones(3, 4, 1)), RuntimeError, r"bmm: batch sizes differ"),
    "dot_sizes": (lambda: gg.dot(gg.ones(3), gg.ones(4)), RuntimeError, "dot: 1-D tensors must have the same size"),
    "diagonal_same_dims": (lambda: gg.ones(2, 2).diagonal(0, 1, 1), RuntimeError, "diagonal"),
    "diag_3d": (lambda: gg.diag(gg.ones(2, 2, 2)), RuntimeError,
                r"diag: input must be 1-D or 2-D, got shape \(2, 2, 2\)"),
    "index_select_float_index": (lambda: gg.ones(3).index_select(0, gg.ones(2)), TypeError, "index_select"),
    "index_select_range": (lambda: gg.ones(3).index_select(0, gg.tensor([3])), IndexError, "index_select"),
    "unflatten_sizes": (lambda: gg.ones(2, 6).unflatten(1, (4, -1)), RuntimeError, r"unflatten.*\(2, 6\)"),
    "repeat_interleave_counts": (lambda: gg.ones(3).repeat_interleave(gg.tensor([1, 2])), RuntimeError,
                                 "repeat_interleave"),
    "scatter_index_range": (lambda: gg.zeros(2, 2).scatter(1, gg.tensor([[2]]), 1.0), IndexError, "scatter"),
    "scatter_reduce_kw": (lambda: gg.zeros(2).scatter(0, gg.tensor([0]), 1.0, reduce="add"), NotImplementedError,
                          "scatter"),
    "index_add_shape": (lambda: gg.zeros(3, 2).index_add(0, gg.tensor([0]), gg.ones(1, 3)), RuntimeError,
                        r"index_add: source must have shape \(1, 2\)"),
    "norm_nuc": (lambda: gg.ones(2, 2).norm("nuc"), NotImplementedError, "norm"),
    "norm_int": (lambda: gg.norm(gg.tensor([1, 2])), RuntimeError, "norm: expected a floating point input"),
    "kthvalue_range": (lambda: gg.ones(3).kthvalue(4), IndexError, r"kthvalue.*size 3"),
    "bincount_negative": (lambda: gg.bincount(gg.tensor([-1, 2])), RuntimeError, "bincount"),
    "bitwise_float": (lambda: gg.bitwise_and(gg.ones(2), gg.ones(2)), TypeError, "bitwise_and"),
    "fmod_int_zero": (lambda: gg.fmod(gg.tensor([1]), 0), RuntimeError, "fmod: integer division by zero"),
    "is_nonzero_many": (lambda: gg.ones(2).is_nonzero(), RuntimeError, "is_nonzero"),
    "atan2_number": (lambda: gg.atan2(gg.ones(2), 1.0), TypeError, "atan2"),
    "take_along_dim_ndim": (lambda: gg.take_along_dim(gg.ones(2, 2), gg.tensor([0]), 0), RuntimeError,
                            "take_along_dim"),
    "searchsorted_side": (lambda: gg.searchsorted(gg.tensor([1, 2]), 1, side="up"), ValueError, "searchsorted"),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_name_the_op(name: str) -> None:
    make, error, pattern = ERROR_CASES[name]
    with pytest.raises(error, match=pattern):
        make()


NEW_FUNCTIONS = """
erf erfc expm1 exp2 log2 log10 sinh cosh tan asin arcsin acos arccos atan arctan atan2 arctan2 hypot
reciprocal clamp_min clamp_max lerp nan_to_num round floor ceil trunc fix frac sign sgn fmod remainder
floor_divide isnan isinf isfinite isclose logical_and logical_or logical_xor logical_not bitwise_and
bitwise_or bitwise_xor bitwise_not cumsum cumprod cummax cummin diff flip fliplr flipud diagonal diag tile
broadcast_to movedim moveaxis swapaxes swapdims unflatten index_select repeat_interleave take_along_dim mm bmm
mv dot outer ger addmm tensordot norm scatter scatter_add index_add masked_select median kthvalue mode nansum
nanmean std_mean var_mean count_nonzero nonzero argwhere bincount unique searchsorted bucketize
is_floating_point is_complex is_nonzero detach
""".split()


@pytest.mark.parametrize("name", NEW_FUNCTIONS)
def test_function_and_method_exist_where_torch_has_them(name: str) -> None:
    assert hasattr(torch, name), f"torch.{name} (the test's list is wrong)"
    assert callable(getattr(gg, name, None)), f"gg.{name} is missing"
    has_method = hasattr(torch.Tensor, name)
    assert hasattr(gg.Tensor, name) == has_method, f"Tensor.{name}: torch has it: {has_method}"
