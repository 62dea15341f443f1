"""`glassgrad.nn.functional` (F): composite and fused differentiable functions with PyTorch's signatures."""

from .attention import scaled_dot_product_attention
from .conv import conv1d, conv2d
from .dropout import dropout
from .embedding import embedding
from .layer_norm import layer_norm, rms_norm
from .linear import linear
from .norm import batch_norm, group_norm
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell

__all__ = ["layer_norm", "rms_norm", "scaled_dot_product_attention", "dropout", "linear", "embedding",
           "lstm", "lstm_cell", "gru", "gru_cell", "rnn_tanh", "rnn_tanh_cell", "rnn_relu", "rnn_relu_cell"]
__all__ += ["conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
            "batch_norm", "group_norm"]
