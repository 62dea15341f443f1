"""Random programs for differential fuzzing: the op table, the program generator and the runner.

A program is a list of `Step`s over a pool of live tensors. Leaf steps (`op == "leaf"`) add float tensors that
require grad; every other step applies one op of `OPS` to pool tensors and appends its result(s) to the pool.
The same program runs in glassgrad and in PyTorch (`execute`), and `compare` reports the first place where the
two disagree: a value, a shape, a dtype, `requires_grad`, a gradient, or one framework raising where the other
does not.

Each op is one line of `OPS`: a name, a *kind* and a function `fn(L, *tensors, **params)` written once for both
frameworks (`L` is a `Lib`: `L.m` is glassgrad or torch, `L.F` its functional module), with `torch=` where
PyTorch spells it differently. The kind names the hypothesis strategy in `PARAMS` that draws the op's other
inputs and parameters so that they fit the shape of the tensor it is applied to; adding an op of an existing
kind is one line. While a program is drawn, each step is also run in PyTorch on zeros of the same shapes (the
"shadow" pool), which gives the shapes later steps must fit; a step that PyTorch refuses ends the program, so
the error paths are fuzzed too.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import glassgrad.nn.functional as gg_functional
import numpy as np
from hypothesis import strategies as st

import glassgrad as gg

try:
    import torch
    import torch.nn.functional as torch_functional
except ImportError:  # the fuzz tests skip themselves without torch
    torch = None

MAX_SIDE = 4
MAX_DIMS = 4
SPECIALS = (math.nan, math.inf, -math.inf, 0.0)


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


# ---- programs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A leaf's values: seeded normal numbers, optionally rounded to halves (ties) and with special values."""

    shape: tuple[int, ...]
    dtype: str
    seed: int
    ties: bool = False
    specials: tuple[tuple[int, float], ...] = ()  # (flat index, value)

    def values(self) -> np.ndarray:
        values = np.random.default_rng(self.seed).standard_normal(self.shape)
        if self.ties:
            values = np.round(values * 2) / 2
        flat = values.reshape(-1)
        for index, value in self.specials:
            if flat.size:
                flat[index % flat.size] = value
        return values.astype(self.dtype)


@dataclass(frozen=True)
class Step:
    op: str  # a name in OPS, or "leaf"
    args: tuple[int, ...] = ()  # pool indices of the tensor inputs
    params: dict = field(default_factory=dict)
    leaf: Leaf | None = None
    outputs: int = 1  # how many tensors the step adds to the pool (0: PyTorch refuses it)

    def __repr__(self) -> str:
        if self.leaf is not None:
            return f"leaf{self.leaf}"
        inputs = ", ".join(f"t{i}" for i in self.args)
        params = "".join(f", {name}={_short(value)}" for name, value in self.params.items())
        return f"{self.op}({inputs}{params})"


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


@dataclass(frozen=True)
class Program:
    steps: tuple[Step, ...]
    weight_seed: int = 0

    def __repr__(self) -> str:
        lines, count = [], 0
        for step in self.steps:
            names = ", ".join(f"t{count + k}" for k in range(step.outputs)) or "raises"
            lines.append(f"    {names} = {step!r}")
            count += step.outputs
        return "Program(\n" + "\n".join(lines) + f"\n    weight_seed={self.weight_seed})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis prints a falsifying example
        printer.text(repr(self))


# ---- the generator -------------------------------------------------------------------------------------------


@st.composite
def leaves(draw: Any, shape: tuple[int, ...], dtype: str) -> Leaf:
    specials = ()
    if draw(st.integers(0, 7)) == 7:  # one leaf in eight has nan, inf or exact zeros
        specials = tuple(
            draw(st.lists(st.tuples(st.integers(0, 255), st.sampled_from(SPECIALS)), min_size=1, max_size=3))
        )
    ties = draw(st.integers(0, 3)) == 3
    return Leaf(tuple(shape), dtype, draw(st.integers(0, 2**16)), ties, specials)


def _broadcastable_to(draw: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts against `shape`: a suffix of it, some sides set to 1, maybe longer."""
    keep = draw(st.integers(0, len(shape)))
    result = [1 if draw(st.booleans()) and draw(st.booleans()) else side for side in shape[len(shape) - keep :]]
    if len(shape) < MAX_DIMS and draw(st.integers(0, 5)) == 0:
        result = [draw(st.integers(1, 3))] + result
    return tuple(result)


class Draw:
    """What a PARAMS strategy sees: hypothesis' `draw`, the shadow pool, and a way to ask for a fresh leaf."""

    def __init__(self, draw: Any, shadow: list, dtype: str, empty: bool):
        self.draw = draw
        self.shadow = shadow
        self.dtype = dtype
        self.empty = empty
        self.fresh: list[Leaf] = []

    def leaf(self, shape: tuple[int, ...]) -> int:
        """A new leaf of this shape (the pool index it will get)."""
        self.fresh.append(self.draw(leaves(tuple(shape), self.leaf_dtype())))
        return len(self.shadow) + len(self.fresh) - 1

    def leaf_dtype(self) -> str:
        return self.draw(st.sampled_from(["float32", "float64"])) if self.dtype == "mixed" else self.dtype

    def tensor_like(self, shape: tuple[int, ...], broadcast: bool = True) -> int:
        """A pool tensor of a fitting shape (broadcasting against `shape`, or equal to it), or a fresh leaf."""
        fits = [i for i, t in enumerate(self.shadow) if _fits(tuple(t.shape), shape, broadcast)]
        if fits and self.draw(st.booleans()):
            return self.draw(st.sampled_from(fits))
        return self.leaf(_broadcastable_to(self.draw, shape) if broadcast else shape)

    def dim(self, ndim: int, extra: int = 0) -> int:
        """A dimension in [-ndim-extra, ndim+extra-1]: mostly valid, rarely out of range."""
        span = max(ndim + extra, 1)
        if self.draw(st.integers(0, 30)) == 0:
            return self.draw(st.sampled_from([span, -span - 1]))  # out of range: both must raise
        return self.draw(st.integers(-span, span - 1))


def _fits(shape: tuple, target: tuple, broadcast: bool) -> bool:
    if not broadcast:
        return shape == target
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


@st.composite
def programs(draw: Any, min_ops: int = 3, max_ops: int = 12, inplace: bool = False) -> Program:
    """A program of `min_ops` to `max_ops` ops (in-place writes included when `inplace`)."""
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "mixed"]))
    empty = draw(st.integers(0, 9)) == 0  # one program in ten may have zero-size dimensions
    from hypothesis.extra.numpy import mutually_broadcastable_shapes

    shapes = draw(
        mutually_broadcastable_shapes(
            num_shapes=draw(st.integers(1, 3)),
            min_dims=0,
            max_dims=MAX_DIMS,
            min_side=0 if empty else 1,
            max_side=MAX_SIDE,
        )
    ).input_shapes
    steps: list[Step] = []
    shadow: list = []
    for shape in shapes:
        context = Draw(draw, shadow, dtype, empty)
        _add_leaf(steps, shadow, draw(leaves(shape, context.leaf_dtype())))
    names = [op.name for op in OPS_LIST if inplace or not op.inplace]
    for _ in range(draw(st.integers(min_ops, max_ops))):
        op = OPS[draw(st.sampled_from(names))]
        x = draw(st.integers(0, len(shadow) - 1))
        non_leaves = [i for i, step in enumerate(_pool_steps(steps)) if step.leaf is None]
        if op.inplace and non_leaves and draw(st.integers(0, 9)):  # mostly non-leaf targets (a leaf must raise)
            x = draw(st.sampled_from(non_leaves))
        context = Draw(draw, shadow, dtype, empty)
        args, params = PARAMS[op.kind](context, x, tuple(shadow[x].shape))
        for fresh in context.fresh:
            _add_leaf(steps, shadow, fresh)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # var() with no degrees of freedom, and the like
                outputs = run_step(TORCH_SHADOW, op, [shadow[i] for i in (x, *args)], params)
        except Exception:  # PyTorch refuses the step: the program ends here, and glassgrad must refuse it too
            steps.append(Step(op.name, (x, *args), params, outputs=0))
            break
        steps.append(Step(op.name, (x, *args), params, outputs=len(outputs)))
        shadow.extend(outputs)
    return Program(tuple(steps), draw(st.integers(0, 2**16)))


def _pool_steps(steps: list) -> list:
    """The step that made each pool tensor, in pool order."""
    return [step for step in steps for _ in range(1 if step.leaf is not None else step.outputs)]


def _add_leaf(steps: list, shadow: list, leaf: Leaf) -> None:
    steps.append(Step("leaf", leaf=leaf))
    shadow.append(torch.zeros(leaf.shape, dtype=getattr(torch, leaf.dtype)))


# ---- parameter strategies, one per kind ----------------------------------------------------------------------


def _no_params(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {}


def _int_exponent(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"p": d.draw(st.sampled_from([2, 3, 1, 0, -1, -2]))}


def _real_exponent(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"p": d.draw(st.sampled_from([0.5, 1.5, -0.5, 2.5, 0.0]))}


def _scalar(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"c": d.draw(st.sampled_from([2.0, -0.5, 3.0, 0.0, 1.0]))}


def _clamp(d: Draw, x: int, shape: tuple) -> tuple:
    bounds = st.sampled_from([None, -1.0, -0.5, 0.0, 0.5, 1.0])
    lo, hi = d.draw(bounds), d.draw(bounds)
    if lo is None and hi is None:
        lo = 0.0  # torch refuses clamp() with no bound (glassgrad must too: drawn rarely below)
    if d.draw(st.integers(0, 30)) == 0:
        lo = hi = None
    return (), {"lo": lo, "hi": hi}


def _binary(d: Draw, x: int, shape: tuple) -> tuple:
    if d.draw(st.integers(0, 40)) == 0:  # sometimes shapes that cannot broadcast: both must raise
        return (d.leaf(tuple(side + 1 for side in shape) or (2,)),), {}
    return (d.tensor_like(shape),), {}


def _where(d: Draw, x: int, shape: tuple) -> tuple:
    y = d.tensor_like(shape)
    cond_shape = _broadcastable_to(d.draw, shape)
    cond = np.random.default_rng(d.draw(st.integers(0, 2**16))).random(cond_shape) < 0.5
    return (y,), {"cond": cond}


def _dims(d: Draw, ndim: int, allow_none: bool) -> Any:
    choice = d.draw(st.integers(0 if allow_none else 1, 2))
    if choice == 0:
        return None
    if choice == 1 or ndim == 0:
        return d.dim(ndim)
    dims = d.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim, unique_by=lambda k: k % ndim))
    return tuple(dims)


def _reduce(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": _dims(d, len(shape), allow_none=True), "keepdim": d.draw(st.booleans())}


def _reduce_dims(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": _dims(d, len(shape), allow_none=False), "keepdim": d.draw(st.booleans())}


def _var(d: Draw, x: int, shape: tuple) -> tuple:
    _, params = _reduce(d, x, shape)
    return (), {**params, "correction": d.draw(st.sampled_from([1, 0]))}


def _along(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": d.dim(len(shape)), "keepdim": d.draw(st.booleans())}


def _softmax(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": d.dim(len(shape))}


def _matmul(d: Draw, x: int, shape: tuple) -> tuple:
    x_left = d.draw(st.booleans())
    inner = (shape[-1] if x_left else shape[-2] if len(shape) > 1 else shape[0]) if shape else 2
    if d.draw(st.integers(0, 30)) == 0:
        inner += 1  # inner sizes that differ: both must raise
    outer = d.draw(st.integers(1, MAX_SIDE))
    form = d.draw(st.sampled_from(["vector", "matrix", "batched"]))
    if form == "vector":
        other = (inner,)
    elif form == "matrix":
        other = (inner, outer) if x_left else (outer, inner)
    else:
        batch = _broadcastable_to(d.draw, tuple(shape[:-2]))[-2:] or (d.draw(st.integers(1, 3)),)
        other = batch + ((inner, outer) if x_left else (outer, inner))
    return (d.leaf(other),), {"x_left": x_left}


def _transpose(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dims": (d.dim(len(shape)), d.dim(len(shape)))}


def _permute(d: Draw, x: int, shape: tuple) -> tuple:
    dims = d.draw(st.permutations(range(len(shape))))
    return (), {"dims": tuple(k - len(shape) if d.draw(st.booleans()) else k for k in dims)}


def _reshape(d: Draw, x: int, shape: tuple) -> tuple:
    remaining = int(np.prod(shape))
    new: list[int] = []
    for _ in range(d.draw(st.integers(0, MAX_DIMS - 1))):
        divisors = [k for k in range(1, remaining + 1) if remaining % k == 0] or [0]
        side = d.draw(st.sampled_from(divisors))
        new.append(side)
        remaining = remaining // side if side else 0
    new.append(remaining)
    if d.draw(st.booleans()):
        new[d.draw(st.integers(0, len(new) - 1))] = -1
    if new == [1] and d.draw(st.booleans()):
        new = []  # to a 0-d tensor
    return (), {"shape": tuple(new)}


def _flatten(d: Draw, x: int, shape: tuple) -> tuple:
    start, end = d.dim(len(shape)), d.dim(len(shape))
    return (), {"start": start, "end": end}


def _squeeze(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": None if d.draw(st.booleans()) else d.dim(len(shape))}


def _unsqueeze(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"dim": d.dim(len(shape), extra=1)}


def _expand(d: Draw, x: int, shape: tuple) -> tuple:
    sizes = [
        d.draw(st.sampled_from([1, 2, 3, -1])) if side == 1 else d.draw(st.sampled_from([side, side, -1]))
        for side in shape
    ]
    if len(shape) < MAX_DIMS and d.draw(st.booleans()):
        sizes = [d.draw(st.integers(1, 3))] + sizes
    return (), {"sizes": tuple(sizes)}


def _basic_key(d: Draw, shape: tuple) -> tuple:
    key: list[Any] = []
    dims = list(shape)
    if dims and d.draw(st.integers(0, 4)) == 0:
        key.append(Ellipsis)
        dims = dims[d.draw(st.integers(0, len(dims))) :]
    for side in dims[: d.draw(st.integers(0, len(dims)))]:
        choice = d.draw(st.integers(0, 5))
        if choice == 0 and side > 0:
            key.append(d.draw(st.integers(-side, side - 1)))
        elif choice == 1:
            key.append(None)
            key.append(slice(None))
        elif choice == 2 and d.draw(st.integers(0, 10)) == 0:
            key.append(side)  # out of range: both must raise
        else:
            bound = st.one_of(st.none(), st.integers(-side - 1, side + 1))
            key.append(slice(d.draw(bound), d.draw(bound), d.draw(st.sampled_from([None, 1, 2, 3]))))
    return tuple(key)


def _basic_index(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"key": _basic_key(d, shape)}


def _advanced_key(d: Draw, shape: tuple) -> tuple:
    rng = np.random.default_rng(d.draw(st.integers(0, 2**16)))
    if shape and d.draw(st.integers(0, 3)) == 0:  # a bool mask over the leading dims
        ndim = d.draw(st.integers(1, len(shape)))
        return (rng.random(shape[:ndim]) < 0.5,)
    key: list[Any] = []
    # index arrays of 1 or 2 dims: not 0-d, which PyTorch reads as an int (a view), NumPy as an array (a copy)
    index_shape = tuple(d.draw(st.lists(st.integers(1, MAX_SIDE), min_size=1, max_size=2)))
    for side in shape[: d.draw(st.integers(1, max(len(shape), 1)))]:
        if d.draw(st.integers(0, 2)) == 0:
            key.append(slice(None))
        else:
            high = side + (1 if d.draw(st.integers(0, 30)) == 0 else 0)  # rarely out of range
            key.append(rng.integers(-side, high, index_shape) if side else np.zeros(index_shape, np.int64))
    if not any(isinstance(part, np.ndarray) for part in key):
        key.append(np.array([0]))  # at least one advanced index (a 0-d tensor gets IndexError in both)
    return tuple(key)


def _advanced_index(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"key": _advanced_key(d, shape)}


def _join(d: Draw, x: int, shape: tuple) -> tuple:
    if not shape:
        return (d.tensor_like(shape, broadcast=False),), {"dim": 0}  # cat of 0-d tensors: both must raise
    dim = d.dim(len(shape))
    others = []
    for _ in range(d.draw(st.integers(1, 2))):
        other = list(shape)
        other[dim % len(shape)] = d.draw(st.integers(0 if d.empty else 1, 3))
        others.append(d.tensor_like(tuple(other), broadcast=False))
    return tuple(others), {"dim": dim}


def _stack(d: Draw, x: int, shape: tuple) -> tuple:
    others = tuple(d.tensor_like(shape, broadcast=False) for _ in range(d.draw(st.integers(0, 2))))
    return others, {"dim": d.dim(len(shape), extra=1)}


def _split(d: Draw, x: int, shape: tuple) -> tuple:
    dim = d.dim(len(shape))
    side = shape[dim % len(shape)] if shape else 1
    if d.draw(st.booleans()):
        return (), {"size": d.draw(st.integers(1, max(side, 1))), "dim": dim}
    sizes, left = [], side
    while left > 0:
        sizes.append(d.draw(st.integers(1, left)))
        left -= sizes[-1]
    return (), {"size": sizes or [0], "dim": dim}


def _chunk(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"chunks": d.draw(st.integers(1, 4)), "dim": d.dim(len(shape))}


def _pointwise_loss(d: Draw, x: int, shape: tuple) -> tuple:
    return (d.tensor_like(shape, broadcast=False),), {"reduction": d.draw(st.sampled_from(["mean", "sum", "none"]))}


def _bce(d: Draw, x: int, shape: tuple) -> tuple:
    rng = np.random.default_rng(d.draw(st.integers(0, 2**16)))
    target = rng.random(shape)
    if d.draw(st.booleans()):
        target = np.round(target)  # hard labels
    pos_weight = rng.uniform(0.5, 2.0, shape[-1:]) if d.draw(st.booleans()) else None
    return (), {"target": target, "pos_weight": pos_weight, "reduction": d.draw(st.sampled_from(["mean", "sum"]))}


def _class_target(d: Draw, shape: tuple) -> tuple[np.ndarray, int]:
    """Class indices for input `shape` ((C,), (N, C) or (N, C, d1, ...)), with ignored and rare bad classes."""
    classes = shape[1] if len(shape) > 1 else shape[0] if shape else 1
    target_shape = () if len(shape) <= 1 else (shape[0], *shape[2:])
    rng = np.random.default_rng(d.draw(st.integers(0, 2**16)))
    target = rng.integers(0, max(classes, 1), target_shape)
    if target.size and d.draw(st.integers(0, 4)) == 0:
        target.reshape(-1)[0] = -100  # ignore_index
    if target.size and d.draw(st.integers(0, 30)) == 0:
        target.reshape(-1)[-1] = classes  # out of range: both must raise
    return target, classes


def _class_loss(d: Draw, x: int, shape: tuple) -> tuple:
    target, classes = _class_target(d, shape)
    rng = np.random.default_rng(d.draw(st.integers(0, 2**16)))
    weight = rng.uniform(0.5, 2.0, (classes,)) if d.draw(st.booleans()) else None
    return (), {
        "target": target,
        "weight": weight,
        "reduction": d.draw(st.sampled_from(["mean", "sum", "none"])),
        "smoothing": d.draw(st.sampled_from([0.0, 0.0, 0.1])),
    }


def _prob_loss(d: Draw, x: int, shape: tuple) -> tuple:
    rng = np.random.default_rng(d.draw(st.integers(0, 2**16)))
    target = rng.random(shape)
    if shape:
        target = target / target.sum(axis=min(1, len(shape) - 1), keepdims=True)
    return (), {"target": target, "smoothing": d.draw(st.sampled_from([0.0, 0.2]))}


# In-place steps: the target is a pool tensor (a leaf now and then, which both must refuse) or a view of one.


def _view(d: Draw, shape: tuple) -> tuple | None:
    choice = d.draw(st.integers(0, 3))
    if choice == 0:
        return None
    if choice == 1 and len(shape) >= 2:
        return ("transpose", (0, len(shape) - 1))
    if choice == 2:
        return ("unsqueeze", 0)
    return ("getitem", _basic_key(d, shape))


def _view_shape(d: Draw, x: int, view: tuple | None) -> tuple:
    return tuple(view_of(TORCH_SHADOW, d.shadow[x], view).shape)


def _inplace(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"view": _view(d, shape)}


def _inplace_other(d: Draw, x: int, shape: tuple) -> tuple:
    view = _view(d, shape)
    try:
        target = _view_shape(d, x, view)
    except Exception:
        target = shape
    return (d.tensor_like(target),), {"view": view}


def _inplace_scalar(d: Draw, x: int, shape: tuple) -> tuple:
    return (), {"c": d.draw(st.sampled_from([1.0, -2.0, 0.5])), "view": _view(d, shape)}


def _inplace_clamp(d: Draw, x: int, shape: tuple) -> tuple:
    _, bounds = _clamp(d, x, shape)
    return (), {**bounds, "view": _view(d, shape)}


def _inplace_mask(d: Draw, x: int, shape: tuple) -> tuple:
    view = _view(d, shape)
    try:
        target = _view_shape(d, x, view)
    except Exception:
        target = shape
    mask = np.random.default_rng(d.draw(st.integers(0, 2**16))).random(_broadcastable_to(d.draw, target)) < 0.5
    return (), {"mask": mask, "value": d.draw(st.sampled_from([0.0, -1.0, 2.5])), "view": view}


def _indexed_shape(d: Draw, x: int, view: tuple | None, key: tuple) -> tuple:
    try:
        return tuple(view_of(TORCH_SHADOW, d.shadow[x], view)[TORCH_SHADOW.key(key)].shape)
    except Exception:
        return ()


def _setitem_key(d: Draw, shape: tuple) -> tuple:
    return _advanced_key(d, shape) if d.draw(st.booleans()) else _basic_key(d, shape)


def _inplace_setitem(d: Draw, x: int, shape: tuple) -> tuple:
    view = _view(d, shape)
    key = _setitem_key(d, shape if view is None else _safe_view_shape(d, x, view, shape))
    value = d.tensor_like(_indexed_shape(d, x, view, key))
    return (value,), {"view": view, "key": key}


def _inplace_setitem_scalar(d: Draw, x: int, shape: tuple) -> tuple:
    view = _view(d, shape)
    key = _setitem_key(d, shape if view is None else _safe_view_shape(d, x, view, shape))
    return (), {"value": d.draw(st.sampled_from([0.0, 1.5, -3.0])), "view": view, "key": key}


def _safe_view_shape(d: Draw, x: int, view: tuple, shape: tuple) -> tuple:
    try:
        return _view_shape(d, x, view)
    except Exception:
        return shape


PARAMS: dict[str, Callable[[Draw, int, tuple], tuple]] = {
    "unary": _no_params,
    "int_exponent": _int_exponent,
    "real_exponent": _real_exponent,
    "scalar": _scalar,
    "clamp": _clamp,
    "binary": _binary,
    "where": _where,
    "reduce": _reduce,
    "reduce_dims": _reduce_dims,
    "var": _var,
    "along": _along,
    "softmax": _softmax,
    "matmul": _matmul,
    "transpose": _transpose,
    "permute": _permute,
    "reshape": _reshape,
    "flatten": _flatten,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "expand": _expand,
    "basic_index": _basic_index,
    "advanced_index": _advanced_index,
    "join": _join,
    "stack": _stack,
    "split": _split,
    "chunk": _chunk,
    "pointwise_loss": _pointwise_loss,
    "bce": _bce,
    "class_loss": _class_loss,
    "prob_loss": _prob_loss,
    "inplace": _inplace,
    "inplace_other": _inplace_other,
    "inplace_scalar": _inplace_scalar,
    "inplace_clamp": _inplace_clamp,
    "inplace_mask": _inplace_mask,
    "inplace_setitem": _inplace_setitem,
    "inplace_setitem_scalar": _inplace_setitem_scalar,
}
