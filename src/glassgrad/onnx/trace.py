"""Tracing: one forward pass of the model with grad recording on, and the graph it leaves behind.

glassgrad records a Node for every op whose inputs require grad (autograd/node.py). To have every op of the
forward recorded, the trace runs on copies of the float inputs that require grad, with every parameter
requiring grad for the duration, in eval mode. The forward runs under viz's module tags (graph_modules.run_tagged,
the walk that draw_graph folds by), so an op with no ONNX mapping can be blamed on the module that ran it; the
engine's topological_order then lists the nodes, and the export reads them producers first.

Limit: a value computed from an input without a float tensor on its way (an integer input turned into positions
by hand) is not recorded and is exported as the constant it was in the trace. The models in glassgrad.models
read integer ids only through an Embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassgrad import backend
from glassgrad.autograd.engine import topological_order
from glassgrad.autograd.grad_mode import enable_grad
from glassgrad.autograd.node import Node
from glassgrad.autograd.tensor_factory import is_tensor, make_tensor
from glassgrad.viz.graph_modules import run_tagged, tensors_in


@dataclass
class Trace:
    """What one traced forward left: its inputs and outputs, the nodes (producers first), and names."""

    inputs: list  # the tensors the forward saw, flattened in the order of `args` (float ones: requires-grad twins)
    outputs: list  # the tensors of what forward returned, flattened (tuples, lists, dict values; None skipped)
    nodes: list[Node]
    owners: dict[int, str]  # id(node) -> path of the innermost module that ran it ('' for the model itself)
    state_names: dict[int, str]  # id(parameter or buffer, and of its array) -> its state_dict name
    modules: dict[str, Any]  # path -> module


def trace(model: Any, args: tuple) -> Trace:
    """Run `model(*args)` once in eval mode with every op recorded; the model is left as it was."""
    traced = map_tensors(_recordable, args)
    frozen = [p for p in model.parameters() if not p.requires_grad]
    was_training = model.training
    try:
        for parameter in frozen:
            parameter.requires_grad_(True)
        model.eval()
        with enable_grad():
            output, owners, _, _ = run_tagged(model, traced, {})
    finally:
        for parameter in frozen:
            parameter.requires_grad_(False)
        model.train(was_training)
    outputs = tensors_in(output)
    roots = [t.grad_fn for t in outputs if t.grad_fn is not None]
    nodes = list(reversed(topological_order(roots)))  # producers before the nodes that read them
    return Trace(inputs=tensors_in(traced), outputs=outputs, nodes=nodes, owners=owners,
                 state_names=_state_names(model), modules=dict(model.named_modules()))  # fmt: skip


def map_tensors(function: Any, value: Any) -> Any:
    """`value` with `function` applied to every tensor inside it (tuples, lists, dict values; nested), in the
    order tensors_in lists them."""
    if is_tensor(value):
        return function(value)
    if isinstance(value, (tuple, list)):
        return type(value)(map_tensors(function, item) for item in value)
    if isinstance(value, dict):
        return {key: map_tensors(function, item) for key, item in value.items()}
    return value


def _recordable(value: Any) -> Any:
    """A float tensor's twin that requires grad (so the ops on it are recorded); an integer one as it is."""
    return value.detach().requires_grad_(True) if value.dtype.is_floating_point else value


def _state_names(model: Any) -> dict[int, str]:
    """Parameters and buffers by identity of the tensor and of its array (ops such as batch_norm receive a
    buffer's raw array). A tied weight keeps its first name, as named_parameters() gives it."""
    names: dict[int, str] = {}
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        names.setdefault(id(tensor), name)
        names.setdefault(id(tensor.array), name)
    return names


def twin_inputs(args: tuple, grow: set[int]) -> tuple:
    """Inputs of the same kind with other random values, one row longer for the tensors (numbered as tensors_in
    lists them) in `grow`: those with a dynamic batch axis. Drawn from a private generator: exporting leaves
    glassgrad's random state alone."""
    rng = np.random.default_rng(20)
    counter = iter(range(len(tensors_in(args))))

    def twin(value: Any) -> Any:
        array = backend.move(value.array, backend.CPU)
        shape = ((array.shape[0] + 1,) + array.shape[1:]) if next(counter) in grow else array.shape
        if array.dtype.kind == "f":
            other = rng.standard_normal(shape).astype(array.dtype)
        elif array.dtype.kind in "iu" and array.size:
            other = rng.integers(array.min(), array.max() + 1, shape).astype(array.dtype)
        else:
            other = np.resize(array, shape)
        return make_tensor(backend.move(other, backend.device_of(value.array)))  # on the input's device

    return map_tensors(twin, args)
