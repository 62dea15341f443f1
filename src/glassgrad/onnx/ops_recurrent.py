"""ONNX for glassgrad's fused recurrent layers: one LSTMLayerOp / GRULayerOp / RNNLayerOp is one ONNX LSTM / GRU / RNN.

The weights stay the parameters (initializers named as in the state_dict); the graph reorders their gate
blocks into ONNX's order with a Gather of rows, which ONNX Runtime folds once at load time:

    LSTM  PyTorch i, f, g, o  ->  ONNX i, o, f, c   (c is PyTorch's g, the cell candidate)
    GRU   PyTorch r, z, n     ->  ONNX z, r, h      (with linear_before_reset=1: PyTorch's n = tanh(W_in x + b_in
                                                     + r ⊙ (W_hn h + b_hn)) applies r after the recurrent matmul)

ONNX's layers are time-major with a num_directions axis: X (T, B, I), W (1, G·H, I), R (1, G·H, H),
B (1, 2·G·H) = [b_ih, b_hh], Y (T, 1, B, H), Y_h (1, B, H); the Transposes and Squeezes around the node map
glassgrad's (B, T, ·) batch-first arrays and (B, H) states to and from them.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.node import Node
from glassgrad.functional.recurrent_fused import GRULayerOp, LSTMLayerOp, RNNLayerOp

from .builder import GraphBuilder

LSTM_ORDER = (0, 3, 1, 2)  # ONNX's i, o, f, c as PyTorch's gate blocks i=0, f=1, g=2, o=3
GRU_ORDER = (1, 0, 2)  # ONNX's z, r, h as PyTorch's r=0, z=1, n=2
RNN_ORDER = (0,)


def _gates(g: GraphBuilder, weight: object, order: tuple, hidden: int) -> str:
    """The weight (or bias) with its gate blocks of `hidden` rows in ONNX's order."""
    rows = np.concatenate([np.arange(gate * hidden, (gate + 1) * hidden) for gate in order])
    return g.add("Gather", [g.name(weight), g.ints(rows, "gate_rows")], axis=0)


def _recurrent(g: GraphBuilder, op_type: str, order: tuple, node: Node, initial: list, outputs: int,
               **attributes: object) -> list[str]:
    x, w_ih, w_hh, b_ih, b_hh = node.inputs[:5]
    reverse, batch_first = node.inputs[-2], node.inputs[-1]
    hidden = w_hh.shape[1]
    axis0 = g.ints([0])
    W = g.add("Unsqueeze", [_gates(g, w_ih, order, hidden), axis0])  # (1, G·H, I)
    R = g.add("Unsqueeze", [_gates(g, w_hh, order, hidden), axis0])  # (1, G·H, H)
    B = ""
    if b_ih is not None:
        joined = g.add("Concat", [_gates(g, b_ih, order, hidden), _gates(g, b_hh, order, hidden)], axis=0)
        B = g.add("Unsqueeze", [joined, axis0])  # (1, 2·G·H)
    X = g.add("Transpose", [g.name(x)], perm=[1, 0, 2]) if batch_first else g.name(x)  # (B, T, I) -> (T, B, I)
    states = [g.add("Unsqueeze", [g.name(state), axis0]) if state is not None else "" for state in initial]
    inputs = [X, W, R, B, ""] + states  # "" for sequence_lens: every sequence is full length
    while inputs[-1] == "":
        inputs.pop()
    results = g.add(op_type, inputs, outputs=outputs, hidden_size=hidden,
                    direction="reverse" if reverse else "forward", **attributes)  # fmt: skip
    Y = g.add("Squeeze", [results[0], g.ints([1])])  # (T, 1, B, H) -> (T, B, H)
    if batch_first:
        Y = g.add("Transpose", [Y], perm=[1, 0, 2])  # (T, B, H) -> (B, T, H)
    finals = [g.add("Squeeze", [state, axis0]) for state in results[1:]]  # (1, B, H) -> (B, H)
    return [Y, *finals]


def lstm_layer(g: GraphBuilder, node: Node) -> list[str]:
    h0, c0 = node.inputs[5], node.inputs[6]
    return _recurrent(g, "LSTM", LSTM_ORDER, node, [h0, c0], outputs=3)


def gru_layer(g: GraphBuilder, node: Node) -> list[str]:
    return _recurrent(g, "GRU", GRU_ORDER, node, [node.inputs[5]], outputs=2, linear_before_reset=1)


def rnn_layer(g: GraphBuilder, node: Node) -> list[str]:
    activation = {"tanh": "Tanh", "relu": "Relu"}[node.inputs[6]]
    return _recurrent(g, "RNN", RNN_ORDER, node, [node.inputs[5]], outputs=2, activations=[activation])


CONVERTERS = {
    LSTMLayerOp: lstm_layer,
    GRULayerOp: gru_layer,
    RNNLayerOp: rnn_layer,
}
