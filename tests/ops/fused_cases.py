"""Cases of the op table for the hand-derived fused ops of functional/ and nn/ (and the in-place ops of ops/).

Each case calls the public function (F.layer_norm, F.lstm, Module hooks, copy_) and names no Op class: the
coverage guard in test_table.py runs it and counts every Op in the graph it builds, so a case keeps covering
its op when the op's class is renamed or moved. The same checks run on these as on the primitives: a float64
gradcheck, parity of values and gradients with PyTorch in float32 and float64, and (unless a case says why
not) gradgradcheck and double-backward parity.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import glassgrad as gg

from .table import Case, const, float_const


def fused(name: str, fn: Callable[..., Any], shapes: tuple, domain: Any = "real", **options: Any) -> Case:
    """A case that names no op: what it covers is what running it builds (`table.ops_built`)."""
    return Case(name, (), fn, shapes, domain, **options)


def F(lib: Any) -> Any:  # noqa: N802 - the usual name of the functional module
    return lib.nn.functional


def vf(lib: Any, name: str) -> Any:
    """A recurrent function: `F.lstm` in glassgrad is `torch.lstm` (torch.nn.functional has none)."""
    return getattr(F(lib), name) if lib is gg else getattr(lib, name)


# ---- constants ----------------------------------------------------------------------------------------------

LABELS_4 = np.array([1, 0, 3, 1])                    # class ids for 4 rows of 4 classes
LABELS_2x3 = np.array([[2, 0, 1], [1, 1, 0]])        # (N, d) ids for (N, C, d) scores
CLASS_WEIGHTS = [0.5, 2.0, 1.0, 1.5]                 # per-class loss weights (constants: no gradient)
# Embedding ids, with repeats; not 2, the padding_idx of a case (its row gets no gradient by design, which
# finite differences would see as wrong).
IDS = np.array([[0, 3, 3], [4, 0, 1]])
MASK_3x4 = np.array([[True, False, True, True], [True, True, False, True], [False, True, True, True]])


# ---- cases that need a few lines -------------------------------------------------------------------------------

DROPOUT_SEED = 1234


def _dropout(lib: Any, x: Any) -> Any:
    """F.dropout with the mask of a fixed seed (glassgrad's global generator is left as it was)."""
    state = gg.get_rng_state()
    try:
        gg.manual_seed(DROPOUT_SEED)
        return F(lib).dropout(x, 0.5)
    finally:
        gg.set_rng_state(state)


def _dropout_torch(lib: Any, x: Any) -> Any:
    """The same inverted dropout in torch, with glassgrad's mask (torch's generator draws another)."""
    mask = _dropout(gg, gg.ones(tuple(x.shape), dtype=gg.float64)).numpy()
    return x * lib.tensor(mask, dtype=x.dtype)


def _gelu_slope(lib: Any, x: Any) -> Any:
    """d gelu(x)/dx as a tensor with a graph: its graph is gelu's `reference`, where the normal CDF is a
    tensor-level Function (NormalCdf), so the case covers it and gradcheck checks gelu's second derivative."""
    with lib.enable_grad():  # gradcheck evaluates the case under no_grad
        (slope,) = lib.autograd.grad(F(lib).gelu(x).sum(), x, create_graph=True)
    return slope


def _hooked_tanh(lib: Any, x: Any, y: Any) -> Any:
    """A module with a full backward hook (the hook ops on its inputs and outputs) that replaces grad_input by
    an equal tensor: the replacement path runs, and the gradient stays the function's own for gradcheck."""
    module = lib.nn.Tanh()
    module.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 1.0,))
    return module(x * y)


def _copy_broadcast(lib: Any, x: Any, y: Any) -> Any:
    """x.copy_(y) (broadcast): the result forgets x, its gradient flows to y."""
    z = x * 1.0
    z.copy_(y)
    return z * x


def _write_through_view(lib: Any, x: Any, y: Any) -> Any:
    """An in-place op on a view of a non-leaf: the base is rebuilt with the view's region replaced."""
    z = x * 1.0
    z[1:, ::2].mul_(y)
    return z


def _lstm_layers(lib: Any, x: Any, h0: Any, c0: Any, *params: Any) -> Any:
    """Two stacked LSTM layers over a (T, B, I) sequence: (output, h_n, c_n)."""
    return tuple(vf(lib, "lstm")(x, (h0, c0), params, True, 2, 0.0, False, False, False))


def _lstm_bidirectional(lib: Any, x: Any, *params: Any) -> Any:
    """One bidirectional LSTM layer without biases, batch first, zero initial state (torch needs one given)."""
    zeros = lib.zeros(2, x.shape[0], 2, dtype=x.dtype)
    return tuple(vf(lib, "lstm")(x, (zeros, zeros), params, False, 1, 0.0, False, True, True))


def _gru(lib: Any, x: Any, h0: Any, *params: Any) -> Any:
    return tuple(vf(lib, "gru")(x, h0, params, True, 1, 0.0, False, False, False))


def _rnn(name: str) -> Callable[..., Any]:
    def run(lib: Any, x: Any, h0: Any, *params: Any) -> Any:
        return tuple(vf(lib, name)(x, h0, params, True, 1, 0.0, False, False, True))  # batch first

    return run


# LSTM sizes: T = 2 steps, B = 2, I = 2 inputs, H = 2 hidden (4H = 8 gate rows); weights in PyTorch's flat
# order per layer. Small: gradgradcheck differentiates every weight twice, through the unrolled reference.
_LSTM_LAYER = ((8, 2), (8, 2), (8,), (8,))

FUSED_CASES: list[Case] = [
    # ---- activations (functional/activation.py) ---------------------------------------------------------------
    fused("elu", lambda m, x: F(m).elu(x, alpha=1.5), ((3, 4),), "nonzero"),
    fused("gelu", lambda m, x: F(m).gelu(x), ((3, 4),)),
    fused("gelu_tanh", lambda m, x: F(m).gelu(x, approximate="tanh"), ((3, 4),)),
    fused("gelu_slope", _gelu_slope, ((3, 4),)),
    fused("hardtanh", lambda m, x: F(m).hardtanh(x, -0.5, 0.8), ((3, 4),), "nonzero"),
    fused("relu6", lambda m, x: F(m).relu6(x * 4.0), ((3, 4),), "nonzero"),
    fused("leaky_relu", lambda m, x: F(m).leaky_relu(x, 0.2), ((3, 4),), "nonzero"),
    fused("silu", lambda m, x: F(m).silu(x), ((3, 4),)),
    fused("softplus", lambda m, x: F(m).softplus(x * 3.0, beta=2.0, threshold=5.0), ((3, 4),)),
    fused("threshold", lambda m, x: F(m).threshold(x, 0.1, -2.0), ((3, 4),), "nonzero"),
    # ---- linear, embedding, dropout -----------------------------------------------------------------------------
    fused("linear", lambda m, x, w, b: F(m).linear(x, w, b), ((2, 3, 4), (5, 4), (5,))),
    fused("linear_no_bias", lambda m, x, w: F(m).linear(x, w), ((3, 4), (2, 4))),
    fused("embedding", lambda m, w: F(m).embedding(const(m, w, IDS), w), ((5, 3),)),
    fused("embedding_padding_idx", lambda m, w: F(m).embedding(const(m, w, IDS), w, padding_idx=2), ((5, 3),)),
    fused("dropout", _dropout, ((4, 5),), torch_fn=_dropout_torch),
    # ---- normalisation ---------------------------------------------------------------------------------------
    fused("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4,), w, b), ((2, 3, 4), (4,), (4,))),
    fused("layer_norm_2d_no_affine", lambda m, x: F(m).layer_norm(x, (3, 4)), ((2, 3, 4),)),
    fused("rms_norm", lambda m, x, w: F(m).rms_norm(x, (4,), w, eps=1e-5), ((3, 4), (4,))),
    fused("batch_norm_training", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
          ((4, 3, 2), (3,), (3,))),
    fused("batch_norm_eval", lambda m, x, w, b: F(m).batch_norm(
        x, float_const(m, x, [0.1, -0.2, 0.3]), float_const(m, x, [0.5, 1.5, 2.0]), w, b),
        ((4, 3), (3,), (3,))),
    fused("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,))),
    # ---- losses ----------------------------------------------------------------------------------------------
    fused("cross_entropy", lambda m, x: F(m).cross_entropy(x, const(m, x, LABELS_4)), ((4, 4),)),
    fused("cross_entropy_weighted_smoothed", lambda m, x: F(m).cross_entropy(
        x, const(m, x, LABELS_4), weight=float_const(m, x, CLASS_WEIGHTS), label_smoothing=0.1, ignore_index=3),
        ((4, 4),)),
    fused("cross_entropy_spatial_sum", lambda m, x: F(m).cross_entropy(x, const(m, x, LABELS_2x3), reduction="sum"),
          ((2, 3, 3),)),
    fused("cross_entropy_probabilities", lambda m, x, p: F(m).cross_entropy(x, p / p.sum(1, keepdim=True)),
          ((3, 4), (3, 4)), ("real", "positive")),
    fused("nll_loss", lambda m, x: F(m).nll_loss(x, const(m, x, LABELS_4), reduction="none"), ((4, 4),)),
    fused("nll_loss_weighted", lambda m, x: F(m).nll_loss(
        x, const(m, x, LABELS_4), weight=float_const(m, x, CLASS_WEIGHTS)), ((4, 4),)),
    fused("binary_cross_entropy", lambda m, p, t: F(m).binary_cross_entropy(p, t), ((3, 4), (3, 4)),
          "probability"),
    fused("binary_cross_entropy_with_logits", lambda m, x, t: F(m).binary_cross_entropy_with_logits(
        x, t, pos_weight=float_const(m, x, CLASS_WEIGHTS)), ((3, 4), (3, 4)), ("real", "probability")),
    fused("mse_loss", lambda m, x, t: F(m).mse_loss(x, t), ((3, 4), (3, 4))),
    fused("l1_loss", lambda m, x, t: F(m).l1_loss(x, t, reduction="sum"), ((3, 4), (3, 4))),
    fused("huber_loss", lambda m, x, t: F(m).huber_loss(x * 2.0, t, delta=0.7), ((3, 4), (3, 4))),
    fused("smooth_l1_loss", lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction="none", beta=0.5), ((3, 4), (3, 4))),
    fused("kl_div", lambda m, x, t: F(m).kl_div(x, t, reduction="batchmean"), ((3, 4), (3, 4)), ("real", "positive")),
    fused("kl_div_log_target", lambda m, x, t: F(m).kl_div(x, t, reduction="sum", log_target=True), ((3, 4), (3, 4))),
    # ---- convolution, pooling, padding -------------------------------------------------------------------------
    fused("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b, stride=(1, 2), padding=1),
          ((2, 2, 4, 5), (3, 2, 3, 3), (3,))),
    fused("conv2d_groups_dilation", lambda m, x, w: F(m).conv2d(x, w, groups=2, dilation=2),
          ((1, 4, 5, 5), (2, 2, 2, 2))),
    fused("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, padding=2, stride=2), ((2, 3, 6), (2, 3, 3), (2,))),
    fused("conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1,
          output_padding=1), ((2, 2, 3, 4), (2, 3, 3, 3), (3,))),
    fused("conv_transpose2d_groups_dilation", lambda m, x, w: F(m).conv_transpose2d(
        x, w, stride=(1, 2), groups=2, dilation=2), ((1, 4, 3, 3), (4, 1, 2, 2))),
    fused("conv_transpose1d", lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=3, padding=1,
          output_padding=2), ((2, 3, 4), (3, 2, 3), (2,))),
    fused("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2, stride=1, padding=1), ((1, 2, 4, 3),)),
    fused("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, stride=2), ((2, 2, 7),)),
    fused("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
          ((1, 2, 5, 4),)),
    fused("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 2), ((2, 3, 6),)),
    fused("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 3)), ((1, 2, 5, 4),)),
    fused("pad_constant", lambda m, x: F(m).pad(x, (1, 2, 0, 1), value=0.5), ((2, 3, 4),)),
    fused("pad_reflect", lambda m, x: F(m).pad(x, (2, 1), mode="reflect"), ((2, 3, 5),)),
    fused("pad_replicate", lambda m, x: F(m).pad(x, (1, 1, 2, 0), mode="replicate"), ((1, 2, 3, 3),)),
    # ---- attention --------------------------------------------------------------------------------------------
    fused("attention", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v),
          ((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3))),
    fused("attention_causal_scaled", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.7), ((2, 4, 3), (2, 4, 3), (2, 4, 3))),
    fused("attention_bool_mask", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=const(m, q, MASK_3x4)), ((2, 3, 2), (2, 4, 2), (2, 4, 2))),
    fused("attention_float_mask", lambda m, q, k, v, mask: F(m).scaled_dot_product_attention(q, k, v, mask),
          ((2, 3, 2), (2, 4, 2), (2, 4, 2), (3, 4))),
    # ---- recurrent ----------------------------------------------------------------------------------------------
    fused("lstm_cell", lambda m, x, h, c, w_ih, w_hh, b_ih, b_hh: tuple(vf(m, "lstm_cell")(
        x, (h, c), w_ih, w_hh, b_ih, b_hh)), ((2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,), (8,))),
    fused("gru_cell", lambda m, x, h, w_ih, w_hh, b_ih, b_hh: vf(m, "gru_cell")(x, h, w_ih, w_hh, b_ih, b_hh),
          ((2, 3), (2, 2), (6, 3), (6, 2), (6,), (6,))),
    # Second order on one LSTM case only: each costs seconds (the bidirectional one checks LSTMLayer's).
    fused("lstm_two_layers", _lstm_layers, ((2, 2, 2), (2, 2, 2), (2, 2, 2), *_LSTM_LAYER, *_LSTM_LAYER),
          second_order=False),
    fused("lstm_bidirectional", _lstm_bidirectional, ((2, 2, 2), (8, 2), (8, 2), (8, 2), (8, 2))),
    fused("gru", _gru, ((2, 2, 2), (1, 2, 2), (6, 2), (6, 2), (6,), (6,))),
    fused("rnn_tanh", _rnn("rnn_tanh"), ((2, 3, 3), (1, 2, 2), (2, 3), (2, 2), (2,), (2,))),
    fused("rnn_relu", _rnn("rnn_relu"), ((2, 3, 3), (1, 2, 2), (2, 3), (2, 2), (2,), (2,)), "nonzero"),
    # ---- module hooks (nn/_backward_hooks.py) and in-place writes (ops/shape.py) ---------------------------------
    fused("full_backward_hook", _hooked_tanh, ((3, 4), (3, 4))),
    fused("copy_broadcast", _copy_broadcast, ((3, 4), (4,))),
    fused("in_place_through_view", _write_through_view, ((3, 4), (2, 2))),
    # ---- distributions (the tensor-level Erfinv of distributions/_erfinv.py, through Normal.icdf) ----------------
    fused("normal_icdf", lambda m, q, loc, scale: m.distributions.Normal(loc, scale).icdf(q),
          ((3, 4), (3, 4), (3, 4)), ("probability", "real", "positive")),
]
