"""The op table of the differential fuzzer: each op once, with its glassgrad and PyTorch spellings.

Each op is one line of `OPS_LIST`: a name, a *kind* and a function `fn(L, *tensors, **params)` written once
for both frameworks (`L` is a `Lib`: `L.m` is glassgrad or torch, `L.F` its functional module), with `torch=`
where PyTorch spells it differently. The kind names the hypothesis strategy in strategies.PARAMS that draws
the op's other inputs and parameters to fit the shape of the tensor it is applied to, so adding an op of an
existing kind is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as gg_functional

try:
    import torch
    import torch.nn.functional as torch_functional
except ImportError:  # the fuzz tests skip themselves without torch
    torch = None


# ---- the two frameworks behind one interface -------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    """One framework as the op table sees it: `m` (the top module), `F` (functional) and constant makers."""

    name: str
    m: Any
    F: Any

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        return self.m.tensor(np.array(array), requires_grad=requires_grad)

    def const(self, array: Any, like: Any = None) -> Any:
        """A constant (index, mask, target); a float one takes the dtype of `like`."""
        array = np.asarray(array)
        if like is not None and array.dtype.kind == "f":
            array = array.astype(np.dtype(str(like.dtype).replace("torch.", "").replace("glassgrad.", "")))
        return self.m.tensor(array)

    def key(self, key: tuple) -> tuple:
        """An index key with its NumPy arrays made into tensors of this framework."""
        return tuple(self.const(part) if isinstance(part, np.ndarray) else part for part in key)

    def numpy(self, t: Any) -> np.ndarray:
        return t.detach().numpy().copy()


GLASSGRAD = Lib("glassgrad", gg, gg_functional)
TORCH_SHADOW = TORCH = Lib("torch", torch, torch_functional) if torch is not None else None


def run_step(L: Lib, op: Op, inputs: list, params: dict) -> tuple:
    """The step's outputs as a tuple (split and chunk give several)."""
    result = op.for_lib(L)(L, *inputs, **params)
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def dtype_name(t: Any) -> str:
    return str(t.dtype).replace("torch.", "").replace("glassgrad.", "")


def view_of(L: Lib, x: Any, view: tuple | None) -> Any:
    """The view an in-place step writes through: None (x itself), a basic index, a transpose or an unsqueeze."""
    if view is None:
        return x
    kind, arg = view
    if kind == "getitem":
        return x[arg]
    if kind == "transpose":
        return x.transpose(*arg)
    return x.unsqueeze(arg)


def _setitem(L: Lib, x: Any, value: Any, view: tuple | None, key: tuple) -> Any:
    target = view_of(L, x, view)
    target[L.key(key)] = value
    return target


def _class_weight(L: Lib, x: Any, weight: Any) -> Any:
    return None if weight is None else L.const(weight, like=x)


def _bce_with_logits(L: Lib, x: Any, target: Any, pos_weight: Any, reduction: str) -> Any:
    pos_weight = None if pos_weight is None else L.const(pos_weight, like=x)
    return L.F.binary_cross_entropy_with_logits(x, L.const(target, like=x), pos_weight=pos_weight, reduction=reduction)


def _cross_entropy(L: Lib, x: Any, target: Any, weight: Any, reduction: str, smoothing: float) -> Any:
    weight = _class_weight(L, x, weight)
    return L.F.cross_entropy(x, L.const(target), weight=weight, reduction=reduction, label_smoothing=smoothing)


def _nll_loss(L: Lib, x: Any, target: Any, weight: Any, reduction: str, smoothing: float) -> Any:
    return L.F.nll_loss(x, L.const(target), weight=_class_weight(L, x, weight), reduction=reduction)


# ---- the op table --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    name: str
    kind: str  # the parameter strategy in PARAMS
    fn: Callable[..., Any]  # fn(L, *tensors, **params), the same for both frameworks
    torch: Callable[..., Any] | None = None  # PyTorch's spelling where it differs
    inplace: bool = False  # in-place writes run only in the in-place family

    def for_lib(self, L: Lib) -> Callable[..., Any]:
        return self.torch if (L.name == "torch" and self.torch is not None) else self.fn


def _amax_dims(dim: Any) -> Any:
    return () if dim is None else dim  # torch's amax reads "all dims" as dim=()


# fmt: off  (one line per op)
OPS_LIST = [
    # elementwise, one tensor
    Op("neg", "unary", lambda L, x: -x),
    Op("abs", "unary", lambda L, x: x.abs()),
    Op("exp", "unary", lambda L, x: x.exp()),
    Op("log_abs", "unary", lambda L, x: x.abs().log()),  # log on positive inputs (and 0 where x is 0)
    Op("sqrt_abs", "unary", lambda L, x: x.abs().sqrt()),
    Op("tanh", "unary", lambda L, x: x.tanh()),
    Op("sigmoid", "unary", lambda L, x: x.sigmoid()),
    Op("relu", "unary", lambda L, x: x.relu()),
    Op("gelu", "unary", lambda L, x: L.F.gelu(x)),
    Op("gelu_tanh", "unary", lambda L, x: L.F.gelu(x, approximate="tanh")),
    Op("silu", "unary", lambda L, x: L.F.silu(x)),
    Op("leaky_relu", "unary", lambda L, x: L.F.leaky_relu(x, 0.1)),
    Op("elu", "unary", lambda L, x: L.F.elu(x)),
    Op("softplus", "unary", lambda L, x: L.F.softplus(x, beta=2.0, threshold=3.0)),
    Op("square", "unary", lambda L, x: x.square()),
    Op("pow_int", "int_exponent", lambda L, x, p: x**p),
    Op("pow_abs", "real_exponent", lambda L, x, p: x.abs() ** p),
    Op("add_scalar", "scalar", lambda L, x, c: x + c),
    Op("rsub_scalar", "scalar", lambda L, x, c: c - x),
    Op("mul_scalar", "scalar", lambda L, x, c: x * c),
    Op("div_scalar", "scalar", lambda L, x, c: x / c),
    Op("rdiv_scalar", "scalar", lambda L, x, c: c / x),
    Op("rpow_scalar", "scalar", lambda L, x, c: abs(c) ** x),
    Op("clamp", "clamp", lambda L, x, lo, hi: L.m.clamp(x, lo, hi)),
    # elementwise, broadcasting two (or three) tensors
    Op("add", "binary", lambda L, x, y: x + y),
    Op("sub", "binary", lambda L, x, y: x - y),
    Op("mul", "binary", lambda L, x, y: x * y),
    Op("div", "binary", lambda L, x, y: x / y),
    Op("pow", "binary", lambda L, x, y: x.abs() ** y),
    Op("maximum", "binary", lambda L, x, y: L.m.maximum(x, y)),
    Op("minimum", "binary", lambda L, x, y: L.m.minimum(x, y)),
    Op("where", "where", lambda L, x, y, cond: L.m.where(L.const(cond), x, y)),
    # reductions
    Op("sum", "reduce", lambda L, x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim)),
    Op("mean", "reduce", lambda L, x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim)),
    Op("var", "var", lambda L, x, dim, keepdim, correction: x.var(dim=dim, keepdim=keepdim, correction=correction)),
    Op("std", "var", lambda L, x, dim, keepdim, correction: x.std(dim=dim, keepdim=keepdim, correction=correction)),
    Op("amax", "reduce", lambda L, x, dim, keepdim: x.amax(dim=_amax_dims(dim), keepdim=keepdim)),
    Op("amin", "reduce", lambda L, x, dim, keepdim: x.amin(dim=_amax_dims(dim), keepdim=keepdim)),
    Op("logsumexp", "reduce_dims", lambda L, x, dim, keepdim: x.logsumexp(dim=dim, keepdim=keepdim)),
    Op("max_dim", "along", lambda L, x, dim, keepdim: x.max(dim=dim, keepdim=keepdim)[0]),
    Op("min_dim", "along", lambda L, x, dim, keepdim: x.min(dim=dim, keepdim=keepdim).values),
    Op("max_all", "unary", lambda L, x: x.max()),
    Op("min_all", "unary", lambda L, x: x.min()),
    Op("softmax", "softmax", lambda L, x, dim: L.F.softmax(x, dim=dim)),
    Op("log_softmax", "softmax", lambda L, x, dim: L.F.log_softmax(x, dim=dim)),
    # matmul: 1-D, 2-D, batched and broadcast batched, x on either side
    Op("matmul", "matmul", lambda L, x, y, x_left: x @ y if x_left else y @ x),
    # views and shape changes
    Op("transpose", "transpose", lambda L, x, dims: x.transpose(*dims)),
    Op("permute", "permute", lambda L, x, dims: x.permute(dims)),
    Op("reshape", "reshape", lambda L, x, shape: x.reshape(shape)),
    Op("view", "reshape", lambda L, x, shape: x.view(shape)),
    Op("flatten", "flatten", lambda L, x, start, end: x.flatten(start, end)),
    Op("squeeze", "squeeze", lambda L, x, dim: x.squeeze() if dim is None else x.squeeze(dim)),
    Op("unsqueeze", "unsqueeze", lambda L, x, dim: x.unsqueeze(dim)),
    Op("expand", "expand", lambda L, x, sizes: x.expand(sizes)),
    Op("getitem", "basic_index", lambda L, x, key: x[key]),
    Op("index", "advanced_index", lambda L, x, key: x[L.key(key)]),
    # joining and splitting
    Op("cat", "join", lambda L, x, *others, dim: L.m.cat([x, *others], dim=dim)),
    Op("stack", "stack", lambda L, x, *others, dim: L.m.stack([x, *others], dim=dim)),
    Op("split", "split", lambda L, x, size, dim: x.split(size, dim=dim)),
    Op("chunk", "chunk", lambda L, x, chunks, dim: x.chunk(chunks, dim=dim)),
    # losses
    Op("mse_loss", "pointwise_loss", lambda L, x, y, reduction: L.F.mse_loss(x, y, reduction=reduction)),
    Op("bce_with_logits", "bce", lambda L, x, **p: _bce_with_logits(L, x, **p)),
    Op("cross_entropy", "class_loss", lambda L, x, **p: _cross_entropy(L, x, **p)),
    Op("cross_entropy_probs", "prob_loss", lambda L, x, target, smoothing: L.F.cross_entropy(
        x, L.const(target, like=x), label_smoothing=smoothing)),
    Op("nll_loss", "class_loss", lambda L, x, **p: _nll_loss(L, x, **p)),
    # in-place writes into non-leaf tensors and into views of them (the in-place family, behind a switch)
    Op("add_", "inplace_other", lambda L, x, y, view: view_of(L, x, view).add_(y), inplace=True),
    Op("mul_", "inplace_other", lambda L, x, y, view: view_of(L, x, view).mul_(y), inplace=True),
    Op("copy_", "inplace_other", lambda L, x, y, view: view_of(L, x, view).copy_(y), inplace=True),
    Op("add_scalar_", "inplace_scalar", lambda L, x, c, view: view_of(L, x, view).add_(c), inplace=True),
    Op("clamp_", "inplace_clamp", lambda L, x, lo, hi, view: view_of(L, x, view).clamp_(lo, hi), inplace=True),
    Op("zero_", "inplace", lambda L, x, view: view_of(L, x, view).zero_(), inplace=True),
    Op("masked_fill_", "inplace_mask", lambda L, x, mask, value, view: view_of(L, x, view).masked_fill_(
        L.const(mask), value), inplace=True),
    Op("setitem", "inplace_setitem", lambda L, x, value, view, key: _setitem(L, x, value, view, key), inplace=True),
    Op("setitem_scalar", "inplace_setitem_scalar", lambda L, x, value, view, key: _setitem(L, x, value, view, key),
       inplace=True),
]
# fmt: on
OPS = {op.name: op for op in OPS_LIST}


