"""Differentiable primitives on raw arrays: each op's forward sits directly above its backward.

Files: arithmetic (+ − × ÷ **, casts, promotion), unary (exp, log, tanh, ...), select (max/min, where,
masked_fill, tril/triu), reduce (sum, mean, var, std, amax, ...), softmax, shape (reshape, permute, cat, split, ...),
index (x[key], gather, and their adjoint index_add), matmul (matmul, einsum); dims reads the `dim` arguments
they share. `ALL_OPS` lists every Op class: the test table must cover it. tensor_namespace gives these ops NumPy's
names, so that each backward also runs on Tensors (create_graph=True).
"""

from . import arithmetic, index, matmul, reduce, select, shape, softmax, unary
from .arithmetic import Add, Cast, Div, Mul, Neg, Pow, Reciprocal, Sub
from .index import Gather, GetItem, IndexAdd, SetItem
from .matmul import Einsum, MatMul
from .reduce import AMaxMin, MaxMinAll, MaxMinAlong, Mean, Prod, Std, Sum, Var
from .select import Maximum, Minimum, Triangle, Where
from .shape import Clone, Concatenate, Expand, Permute, Repeat, Reshape, Split, Stack, ToDevice
from .softmax import LogSoftmax, LogSumExp, Softmax
from .unary import Abs, Clamp, Cos, Exp, Log, Log1p, Relu, Rsqrt, Sigmoid, Sin, Sqrt, Tanh

ALL_OPS = (
    Add, Cast, Div, Mul, Neg, Pow, Reciprocal, Sub,
    Abs, Clamp, Cos, Exp, Log, Log1p, Relu, Rsqrt, Sigmoid, Sin, Sqrt, Tanh,
    Maximum, Minimum, Triangle, Where,
    AMaxMin, MaxMinAll, MaxMinAlong, Mean, Prod, Std, Sum, Var,
    LogSoftmax, LogSumExp, Softmax,
    Clone, Concatenate, Expand, Permute, Repeat, Reshape, Split, Stack, ToDevice,
    Gather, GetItem, IndexAdd, SetItem,
    Einsum, MatMul,
)

__all__ = ["ALL_OPS", "arithmetic", "index", "matmul", "reduce", "select", "shape", "softmax", "unary"]
