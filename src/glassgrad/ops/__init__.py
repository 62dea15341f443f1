"""Differentiable primitives on raw arrays: each op's forward sits directly above its backward.

Files: arithmetic (+ − × ÷ **, casts, promotion), unary (exp, log, tanh, ...), select (max/min, where,
masked_fill, tril/triu), reduce (sum, mean, var, std, amax, ...), softmax, shape (reshape, permute, cat, split, ...),
index (x[key], gather, and their adjoint index_add), matmul (matmul, einsum); dims reads the `dim` arguments
they share. sort (sort, argsort, topk) and rearrange (roll, meshgrid, narrow) are composites of these, with no Op
of their own. `ALL_OPS` lists every Op class: the test table must cover it. tensor_namespace gives these ops NumPy's
names, so that each backward also runs on Tensors (create_graph=True).

More of torch's functions (issue 18), each file one family, their Ops marked `tensor_backward = True` (not in
ALL_OPS; the table covers them too): elementwise (erf, expm1, log2, hyperbolic and inverse trigonometry, atan2,
hypot, lerp, nan_to_num), rounding (round, floor, ceil, trunc, sign, frac, fmod), logical (isnan, isclose,
logical_* and bitwise_*), cumulative (cumsum, cumprod, cummax, cummin, diff), reorder (flip, diagonal, diag,
tile, movedim, unflatten, index_select, repeat_interleave, take_along_dim), linalg_products (mm, bmm, mv, dot,
outer, addmm, tensordot, norm), scatter (scatter, scatter_add, index_add, masked_select), order_stats (median,
kthvalue, mode, nansum, nanmean, std_mean, nonzero, bincount, unique, searchsorted, bucketize).
"""

from . import arithmetic, index, matmul, rearrange, reduce, select, shape, softmax, sort, unary
from .arithmetic import AddOp, CastOp, DivOp, MulOp, NegOp, PowOp, ReciprocalOp, SubOp
from .index import GatherOp, GetItemOp, IndexAddOp, SetItemOp
from .matmul import EinsumOp, MatMulOp
from .reduce import AMaxMinOp, MaxMinAllOp, MaxMinAlongOp, MeanOp, ProdOp, StdOp, SumOp, VarOp
from .select import MaximumOp, MinimumOp, TriangleOp, WhereOp
from .shape import CloneOp, ConcatenateOp, ExpandOp, PermuteOp, RepeatOp, ReshapeOp, SplitOp, StackOp, ToDeviceOp
from .softmax import LogSoftmaxOp, LogSumExpOp, SoftmaxOp
from .unary import AbsOp, ClampOp, CosOp, ExpOp, Log1pOp, LogOp, ReluOp, RsqrtOp, SigmoidOp, SinOp, SqrtOp, TanhOp

ALL_OPS = (
    AddOp, CastOp, DivOp, MulOp, NegOp, PowOp, ReciprocalOp, SubOp,
    AbsOp, ClampOp, CosOp, ExpOp, LogOp, Log1pOp, ReluOp, RsqrtOp, SigmoidOp, SinOp, SqrtOp, TanhOp,
    MaximumOp, MinimumOp, TriangleOp, WhereOp,
    AMaxMinOp, MaxMinAllOp, MaxMinAlongOp, MeanOp, ProdOp, StdOp, SumOp, VarOp,
    LogSoftmaxOp, LogSumExpOp, SoftmaxOp,
    CloneOp, ConcatenateOp, ExpandOp, PermuteOp, RepeatOp, ReshapeOp, SplitOp, StackOp, ToDeviceOp,
    GatherOp, GetItemOp, IndexAddOp, SetItemOp,
    EinsumOp, MatMulOp,
)

__all__ = [
    "ALL_OPS", "arithmetic", "index", "matmul", "rearrange", "reduce", "select", "shape", "softmax", "sort", "unary",
]
