"""Cases of the op table for the torch functions of ops/elementwise, rounding, cumulative, reorder,
linalg_products, scatter and order_stats (issue 18): each line gets a float64 gradcheck, parity of values and
gradients with PyTorch (float32 and float64), gradgradcheck and double-backward parity, from test_table.py.

Cases of the new Op classes name them; the compositions (mm, diag, scatter, ...) name none and cover what
they build.
"""

from __future__ import annotations

import numpy as np

from glassgrad.ops.cumulative import CumprodOp, CumsumOp
from glassgrad.ops.elementwise import (
    AcosOp,
    AsinOp,
    Atan2Op,
    AtanOp,
    CoshOp,
    ErfcOp,
    ErfOp,
    Exp2Op,
    Expm1Op,
    HypotOp,
    LogBaseOp,
    SinhOp,
    TanOp,
)
from glassgrad.ops.linalg_products import VectorNormOp
from glassgrad.ops.reorder import FlipOp
from glassgrad.ops.rounding import FmodOp, StepOp

from .table import Case, const, float_const

INDEX_2x3 = np.array([[0, 2, 1], [2, 0, 0]])   # positions along dim 0 of a (3, 3) input, or dim 1 of (2, 3)
INF_NAN_4 = np.array([0.0, np.inf, -np.inf, np.nan])  # added: the gradient passes (0 where not finite)


def _steps(m, x):
    """Every piecewise-constant function at once, plus x so that the gradient is not all zero."""
    return m.floor(x) + x.ceil() + m.trunc(x) + m.round(x) + x.round(decimals=1) + m.sign(x) + x.sgn() + x


MORE_TORCH_FUNCTION_CASES: list[Case] = [
    # ---- elementwise ------------------------------------------------------------------------------------
    Case("erf", (ErfOp,), lambda m, x: m.erf(x * 2.0), ((3, 4),)),
    Case("erfc", (ErfcOp,), lambda m, x: x.erfc(), ((3, 4),)),
    Case("expm1", (Expm1Op,), lambda m, x: m.expm1(x), ((3, 4),)),
    Case("exp2", (Exp2Op,), lambda m, x: x.exp2(), ((3, 4),)),
    Case("log2", (LogBaseOp,), lambda m, x: m.log2(x), ((3, 4),), "positive"),
    Case("log10", (LogBaseOp,), lambda m, x: x.log10(), ((3, 4),), "positive"),
    Case("sinh", (SinhOp,), lambda m, x: m.sinh(x), ((3, 4),)),
    Case("cosh", (CoshOp,), lambda m, x: x.cosh(), ((3, 4),)),
    Case("tan", (TanOp,), lambda m, x: m.tan(x), ((3, 4),), "probability"),
    Case("asin", (AsinOp,), lambda m, x: x.asin(), ((3, 4),), "probability"),
    Case("acos", (AcosOp,), lambda m, x: m.acos(x), ((3, 4),), "probability"),
    Case("arcsin_alias", (AsinOp,), lambda m, x: m.arcsin(-x), ((4,),), "probability"),
    Case("atan", (AtanOp,), lambda m, x: m.atan(x), ((3, 4),)),
    Case("atan2_broadcast", (Atan2Op,), lambda m, y, x: m.atan2(y, x), ((3, 4), (4,)), "nonzero"),
    Case("arctan2_method", (Atan2Op,), lambda m, y, x: y.arctan2(x), ((2, 3), (2, 3)), "nonzero"),
    Case("hypot", (HypotOp,), lambda m, a, b: m.hypot(a, b), ((3, 4), (3, 1)), "nonzero"),
    Case("reciprocal", (), lambda m, x: m.reciprocal(x), ((3, 4),), "nonzero"),
    Case("clamp_min", (), lambda m, x: m.clamp_min(x, 0.1), ((3, 4),)),
    Case("clamp_max_method", (), lambda m, x: x.clamp_max(-0.2), ((3, 4),)),
    Case("lerp_tensor_weight", (), lambda m, a, b, w: m.lerp(a, b, w), ((3, 4), (3, 4), (4,)),
         ("real", "real", "probability")),
    Case("lerp_scalar_weight", (), lambda m, a, b: a.lerp(b, 0.3), ((2, 3), (2, 3))),
    Case("nan_to_num", (), lambda m, x: m.nan_to_num(x + float_const(m, x, INF_NAN_4), 0.5, 2.0, neginf=-3.0),
         ((3, 4),)),
    # ---- rounding -----------------------------------------------------------------------------------------
    Case("steps", (StepOp,), _steps, ((3, 4),), "nonzero"),
    Case("frac", (StepOp,), lambda m, x: (x * 3.0).frac(), ((3, 4),)),
    Case("fmod", (FmodOp,), lambda m, a, b: m.fmod(a * 3.0, b), ((3, 4), (4,)), ("real", "nonzero")),
    Case("fmod_scalar", (FmodOp,), lambda m, a: a.fmod(0.7), ((3, 4),)),
    # ---- cumulative ---------------------------------------------------------------------------------------
    Case("cumsum", (CumsumOp,), lambda m, x: x.cumsum(1), ((3, 4),)),
    Case("cumsum_negative_dim", (CumsumOp,), lambda m, x: m.cumsum(x, dim=-1), ((2, 3, 4),)),
    Case("cumprod", (CumprodOp,), lambda m, x: m.cumprod(x, 0), ((4, 3),), "nonzero"),
    Case("cumprod_through_a_zero", (CumprodOp,), lambda m, x: m.cumprod(m.cat([x[:2], x[2:3] * 0.0, x[3:]]), 0),
         ((5, 2),), "nonzero"),
    Case("cummax_values", (), lambda m, x: m.cummax(x, 1).values, ((3, 5),)),
    Case("cummin_values", (), lambda m, x: x.cummin(0).values, ((4, 3),)),
    Case("diff", (), lambda m, x: m.diff(x), ((3, 5),)),
    Case("diff_n2_prepend", (), lambda m, x, p: x.diff(n=2, dim=0, prepend=p), ((4, 3), (1, 3))),
    # ---- reorder ----------------------------------------------------------------------------------------
    Case("flip", (FlipOp,), lambda m, x: m.flip(x, (0, 2)), ((2, 3, 4),)),
    Case("flip_method_varargs", (FlipOp,), lambda m, x: x.flip(-1) * x.flipud(), ((3, 3),)),
    Case("diagonal", (), lambda m, x: m.diagonal(x, 1, 0, 2), ((3, 2, 4),)),
    Case("diagonal_method_negative", (), lambda m, x: x.diagonal(offset=-1), ((4, 3),)),
    Case("diag_vector", (), lambda m, x: m.diag(x, 1), ((3,),)),
    Case("diag_matrix", (), lambda m, x: x.diag(-1), ((3, 4),)),
    Case("tile", (), lambda m, x: m.tile(x, (2, 1, 2)), ((2, 3),)),
    Case("tile_method", (), lambda m, x: x.tile(2), ((2, 3),)),
    Case("broadcast_to", (), lambda m, x: m.broadcast_to(x, (2, 3, 4)) * 1.0, ((3, 1),)),
    Case("movedim", (), lambda m, x: m.movedim(x, (0, 1), (2, 0)), ((2, 3, 4),)),
    Case("moveaxis_method", (), lambda m, x: x.moveaxis(-1, 0), ((2, 3, 4),)),
    Case("swapaxes_swapdims", (), lambda m, x: m.swapaxes(x, 0, 2) + x.swapdims(2, 0), ((2, 3, 4),)),
    Case("unflatten", (), lambda m, x: x.unflatten(1, (2, -1)), ((3, 6),)),
    Case("index_select", (), lambda m, x: m.index_select(x, 1, const(m, x, [3, 0, 3])), ((2, 4),)),
    Case("repeat_interleave_int", (), lambda m, x: m.repeat_interleave(x, 2, dim=0), ((2, 3),)),
    Case("repeat_interleave_tensor_flat", (), lambda m, x: x.repeat_interleave(const(m, x, [1, 0, 2, 1])),
         ((2, 2),)),
    Case("take_along_dim", (), lambda m, x: m.take_along_dim(x, const(m, x, [[2], [0]]), dim=1), ((2, 4),)),
    Case("take_along_dim_flat", (), lambda m, x: x.take_along_dim(const(m, x, [5, 0, 5])), ((2, 3),)),
    # ---- products and norms ------------------------------------------------------------------------------
    Case("mm", (), lambda m, x, y: m.mm(x, y), ((3, 4), (4, 2))),
    Case("bmm", (), lambda m, x, y: x.bmm(y), ((2, 3, 4), (2, 4, 2))),
    Case("mv", (), lambda m, x, v: m.mv(x, v), ((3, 4), (4,))),
    Case("dot", (), lambda m, x, y: x.dot(y), ((5,), (5,))),
    Case("outer", (), lambda m, x, y: m.outer(x, y), ((3,), (4,))),
    Case("addmm", (), lambda m, c, x, y: m.addmm(c, x, y, beta=0.5, alpha=2.0), ((4,), (3, 2), (2, 4))),
    Case("addmm_method", (), lambda m, c, x, y: c.addmm(x, y), ((3, 4), (3, 2), (2, 4))),
    Case("tensordot_int", (), lambda m, x, y: m.tensordot(x, y, 2), ((2, 3, 4), (3, 4, 2))),
    Case("tensordot_pairs", (), lambda m, x, y: m.tensordot(x, y, dims=([1, 0], [0, 2])), ((2, 3, 4), (3, 5, 2))),
    Case("norm_default", (VectorNormOp,), lambda m, x: m.norm(x), ((3, 4),)),
    Case("norm_fro_dims", (VectorNormOp,), lambda m, x: x.norm("fro", dim=(0, 2)), ((2, 3, 4),)),
    Case("norm_p1_dim", (VectorNormOp,), lambda m, x: m.norm(x, 1, dim=1), ((3, 4),), "nonzero"),
    Case("norm_inf_keepdim", (VectorNormOp,), lambda m, x: x.norm(float("inf"), dim=0, keepdim=True), ((3, 4),),
         "nonzero"),
    Case("norm_p3", (VectorNormOp,), lambda m, x: m.norm(x, 3, dim=-1), ((3, 4),), "nonzero"),
    # ---- scatter ------------------------------------------------------------------------------------------
    Case("scatter_src", (), lambda m, x, s: m.scatter(x, 0, const(m, x, INDEX_2x3), s), ((3, 3), (2, 3))),
    Case("scatter_value", (), lambda m, x: x.scatter(1, const(m, x, INDEX_2x3), 0.5), ((2, 3),)),
    Case("scatter_add", (), lambda m, x, s: m.scatter_add(x, 1, const(m, x, INDEX_2x3), s), ((2, 4), (2, 3))),
    Case("index_add", (), lambda m, x, s: x.index_add(0, const(m, x, [2, 0, 2]), s, alpha=2.0),
         ((3, 4), (3, 4))),
    Case("masked_select", (), lambda m, x: m.masked_select(x, const(m, x, [True, False, True])), ((2, 3),)),
    # ---- order statistics -----------------------------------------------------------------------------------
    Case("median_dim", (), lambda m, x: m.median(x, 1).values, ((3, 5),)),
    Case("median_all", (), lambda m, x: x.median(), ((3, 4),)),
    Case("kthvalue", (), lambda m, x: x.kthvalue(2, dim=0, keepdim=True).values, ((4, 3),)),
    Case("mode_values", (), lambda m, x: m.mode(x.round(decimals=0), 1).values + x.mode(0).values.sum(), ((3, 5),)),
    Case("nansum", (), lambda m, x: m.nansum(x + float_const(m, x, [0.0, np.nan, 0.0]), dim=1), ((2, 3),)),
    Case("nanmean", (), lambda m, x: x.nanmean() + m.nanmean(x + float_const(m, x, [[np.nan, 0.0, 0.0], [0.0] * 3]), 0),
         ((2, 3),)),
    Case("std_mean", (), lambda m, x: m.std_mean(x, 1), ((3, 4),)),
    Case("var_mean", (), lambda m, x: m.var_mean(x, dim=(0,), correction=0, keepdim=True), ((3, 4),)),
]
