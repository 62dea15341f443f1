"""Hypothesis strategies that draw programs whose every step fits the shapes of the live tensors.

While a program is drawn, each step is also run in PyTorch on zeros of the same shapes (the "shadow" pool),
which gives the shapes later steps must fit; a step that PyTorch refuses ends the program there, so the error
paths are fuzzed too (glassgrad must refuse the same step). Each op kind of table.py has one strategy in
`PARAMS`; a strategy returns the op's other tensor inputs (pool indices, fresh leaves made through `Draw`)
and its parameters. Values include nan, ±inf, exact zeros and ties (one leaf in eight or four).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from .program import Leaf, Program, Step
from .table import OPS, OPS_LIST, TORCH_SHADOW, run_step, torch, view_of

MAX_SIDE = 4
MAX_DIMS = 4
SPECIALS = (math.nan, math.inf, -math.inf, 0.0)


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
    """A program of `min_ops` to `max_ops` ops (in-place writes included when `inplace`).

    1. a dtype mode (float64 mostly, float32, or mixed leaves) and whether sizes may be 0 (one program in ten);
    2. one to three leaves of mutually broadcastable shapes;
    3. the ops, each drawn to fit the shadow pool, until the count is reached or PyTorch refuses one.
    """
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "mixed"]))
    empty = draw(st.integers(0, 9)) == 0
    shapes = draw(
        mutually_broadcastable_shapes(
            num_shapes=draw(st.integers(1, 3)), min_dims=0, max_dims=MAX_DIMS, min_side=0 if empty else 1,
            max_side=MAX_SIDE,
        )
    ).input_shapes
    steps: list[Step] = []
    shadow: list = []  # PyTorch zeros of each pool tensor's shape and dtype
    for shape in shapes:
        _add_leaf(steps, shadow, draw(leaves(shape, Draw(draw, shadow, dtype, empty).leaf_dtype())))
    names = [op.name for op in OPS_LIST if inplace or not op.inplace]
    for _ in range(draw(st.integers(min_ops, max_ops))):
        if not _add_step(draw, steps, shadow, OPS[draw(st.sampled_from(names))], Draw(draw, shadow, dtype, empty)):
            break
    return Program(tuple(steps), draw(st.integers(0, 2**16)))


def _add_step(draw: Any, steps: list, shadow: list, op: Any, context: Draw) -> bool:
    """Draw the op's inputs and parameters, add its fresh leaves and the step; False when PyTorch refuses it."""
    x = draw(st.integers(0, len(shadow) - 1))
    non_leaves = [i for i, step in enumerate(_pool_steps(steps)) if step.leaf is None]
    if op.inplace and non_leaves and draw(st.integers(0, 9)):  # mostly non-leaf targets (a leaf must raise)
        x = draw(st.sampled_from(non_leaves))
    args, params = PARAMS[op.kind](context, x, tuple(shadow[x].shape))
    for fresh in context.fresh:
        _add_leaf(steps, shadow, fresh)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # var() with no degrees of freedom, and the like
            outputs = run_step(TORCH_SHADOW, op, [shadow[i] for i in (x, *args)], params)
    except Exception:  # noqa: BLE001 - PyTorch refuses the step: the program ends, glassgrad must refuse it too
        steps.append(Step(op.name, (x, *args), params, outputs=0))
        return False
    steps.append(Step(op.name, (x, *args), params, outputs=len(outputs)))
    shadow.extend(outputs)
    return True


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
