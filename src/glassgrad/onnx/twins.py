"""The twin trace's verdicts: which nodes match, and which arguments are really fixed.

A converter writes a node's plain arguments (sizes, axes, keys) and its unrecorded tensors (a mask made in the
forward, positions from arange) into the ONNX file as they were in the trace. That is right only if they do not
follow the inputs, which the twin trace (other values; one more row along a dynamic batch axis) shows: an
argument that differs between the twins would be wrong in the file for any other input, so it is refused, with
the op and module named. ReshapeOp and ExpandOp shapes are the exception: their converters turn the sizes that
follow the batch into run-time sizes (builder.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassgrad.autograd.node import Node
from glassgrad.autograd.tensor_factory import is_tensor
from glassgrad.ops.shape import ExpandOp, ReshapeOp

from .builder import on_host
from .errors import UnsupportedOperatorError

BATCH_SHAPED = (ReshapeOp, ExpandOp)  # converters that take a changing shape argument themselves


def pair_nodes(traced: Any, twin: Any) -> dict[int, Node]:
    """id(node) -> the twin's node at the same place, after checking that both traces ran the same ops."""
    ops = [node.op for node in traced.nodes]
    twin_ops = [node.op for node in twin.nodes]
    if ops != twin_ops:
        first = next((k for k, (a, b) in enumerate(zip(ops, twin_ops)) if a is not b), min(len(ops), len(twin_ops)))
        raise UnsupportedOperatorError(
            f"onnx.export: the model runs other ops for other input values or batch sizes ({len(ops)} ops traced, "
            f"{len(twin_ops)} on a twin input; they part at op {first}): data-dependent control flow has no "
            "single ONNX graph. Export a model whose forward does not branch on its inputs"
        )
    return {id(node): other for node, other in zip(traced.nodes, twin.nodes)}


def check_fixed_arguments(node: Node, builder: Any, traced: Any) -> None:
    """Refuse a plain argument or an unrecorded tensor of `node` that differs in the twin trace."""
    twin = builder.twins[id(node)]
    for position, (value, other) in enumerate(zip(node.inputs, twin.inputs)):
        if _recorded(value, builder) or (node.op in BATCH_SHAPED and position == 1):
            continue
        if not _same(value, other):
            owner = traced.owners.get(id(node), "")
            where = f"module '{owner}'" if owner else "the model"
            kind = "a tensor computed without a recorded op" if _is_array(value) else f"argument {value!r}"
            raise UnsupportedOperatorError(
                f"onnx.export: input {position} of {node.op.__name__} ({node.name()}, run by {where}) is {kind}, "
                "and it changes with the input values or the batch size: ONNX would get it as a constant. Compute "
                "it with recorded float ops (comparisons, integer math and .item() are not recorded), or pass it "
                "as an input"
            )


def _recorded(value: Any, builder: Any) -> bool:
    """A value the graph computes (an earlier node's output), a graph input, or a parameter or buffer."""
    if is_tensor(value):
        return (value.grad_fn is not None or id(value) in builder.inputs or id(value) in builder.state_names
                or builder.input_viewed_by(value) is not None)
    return _is_array(value) and id(value) in builder.state_names


def _is_array(value: Any) -> bool:
    return is_tensor(value) or isinstance(value, np.ndarray)


def _same(a: Any, b: Any) -> bool:
    if _is_array(a) or _is_array(b):
        if not (_is_array(a) and _is_array(b)):
            return False
        a, b = (np.asarray(on_host(v.array if is_tensor(v) else v)) for v in (a, b))
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
