"""The backward engine: reverse-mode automatic differentiation by the chain rule.

`run_backward` works in four steps:
1. Order the graph: an iterative depth-first walk from the roots lists every node after all nodes that use its
   outputs (no recursion, so a 100,000-node recurrence is fine).
2. Walk that order: each node receives the summed gradient of its outputs, calls its op's backward on raw
   arrays, and passes each input's gradient on — summed back over broadcast dimensions and cast to the
   input's dtype — to the node that made the input, or to a leaf's running sum.
3. Free each node's saved arrays as soon as it is done, unless `retain_graph=True`.
4. Hand each leaf its summed gradient as soon as it is final: right after the last node of the order that has
   an edge to the leaf (PyTorch's AccumulateGrad node runs then too). Its hooks run once on the total (as
   PyTorch's), then it is added into `.grad`, then its post-accumulate hooks see the leaf — while the nodes
   closer to the input are still to run, so DistributedDataParallel's all-reduces overlap with them.
   autograd.grad (`inputs=` capture) touches no `.grad`: it returns the captured gradients at the end.
5. Run the callbacks queued during this backward (`queue_callback`; DDP waits for its all-reduces there).

With `create_graph=True` the same walk runs on Tensors instead of raw arrays, with grad mode on, so the
gradients it computes are themselves a graph (higher-order gradients). Each backward runs unchanged: its
incoming gradients are Tensors, `ctx.saved_tensors` hands back tensors on the graph (an input as that input,
an output as a tensor made by this node), and `namespace_of(tensor)` is ops/tensor_namespace.py. A fused op
whose backward works on arrays only instead gives a `reference(ctx, *inputs)` built from primitives, and its
input gradients are those of the reference (see `_backward_through_reference`).
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

from ..backend import float_errors, namespace_of, register_namespace
from . import grad_checks, tensor_factory
from .function import Function
from .grad_mode import enable_grad
from .node import Node, Op
from .tensor_factory import is_tensor, make_tensor


def topological_order(roots: list[Node], stop: set[int] | frozenset = frozenset()) -> list[Node]:
    """Nodes reachable from `roots`, each before the nodes that produced its inputs (not looking past the
    nodes whose id is in `stop`)."""
    order: list[Node] = []
    visited: set[int] = set()
    for root in roots:
        if id(root) in visited:
            continue
        visited.add(id(root))
        stack = [(root, iter(() if id(root) in stop else root.parents))]
        while stack:
            current, parents = stack[-1]
            for producer in parents:
                if id(producer) not in visited:
                    visited.add(id(producer))
                    stack.append((producer, iter(() if id(producer) in stop else producer.parents)))
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
        return namespace_of(grad).broadcast_to(grad, shape)
    stretched = tuple(extra + i for i, s in enumerate(shape) if s == 1 and grad.shape[extra + i] != 1)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    if stretched:
        grad = grad.sum(axis=tuple(i - extra for i in stretched), keepdims=True)
    return grad.reshape(shape)


def _fit(grad: Any, tensor: Any, op_name: str) -> Any:
    """A gradient as the input tensor needs it: an array of its shape and dtype."""
    if isinstance(grad, tensor_factory.Tensor):
        grad = grad.array
    array = tensor.array
    if grad.shape != array.shape:
        grad = _sum_to_input(grad, array.shape, op_name)
    grad = _array(grad)  # after the sum, which may reduce to a 0-d scalar
    if grad.dtype != array.dtype:
        grad = grad.astype(array.dtype)
    return grad


def _fit_on_graph(grad: Any, tensor: Any, op_name: str) -> Any:
    """`_fit` for create_graph: the gradient as a tensor of the input's shape and dtype, the sum and the cast
    recorded (an array a backward returned is a constant)."""
    if not is_tensor(grad):
        grad = make_tensor(grad)
    if grad.shape != tensor.shape:
        grad = _sum_to_input(grad, tensor.shape, op_name)
    return grad if grad.array.dtype == tensor.array.dtype else grad.type_as(tensor)


def _sum_to_input(grad: Any, shape: tuple, op_name: str) -> Any:
    try:
        return sum_to_shape(grad, shape)
    except ValueError as error:
        raise RuntimeError(
            f"{op_name}: backward returned a gradient of shape {tuple(grad.shape)} for an input of shape "
            f"{tuple(shape)}"
        ) from error


# The callbacks queued during each backward in progress, innermost last (a hook may run a backward of its own).
_callbacks: list[list] = []


def queue_callback(callback: Any) -> None:
    """Call `callback()` once the backward now running has delivered every gradient (PyTorch's
    `Variable._execution_engine.queue_callback`): DistributedDataParallel waits for its all-reduces there."""
    if not _callbacks:
        raise RuntimeError("queue_callback: no backward is running; call it from a hook during backward()")
    _callbacks[-1].append(callback)


def run_backward(
    roots: list[tuple[Any, Any]],
    retain_graph: bool = False,
    capture: list[Any] | None = None,
    create_graph: bool = False,
) -> list[Any] | None:
    """Backpropagate `roots` [(tensor, gradient array or tensor)].

    Without `capture`, gradients accumulate into the `.grad` of leaves. With `capture` (a list of tensors), the
    gradients with respect to those tensors are returned instead, and no `.grad` is touched (autograd.grad);
    only the nodes on a path to them run. With `create_graph`, the gradients are tensors with a graph.
    """
    _callbacks.append([])  # what this backward's hooks queue (queue_callback), run at its end
    # The walk allocates many small objects; Python's cyclic garbage collector would rescan the whole graph
    # again and again meanwhile (2.5x slower on large graphs). Nothing here makes cycles: pause it.
    collecting = gc.isenabled()
    gc.disable()
    # A derivative may be infinite or undefined where the function is not (√x at 0, log at 0, x/0): backward
    # gives inf or nan there, as PyTorch's does, and as PyTorch's says nothing. NumPy would print a
    # RuntimeWarning per op; the user's own NumPy code keeps its settings (restored on exit).
    quiet = float_errors.silence()
    try:
        if not create_graph:
            result = _run_backward(roots, retain_graph, capture)
        else:
            _register_tensor_namespace()
            roots = [(tensor, grad if is_tensor(grad) else make_tensor(grad)) for tensor, grad in roots]
            with enable_grad():  # record the ops every backward runs, as PyTorch's engine does
                result = _run_backward(roots, retain_graph, capture, create_graph=True)
        queued = _callbacks[-1]
        while queued:  # a callback may queue another
            queued.pop(0)()
        return result
    finally:
        _callbacks.pop()
        float_errors.restore(quiet)
        if collecting:
            gc.enable()


def _run_backward(
    roots: list[tuple[Any, Any]],
    retain_graph: bool,
    capture: list[Any] | None,
    create_graph: bool = False,
    stop: set[int] | frozenset = frozenset(),
) -> list[Any] | None:
    captured: dict[int, Any] = {}
    capture_leaves = {id(t) for t in capture if t.grad_fn is None} if capture is not None else set()
    capture_outputs = {(id(t.grad_fn), t.output_nr) for t in capture if t.grad_fn is not None} if capture else set()
    handed_out: set[int] = set()  # arrays other code may hold: a leaf must copy them before owning them
    fit = _fit_on_graph if create_graph else _fit

    pending: dict[int, list] = {}
    leaf_grads: dict[int, list] = {}  # id(leaf) -> [leaf, summed gradient], handed over in step 4
    root_nodes = []
    for tensor, grad in roots:
        handed_out.add(id(grad))
        if tensor.grad_fn is None:
            _sum_into(leaf_grads, tensor, grad)
            continue
        slots = pending.setdefault(id(tensor.grad_fn), [None] * max(1, len(tensor.grad_fn.output_meta)))
        slots[tensor.output_nr] = grad if slots[tensor.output_nr] is None else slots[tensor.output_nr] + grad
        root_nodes.append(tensor.grad_fn)

    order = topological_order(root_nodes, stop)
    needed = _nodes_on_a_path_to(order, capture_leaves, capture_outputs) if capture is not None else None
    # The leaves whose gradient is final once a node is done, by id of that node (into .grad only: a capture
    # returns its gradients at the end).
    final_after = _last_users_of_leaves(order) if capture is None else {}
    for current in order:
        grads = pending.pop(id(current), None)
        if grads is None:  # no gradient flows into this node (e.g. a branch that only feeds integer outputs)
            if final_after and id(current) in final_after:
                _deliver_final(final_after.pop(id(current)), leaf_grads, handed_out)
            continue
        runs = needed is None or id(current) in needed  # autograd.grad skips nodes with nothing it wants below
        if runs:
            _check_alive(current)
        grads = _fill_missing(current, grads)
        if current.hooks:
            grads = _run_hooks(current.hooks, grads)
        _capture_outputs(captured, capture_outputs, current, grads)
        if not runs:
            continue
        handed_out.update(id(g) for g in grads)

        if create_graph:
            input_grads = _backward_with_graph(current, tuple(grads))
        else:
            op = current.op
            input_grads = op._run_backward(current, tuple(grads)) if op.on_tensors else op.backward(current, *grads)
        _pass_on(current, input_grads, fit, pending, leaf_grads, handed_out)
        if not retain_graph:
            current.release()
        if final_after and id(current) in final_after:
            _deliver_final(final_after.pop(id(current)), leaf_grads, handed_out)

    for leaf, grad in leaf_grads.values():  # what is left: leaves that were roots only, or autograd.grad's
        if capture is None:
            _deliver_to_leaf(leaf, grad, handed_out)
        elif id(leaf) in capture_leaves:  # autograd.grad: other leaves are left alone, .grad and hooks alike
            captured[id(leaf)] = _run_hooks({0: leaf._hooks}, [grad])[0] if leaf._hooks else grad
    if capture is None:
        return None
    return [
        captured.get(id(t)) if t.grad_fn is None else captured.get((id(t.grad_fn), t.output_nr)) for t in capture
    ]


def _pass_on(current: Node, input_grads: Any, fit: Any, pending: dict, leaf_grads: dict, handed_out: set) -> None:
    """Send each input's gradient, fitted to the input, to the node that made the input (or a leaf's sum).

    A gradient a node will receive as it is is marked handed out at once: a backward may send one array both to
    a leaf, which may be handed it before that node runs, and to the node, so the leaf must own a copy."""
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
        grad = fit(grad, value, current.op.__name__)
        producer, output_nr = edge
        if producer is None:
            _sum_into(leaf_grads, value, grad)
            continue
        slots = pending.get(id(producer))
        if slots is None:
            slots = pending[id(producer)] = [None] * max(1, len(producer.output_meta))
        previous = slots[output_nr]
        if previous is None:
            slots[output_nr] = grad
            handed_out.add(id(grad))
        else:
            slots[output_nr] = previous + grad


def _last_users_of_leaves(order: list[Node]) -> dict[int, list]:
    """{id(node): [leaf, ...]}: each leaf that takes part, under the last node of `order` with an edge to it
    (the walk runs `order` front to back, so after that node the leaf's sum is final)."""
    final_after: dict[int, list] = {}
    seen: set[int] = set()
    for current in reversed(order):
        edges = current.edges
        if len(current.parents) == len(edges):  # every edge leads to a node of its own: no leaf among them
            continue
        for value, edge in zip(current.inputs, edges):
            if edge is not None and edge[0] is None and id(value) not in seen:
                seen.add(id(value))
                leaves = final_after.get(id(current))
                if leaves is None:
                    final_after[id(current)] = [value]
                else:
                    leaves.append(value)
    return final_after


def _deliver_final(leaves: list, leaf_grads: dict, handed_out: set) -> None:
    """Hand `leaves` (whose last contributing node just ran) their gradients now, if any reached them."""
    for leaf in leaves:
        entry = leaf_grads.pop(id(leaf), None)
        if entry is not None:
            _deliver_to_leaf(leaf, entry[1], handed_out)


def _nodes_on_a_path_to(order: list[Node], capture_leaves: set, capture_outputs: set) -> set[int]:
    """The nodes autograd.grad must run: those with a captured tensor somewhere below them (PyTorch's pruning:
    the rest of the graph, down to unrelated leaves, is not computed)."""
    needed: set[int] = set()
    for current in reversed(order):  # producers before the nodes that use their outputs
        for value, edge in zip(current.inputs, current.edges):
            if edge is None:
                continue
            producer, output_nr = edge
            if (
                id(value) in capture_leaves
                if producer is None
                else id(producer) in needed or (id(producer), output_nr) in capture_outputs
            ):
                needed.add(id(current))
                break
    return needed


def _capture_outputs(captured: dict, capture_outputs: set, current: Node, grads: list) -> None:
    """autograd.grad of a non-leaf: the gradient of its output, summed over its uses, as it enters its node."""
    if capture_outputs:
        for output_nr, grad in enumerate(grads):
            if (id(current), output_nr) in capture_outputs:
                captured[(id(current), output_nr)] = grad


# ---- create_graph: backward on Tensors ---------------------------------------------------------------------


def apply_or_forward(op: type, *args: Any) -> Any:
    """`op` applied to tensors (recorded, so a backward running on Tensors stays differentiable), or just its
    forward when it is given raw arrays (the fast path: no graph, no Tensor objects). For the backwards whose
    result is itself an op of the library (a scatter for indexing's backward, a copy back to a device)."""
    if any(is_tensor(value) for value in args):
        return op.apply(*args)
    return op.forward(Node(op, (), ()), *args)


def _register_tensor_namespace() -> None:
    """From here on `namespace_of(tensor)` is the Tensor namespace (done at the first create_graph, as the
    namespace sits above this layer: it is made of ops)."""
    from ..ops import tensor_namespace

    register_namespace(tensor_factory.Tensor, tensor_namespace)


def _backward_with_graph(current: Node, grads: tuple) -> Any:
    """Run a node's backward on Tensors, so what it computes is recorded (create_graph=True)."""
    op = current.op
    if getattr(op, "reference", None) is not None:
        return _backward_through_reference(current, grads)
    if not _runs_on_tensors(op):
        raise RuntimeError(
            f"create_graph=True: {op.__name__} has no double backward: its backward runs on raw arrays only. "
            f"Give {op.__name__} a `reference(ctx, *inputs)` method that computes its output from "
            "differentiable ops, or set `tensor_backward = True` on it if its backward is written with "
            "namespace_of() and runs on Tensors too; or differentiate once, without create_graph"
        )
    return op.backward(_GraphContext(current), *grads)


def _runs_on_tensors(op: type) -> bool:
    """The primitives of ops/ (their backwards are written for both), tensor-level Functions, and ops that
    say so."""
    from ..ops import ALL_OPS  # here, not at the top: ops/ is built on this module

    return op in ALL_OPS or issubclass(op, Function) or getattr(op, "tensor_backward", False)


class _GraphContext:
    """The `ctx` a backward sees when its graph is recorded: the node's attributes, but `saved_tensors` are
    tensors on the graph (PyTorch's SavedVariable unpacked): a saved input is that input tensor, a saved output
    a tensor made by this very node, and anything else a constant."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self.saved_tensors = tuple(
            _saved_on_graph(node, value, source) for value, source in zip(node.saved_tensors, node.saved_sources())
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)


def _saved_on_graph(node: Node, value: Any, source: int | None) -> Any:
    array = value.array if is_tensor(value) else value
    if source is not None and source >= 0:
        given = node.inputs[source]
        if array is given.array:
            return given
        # An in-place op saved a copy of what it overwrote: that copy, on the graph where the input was.
        producer, output_nr = node.edges[source] or (None, 0)
        copy = make_tensor(array)
        return _on_graph(copy, producer, output_nr) if producer is not None else copy
    if source is not None:  # output −(source + 1) of this node
        return _on_graph(make_tensor(array), node, -source - 1)
    if is_tensor(value) or array is None or isinstance(array, (int, float)):
        return value
    return make_tensor(array)  # an intermediate forward saved: a constant here


def _on_graph(tensor: Any, producer: Node, output_nr: int) -> Any:
    if tensor.array.dtype.kind == "f":
        tensor._requires_grad = True
        tensor.grad_fn = producer
        tensor.output_nr = output_nr
    return tensor


class _Alias(Op):
    """y = x, sharing its memory.   dy/dx = 1. Marks where the walk over a reference's graph stops."""

    tensor_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _backward_through_reference(current: Node, grads: tuple) -> tuple:
    """The input gradients of a fused op as those of its `reference` (the output computed from primitives),
    so they can be differentiated again: autograd.grad(reference, inputs, grads, create_graph=True).

    The reference reads aliases of the inputs and the walk stops at them: each input gets the gradient that
    reaches it directly, and the outer walk carries it on (an input computed from another input is not counted
    twice, and the graph below the op is not walked again).
    """
    op = current.op
    arguments = [_Alias.apply(value) if edge is not None else value for value, edge in zip(current.inputs,
                                                                                            current.edges)]
    outputs = op.reference(current, *arguments)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    if len(outputs) != len(grads):
        raise RuntimeError(
            f"{op.__name__}.reference returned {len(outputs)} outputs, but forward made {len(grads)}"
        )
    roots = [(out, grad) for out, grad in zip(outputs, grads) if out.requires_grad]
    wanted = [alias for alias, edge in zip(arguments, current.edges) if edge is not None]
    stop = {id(alias.grad_fn) for alias in wanted}
    found = iter(_run_backward(roots, True, wanted, create_graph=True, stop=stop) if roots else [None] * len(wanted))
    return tuple(next(found) if edge is not None else None for edge in current.edges)


def _sum_into(leaf_grads: dict, leaf: Any, grad: Any) -> None:
    """Add one gradient contribution to a leaf's running sum (a leaf used twice gets two)."""
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, grad]
    else:
        entry[1] = _array(entry[1] + grad)


def _deliver_to_leaf(leaf: Any, grad: Any, handed_out: set) -> None:
    """Accumulate a leaf's total gradient into its `.grad`, after its hooks; then its post-accumulate hooks."""
    if leaf._hooks:
        grad = _run_hooks({0: leaf._hooks}, [grad])[0]
    if not leaf.requires_grad:
        return
    _accumulate(leaf, grad, handed_out)
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks):
            hook(leaf)


def _accumulate(leaf: Any, grad: Any, handed_out: set) -> None:
    if is_tensor(grad):  # create_graph: keep the gradient's graph, as PyTorch does
        if leaf._grad is not None:
            leaf.grad = leaf._grad + grad  # out of place, so the sum is recorded too (the setter checks the fit)
        else:  # a constant or shared gradient (a + b passes one tensor to both) gets a copy of its own
            leaf.grad = grad.clone() if grad.grad_fn is None or id(grad) in handed_out else grad
        return
    # `_grad` directly: `grad` fits the leaf (made so by `_fit`, or checked as a hook's return value).
    existing = leaf._grad
    if existing is None:
        # Own the array: it may be a view, read-only, or shared with another input (a + b passes one array).
        # (CuPy's flags have no `writeable`: its arrays are writeable unless they are views.)
        if grad.base is not None or id(grad) in handed_out or not getattr(grad.flags, "writeable", True):
            grad = grad.copy()
        handed_out.add(id(grad))
        leaf._grad = make_tensor(grad)
    elif existing.grad_fn is not None:  # a .grad made with create_graph: its array may be saved by its graph
        _check_accumulates(leaf, existing.array, grad)
        leaf._grad = make_tensor(existing.array + grad)
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
    """NumPy arithmetic on 0-d arrays returns scalars: keep the engine's gradients arrays."""
    return np.asarray(value) if isinstance(value, np.generic) else value


def _fill_missing(current: Node, grads: list) -> list:
    """Outputs that received no gradient get zeros, so every backward sees a full set."""
    if all(g is not None for g in grads):
        return grads
    given = next(g for g in grads if g is not None)
    on_graph = is_tensor(given)
    xp = namespace_of(given.array if on_graph else given)

    def zeros(shape: tuple, dtype: Any) -> Any:
        return make_tensor(xp.zeros(shape, dtype)) if on_graph else xp.zeros(shape, dtype)

    return [zeros(shape, dtype) if g is None else g for g, (shape, dtype) in zip(grads, current.output_meta)]


def _run_hooks(hooks: dict, grads: list) -> list:
    """Call tensor hooks on gradients; a hook may return a replacement gradient, checked to fit.

    A tensor's retain_grad hook runs after all its other hooks, whatever the order of registration (as in
    PyTorch since 2.0), so `.grad` keeps the gradient that the user's hooks made.
    """
    grads = list(grads)
    for output_nr, functions in hooks.items():
        for function in _retain_last(functions):
            grad = grads[output_nr]
            on_graph = is_tensor(grad)  # create_graph: hooks see the gradient itself
            result = function(grad if on_graph else make_tensor(grad))
            if result is not None:
                if on_graph:
                    grad_checks.checked_hook_result(function, result, grad.array)
                    grads[output_nr] = result
                else:
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
        if grad.grad_fn is not None:  # create_graph: the retained gradient keeps its graph, as in PyTorch
            target.grad = grad.clone() if target._grad is None else target._grad + grad
            return
        if target._grad is None:  # `_grad` directly: the engine's gradient has the tensor's shape
            target._grad = make_tensor(grad.array.copy())
        else:
            _check_accumulates(target, target._grad.array, grad.array)
            target._grad.array += grad.array

    retain.retains_grad = True
    return retain
