"""The backward engine: reverse-mode automatic differentiation by the chain rule.

`run_backward` works in three steps:
1. Order the graph: an iterative depth-first walk from the roots lists every node after all nodes that use its
   outputs (no recursion, so a 100,000-node recurrence is fine).
2. Walk that order: each node receives the summed gradient of its outputs, calls its op's backward on raw
   arrays, and passes each input's gradient on — summed back over broadcast dimensions and cast to the
   input's dtype — to the node that made the input, or to a leaf's running sum.
3. Free each node's saved arrays as soon as it is done, unless `retain_graph=True`.
4. Hand each leaf its summed gradient: its hooks run once on the total (as PyTorch's), then it is added into
   `.grad` (or returned, for autograd.grad).
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

from . import grad_checks
from . import node as node_module
from .node import Node


def topological_order(roots: list[Node]) -> list[Node]:
    """Nodes reachable from `roots`, each before the nodes that produced its inputs."""
    order: list[Node] = []
    visited: set[int] = set()
    for root in roots:
        if id(root) in visited:
            continue
        visited.add(id(root))
        stack = [(root, iter(root.parents))]
        while stack:
            current, parents = stack[-1]
            for producer in parents:
                if id(producer) not in visited:
                    visited.add(id(producer))
                    stack.append((producer, iter(producer.parents)))
                    break
            else:  # every input of `current` is done: it can come after them in post-order
                stack.pop()
                order.append(current)
    order.reverse()
    return order


def sum_to_shape(grad: Any, shape: tuple) -> Any:
    """Undo broadcasting: sum `grad` over the dimensions that broadcasting added or stretched from 1."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0 or any(s != 1 and g != s for g, s in zip(grad.shape[extra:], shape)):
        # A backward may also return a smaller gradient that broadcasts up to the input (e.g. a scalar).
        xp = node_module._Tensor.namespace_of(grad)
        return xp.broadcast_to(grad, shape)
    stretched = tuple(extra + i for i, s in enumerate(shape) if s == 1 and grad.shape[extra + i] != 1)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    if stretched:
        grad = grad.sum(axis=tuple(i - extra for i in stretched), keepdims=True)
    return grad.reshape(shape)


def _fit(grad: Any, tensor: Any, op_name: str) -> Any:
    """A gradient as the input tensor needs it: an array of its shape and dtype."""
    if isinstance(grad, node_module._Tensor):
        grad = grad.array
    array = tensor.array
    if grad.shape != array.shape:
        try:
            grad = sum_to_shape(grad, array.shape)
        except ValueError as error:
            raise RuntimeError(
                f"{op_name}: backward returned a gradient of shape {tuple(grad.shape)} for an input of shape "
                f"{tuple(array.shape)}"
            ) from error
    grad = _array(grad)  # after the sum, which may reduce to a 0-d scalar
    if grad.dtype != array.dtype:
        grad = grad.astype(array.dtype)
    return grad


def run_backward(
    roots: list[tuple[Any, Any]],
    retain_graph: bool = False,
    capture: list[Any] | None = None,
) -> list[Any] | None:
    """Backpropagate `roots` [(tensor, gradient array)].

    Without `capture`, gradients accumulate into the `.grad` of leaves. With `capture` (a list of tensors), the
    gradients with respect to those tensors are returned instead, and no `.grad` is touched (autograd.grad).
    """
    # The walk allocates many small objects; Python's cyclic garbage collector would rescan the whole graph
    # again and again meanwhile (2.5x slower on large graphs). Nothing here makes cycles: pause it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_backward(roots, retain_graph, capture)
    finally:
        if collecting:
            gc.enable()


def _run_backward(roots: list[tuple[Any, Any]], retain_graph: bool, capture: list[Any] | None) -> list[Any] | None:
    captured: dict[int, Any] = {}
    capture_leaves = {id(t) for t in capture if t.grad_fn is None} if capture is not None else set()
    capture_outputs = {(id(t.grad_fn), t.output_nr) for t in capture if t.grad_fn is not None} if capture else set()
    handed_out: set[int] = set()  # arrays other code may hold: a leaf must copy them before owning them

    pending: dict[int, list] = {}
    leaf_grads: dict[int, list] = {}  # id(leaf) -> [leaf, summed gradient], handed over in step 4
    root_nodes = []
    for tensor, grad in roots:
        if tensor.grad_fn is None:
            _sum_into(leaf_grads, tensor, grad)
            continue
        slots = pending.setdefault(id(tensor.grad_fn), [None] * max(1, len(tensor.grad_fn.output_meta)))
        slots[tensor.output_nr] = grad if slots[tensor.output_nr] is None else slots[tensor.output_nr] + grad
        root_nodes.append(tensor.grad_fn)

    for current in topological_order(root_nodes):
        grads = pending.pop(id(current), None)
        if grads is None:  # no gradient flows into this node (e.g. a branch that only feeds integer outputs)
            continue
        _check_alive(current)
        grads = _fill_missing(current, grads)
        if current.hooks:
            grads = _run_hooks(current.hooks, grads)
        if capture_outputs:
            for output_nr, grad in enumerate(grads):
                if (id(current), output_nr) in capture_outputs:
                    captured[(id(current), output_nr)] = grad
        handed_out.update(id(g) for g in grads)

        input_grads = current.op._run_backward(current, tuple(grads))
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if len(input_grads) != len(current.inputs):
            raise RuntimeError(
                f"{current.op.__name__}.backward returned {len(input_grads)} gradients for "
                f"{len(current.inputs)} forward arguments; return one per argument (None where there is none)"
            )
        for value, grad, edge in zip(current.inputs, input_grads, current.edges):
            if grad is None or edge is None:
                continue
            grad = _fit(grad, value, current.op.__name__)
            producer, output_nr = edge
            if producer is None:
                _sum_into(leaf_grads, value, grad)
                continue
            slots = pending.get(id(producer))
            if slots is None:
                slots = pending[id(producer)] = [None] * max(1, len(producer.output_meta))
            previous = slots[output_nr]
            slots[output_nr] = grad if previous is None else previous + grad
        if not retain_graph:
            current.release()

    for leaf, grad in leaf_grads.values():
        if capture is None:
            _deliver_to_leaf(leaf, grad, handed_out)
        elif id(leaf) in capture_leaves:  # autograd.grad: other leaves are left alone, .grad and hooks alike
            captured[id(leaf)] = _run_hooks({0: leaf._hooks}, [grad])[0] if leaf._hooks else grad
    if capture is None:
        return None
    return [
        captured.get(id(t)) if t.grad_fn is None else captured.get((id(t.grad_fn), t.output_nr)) for t in capture
    ]


def _sum_into(leaf_grads: dict, leaf: Any, grad: Any) -> None:
    """Add one gradient contribution to a leaf's running sum (a leaf used twice gets two)."""
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, grad]
    else:
        entry[1] = _array(entry[1] + grad)


def _deliver_to_leaf(leaf: Any, grad: Any, handed_out: set) -> None:
    """Accumulate a leaf's total gradient into its `.grad`, after its hooks."""
    if leaf._hooks:
        grad = _run_hooks({0: leaf._hooks}, [grad])[0]
    if not leaf.requires_grad:
        return
    # `_grad` directly: `grad` fits the leaf (made so by `_fit`, or checked as a hook's return value).
    existing = leaf._grad
    if existing is None:
        # Own the array: it may be a view, read-only, or shared with another input (a + b passes one array).
        # (CuPy's flags have no `writeable`: its arrays are writeable unless they are views.)
        if grad.base is not None or id(grad) in handed_out or not getattr(grad.flags, "writeable", True):
            grad = grad.copy()
        handed_out.add(id(grad))
        leaf._grad = node_module._Tensor(grad)
    else:
        _check_accumulates(leaf, existing.array, grad)
        existing.array += grad


def _check_accumulates(tensor: Any, existing: Any, grad: Any) -> None:
    """The stored `.grad` still has the tensor's shape, so `+=` adds and cannot broadcast (PyTorch broadcasts a
    (3,) .grad over a parameter resized to (1,) by `p.data = ...`, silently)."""
    if existing.shape != grad.shape:
        raise RuntimeError(
            f"backward: the tensor's .grad has shape {tuple(existing.shape)} but its new gradient has shape "
            f"{tuple(grad.shape)} (the tensor's shape now): was it resized (t.data = ...) after its last "
            "backward? Set t.grad = None (or call optimizer.zero_grad()) before backward."
        )


def _array(value: Any) -> Any:
    """NumPy arithmetic on 0-d arrays returns scalars, which Tensor() would turn into float32: keep arrays."""
    return np.asarray(value) if isinstance(value, np.generic) else value


def _fill_missing(current: Node, grads: list) -> list:
    """Outputs that received no gradient get zeros, so every backward sees a full set."""
    if all(g is not None for g in grads):
        return grads
    xp = node_module._Tensor.namespace_of(next(g for g in grads if g is not None))
    return [
        xp.zeros(shape, dtype) if g is None else g for g, (shape, dtype) in zip(grads, current.output_meta)
    ]


def _run_hooks(hooks: dict, grads: list) -> list:
    """Call tensor hooks on gradients; a hook may return a replacement gradient, checked to fit.

    A tensor's retain_grad hook runs after all its other hooks, whatever the order of registration (as in
    PyTorch since 2.0), so `.grad` keeps the gradient that the user's hooks made.
    """
    grads = list(grads)
    for output_nr, functions in hooks.items():
        for function in _retain_last(functions):
            grad = grads[output_nr]
            result = function(node_module._Tensor(_array(grad)))
            if result is not None:
                grads[output_nr] = grad_checks.checked_hook_result(function, result, grad)
    return grads


def _retain_last(functions: list) -> list:
    """`functions` with the retain_grad hook (at most one) moved to the end."""
    retains = [f for f in functions if getattr(f, "retains_grad", False)]
    if not retains:
        return functions
    return [f for f in functions if f not in retains] + retains


def _check_alive(current: Node) -> None:
    if current.freed:
        raise RuntimeError(
            f"Trying to backward through the graph a second time ({current.name()}): its saved values were "
            "freed after the first backward. Pass retain_graph=True to the first backward() if you need "
            "to backward twice."
        )
    for counter, version, shape in current.saved_versions or ():
        if counter[0] != version:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: a tensor of shape {shape} saved by {current.name()} is at version {counter[0]}, "
                f"expected version {version}. Use an out-of-place op (x = x + y instead of x.add_(y)) or clone "
                "the tensor before modifying it."
            )


def make_retain_hook(tensor: Any) -> Any:
    """A hook that stores a non-leaf tensor's gradient in its `.grad` (Tensor.retain_grad); `_run_hooks` runs
    it after the tensor's other hooks (marked by `retains_grad`)."""
    reference = weakref.ref(tensor)

    def retain(grad: Any) -> None:
        target = reference()
        if target is None:
            return
        if target._grad is None:  # `_grad` directly: the engine's gradient has the tensor's shape
            target._grad = node_module._Tensor(grad.array.copy())
        else:
            _check_accumulates(target, target._grad.array, grad.array)
            target._grad.array += grad.array

    retain.retains_grad = True
    return retain
