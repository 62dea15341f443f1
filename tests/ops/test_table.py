"""The table of op cases: the one source for gradcheck, torch parity and coverage of every Op in glassgrad.

The cases of the primitives of ops/ are below, one line each, naming the Op classes they exercise; the cases of
the fused ops of functional/ and nn/ are in fused_cases.py and name none (table.py has the `Case` and its
helpers). test_gradcheck.py, test_parity.py and test_gradgradcheck.py run every case of `CASES`.

The coverage guard walks every subclass of `Op` defined in glassgrad (`all_op_classes`, after importing every
module of the package): each must be built by some case (`test_every_op_is_covered`), also by one whose second
derivatives are checked (`test_every_op_has_a_second_order_case`), so an op added without a test fails here.
A case covers the ops it names and every op in the graph it builds (found by running it), and must really
build the ops it names (`test_case_builds_the_ops_it_names`).
ToDeviceOp is covered twice: `to_device_identity` applies the op directly (cpu -> cpu, runs everywhere) and
`to_device_cuda_roundtrip` moves to cuda and back (skips without a GPU).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.node import Op
from glassgrad.ops.arithmetic import AddOp, CastOp, DivOp, MulOp, NegOp, PowOp, ReciprocalOp, SubOp
from glassgrad.ops.index import GatherOp, GetItemOp, IndexAddOp, SetItemOp
from glassgrad.ops.matmul import EinsumOp, MatMulOp
from glassgrad.ops.reduce import AMaxMinOp, MaxMinAllOp, MaxMinAlongOp, MeanOp, ProdOp, StdOp, SumOp, VarOp
from glassgrad.ops.select import MaximumOp, MinimumOp, TriangleOp, WhereOp
from glassgrad.ops.shape import (
    CloneOp,
    ConcatenateOp,
    ExpandOp,
    PermuteOp,
    RepeatOp,
    ReshapeOp,
    SplitOp,
    StackOp,
    ToDeviceOp,
)
from glassgrad.ops.softmax import LogSoftmaxOp, LogSumExpOp, SoftmaxOp
from glassgrad.ops.unary import (
    AbsOp,
    ClampOp,
    CosOp,
    ExpOp,
    Log1pOp,
    LogOp,
    ReluOp,
    RsqrtOp,
    SigmoidOp,
    SinOp,
    SqrtOp,
    TanhOp,
)

from .fused_cases import FUSED_CASES
from .layer_cases import LAYER_CASES
from .more_cases import MORE_TORCH_FUNCTION_CASES
from .table import DEVICES, DOMAINS, Case, as_outputs, const, inputs_for, ops_built, ops_in_graph
from .table import case_params as _case_params

__all__ = ["CASES", "DEVICES", "DOMAINS", "Case", "as_outputs", "case_params", "const", "inputs_for"]

def _setitem_row(lib: Any, x: Any, v: Any) -> Any:
    y = x * 1
    y[1] = v
    return y


def _setitem_mask(lib: Any, x: Any) -> Any:
    y = x * 2
    y[const(lib, x, MASK_3x4)] = 0.5
    return y


MASK_3x4 = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
INDEX_3x2 = np.array([[0, 3], [2, 2], [1, 0]])

PRIMITIVE_CASES: list[Case] = [
    # ---- arithmetic -------------------------------------------------------------------------------------
    Case("add", (AddOp,), lambda m, x, y: x + y, ((3, 4), (3, 4))),
    Case("add_broadcast", (AddOp,), lambda m, x, y: x + y, ((3, 1), (4,))),
    Case("add_scalar_left", (AddOp,), lambda m, x: 2.0 + x, ((3,),)),
    Case("add_alpha", (AddOp, MulOp), lambda m, x, y: m.add(x, y, alpha=2.0), ((2, 3), (2, 3))),
    Case("sub_broadcast", (SubOp,), lambda m, x, y: x - y, ((2, 3, 4), (3, 1))),
    Case("sub_scalar_left", (SubOp,), lambda m, x: 1.0 - x, ((4,),)),
    Case("mul_broadcast", (MulOp,), lambda m, x, y: x * y, ((4, 1, 3), (2, 3))),
    Case("mul_scalar", (MulOp,), lambda m, x: x * 3.0, ((2, 2),)),
    Case("mul_same_tensor", (MulOp,), lambda m, x: x * x, ((5,),)),
    Case("square", (MulOp,), lambda m, x: m.square(x), ((5,),)),
    Case("div", (DivOp,), lambda m, x, y: x / y, ((3, 4), (4,)), ("real", "nonzero")),
    Case("div_scalar_left", (ReciprocalOp, MulOp), lambda m, x: 2.0 / x, ((4,),), "nonzero"),
    Case("div_function", (DivOp,), lambda m, x, y: m.div(x, y), ((2, 3), (2, 1)), ("real", "positive")),
    Case("neg", (NegOp,), lambda m, x: -x, ((3,),)),
    Case("pow_int", (PowOp,), lambda m, x: x**3, ((2, 3),)),
    Case("pow_fractional", (PowOp,), lambda m, x: x.pow(0.5), ((4,),), "positive"),
    Case("pow_tensor_broadcast", (PowOp,), lambda m, x, p: x**p, ((3,), (2, 3)), ("positive", "real")),
    Case("pow_scalar_base", (PowOp,), lambda m, x: 2.0**x, ((4,),)),
    Case("pow_function", (PowOp,), lambda m, x: m.pow(x, 2), ((4,),)),
    # x.float() + x.double() casts in both float32 and float64 runs; float32 rounding needs a larger ε.
    Case("cast_mixed", (CastOp, AddOp), lambda m, x: x.float() + x.double(), ((2, 3),), gradcheck_eps=1e-3),
    Case("cast_to", (CastOp, MulOp), lambda m, x: x.to(dtype=m.float64) * x.to(m.float32), ((3,),),
         gradcheck_eps=1e-3),
    # ---- unary --------------------------------------------------------------------------------------------
    Case("abs", (AbsOp,), lambda m, x: x.abs(), ((3, 4),), "nonzero"),
    Case("abs_builtin", (AbsOp,), lambda m, x: abs(x), ((4,),), "nonzero"),
    Case("clamp", (ClampOp,), lambda m, x: x.clamp(-0.5, 0.5), ((3, 4),)),
    Case("clamp_min_only", (ClampOp,), lambda m, x: x.clamp(min=0.1), ((6,),)),
    Case("clamp_max_function", (ClampOp,), lambda m, x: m.clamp(x, max=0.2), ((6,),)),
    Case("clamp_tensor_bounds", (ClampOp,), lambda m, x, lo, hi: x.clamp(lo - 1.0, hi + 1.0),
         ((3, 4), (4,), (3, 1))),
    Case("cos", (CosOp,), lambda m, x: x.cos(), ((3, 4),)),
    Case("sin", (SinOp,), lambda m, x: m.sin(x), ((3, 4),)),
    Case("exp", (ExpOp,), lambda m, x: m.exp(x), ((3, 4),)),
    Case("log", (LogOp,), lambda m, x: x.log(), ((3, 4),), "positive"),
    Case("log1p", (Log1pOp,), lambda m, x: m.log1p(x), ((3, 4),), "positive"),
    Case("relu", (ReluOp,), lambda m, x: x.relu(), ((3, 4),), "nonzero"),
    Case("rsqrt", (RsqrtOp,), lambda m, x: m.rsqrt(x), ((3, 4),), "positive"),
    Case("sigmoid", (SigmoidOp,), lambda m, x: x.sigmoid(), ((3, 4),)),
    Case("sigmoid_function_large", (SigmoidOp,), lambda m, x: m.sigmoid(x * 20.0), ((8,),)),
    Case("sqrt", (SqrtOp,), lambda m, x: x.sqrt(), ((3, 4),), "positive"),
    Case("tanh", (TanhOp,), lambda m, x: m.tanh(x), ((3, 4),)),
    # ---- select -------------------------------------------------------------------------------------------
    Case("maximum", (MaximumOp,), lambda m, x, y: m.maximum(x, y), ((3, 4), (4,))),
    Case("minimum", (MinimumOp,), lambda m, x, y: m.minimum(x, y), ((2, 1, 3), (4, 3))),
    Case("max_binary", (MaximumOp,), lambda m, x, y: x.max(y), ((2, 3), (2, 3))),
    Case("tril", (TriangleOp,), lambda m, x: x.tril(), ((4, 4),)),
    Case("triu_batched_diagonal", (TriangleOp,), lambda m, x: m.triu(x, 1), ((2, 3, 4),)),
    Case("tril_negative_diagonal", (TriangleOp,), lambda m, x: m.tril(x, diagonal=-1), ((3, 3),)),
    Case("where", (WhereOp,), lambda m, x, y: m.where(const(m, x, MASK_3x4), x, y), ((3, 4), (4,))),
    Case("where_scalar", (WhereOp,), lambda m, x: m.where(x > 0, x, 0.0), ((3, 4),), "nonzero"),
    Case("masked_fill", (WhereOp,), lambda m, x: x.masked_fill(const(m, x, MASK_3x4[:1]), -1.0), ((3, 4),)),
    # ---- reduce -------------------------------------------------------------------------------------------
    Case("sum_all", (SumOp,), lambda m, x: x.sum(), ((3, 4),)),
    Case("sum_dim", (SumOp,), lambda m, x: x.sum(1), ((3, 4),)),
    Case("sum_negative_keepdim", (SumOp,), lambda m, x: x.sum(dim=-1, keepdim=True), ((2, 3, 4),)),
    Case("sum_tuple_function", (SumOp,), lambda m, x: m.sum(x, (0, 2)), ((2, 3, 4),)),
    Case("sum_numpy_names", (SumOp,), lambda m, x: x.sum(axis=(0, 2), keepdims=True), ((2, 3, 4),)),
    Case("mean_all", (MeanOp,), lambda m, x: x.mean(), ((3, 4),)),
    Case("mean_dims_keepdim", (MeanOp,), lambda m, x: m.mean(x, dim=(0, 2), keepdim=True), ((2, 3, 4),)),
    Case("prod_all", (ProdOp,), lambda m, x: x.prod(), ((2, 3),)),
    Case("prod_dim_keepdim", (ProdOp,), lambda m, x: m.prod(x, 1, keepdim=True), ((3, 4),)),
    Case("var_all", (VarOp,), lambda m, x: x.var(), ((3, 4),)),
    Case("var_dim_correction0", (VarOp,), lambda m, x: x.var(1, correction=0), ((3, 4),)),
    Case("var_unbiased_false", (VarOp,), lambda m, x: m.var(x, dim=(0, 1), unbiased=False), ((2, 3, 2),)),
    Case("std_keepdim", (StdOp,), lambda m, x: x.std(dim=0, keepdim=True), ((4, 3),)),
    Case("std_dims_correction0", (StdOp,), lambda m, x: m.std(x, dim=(0, 2), correction=0), ((2, 3, 2),)),
    Case("amax_dims_keepdim", (AMaxMinOp,), lambda m, x: x.amax(dim=(0, 2), keepdim=True), ((2, 3, 2),)),
    Case("amin_all_function", (AMaxMinOp,), lambda m, x: m.amin(x), ((3, 4),)),
    Case("max_all", (MaxMinAllOp,), lambda m, x: x.max(), ((3, 4),)),
    Case("min_all_function", (MaxMinAllOp,), lambda m, x: m.min(x), ((3, 4),)),
    Case("max_dim", (MaxMinAlongOp,), lambda m, x: tuple(x.max(dim=1)), ((3, 4),)),
    Case("min_dim_keepdim", (MaxMinAlongOp,), lambda m, x: tuple(m.min(x, 0, keepdim=True)), ((3, 4),)),
    # ---- softmax ------------------------------------------------------------------------------------------
    Case("logsumexp", (LogSumExpOp,), lambda m, x: x.logsumexp(1), ((3, 4),)),
    Case("logsumexp_tuple_keepdim", (LogSumExpOp,), lambda m, x: m.logsumexp(x, (0, 2), keepdim=True),
         ((2, 3, 2),)),
    Case("softmax", (SoftmaxOp,), lambda m, x: x.softmax(-1), ((3, 4),)),
    Case("softmax_function_dim0", (SoftmaxOp,), lambda m, x: m.softmax(x * 10.0, dim=0), ((3, 4),)),
    Case("log_softmax", (LogSoftmaxOp,), lambda m, x: m.log_softmax(x, 1), ((3, 4),)),
    # ---- shape --------------------------------------------------------------------------------------------
    Case("clone", (CloneOp,), lambda m, x: x.clone(), ((3, 4),)),
    Case("contiguous", (CloneOp, PermuteOp), lambda m, x: x.t().contiguous(), ((3, 4),)),
    Case("cat", (ConcatenateOp,), lambda m, x, y: m.cat([x, y], dim=1), ((2, 3), (2, 2))),
    Case("cat_three_negative_dim", (ConcatenateOp,), lambda m, x, y, z: m.cat((x, y, z), -2),
         ((1, 3), (2, 3), (1, 3))),
    Case("expand", (ExpandOp,), lambda m, x: x.expand(2, 3, 4), ((3, 1),)),
    Case("expand_as_minus_one", (ExpandOp,), lambda m, x: x.expand(-1, 4) * 1.0, ((3, 1),)),
    Case("permute", (PermuteOp,), lambda m, x: x.permute(2, 0, 1), ((2, 3, 4),)),
    Case("transpose", (PermuteOp,), lambda m, x: m.transpose(x, 0, -1), ((2, 3, 4),)),
    Case("T", (PermuteOp,), lambda m, x: x.T, ((2, 3),)),
    Case("t", (PermuteOp,), lambda m, x: m.t(x), ((2, 3),)),
    Case("repeat", (RepeatOp,), lambda m, x: x.repeat(2, 1, 3), ((2, 3),)),
    Case("reshape", (ReshapeOp,), lambda m, x: x.reshape(6, -1), ((2, 3, 4),)),
    Case("view_tuple", (ReshapeOp,), lambda m, x: x.view((4, 3)), ((3, 4),)),
    Case("flatten", (ReshapeOp,), lambda m, x: m.flatten(x, 1), ((2, 3, 2),)),
    Case("unsqueeze_squeeze", (ReshapeOp,), lambda m, x: x.unsqueeze(0).unsqueeze(-1).squeeze(0), ((3, 4),)),
    Case("squeeze_dim", (ReshapeOp,), lambda m, x: m.squeeze(x, 1), ((3, 1, 2),)),
    Case("split_size", (SplitOp,), lambda m, x: x.split(3, dim=1), ((2, 7),)),
    Case("split_sections_function", (SplitOp,), lambda m, x: m.split(x, [1, 3], 1), ((2, 4),)),
    Case("chunk", (SplitOp,), lambda m, x: x.chunk(3, 0), ((5, 2),)),
    Case("unbind", (SplitOp, ReshapeOp), lambda m, x: m.unbind(x, 1), ((2, 3),)),
    Case("stack", (StackOp,), lambda m, x, y: m.stack([x, y], dim=1), ((2, 3), (2, 3))),
    Case("stack_last", (StackOp,), lambda m, x, y, z: m.stack((x, y, z), -1), ((3,), (3,), (3,))),
    Case("to_device_identity", (ToDeviceOp,), lambda m, x: ToDeviceOp.apply(x, x.device) * 1.0, ((3,),),
         torch_fn=lambda m, x: x.to(x.device) * 1.0),
    Case("to_device_cuda_roundtrip", (ToDeviceOp,), lambda m, x: (x.to("cuda") * 2.0).to(x.device), ((3,),),
         torch_fn=lambda m, x: x * 2.0, cuda_only=True),
    # ---- index --------------------------------------------------------------------------------------------
    Case("getitem_int", (GetItemOp,), lambda m, x: x[1], ((3, 4),)),
    Case("getitem_ints", (GetItemOp,), lambda m, x: x[0, -1], ((3, 4),)),
    Case("getitem_slices_none_ellipsis", (GetItemOp,), lambda m, x: x[1:, None, ..., ::2], ((3, 2, 4),)),
    Case("getitem_int_tensor_repeated", (GetItemOp,), lambda m, x: x[const(m, x, [2, 0, 2])], ((3, 4),)),
    Case("getitem_two_lists", (GetItemOp,), lambda m, x: x[[0, 1, 1], [2, 0, 2]], ((3, 4),)),
    Case("getitem_mixed", (GetItemOp,), lambda m, x: x[:, const(m, x, [[0, 3], [3, 3]])], ((2, 4),)),
    Case("getitem_mask", (GetItemOp,), lambda m, x: x[const(m, x, MASK_3x4)], ((3, 4),)),
    Case("getitem_mask_rows", (GetItemOp,), lambda m, x: x[x[:, 0] > 0], ((4, 3),), "nonzero"),
    Case("setitem_row", (SetItemOp,), _setitem_row, ((3, 4), (4,))),
    Case("setitem_mask", (SetItemOp,), _setitem_mask, ((3, 4),)),
    Case("gather", (GatherOp,), lambda m, x: x.gather(1, const(m, x, INDEX_3x2)), ((3, 4),)),
    # IndexAddOp is the backward of indexing (so double backward runs it); here applied directly.
    Case("index_add_repeated", (IndexAddOp,), lambda m, x: IndexAddOp.apply(x, (np.array([4, 0, 4]),), (5, 4), True),
         ((3, 4),), torch_fn=lambda m, x: m.zeros(5, 4, dtype=x.dtype).index_put((m.tensor([4, 0, 4]),), x, True)),
    Case("index_add_slice", (IndexAddOp,), lambda m, x: IndexAddOp.apply(x, (slice(1, 4),), (5, 4), False),
         ((3, 4),), torch_fn=lambda m, x: m.cat([m.zeros(1, 4, dtype=x.dtype), x, m.zeros(1, 4, dtype=x.dtype)])),
    Case("gather_dim0_function", (GatherOp,), lambda m, x: m.gather(x, 0, const(m, x, INDEX_3x2.T % 3)),
         ((3, 4),)),
    # ---- sort and rearrange (ops/sort.py, ops/rearrange.py: composites, so they name what they build) -------
    # Normal inputs have no ties, so the indices are torch's whatever order it gives ties.
    Case("sort", (GatherOp,), lambda m, x: tuple(m.sort(x)), ((3, 4),)),
    Case("sort_descending_dim0_stable", (GatherOp,),
         lambda m, x: tuple(x.sort(dim=0, descending=True, stable=True)), ((3, 4),)),
    Case("argsort_gather", (GatherOp,), lambda m, x: m.gather(x, 1, m.argsort(x, dim=1, descending=True)),
         ((3, 4),)),
    Case("topk", (GatherOp,), lambda m, x: tuple(m.topk(x, 2)), ((3, 4),)),
    Case("topk_smallest_dim0", (GatherOp,), lambda m, x: tuple(x.topk(2, dim=0, largest=False)), ((3, 4),)),
    Case("topk_names_times_two", (GatherOp, MulOp), lambda m, x: m.topk(x, k=3, dim=-1).values * 2.0,
         ((2, 3, 5),)),
    Case("roll_flattened", (SplitOp, ConcatenateOp, ReshapeOp), lambda m, x: m.roll(x, 5), ((3, 4),)),
    Case("roll_two_dims", (SplitOp, ConcatenateOp), lambda m, x: x.roll((1, -2), (0, 1)), ((3, 4),)),
    Case("roll_repeated_dim_wraps", (SplitOp, ConcatenateOp), lambda m, x: m.roll(x, (7, 2), dims=(1, 1)),
         ((2, 3, 4),)),
    Case("roll_by_zero_copies", (CloneOp,), lambda m, x: x.roll(3, 1), ((2, 3),)),
    Case("meshgrid_ij", (ReshapeOp, ExpandOp), lambda m, x, y: m.meshgrid(x, y, indexing="ij"), ((3,), (4,))),
    Case("meshgrid_xy_three_list", (ReshapeOp, ExpandOp), lambda m, x, y, z: m.meshgrid([x, y, z], indexing="xy"),
         ((2,), (3,), (4,))),
    Case("meshgrid_times_grid", (ExpandOp, MulOp), lambda m, x, y: m.meshgrid(x, y, indexing="ij")[0] * y,
         ((3,), (4,))),
    Case("narrow", (GetItemOp,), lambda m, x: x.narrow(1, -3, 2), ((3, 4),)),
    Case("narrow_function_dim0", (GetItemOp,), lambda m, x: m.narrow(x, 0, 1, 2) * 1.0, ((3, 4),)),
    # ---- matmul -------------------------------------------------------------------------------------------
    Case("matmul", (MatMulOp,), lambda m, x, y: x @ y, ((3, 4), (4, 5))),
    Case("matmul_batched_broadcast", (MatMulOp,), lambda m, x, y: m.matmul(x, y), ((2, 1, 3, 4), (5, 4, 2))),
    Case("matmul_vector_matrix", (MatMulOp,), lambda m, x, y: x @ y, ((4,), (4, 3))),
    Case("matmul_matrix_vector", (MatMulOp,), lambda m, x, y: x @ y, ((3, 4), (4,))),
    Case("matmul_vector_vector", (MatMulOp,), lambda m, x, y: x @ y, ((4,), (4,))),
    Case("matmul_batch_vector", (MatMulOp,), lambda m, x, y: x @ y, ((2, 3, 4), (4,))),
    Case("matmul_vector_batch", (MatMulOp,), lambda m, x, y: x @ y, ((3,), (2, 3, 4))),
    Case("einsum_bmm", (EinsumOp,), lambda m, x, y: m.einsum("bij,bjk->bik", x, y), ((2, 3, 4), (2, 4, 2))),
    Case("einsum_implicit", (EinsumOp,), lambda m, x, y: m.einsum("ij,jk", x, y), ((2, 3), (3, 4))),
    Case("einsum_ellipsis", (EinsumOp,), lambda m, x, y: m.einsum("...ij,jk->...ik", x, y),
         ((2, 3, 4), (4, 2))),
    Case("einsum_ellipsis_implicit", (EinsumOp,), lambda m, x, y: m.einsum("...ij,...jk", x, y),
         ((2, 3, 4), (4, 2))),
    Case("einsum_outer_list", (EinsumOp,), lambda m, x, y: m.einsum("i,j->ij", [x, y]), ((3,), (2,))),
    Case("einsum_sum_in_one_operand", (EinsumOp,), lambda m, x, y: m.einsum("ij,jk->i", x, y),
         ((2, 3), (3, 4))),
    Case("einsum_attention", (EinsumOp,), lambda m, q, k: m.einsum("bhqd,bhkd->bhqk", q, k),
         ((1, 2, 3, 4), (1, 2, 2, 4))),
    Case("einsum_full_sum", (EinsumOp,), lambda m, x: m.einsum("ijk->", x), ((2, 3, 2),)),
]

CASES: list[Case] = PRIMITIVE_CASES + FUSED_CASES + MORE_TORCH_FUNCTION_CASES + LAYER_CASES
CASES_BY_NAME = {case.name: case for case in CASES}


def case_params(cases: list[Case] = CASES) -> list[Any]:
    """pytest params of the cases (all of them by default), ids by name; cuda-only cases skip without a GPU."""
    return _case_params(cases)


# ---- the Op classes the guard walks ----------------------------------------------------------------------

# Op subclasses in glassgrad that no case can build, each with the reason. Only autograd's own machinery.
NOT_TABLED: dict[type, str] = {
    gg.autograd.Function: "the base class of tensor-level Functions: no forward of its own (its subclasses "
                          "in glassgrad are walked and need cases)",
}


@functools.cache
def all_op_classes() -> frozenset[type]:
    """Every subclass of Op defined in glassgrad, at any depth, once every module of the package is imported
    (an op in a module that `import glassgrad` does not load is found too). Ops defined elsewhere (in tests)
    are not the library's."""
    for module in pkgutil.walk_packages(gg.__path__, gg.__name__ + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, stack = set(), [Op]
    while stack:
        for subclass in stack.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                stack.append(subclass)
    return frozenset(op for op in found if op.__module__.split(".")[0] == gg.__name__) - set(NOT_TABLED)


@functools.cache
def covered_by(case_names: tuple[str, ...]) -> frozenset[type]:
    """The ops the named cases name or build."""
    covered: set[type] = set()
    for name in case_names:
        case = CASES_BY_NAME[name]
        covered |= set(case.ops)
        if not case.cuda_only:
            covered |= ops_built(case)
    return frozenset(covered)


def _names(ops: Any) -> list[str]:
    return sorted(f"{op.__module__}.{op.__qualname__}" for op in ops)


# ---- the meta-tests --------------------------------------------------------------------------------------


def test_the_walk_finds_the_ops_of_every_layer() -> None:
    modules = {op.__module__.split(".")[1] for op in all_op_classes()}
    assert {"ops", "functional", "nn", "autograd"} <= modules, f"Op classes found only in {sorted(modules)}"
    assert AddOp in all_op_classes() and gg.autograd.Function not in all_op_classes()


def test_every_op_is_covered() -> None:
    missing = all_op_classes() - covered_by(tuple(CASES_BY_NAME))
    assert not missing, (
        f"Op classes without a case in tests/ops/test_table.py or fused_cases.py: {_names(missing)}. AddOp a "
        "case that calls the public function that runs the op (gradcheck and torch parity then run it)"
    )


def test_every_op_has_a_second_order_case() -> None:
    ops = all_op_classes()
    missing = ops - covered_by(tuple(case.name for case in CASES if case.second_order))
    assert not missing, (
        f"{len(ops) - len(missing)} of {len(ops)} ops have a second-order case; without one: {_names(missing)}. "
        "AddOp a case (or set second_order=True on one) so gradgradcheck covers the op's double backward"
    )


def test_cases_name_only_known_ops() -> None:
    unknown = {op for case in CASES for op in case.ops} - all_op_classes()
    assert not unknown, f"cases name ops that are not Op classes of glassgrad: {_names(unknown)}"


def test_case_names_are_unique() -> None:
    assert len(CASES_BY_NAME) == len(CASES)


@pytest.mark.parametrize("case", case_params())
def test_case_builds_the_ops_it_names(case: Case) -> None:
    inputs = [gg.tensor(a, requires_grad=True) for a in inputs_for(case)]
    outputs = as_outputs(case.fn(gg, *inputs))
    missing = {op.__name__ for op in case.ops} - {op.__name__ for op in ops_in_graph(outputs)}
    assert not missing, f"case {case.name} does not build {sorted(missing)}"
