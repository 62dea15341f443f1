"""`glassgrad.nn.functional` (F): composite and fused differentiable functions with PyTorch's signatures."""

from .attention import scaled_dot_product_attention
from .dropout import dropout
from .embedding import embedding
from .layer_norm import layer_norm, rms_norm
from .linear import linear
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell

__all__ = ["layer_norm", "rms_norm", "scaled_dot_product_attention", "dropout", "linear", "embedding",
           "lstm", "lstm_cell", "gru", "gru_cell", "rnn_tanh", "rnn_tanh_cell", "rnn_relu", "rnn_relu_cell"]
