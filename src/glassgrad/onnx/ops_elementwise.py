"""ONNX for glassgrad's elementwise ops: arithmetic, unary math, activations, softmax.

Each converter takes the GraphBuilder and one recorded node and returns the ONNX name of the node's output.
A plain number operand (x + 1) becomes a constant of the tensor operand's dtype, as NumPy would treat it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassgrad.autograd.node import Node
from glassgrad.autograd.tensor_factory import is_tensor
from glassgrad.functional.activation import EluOp, GeluOp, LeakyReluOp, SiluOp
from glassgrad.ops import arithmetic, select, softmax, unary

from .builder import GraphBuilder, onnx_dtype


def tensor_dtype(node: Node) -> np.dtype:
    """The NumPy dtype of the node's first tensor input: what its plain-number operands become."""
    first = next(value for value in node.inputs if is_tensor(value))
    return first.array.dtype


def _binary(op_type: str) -> Any:
    def convert(g: GraphBuilder, node: Node) -> str:
        dtype = tensor_dtype(node)
        return g.add(op_type, [g.name(value, dtype) for value in node.inputs[:2]])

    convert.__doc__ = f"x ∘ y as ONNX {op_type} (NumPy broadcasting is ONNX's multidirectional broadcasting)"
    return convert


def _unary(op_type: str) -> Any:
    def convert(g: GraphBuilder, node: Node) -> str:
        return g.add(op_type, [g.name(node.inputs[0])])

    convert.__doc__ = f"f(x) as ONNX {op_type}"
    return convert


def cast(g: GraphBuilder, node: Node) -> str:
    return g.add("Cast", [g.name(node.inputs[0])], to=onnx_dtype(node.inputs[1]))


def rsqrt(g: GraphBuilder, node: Node) -> str:
    return g.add("Reciprocal", [g.add("Sqrt", [g.name(node.inputs[0])])])


def log1p(g: GraphBuilder, node: Node) -> str:
    x = node.inputs[0]
    return g.add("Log", [g.add("Add", [g.name(x), g.name(1.0, x.array.dtype)])])


def clamp(g: GraphBuilder, node: Node) -> str:
    """min(max(x, low), high) as Max then Min, so a tensor bound works as well as a number."""
    x, low, high = node.inputs[:3]
    dtype = x.array.dtype
    y = g.name(x)
    if low is not None:
        y = g.add("Max", [y, g.name(low, dtype)])
    if high is not None:
        y = g.add("Min", [y, g.name(high, dtype)])
    return y


def leaky_relu(g: GraphBuilder, node: Node) -> str:
    return g.add("LeakyRelu", [g.name(node.inputs[0])], alpha=float(node.inputs[1]))


def elu(g: GraphBuilder, node: Node) -> str:
    return g.add("Elu", [g.name(node.inputs[0])], alpha=float(node.inputs[1]))


def gelu(g: GraphBuilder, node: Node) -> str:
    """Composed from ONNX ops (ONNX's own Gelu needs opset 20):
    'none': ½x(1 + erf(x/√2));   'tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    x, approximate = node.inputs[0], node.inputs[1]
    dtype = x.array.dtype
    name = g.name(x)
    if approximate == "tanh":
        cube = g.add("Mul", [g.add("Mul", [name, name]), name])
        inner = g.add("Add", [name, g.add("Mul", [cube, g.name(0.044715, dtype)])])
        core = g.add("Tanh", [g.add("Mul", [inner, g.name(math.sqrt(2.0 / math.pi), dtype)])])
    else:
        core = g.add("Erf", [g.add("Mul", [name, g.name(1.0 / math.sqrt(2.0), dtype)])])
    half_x = g.add("Mul", [name, g.name(0.5, dtype)])
    return g.add("Mul", [half_x, g.add("Add", [core, g.name(1.0, dtype)])])


def silu(g: GraphBuilder, node: Node) -> str:
    """x·σ(x)."""
    name = g.name(node.inputs[0])
    return g.add("Mul", [name, g.add("Sigmoid", [name])])


def where(g: GraphBuilder, node: Node) -> str:
    condition, x, y = node.inputs[:3]
    dtype = (x if is_tensor(x) else y).array.dtype
    return g.add("Where", [g.name(condition), g.name(x, dtype), g.name(y, dtype)])


def _softmax(op_type: str) -> Any:
    def convert(g: GraphBuilder, node: Node) -> str:
        return g.add(op_type, [g.name(node.inputs[0])], axis=int(node.inputs[1]))

    convert.__doc__ = f"{op_type} along one axis (opset 13 on: the axis alone, not everything after it)"
    return convert


CONVERTERS = {
    arithmetic.AddOp: _binary("Add"),
    arithmetic.SubOp: _binary("Sub"),
    arithmetic.MulOp: _binary("Mul"),
    arithmetic.DivOp: _binary("Div"),
    arithmetic.PowOp: _binary("Pow"),
    select.MaximumOp: _binary("Max"),
    select.MinimumOp: _binary("Min"),
    select.WhereOp: where,
    arithmetic.CastOp: cast,
    arithmetic.ReciprocalOp: _unary("Reciprocal"),
    arithmetic.NegOp: _unary("Neg"),
    unary.ExpOp: _unary("Exp"),
    unary.LogOp: _unary("Log"),
    unary.Log1pOp: log1p,
    unary.SqrtOp: _unary("Sqrt"),
    unary.RsqrtOp: rsqrt,
    unary.SinOp: _unary("Sin"),
    unary.CosOp: _unary("Cos"),
    unary.TanhOp: _unary("Tanh"),
    unary.SigmoidOp: _unary("Sigmoid"),
    unary.ReluOp: _unary("Relu"),
    unary.AbsOp: _unary("Abs"),
    unary.ClampOp: clamp,
    LeakyReluOp: leaky_relu,
    EluOp: elu,
    GeluOp: gelu,
    SiluOp: silu,
    softmax.SoftmaxOp: _softmax("Softmax"),
    softmax.LogSoftmaxOp: _softmax("LogSoftmax"),
}
