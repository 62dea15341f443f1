"""One converter at a time: a one-line function of a tensor, exported and run by ONNX Runtime (float32 parity).

Each case is (name, function, input shape); the input is random, and the export marks its batch axis 0 dynamic,
so every case is also run at another batch size.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

from .helpers import TOLERANCE, export_to_bytes, max_difference, session


class Lambda(nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


CASES = [
    ("add_scalar", lambda x: x + 1.5, (3, 4)),
    ("rsub_mul_div", lambda x: (2.0 - x) * x / (x.abs() + 1), (3, 4)),
    ("pow", lambda x: x.abs() ** 1.5, (3, 4)),
    ("neg_exp_log", lambda x: (-x).exp().log1p() + (x * x + 1).log(), (3, 4)),
    ("sqrt_rsqrt_reciprocal", lambda x: (x * x + 1).sqrt() + (x * x + 1).rsqrt() + 1 / (x * x + 1), (3, 4)),
    ("sin_cos_tanh_sigmoid", lambda x: x.sin() + x.cos() + x.tanh() + x.sigmoid(), (3, 4)),
    ("clamp", lambda x: x.clamp(-0.5, 0.7) + x.clamp(min=0.1), (3, 4)),
    ("maximum_minimum", lambda x: gg.maximum(x, x * 0.5) + gg.minimum(x, x * 0.3), (3, 4)),
    ("sum_mean", lambda x: x.sum(1, keepdim=True) + x.mean((1, 2), keepdim=True) + x.sum(-1).mean(), (3, 4, 5)),
    ("activations", lambda x: F.leaky_relu(x, 0.2) + F.silu(x) + F.gelu(x, approximate="tanh") + F.relu(x), (3, 4)),
    ("softmax", lambda x: F.softmax(x, dim=1) + F.log_softmax(x, dim=-1), (3, 4, 5)),
    ("matmul", lambda x: x @ x.transpose(1, 2), (3, 4, 5)),
    ("cast", lambda x: x.double().float() * 2, (3, 4)),
    ("reshape_permute", lambda x: x.reshape(x.shape[0], 2, 10).permute(0, 2, 1).flatten(1), (3, 4, 5)),
    ("getitem", lambda x: x[:, 1:3, ::2][..., 1:] + x[:, -3:-1, 1::2], (3, 4, 5)),
    ("getitem_int_none", lambda x: x[:, 2, None, -1] + x[..., 0].unsqueeze(1)[:, :, 1:2], (3, 4, 5)),
    ("expand", lambda x: x[:, :1].expand(x.shape[0], 4, 5) + x[:1].expand(x.shape[0], 4, 5), (3, 4, 5)),
    ("repeat", lambda x: x[:, :2].repeat(1, 2, 1) + x[0].repeat(2, 1, 1)[:1], (3, 4, 5)),
    ("cat_stack_split", lambda x: gg.cat(x.split(2, dim=1)[::-1], dim=1) + gg.stack([x, x], 0).sum(0), (3, 4, 5)),
    ("chunk", lambda x: x.chunk(2, dim=2)[1] * 2, (3, 4, 6)),
    ("avg_pool", lambda x: F.avg_pool2d(x, 2) + F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)[:, :, ::2, ::2],
     (2, 3, 6, 6)),
    ("max_pool_ceil", lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True), (2, 3, 7, 7)),
    ("adaptive_avg_pool", lambda x: F.adaptive_avg_pool2d(x, 1) + F.adaptive_avg_pool2d(x, 2).mean((2, 3), True),
     (2, 3, 6, 6)),
    ("conv1d", lambda x: F.conv1d(x, gg.ones(2, 3, 3) * 0.1, None, stride=2, padding=1), (2, 3, 9)),
]


@pytest.mark.parametrize("name, function, shape", CASES, ids=[case[0] for case in CASES])
def test_a_function_runs_the_same_in_onnx_runtime(name, function, shape):
    gg.manual_seed(0)
    model = Lambda(function)
    x = gg.randn(*shape)
    data = export_to_bytes(model, (x,), dynamic_axes={"x": [0], "output_0": [0]})
    sess = session(data)
    assert max_difference(model, sess, (x,)) <= TOLERANCE
    assert max_difference(model, sess, (gg.randn(shape[0] + 2, *shape[1:]),)) <= TOLERANCE


class MaskedAttention(nn.Module):
    """Attention with a bool mask buffer and a float bias buffer: WhereOp-free masks that export as constants."""

    def __init__(self):
        super().__init__()
        self.register_buffer("keep", gg.tensor(np.tril(np.ones((4, 4), dtype=bool))))
        self.register_buffer("bias", gg.randn(4, 4))

    def forward(self, x):
        q = x.reshape(x.shape[0], 2, 4, 3)  # (B, H, T, D)
        y = F.scaled_dot_product_attention(q, q * 0.5, q, attn_mask=self.keep)
        z = F.scaled_dot_product_attention(q, q, q * 2, attn_mask=self.bias, scale=0.3)
        return gg.where(self.keep[:, :3], y, z)  # the slice of a buffer: a constant


def test_attention_masks_and_where_with_buffers():
    gg.manual_seed(0)
    model = MaskedAttention()
    x = gg.randn(3, 24)
    sess = session(export_to_bytes(model, (x,), dynamic_axes={"x": [0], "output_0": [0]}))
    assert max_difference(model, sess, (x,)) <= TOLERANCE
    assert max_difference(model, sess, (gg.randn(6, 24),)) <= TOLERANCE


def test_opset_18_writes_the_axes_of_a_mean_as_an_input():
    model = Lambda(lambda x: x.mean(1))
    x = gg.randn(3, 4)
    data = export_to_bytes(model, (x,), opset_version=18)
    assert max_difference(model, session(data), (x,)) <= TOLERANCE


LAYERS = [
    ("conv_stride_dilation_groups", lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
     (2, 4, 9, 9)),
    ("conv_same_even_kernel", lambda: nn.Conv2d(3, 2, 4, padding="same", bias=False), (2, 3, 7, 7)),
    ("conv1d", lambda: nn.Conv1d(3, 5, 3, padding=1), (2, 3, 8)),
    ("batchnorm1d_2d_input", lambda: nn.BatchNorm1d(6), (4, 6)),
    ("batchnorm1d_3d_input", lambda: nn.BatchNorm1d(6, affine=False), (4, 6, 5)),
    ("layernorm_2d_no_affine", lambda: nn.LayerNorm((4, 5), elementwise_affine=False), (3, 4, 5)),
    ("post_norm_encoder_layer", lambda: nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), (3, 5, 8)),
    ("gru_time_major_reverse_layers", lambda: nn.GRU(4, 6, num_layers=2, bidirectional=True), (5, 3, 4)),
    ("lstm_no_bias", lambda: nn.LSTM(4, 6, bias=False, batch_first=True), (3, 5, 4)),
]


def _with_running_statistics(module):
    """Batch norm with running statistics away from 0 and 1, so the export must read the buffers."""
    for name, buffer in module.named_buffers():
        if name.endswith("running_mean"):
            buffer.array[...] = np.linspace(-1, 1, buffer.shape[0])
        elif name.endswith("running_var"):
            buffer.array[...] = np.linspace(0.5, 2, buffer.shape[0])
    return module


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[case[0] for case in LAYERS])
def test_a_layer_runs_the_same_in_onnx_runtime(name, make, shape):
    gg.manual_seed(0)
    model = _with_running_statistics(make()).eval()
    x = gg.randn(*shape)
    batch_axis = 1 if name.startswith("gru_time_major") else 0  # a time-major RNN: the batch is axis 1
    dynamic = {"x": [0]} if batch_axis == 0 else {}
    sess = session(export_to_bytes(model, (x,), input_names=["x"], dynamic_axes=dynamic))
    assert max_difference(model, sess, (x,)) <= TOLERANCE
    if dynamic:
        assert max_difference(model, sess, (gg.randn(shape[0] + 3, *shape[1:]),)) <= TOLERANCE


def test_multihead_attention_with_its_averaged_weights():
    gg.manual_seed(0)

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=True)  # (output, weights averaged over the heads)

    model = SelfAttention().eval()
    x = gg.randn(2, 5, 8)
    sess = session(export_to_bytes(model, (x,), dynamic_axes={"x": [0]}))
    assert len(sess.get_outputs()) == 2
    assert max_difference(model, sess, (x,)) <= TOLERANCE
    assert max_difference(model, sess, (gg.randn(4, 5, 8),)) <= TOLERANCE
