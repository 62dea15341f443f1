"""ONNX for the fused ops that glassgrad records as one node: scaled dot-product attention and cross-entropy.

Attention is spelled out in ONNX ops at the default opset 17 (ONNX's own Attention op needs opset 23):

    P = softmax(s·Q Kᵀ + M),   Y = P V

with M = −inf above the diagonal (is_causal), −inf where a bool mask is False, or a float mask added.
"""

from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto

from glassgrad.autograd.node import Node
from glassgrad.functional.attention import ScaledDotProductAttentionOp
from glassgrad.functional.losses.multiclass import CrossEntropyOp
from glassgrad.ops.softmax import future_keys

from .builder import GraphBuilder
from .errors import UnsupportedOperatorError


def attention(g: GraphBuilder, node: Node) -> str | list[str]:
    q, k, v, mask, dropout_p, is_causal, scale = node.inputs[:7]
    return_weights = len(node.inputs) > 7 and node.inputs[7]
    if dropout_p:
        raise UnsupportedOperatorError(
            f"onnx.export: scaled_dot_product_attention with dropout_p={dropout_p} is random; export in eval mode "
            "(model.eval()) or with dropout_p=0"
        )
    dtype = q.array.dtype
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    perm = list(range(k.ndim - 2)) + [k.ndim - 1, k.ndim - 2]
    k_t = g.add("Transpose", [g.name(k)], perm=perm)  # (..., S, E) -> (..., E, S)
    scores = g.add("Mul", [g.add("MatMul", [g.name(q), k_t]), g.name(scale, dtype)])  # (..., L, S)
    if is_causal:
        scores = g.add("Where", [g.constant(future_keys(L, S), "future_keys"), g.name(-np.inf, dtype), scores])
    if mask is not None:
        if np.dtype(getattr(mask, "array", mask).dtype) == np.bool_:
            scores = g.add("Where", [g.name(mask), scores, g.name(-np.inf, dtype)])  # True = attend, as PyTorch
        else:
            scores = g.add("Add", [scores, g.name(mask, dtype)])
    weights = g.add("Softmax", [scores], axis=-1)
    output = g.add("MatMul", [weights, g.name(v)])  # (..., L, S) @ (..., S, Ev) -> (..., L, Ev)
    return [output, weights] if return_weights else output


def cross_entropy(g: GraphBuilder, node: Node) -> str:
    """ONNX SoftmaxCrossEntropyLoss: the same log-softmax, class weights, ignore_index and 'mean' (weighted by
    the targets' class weights, as PyTorch) / 'sum' / 'none' reductions."""
    x, target, weight, ignore_index, reduction, label_smoothing = node.inputs[:6]
    if label_smoothing or x.ndim < 2 or np.dtype(getattr(target, "array", target).dtype).kind not in "iu":
        raise UnsupportedOperatorError(
            f"onnx.export: cross_entropy with input {tuple(x.shape)}, label_smoothing={label_smoothing} and "
            "targets that are not class indices has no ONNX SoftmaxCrossEntropyLoss form; export the model's "
            "logits and compute the loss outside"
        )
    labels = g.add("Cast", [g.name(target)], to=TensorProto.INT64)  # the labels type the op takes
    inputs = [g.name(x), labels] + ([g.name(weight)] if weight is not None else [])
    return g.add("SoftmaxCrossEntropyLoss", inputs, reduction=reduction, ignore_index=int(ignore_index))


CONVERTERS = {
    ScaledDotProductAttentionOp: attention,
    CrossEntropyOp: cross_entropy,
}
