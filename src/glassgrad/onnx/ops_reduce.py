"""ONNX for glassgrad's sum and mean. ReduceSum takes its axes as an input from opset 13, ReduceMean only from
opset 18 (an attribute before): the one place where the opset changes what is written."""

from __future__ import annotations

from glassgrad.autograd.node import Node
from glassgrad.ops.reduce import MeanOp, SumOp

from .builder import GraphBuilder


def _reduce(op_type: str, axes_as_input_from: int):
    def convert(g: GraphBuilder, node: Node) -> str:
        x, axes, keepdim = node.inputs[:3]
        axes = list(range(x.ndim)) if axes is None else [int(a) for a in (axes if isinstance(axes, tuple) else (axes,))]
        if g.opset >= axes_as_input_from:
            return g.add(op_type, [g.name(x), g.ints(axes, "axes")], keepdims=int(keepdim))
        return g.add(op_type, [g.name(x)], axes=axes, keepdims=int(keepdim))

    convert.__doc__ = f"{op_type} over the given axes (all of them for None)"
    return convert


CONVERTERS = {
    SumOp: _reduce("ReduceSum", 13),
    MeanOp: _reduce("ReduceMean", 18),
}
