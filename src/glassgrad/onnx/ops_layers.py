"""ONNX for glassgrad's layer ops: linear, matmul, convolution, pooling, batch and layer norm, embedding.

Each converter returns the ONNX name of the node's output. Layouts follow PyTorch, which ONNX shares (NCHW,
weights (out, in, kh, kw)), so parameters go in unchanged.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.node import Node
from glassgrad.functional.conv import ConvolutionOp
from glassgrad.functional.embedding import EmbeddingLookupOp
from glassgrad.functional.linear import LinearOp
from glassgrad.functional.normalization import BatchNormOp, LayerNormOp
from glassgrad.functional.pooling import AdaptiveAvgPoolOp, AvgPoolOp, MaxPoolOp
from glassgrad.ops.matmul import MatMulOp

from .builder import GraphBuilder
from .errors import UnsupportedOperatorError


def linear_layer(g: GraphBuilder, node: Node) -> str:
    """y = x Wᵀ + b: one Gemm for a matrix x (Netron shows a Linear as Gemm), else MatMul with Wᵀ then Add."""
    x, weight, bias = node.inputs[:3]
    if x.ndim == 2:
        inputs = [g.name(x), g.name(weight)] + ([g.name(bias)] if bias is not None else [])
        return g.add("Gemm", inputs, transB=1)
    y = g.add("MatMul", [g.name(x), g.add("Transpose", [g.name(weight)], perm=[1, 0])])
    return y if bias is None else g.add("Add", [y, g.name(bias)])


def matrix_product(g: GraphBuilder, node: Node) -> str:
    return g.add("MatMul", [g.name(node.inputs[0]), g.name(node.inputs[1])])


def convolution(g: GraphBuilder, node: Node) -> str:
    """Conv; glassgrad's padding is (top, bottom, left, right), ONNX's pads are (top, left, bottom, right). A conv1d
    ran as a conv2d over a height of 1 (its first stride, dilation and pads are that height's): ONNX's 1-D Conv."""
    x, weight, bias, stride, padding, dilation, groups = node.inputs[:7]
    top, bottom, left, right = padding
    inputs = [g.name(x), g.name(weight)] + ([g.name(bias)] if bias is not None else [])
    if x.ndim == 3:
        return g.add("Conv", inputs, strides=[stride[1]], pads=[left, right], dilations=[dilation[1]], group=groups)
    return g.add("Conv", inputs, strides=list(stride), pads=[top, left, bottom, right], dilations=list(dilation),
                 group=groups)  # fmt: skip


def max_pool(g: GraphBuilder, node: Node) -> str:
    x, kernel, stride, padding, dilation, ceil_mode, with_offsets = node.inputs[:7]
    if with_offsets:
        raise UnsupportedOperatorError(
            "onnx.export: max_pool2d(return_indices=True) has no ONNX mapping here (glassgrad's indices are "
            "window offsets, ONNX's are flat positions); export the pooling without return_indices"
        )
    return g.add("MaxPool", [g.name(x)], kernel_shape=list(kernel), strides=list(stride),
                 pads=[padding[0], padding[1], padding[0], padding[1]], dilations=list(dilation),
                 ceil_mode=int(ceil_mode))  # fmt: skip


def avg_pool(g: GraphBuilder, node: Node) -> str:
    x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = node.inputs[:7]
    if divisor_override is not None:
        raise UnsupportedOperatorError(
            f"onnx.export: avg_pool2d(divisor_override={divisor_override}) has no ONNX mapping; ONNX's "
            "AveragePool divides by the window size"
        )
    return g.add("AveragePool", [g.name(x)], kernel_shape=list(kernel), strides=list(stride),
                 pads=[padding[0], padding[1], padding[0], padding[1]], ceil_mode=int(ceil_mode),
                 count_include_pad=int(count_include_pad))  # fmt: skip


def adaptive_avg_pool(g: GraphBuilder, node: Node) -> str:
    """GlobalAveragePool for a 1×1 output; an AveragePool when the bins are equal (H, W divisible)."""
    x, (Ho, Wo) = node.inputs[0], node.inputs[1]
    H, W = x.shape[2], x.shape[3]
    if (Ho, Wo) == (1, 1):
        return g.add("GlobalAveragePool", [g.name(x)])
    if H % Ho or W % Wo:
        raise UnsupportedOperatorError(
            f"onnx.export: adaptive_avg_pool2d from {(H, W)} to {(Ho, Wo)} has unequal bins, which no ONNX pooling "
            "computes; choose an output size that divides the input size"
        )
    kernel = [H // Ho, W // Wo]
    return g.add("AveragePool", [g.name(x)], kernel_shape=kernel, strides=kernel)


def batch_norm(g: GraphBuilder, node: Node) -> str:
    """Inference-mode BatchNormalization with the running statistics (buffers, named as in the state_dict)."""
    x, weight, bias, running_mean, running_var, training, _, eps = node.inputs[:8]
    if training or running_mean is None:
        raise UnsupportedOperatorError(
            f"onnx.export: batch_norm with batch statistics (training=True, input {tuple(x.shape)}) has no "
            "inference-time ONNX form; call model.eval() before exporting"
        )
    channels = x.shape[1]
    dtype = x.array.dtype
    scale = g.name(weight) if weight is not None else g.constant(np.ones(channels, dtype), "ones")
    shift = g.name(bias) if bias is not None else g.constant(np.zeros(channels, dtype), "zeros")
    return g.add("BatchNormalization", [g.name(x), scale, shift, g.name(running_mean), g.name(running_var)],
                 epsilon=float(eps))  # fmt: skip


def layer_norm(g: GraphBuilder, node: Node) -> str:
    """LayerNormalization (opset 17) over the trailing dims whose sizes multiply to the normalized size."""
    x, weight, bias, size, eps = node.inputs[:5]
    dims = _trailing_dims(tuple(x.shape), size)
    dtype = x.array.dtype
    scale = g.name(weight) if weight is not None else g.constant(np.ones(x.shape[-dims:], dtype), "ones")
    inputs = [g.name(x), scale] + ([g.name(bias)] if bias is not None else [])
    return g.add("LayerNormalization", inputs, axis=-dims, epsilon=float(eps))


def _trailing_dims(shape: tuple, size: int) -> int:
    """How many trailing dims of `shape` multiply to `size` (the normalized_shape's length)."""
    product = 1
    for count, dim in enumerate(reversed(shape), start=1):
        product *= dim
        if product == size:
            return count
    raise AssertionError(f"layer_norm: no trailing dims of {shape} multiply to {size}")


def embedding_lookup(g: GraphBuilder, node: Node) -> str:
    """Rows of the weight at the ids: Gather along axis 0 (padding_idx only changes the gradient)."""
    weight, indices = node.inputs[:2]
    return g.add("Gather", [g.name(weight), g.name(indices)], axis=0)


CONVERTERS = {
    LinearOp: linear_layer,
    MatMulOp: matrix_product,
    ConvolutionOp: convolution,
    MaxPoolOp: max_pool,
    AvgPoolOp: avg_pool,
    AdaptiveAvgPoolOp: adaptive_avg_pool,
    BatchNormOp: batch_norm,
    LayerNormOp: layer_norm,
    EmbeddingLookupOp: embedding_lookup,
}
