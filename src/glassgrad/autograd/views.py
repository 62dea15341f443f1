"""Views and in-place writes: how a write through `v = h[0]` reaches `h`'s graph (PyTorch's view + inplace).

A view op (reshape, permute, expand, split, basic indexing) returns a tensor that shares its input's memory.
Its `_view` remembers the *base* (the tensor that owns the memory, never itself a view) and the *steps*, the
chain of view ops that rebuilds the view from the base. Two things follow from the steps:

1. A write through a view rebases the base's graph. `v.mul_(2)` computes `v * 2` out of place, then the
   base's new node, CopySlices (ops/shape.py), writes it into the region of the base the steps select:
   d(new base)/d(old base) is 1 outside the region and 0 inside; d(new base)/d(v * 2) is the region.
2. A view sees writes to its base. Views share their base's version counter, and each `_view` holds the
   version its graph was built at. When the counter has moved on (the base or another view was written),
   the view's graph is rebuilt from the base by replaying the steps, lazily, the next time an op, `.grad_fn`
   or `.requires_grad` reads it (`refresh`).

Where PyTorch cannot say which gradient is meant, it refuses, and so does glassgrad: in-place writes on
views of a leaf that requires grad, on outputs of split/chunk/unbind (several views of one base) and on views
made under no_grad of a base that requires grad.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .grad_mode import enable_grad

# How a view was made, as PyTorch's CreationMeta: it decides whether in-place writes through it are allowed.
DEFAULT = "default"
MULTI_OUTPUT = "multi_output"  # one of several views returned together (split, chunk, unbind)
NO_GRAD = "no_grad"  # made with grad mode off


class ViewInfo:
    """What a view tensor knows of its base: the base, the steps that rebuild it, and when its graph was built.

    `steps` is a tuple of (op, arguments after the input, keyword arguments, output index or None), one per
    view op from the base to this view. `version` is the shared counter's value when the view's graph was last
    built. `creation` is DEFAULT, MULTI_OUTPUT or NO_GRAD; `creator` names the op that made a MULTI_OUTPUT view.
    """

    __slots__ = ("base", "steps", "version", "creation", "creator")

    def __init__(self, base: Any, steps: tuple, version: int, creation: str, creator: str) -> None:
        self.base = base
        self.steps = steps
        self.version = version
        self.creation = creation
        self.creator = creator


def record_view(output: Any, op: type, args: tuple, kwargs: dict, index: int | None, recording: bool) -> None:
    """Mark `output` (which shares args[0]'s memory) as a view of args[0]'s base, made by `op`."""
    source = args[0]
    step = (op, args[1:], kwargs, index)
    parent = source._view
    if parent is None:
        base = source
        steps: tuple = (step,)
        creation = DEFAULT
        creator = ""
    else:
        base = parent.base
        steps = parent.steps + (step,)
        creation = parent.creation
        creator = parent.creator
    if creation == DEFAULT:  # a view of a view keeps how the first one was made, as PyTorch's creation meta
        if index is not None:
            creation = MULTI_OUTPUT
            creator = op.__name__.removesuffix("Op")  # SplitOp -> "Split", for the error message
        elif not recording and base._requires_grad:
            creation = NO_GRAD
    output._view = ViewInfo(base, steps, output._version_counter[0], creation, creator)


def replay_on_array(steps: tuple, array: Any) -> Any:
    """The region of `array` (shaped as the base) that the view occupies, by running the view ops' forwards."""
    for op, rest, kwargs, index in steps:
        array = op.forward(SimpleNamespace(), array, *rest, **kwargs)
        if index is not None:
            array = array[index]
    return array


def refresh(view: Any) -> None:
    """Rebuild a stale view's graph from its base's current graph (the base or another view was written)."""
    info = view._view
    base = info.base
    if not base._requires_grad and view._grad_fn is None:
        info.version = view._version_counter[0]
        return  # nothing of either is in a graph: the view's values are all it has, and they are current
    if info.creation != DEFAULT:
        raise RuntimeError(_creation_message(info, view, None))  # at every use, as PyTorch: the view stays stale
    info.version = view._version_counter[0]
    with enable_grad():
        rebuilt = base
        for op, rest, kwargs, index in info.steps:
            rebuilt = op.apply(rebuilt, *rest, **kwargs)
            if index is not None:
                rebuilt = rebuilt[index]
    view._grad_fn = rebuilt._grad_fn
    view.output_nr = rebuilt.output_nr
    view._requires_grad = rebuilt._requires_grad


def check_tracked_write(view: Any, name: str) -> None:
    """Refuse a recorded in-place write through a view where PyTorch does (see the module docstring)."""
    info = view._view
    if info.creation != DEFAULT:
        raise RuntimeError(_creation_message(info, view, name))


def leaf_view_message(view: Any, name: str) -> str:
    base = view._view.base
    return (
        f"{name}: a view (shape {tuple(view.shape)}) of a leaf tensor that requires grad (shape "
        f"{tuple(base.shape)}) is being used in an in-place operation; the leaf's gradient would have no "
        "meaning. Wrap the update in `with gg.no_grad():`, or write into a non-leaf copy (`y = x.clone()`)"
    )


def _creation_message(info: ViewInfo, view: Any, name: str | None) -> str:
    """Why a write through (name given) or to the base of (name None) a MULTI_OUTPUT or NO_GRAD view is refused."""
    shapes = f"(shape {tuple(view.shape)}, a view of a tensor of shape {tuple(info.base.shape)})"
    if name is not None:
        subject = f"{name}: the tensor being modified in place {shapes}"
    else:
        subject = f"a tensor {shapes} whose base or another view of its base was modified in place since it was made"
    if info.creation == MULTI_OUTPUT:
        return (
            f"{subject} is an output of {info.creator} (split, chunk or unbind), which returns several views of "
            "one tensor: such views allow no in-place writes, because their gradients could not be told "
            "apart. Use an out-of-place op (v = v * 2 instead of v.mul_(2)), or .clone() the output first"
        )
    return (
        f"{subject} was made under no_grad from a tensor that requires grad, and the write is tracked (grad "
        "mode on): which gradient is meant is ambiguous. Make the view and the in-place write both inside the "
        "no_grad block (not tracked) or both outside it (tracked)"
    )
