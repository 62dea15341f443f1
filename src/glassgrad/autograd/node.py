"""Ops and the graph nodes they leave behind.

An `Op` is a differentiable primitive: a `forward` on raw arrays and, right below it, the `backward` that maps
the gradient of the outputs to the gradients of the inputs. `Op.apply` runs forward on the arrays inside the
tensors it is given and, when grad mode is on and an input requires grad, records one `Node`: the op, the input
tensors, and what backward needs (the node doubles as the `ctx` that forward and backward share).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import float_errors
from . import tensor_factory, views
from .grad_mode import _GradMode
from .tensor_factory import is_tensor


class Node:
    """One recorded op application: the `ctx` of forward/backward and a node of the graph.

    Attributes: `op` (the Op class), `inputs` (the positional arguments of forward as given: tensors and plain
    values), `saved_tensors` (what forward saved), `needs_input_grad`, `hooks` (per output index, run on the
    gradient before backward). Forward may store any other attribute on it.
    """

    def __init__(self, op: type, inputs: tuple, needs_input_grad: tuple) -> None:
        self.op = op
        self.inputs = inputs
        self.needs_input_grad = needs_input_grad
        # Edges are fixed when the op runs, as in PyTorch: per input, (producer node or None for a leaf, output
        # index), or None where no gradient flows. A later in-place op that gives an input tensor a new grad_fn
        # must not re-route this node's gradient.
        self.edges: tuple = ()
        self.parents: tuple = ()  # the distinct producer nodes, for ordering the graph
        self.saved_tensors: tuple = ()
        self.saved_versions: list | None = None
        self.output_meta: tuple = ()  # (shape, dtype) of each output, to fill zeros for unused outputs
        self.hooks: dict[int, list] | None = None
        self.freed = False

    # Set by Op.apply only on nodes that save values (class defaults: nothing to store for the others).
    forward_result: Any = None  # what forward returned: the output array, or a tuple of them
    sources: tuple | None = None

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or, in a tensor-level Function, tensors) for backward."""
        self.saved_tensors = values

    def saved_sources(self) -> tuple:
        """Where each saved value came from, so a create_graph backward can hand back tensors on the graph
        (PyTorch's SavedVariable): input k as k, output i as −(i + 1), anything else (an intermediate) as None.

        Found by identity of the arrays when first asked (a Function saves tensors: detached twins sharing
        their inputs' memory), so recording a node costs nothing more.
        """
        if self.sources is not None:
            return self.sources
        outputs = self.forward_result if type(self.forward_result) is tuple else (self.forward_result,)
        sources = []
        for saved in self.saved_tensors:
            array = saved.array if is_tensor(saved) else saved
            inputs = (k for k, value in enumerate(self.inputs) if is_tensor(value) and value.array is array)
            source = next(inputs, None)
            if source is None and array is not None:
                source = next((-(i + 1) for i, output in enumerate(outputs) if output is array), None)
            sources.append(source)
        return tuple(sources)

    def name(self) -> str:
        """A label for graph drawings and errors, e.g. 'MulBackward'."""
        return f"{self.op.__name__.removesuffix('Op')}Backward"  # LinearOp -> LinearBackward, as PyTorch names it

    @property
    def next_functions(self) -> tuple:
        """PyTorch-style edges: (producer node or None for a leaf, output index) per input that gets a gradient."""
        return tuple(edge for edge in self.edges if edge is not None)

    def register_hook(self, output_nr: int, hook: Any) -> None:
        if self.hooks is None:
            self.hooks = {}
        self.hooks.setdefault(output_nr, []).append(hook)

    def release(self) -> None:
        """Free what backward needed; a second backward through this node then fails clearly."""
        self.saved_tensors = ()
        self.freed = True

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class Op:
    """Base of differentiable primitives that compute on raw arrays (NumPy or CuPy).

    A view op (its result shares its first input's memory: reshape, permute, basic indexing) sets
    `is_view = True`, so in-place writes through its result reach the input's graph (autograd/views.py).
    """

    is_view = False

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("an Op subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise TypeError("an Op subclass must define backward(ctx, *grad_outputs)")

    # The two adapters below are where a tensor-level `Function` differs from an array-level `Op`. An Op's
    # forward and backward are called directly (one frame less on every op's path: `on_tensors` is False);
    # a Function sets `on_tensors = True` and is called through them.
    on_tensors = False

    @classmethod
    def _run_forward(cls, ctx: Node, args: tuple, arrays: list, kwargs: dict) -> Any:
        return cls.forward(ctx, *arrays, **kwargs)

    @classmethod
    def _run_backward(cls, ctx: Node, grads: tuple) -> Any:
        return cls.backward(ctx, *grads)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on tensors (and plain values) and record the graph node if gradients are needed."""
        Tensor = tensor_factory.Tensor
        arrays = []
        needs = []
        requires_grad = False
        array_type = None
        for value in args:
            if isinstance(value, Tensor):
                view = value._view
                if view is not None and view.version != value._version_counter[0] and _GradMode.enabled:
                    views.refresh(value)  # its base was written since its graph was built
                array = value.array
                if array_type is None:
                    array_type = type(array)
                elif type(array) is not array_type:
                    _raise_device_mismatch(cls, args)
                arrays.append(array)
                needs.append(value._requires_grad)
                requires_grad = requires_grad or value._requires_grad
            else:
                arrays.append(value)
                needs.append(False)

        record = requires_grad and _GradMode.enabled
        if record:
            ctx = Node(cls, args, tuple(needs))
            ctx.edges = tuple((v._grad_fn, v.output_nr) if n else None for v, n in zip(args, needs))
            ctx.parents = tuple({id(e[0]): e[0] for e in ctx.edges if e is not None and e[0] is not None}.values())
        else:
            ctx = Node(cls, (), (False,) * len(args))
        if cls.on_tensors:  # a Function: the ops its forward runs are quiet themselves
            result = cls._run_forward(ctx, args, arrays, kwargs)
        else:
            quiet = float_errors.silence()  # inf and nan results without NumPy's RuntimeWarning, as PyTorch
            try:
                result = cls.forward(ctx, *arrays, **kwargs)
            finally:
                float_errors.restore(quiet)

        if type(result) is tuple:
            outputs = tuple(_wrap(array, ctx if record else None, index) for index, array in enumerate(result))
            if record:
                ctx.output_meta = tuple((out.array.shape, out.array.dtype) for out in outputs)
            for index, out in enumerate(outputs):
                if out.array.base is not None:
                    _share_memory_with_viewed_input(cls, out, args, kwargs, index, record)
        else:
            outputs = _wrap(result, ctx if record else None, 0)
            if outputs.array.base is not None:
                _share_memory_with_viewed_input(cls, outputs, args, kwargs, None, record)
        if record and ctx.saved_tensors:
            if type(result) is tuple or isinstance(result, np.generic):  # one type check on the usual path
                result = _saved_scalars_as_outputs(ctx, result, outputs)
            ctx.forward_result = result  # for create_graph: which saved values are outputs (saved_sources)
            if InPlaceWrite.target is not None:
                ctx.sources = ctx.saved_sources()  # now, before the copy hides which input was saved
                ctx.forward_result = None  # the result is written into the target and dropped: don't keep it
                _save_original_instead(ctx)
            _remember_versions(ctx, args, outputs)
        return outputs


def _saved_scalars_as_outputs(ctx: Node, result: Any, outputs: Any) -> Any:
    """A 0-d result that NumPy gave as a scalar (e.g. sigmoid of a 0-d array) became a new 0-d array in its
    tensor: a saved copy of the scalar would not be the output, so a later in-place write into the output
    would escape the version check. Save the output's array instead, and return the results as arrays."""
    arrays = tuple(out.array for out in outputs) if type(result) is tuple else (outputs.array,)
    scalars = result if type(result) is tuple else (result,)
    swap = {id(scalar): array for scalar, array in zip(scalars, arrays) if scalar is not array}
    if not swap:  # a tuple of arrays: nothing to change
        return result
    ctx.saved_tensors = tuple(swap.get(id(saved), saved) for saved in ctx.saved_tensors)
    return arrays if type(result) is tuple else arrays[0]


def _wrap(array: Any, node: Node | None, output_nr: int) -> Any:
    """Make a Tensor of an op's raw result; float results of a recorded op require grad."""
    if isinstance(array, np.generic):  # NumPy turns 0-d results into scalars; tensors hold arrays
        array = np.asarray(array)
    tensor = tensor_factory.Tensor(array)
    if node is not None and array.dtype.kind == "f":
        tensor._requires_grad = True
        tensor._grad_fn = node
        tensor.output_nr = output_nr
    return tensor


class InPlaceWrite:
    """The array an in-place op is about to overwrite, while Tensor._write_in_place computes the new values.

    An op recorded meanwhile that saves that very array for backward (clamp_ saves x, mul_ saves x for the
    gradient of the other factor) saves a copy of it instead, as PyTorch saves the original self: without the
    copy the write would change what backward reads, and the version check would refuse the backward.
    """

    target: Any = None
    copy: Any = None
    alias: Any = None  # the twin of the written tensor that the op is recorded on (Tensor._graph_alias)


def _save_original_instead(ctx: Node) -> None:
    target = InPlaceWrite.target
    if not any(saved is target for saved in ctx.saved_tensors):
        return
    if any(value is not InPlaceWrite.alias and getattr(value, "array", None) is target for value in ctx.inputs):
        # The written tensor is also another operand (x.mul_(x)): PyTorch saves that operand as it is, not a
        # copy, so the write makes it stale and backward refuses; keep the array, and its version check, too.
        return
    if InPlaceWrite.copy is None:
        InPlaceWrite.copy = target.copy()
    ctx.saved_tensors = tuple(InPlaceWrite.copy if saved is target else saved for saved in ctx.saved_tensors)


def _share_memory_with_viewed_input(
    op: type, output: Any, args: tuple, kwargs: dict, index: int | None, recording: bool
) -> None:
    """A view (x[0], x.T, reshape, split) shares its input's version counter, as in PyTorch, so an in-place write
    through either one is seen by a backward that saved the other. A view op's result also learns its base."""
    base = output.array.base
    for position, value in enumerate(args):
        if is_tensor(value) and (value.array is base or value.array.base is base):
            output._version_counter = value._version_counter
            if op.is_view and position == 0:
                views.record_view(output, op, args, kwargs, index, recording)
            return


def _remember_versions(ctx: Node, args: tuple, outputs: Any) -> None:
    """Note the version of every tensor whose memory backward will read, to catch later in-place writes."""
    Tensor = tensor_factory.Tensor
    candidates = [value for value in args if isinstance(value, Tensor)]
    candidates.extend(outputs if type(outputs) is tuple else (outputs,))
    versions = []
    for saved in ctx.saved_tensors:
        # A tensor-level Function saves tensors: detached twins of its inputs that share their memory.
        saved_array = saved.array if isinstance(saved, Tensor) else saved
        for tensor in candidates:
            if saved is tensor or saved_array is tensor.array:
                # Keep the counter, not the tensor: an output holding its own node would make a cycle.
                counter = tensor._version_counter
                versions.append((counter, counter[0], tuple(tensor.array.shape)))
                break
    ctx.saved_versions = versions


def _raise_device_mismatch(op: type, args: tuple) -> None:
    devices = [str(v.device) for v in args if is_tensor(v)]
    raise ValueError(
        f"{op.__name__}: expected all tensors on one device, got tensors on {', '.join(devices)}; "
        "move them with .to(device) first"
    )
