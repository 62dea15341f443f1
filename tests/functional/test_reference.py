"""The `reference` of every fused Op: the same math from differentiable primitives, what create_graph=True
differentiates (autograd engine: a fused node's input gradients come from `op.reference(ctx, *ctx.inputs)`).

For each fused Op, in float64, on the same inputs:
(a) the reference's forward equals the fused forward, and
(b) the gradients of the reference (normal backward through the primitives) equal the fused backward, which
    pins each hand-derived backward against its math.
A case runs a public function twice: once as is, once with the Op's `apply` patched to run the real op (so
forward stores on ctx what it stores) and hand back `reference(ctx, *ctx.inputs)` instead. A coverage guard
requires a `reference` and a case for every Op subclass defined in glassgrad.functional and glassgrad.nn.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
import glassgrad.nn as nn
from glassgrad.autograd.function import Function
from glassgrad.autograd.node import Op
from glassgrad.functional.losses import binary, multiclass, pointwise

from ..autograd._create_graph import needs_create_graph

# glassgrad.functional re-exports functions named like some of its modules (linear, dropout, pad, ...).
activation, attention, conv, dropout, embedding, linear, normalization, padding = (
    importlib.import_module(f"glassgrad.functional.{name}")
    for name in ("activation", "attention", "conv", "dropout", "embedding", "linear", "normalization", "padding")
)
pooling, recurrent, recurrent_fused, conv_transpose = (
    importlib.import_module(f"glassgrad.functional.{name}")
    for name in ("pooling", "recurrent", "recurrent_fused", "conv_transpose")
)


class Case:
    """One configuration of a fused op: `fn(*tensors)` calls the public API on tensors made from `arrays`
    (float arrays require grad; integer and bool arrays are plain data)."""

    def __init__(self, op: type, name: str, fn: Callable, *arrays: Any) -> None:
        self.op = op
        self.id = f"{op.__name__}-{name}"
        self.fn = fn
        self.arrays = arrays


def _run(case: Case, use_reference: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    """(outputs, gradients of the float inputs) of case.fn, the op's nodes answered by its reference."""
    tensors = [gg.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in case.arrays]
    if use_reference:
        monkeypatch.setattr(case.op, "apply", staticmethod(_answered_by_reference(case.op)))
    gg.manual_seed(0)  # dropout draws the same mask in both runs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcast warnings of some losses
        result = case.fn(*tensors)
    monkeypatch.undo()
    outputs = [o for o in (result if isinstance(result, (tuple, list)) else (result,)) if isinstance(o, gg.Tensor)]
    differentiable = [o for o in outputs if o.requires_grad]
    upstream = [gg.tensor(_RNG(len(o.shape)).standard_normal(o.shape)) for o in differentiable]
    leaves = [t for t in tensors if t.requires_grad]
    grads = gg.autograd.grad(differentiable, leaves, upstream, allow_unused=True)
    return [o.detach().numpy() for o in outputs], [None if g is None else g.numpy() for g in grads]


def _RNG(seed: int) -> np.random.Generator:  # noqa: N802 - reads as a constant's name at the call site
    return np.random.default_rng(seed)


def _answered_by_reference(op: type) -> Callable:
    apply = op.apply  # Op.apply bound to this class, taken before the patch replaces it

    def run(*args: Any, **kwargs: Any) -> Any:
        fused = apply(*args, **kwargs)
        first = fused[0] if isinstance(fused, tuple) else fused
        node = first.grad_fn
        assert node is not None and node.op is op, f"{op.__name__}: the case's inputs must require grad"
        return op.reference(node, *node.inputs)

    return run


# ---- the cases ------------------------------------------------------------------------------------------------

_R = np.random.default_rng(1234)


def _randn(*shape: int) -> np.ndarray:
    return _R.standard_normal(shape)


def _uniform(low: float, high: float, *shape: int) -> np.ndarray:
    return _R.uniform(low, high, shape)


def _ints(high: int, *shape: int) -> np.ndarray:
    return _R.integers(0, high, shape)


def _activation_cases() -> list[Case]:
    x = _randn(3, 7) * 3
    x[0, :3] = (-40.0, 30.0, 0.5)  # far tails and a point away from every kink
    return [
        Case(activation.LeakyReluOp, "slope", lambda t: F.leaky_relu(t, 0.2), x),
        Case(activation.GeluOp, "exact", lambda t: F.gelu(t), x),
        Case(activation.GeluOp, "tanh", lambda t: F.gelu(t, approximate="tanh"), x),
        Case(activation.SiluOp, "plain", F.silu, x),
        Case(activation.SoftplusOp, "beta", lambda t: F.softplus(t, beta=2.0, threshold=5.0), x),
        Case(activation.SoftplusOp, "negative_beta", lambda t: F.softplus(t, beta=-1.5, threshold=3.0), x),
        Case(activation.EluOp, "alpha", lambda t: F.elu(t, alpha=0.7), x),
        Case(activation.HardtanhOp, "bounds", lambda t: F.hardtanh(t, -1.5, 2.0), x),
        Case(activation.ThresholdOp, "value", lambda t: F.threshold(t, 0.3, -2.0), x),
        Case(linear.LinearOp, "bias", F.linear, _randn(2, 3, 4), _randn(5, 4), _randn(5)),
        Case(linear.LinearOp, "no_bias", F.linear, _randn(3, 4), _randn(5, 4)),
        Case(dropout.DropoutOp, "p", lambda t: F.dropout(t, 0.4), _randn(4, 6)),
    ]


def _embedding_and_padding_cases() -> list[Case]:
    ids = np.array([[1, 3, 3, 0], [2, 3, 1, 1]])
    return [
        Case(embedding.EmbeddingLookupOp, "plain", lambda i, w: F.embedding(i, w), ids, _randn(5, 3)),
        Case(embedding.EmbeddingLookupOp, "padding_idx", lambda i, w: F.embedding(i, w, padding_idx=3), ids,
             _randn(5, 3)),
        Case(embedding.EmbeddingLookupOp, "scale_grad_by_freq",
             lambda i, w: F.embedding(i, w, padding_idx=0, scale_grad_by_freq=True), ids, _randn(5, 3)),
        Case(padding.PadOp, "constant", lambda t: F.pad(t, (1, 2, 0, 1), value=0.5), _randn(2, 3, 4)),
        Case(padding.PadOp, "reflect", lambda t: F.pad(t, (2, 1, 1, 1), mode="reflect"), _randn(2, 3, 4)),
        Case(padding.PadOp, "replicate", lambda t: F.pad(t, (2, 1), mode="replicate"), _randn(2, 3, 4)),
        Case(padding.PadOp, "circular", lambda t: F.pad(t, (1, 2, 2, 1), mode="circular"), _randn(2, 3, 4)),
    ]


def _loss_cases() -> list[Case]:
    x, t = _randn(4, 5), _randn(4, 5)
    logits = _randn(6, 4) * 2
    classes = np.array([0, 3, 1, 1, 2, -100])
    class_weight = _uniform(0.5, 2.0, 4)
    p = _uniform(0.05, 0.95, 4, 5)
    bits = (_R.random((4, 5)) > 0.5).astype(np.float64)
    log_probs = np.log(_R.dirichlet(np.ones(5), 4))
    probs = _R.dirichlet(np.ones(5), 4)
    w = gg.tensor(class_weight)
    bce_weight = gg.tensor(_uniform(0.5, 2, 5))
    return [
        Case(pointwise.MseLossOp, "mean", F.mse_loss, x, t),
        Case(pointwise.MseLossOp, "broadcast_sum", lambda a, b: F.mse_loss(a, b, reduction="sum"), x,
             _randn(5)),
        Case(pointwise.L1LossOp, "none", lambda a, b: F.l1_loss(a, b, reduction="none"), x, t),
        Case(pointwise.HuberLossOp, "delta", lambda a, b: F.huber_loss(a, b, delta=0.8), x, t),
        Case(pointwise.HuberLossOp, "smooth_l1", lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), x, t),
        Case(pointwise.KlDivOp, "batchmean", lambda a, b: F.kl_div(a, b, reduction="batchmean"),
             log_probs, probs),
        Case(pointwise.KlDivOp, "zero_target", lambda a, b: F.kl_div(a, b, reduction="sum"), log_probs,
             np.where(probs > 0.3, 0.0, probs)),
        Case(pointwise.KlDivOp, "log_target",
             lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), log_probs, np.log(probs + 0.1)),
        Case(binary.BinaryCrossEntropyOp, "mean", F.binary_cross_entropy, p, bits),
        Case(binary.BinaryCrossEntropyOp, "saturated", F.binary_cross_entropy,
             np.array([0.0, 1e-13, 0.3, 1 - 1e-13, 1.0, 1.0]), np.array([0.0, 1.0, 0.4, 0.0, 1.0, 0.3])),
        Case(binary.BinaryCrossEntropyOp, "weight",
             lambda a, b: F.binary_cross_entropy(a, b, weight=bce_weight, reduction="sum"),
             p, _uniform(0, 1, 4, 5)),
        Case(binary.BinaryCrossEntropyWithLogitsOp, "plain", F.binary_cross_entropy_with_logits,
             np.concatenate([x[:3], [[0.0, 40.0, -40.0, 1e-3, -1e-3]]]), bits),
        Case(binary.BinaryCrossEntropyWithLogitsOp, "weights",
             lambda a, b, c, d: F.binary_cross_entropy_with_logits(a, b, weight=c, pos_weight=d, reduction="none"),
             x, _uniform(0, 1, 4, 5), _uniform(0.5, 2, 4, 5), _uniform(0.5, 3, 5)),
        Case(multiclass.CrossEntropyOp, "ignore_index", F.cross_entropy, logits, classes),
        Case(multiclass.CrossEntropyOp, "weight_smoothing",
             lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.2), logits, classes),
        Case(multiclass.CrossEntropyOp, "spatial_none",
             lambda a, b: F.cross_entropy(a, b, reduction="none", label_smoothing=0.1), _randn(2, 4, 3),
             _ints(4, 2, 3)),
        Case(multiclass.CrossEntropyOp, "unbatched", F.cross_entropy, _randn(4), np.array(2)),
        Case(multiclass.CrossEntropyProbabilitiesOp, "smoothing_weight",
             lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.3), logits, _R.dirichlet(np.ones(4), 6)),
        Case(multiclass.CrossEntropyProbabilitiesOp, "none", lambda a, b: F.cross_entropy(a, b, reduction="none"),
             logits, _R.dirichlet(np.ones(4), 6)),
        Case(multiclass.NllLossOp, "weight", lambda a, b: F.nll_loss(a, b, weight=w), logits, classes),
        Case(multiclass.NllLossOp, "sum", lambda a, b: F.nll_loss(a, b, reduction="sum"), logits, classes),
    ]


def _norm_cases() -> list[Case]:
    x = _randn(4, 6, 5) * 2 + 1
    running = (np.abs(_randn(6)) + 0.5, _randn(6))

    def batch_norm(training: bool) -> Callable:
        def run(t: gg.Tensor, w: gg.Tensor, b: gg.Tensor) -> gg.Tensor:
            mean, var = gg.tensor(running[1]), gg.tensor(running[0])
            return F.batch_norm(t, mean, var, w, b, training=training, momentum=0.3)
        return run

    return [
        Case(normalization.LayerNormOp, "affine", lambda t, w, b: F.layer_norm(t, (6, 5), w, b), x, _randn(6, 5),
             _randn(6, 5)),
        Case(normalization.LayerNormOp, "plain", lambda t: F.layer_norm(t, 5), x),
        Case(normalization.RMSNormOp, "weight", lambda t, w: F.rms_norm(t, (5,), w, eps=1e-6), x, _randn(5)),
        Case(normalization.RMSNormOp, "plain", lambda t: F.rms_norm(t, (6, 5)), x),
        Case(normalization.BatchNormOp, "training", batch_norm(True), x, _randn(6), _randn(6)),
        Case(normalization.BatchNormOp, "eval", batch_norm(False), x, _randn(6), _randn(6)),
        Case(normalization.BatchNormOp, "training_2d_no_affine", lambda t: F.batch_norm(t, None, None, training=True),
             _randn(7, 3)),
        Case(normalization.GroupNormOp, "affine", lambda t, w, b: F.group_norm(t, 3, w, b), x, _randn(6), _randn(6)),
        Case(normalization.GroupNormOp, "plain", lambda t: F.group_norm(t, 2), _randn(2, 4, 3, 3)),
    ]


# NaNs inside max-pool windows: forward and the gradient follow PyTorch (the window's last NaN wins).
_NAN_IMAGE = _randn(2, 3, 6, 6)
_NAN_IMAGE[0, 0, 1, 1] = np.nan
_NAN_IMAGE[0, 0, 2, 3] = np.nan
_NAN_IMAGE[0, 1, 4, 4] = np.nan


def _conv_and_pool_cases() -> list[Case]:
    image = _randn(2, 4, 7, 6)
    ties = np.round(_randn(2, 3, 6, 6))  # many equal maxima: the gradient goes to the first (row-major)
    return [
        Case(conv.ConvolutionOp, "padding_stride", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1),
             image, _randn(5, 4, 3, 3), _randn(5)),
        Case(conv.ConvolutionOp, "groups_dilation", lambda x, w: F.conv2d(x, w, dilation=2, groups=2,
                                                                       padding=(2, 1)), image, _randn(6, 2, 2, 3)),
        Case(conv.ConvolutionOp, "same", lambda x, w: F.conv2d(x, w, padding="same"), image, _randn(3, 4, 2, 2)),
        Case(conv.ConvolutionOp, "conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2), _randn(2, 3, 9),
             _randn(4, 3, 3), _randn(4)),
        Case(conv_transpose.ConvTransposeOp, "stride_output_padding", lambda x, w, b: F.conv_transpose2d(
            x, w, b, stride=2, padding=1, output_padding=1), _randn(2, 4, 3, 4), _randn(4, 3, 3, 3), _randn(3)),
        Case(conv_transpose.ConvTransposeOp, "groups_dilation_1d", lambda x, w: F.conv_transpose1d(
            x, w, stride=2, groups=2, dilation=2), _randn(2, 4, 5), _randn(4, 1, 3)),
        Case(pooling.MaxPoolOp, "2x2", lambda x: F.max_pool2d(x, 2), image),
        Case(pooling.MaxPoolOp, "ties_padding_ceil",
             lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True), ties),
        Case(pooling.MaxPoolOp, "nan", lambda x: F.max_pool2d(x, 3, stride=1, padding=1), _NAN_IMAGE),
        Case(pooling.MaxPoolOp, "dilation_1d", lambda x: F.max_pool1d(x, 2, stride=1, dilation=2), _randn(2, 3, 8)),
        Case(pooling.AvgPoolOp, "padding", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), image),
        Case(pooling.AvgPoolOp, "exclude_pad_ceil",
             lambda x: F.avg_pool2d(x, 2, padding=1, ceil_mode=True, count_include_pad=False), image),
        Case(pooling.AvgPoolOp, "divisor_1d", lambda x: F.avg_pool1d(x, 3, stride=2), _randn(2, 3, 9)),
        Case(pooling.AvgPoolOp, "divisor_override", lambda x: F.avg_pool2d(x, 2, divisor_override=3), image),
        Case(pooling.AdaptiveAvgPoolOp, "overlapping_bins", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), image),
    ]


def _attention_cases() -> list[Case]:
    q, k, v = _randn(2, 3, 5, 4), _randn(2, 3, 6, 4), _randn(2, 3, 6, 7)
    attend = _R.random((5, 6)) > 0.4
    attend[:, 0] = True
    attend_dead = attend.copy()
    attend_dead[2] = False  # a query that sees no key: zeros, as PyTorch
    sdpa = F.scaled_dot_product_attention
    return [
        Case(attention.ScaledDotProductAttentionOp, "plain", sdpa, q, k, v),
        Case(attention.ScaledDotProductAttentionOp, "causal_scale", lambda a, b, c: sdpa(a, b, c, is_causal=True,
                                                                                       scale=0.3), q, k, v),
        Case(attention.ScaledDotProductAttentionOp, "bool_mask_dead_row",
             lambda a, b, c, m: sdpa(a, b, c, attn_mask=m), q, k, v, attend_dead),
        Case(attention.ScaledDotProductAttentionOp, "float_mask_grad",
             lambda a, b, c, m: sdpa(a, b, c, attn_mask=m), q, k, v, _randn(3, 5, 6)),
        Case(attention.ScaledDotProductAttentionOp, "dropout", lambda a, b, c: sdpa(a, b, c, dropout_p=0.3), q, k, v),
        Case(attention.ScaledDotProductAttentionOp, "weights_causal_mask",
             lambda a, b, c, m: attention.attention_with_weights(a, b, c, attn_mask=m, is_causal=True,
                                                                 dropout_p=0.2), q, k, v, attend),
    ]


def _recurrent_cases() -> list[Case]:
    B, I, H = 3, 4, 5

    def layer(mode: str, **options: Any) -> Callable:
        def run(x: gg.Tensor, *params: gg.Tensor) -> Any:
            states = {"lstm": 2, "gru": 1}.get(mode, 1)
            initial = params[len(params) - states:] if options.get("initial") else ()
            weights = params[: len(params) - len(initial)]
            hx = None if not initial else (initial if mode == "lstm" else initial[0])
            function = getattr(recurrent, mode)
            return function(x, hx, weights, options.get("biases", True), 1, 0.0, True,
                            options.get("bidirectional", False), options.get("batch_first", False))
        return run

    def weights(gates: int, biases: bool = True, directions: int = 1) -> list[np.ndarray]:
        per = [_randn(gates * H, I) * 0.5, _randn(gates * H, H) * 0.5]
        per += [_randn(gates * H) * 0.5, _randn(gates * H) * 0.5] if biases else []
        return [w.copy() for _ in range(directions) for w in per]

    x = _randn(6, B, I)
    initial = (_randn(1, B, H), _randn(1, B, H))
    return [
        Case(recurrent.LSTMCellUpdateOp, "cell", lambda x, h, c, *w: F.lstm_cell(x, (h, c), *w),
             _randn(B, I), _randn(B, H), _randn(B, H), _randn(4 * H, I), _randn(4 * H, H), _randn(4 * H),
             _randn(4 * H)),
        Case(recurrent.GRUCellUpdateOp, "cell", lambda x, h, *w: F.gru_cell(x, h, *w), _randn(B, I),
             _randn(B, H), _randn(3 * H, I), _randn(3 * H, H), _randn(3 * H), _randn(3 * H)),
        Case(recurrent_fused.LSTMLayerOp, "initial", layer("lstm", initial=True), x, *weights(4), *initial),
        Case(recurrent_fused.LSTMLayerOp, "bidirectional_batch_first_no_bias",
             layer("lstm", biases=False, bidirectional=True, batch_first=True), _randn(B, 6, I), *weights(4, False, 2)),
        Case(recurrent_fused.GRULayerOp, "initial", layer("gru", initial=True), x, *weights(3), initial[0]),
        Case(recurrent_fused.GRULayerOp, "bidirectional", layer("gru", bidirectional=True), x,
             *weights(3, True, 2)),
        Case(recurrent_fused.RNNLayerOp, "tanh_initial", layer("rnn_tanh", initial=True), x, *weights(1),
             initial[0]),
        Case(recurrent_fused.RNNLayerOp, "relu_batch_first_no_bias", layer("rnn_relu", biases=False, batch_first=True),
             _randn(B, 6, I), *weights(1, False)),
    ]


CASES = (_activation_cases() + _embedding_and_padding_cases() + _loss_cases() + _norm_cases()
         + _conv_and_pool_cases() + _attention_cases() + _recurrent_cases())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reference_matches_fused_op(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    fused_outputs, fused_grads = _run(case, False, monkeypatch)
    reference_outputs, reference_grads = _run(case, True, monkeypatch)
    assert len(fused_outputs) == len(reference_outputs)
    for fused, reference in zip(fused_outputs, reference_outputs):
        assert fused.shape == reference.shape
        np.testing.assert_allclose(reference, fused, rtol=1e-10, atol=1e-12)
    assert any(g is not None for g in fused_grads)
    for fused, reference in zip(fused_grads, reference_grads):
        if fused is None:
            assert reference is None or not reference.any()
            continue
        np.testing.assert_allclose(reference, fused, rtol=1e-9, atol=1e-11)


# ---- second derivatives -----------------------------------------------------------------------------------------

# Cases where central differences of the first derivative do not exist.
_NO_FINITE_DIFFERENCES = {
    "MaxPoolOp-ties_padding_ceil": "ties in a max: the first derivative jumps under any perturbation",
    "BinaryCrossEntropyOp-saturated": "probabilities 0 and 1: a step would leave [0, 1]",
    "KlDivOp-zero_target": "t·log t at t = 0: its derivative log t + 1 has no finite difference",
}


def _projected_gradient(case: Case, arrays: list, create_graph: bool) -> tuple[list, Any]:
    """(the float input tensors, Σ_k ⟨dL/dx_k, v_k⟩) for L = Σ ⟨upstream, outputs⟩ of case.fn at `arrays`."""
    tensors = [gg.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    gg.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = case.fn(*tensors)
    outputs = [o for o in (result if isinstance(result, (tuple, list)) else (result,))
               if isinstance(o, gg.Tensor) and o.requires_grad]
    upstream = [gg.tensor(_RNG(len(o.shape)).standard_normal(o.shape)) for o in outputs]
    leaves = [t for t in tensors if t.requires_grad]
    grads = gg.autograd.grad(outputs, leaves, upstream, create_graph=create_graph, allow_unused=True)
    projections = [_RNG(100 + k).standard_normal(t.shape) for k, t in enumerate(leaves)]
    total = sum((g * gg.tensor(v)).sum() for g, v in zip(grads, projections) if g is not None)
    return leaves, total


@needs_create_graph
@pytest.mark.parametrize("case", [c for c in CASES if c.id not in _NO_FINITE_DIFFERENCES],
                         ids=[c.id for c in CASES if c.id not in _NO_FINITE_DIFFERENCES])
def test_second_derivative_through_the_reference_matches_finite_differences(case: Case) -> None:
    """d/dε of ⟨∇L, v⟩ along a direction u: the double backward (through the reference) against central
    differences of the fused first-order gradient."""
    directions = [_RNG(200 + k).standard_normal(a.shape) if a.dtype.kind == "f" else None
                  for k, a in enumerate(case.arrays)]
    leaves, total = _projected_gradient(case, list(case.arrays), create_graph=True)
    analytic = 0.0  # an op linear in its inputs: its gradient has no graph, its second derivative is 0
    if total.requires_grad:
        second = gg.autograd.grad(total, leaves, allow_unused=True)
        float_directions = [u for u in directions if u is not None]
        analytic = sum(float((g.numpy() * u).sum()) for g, u in zip(second, float_directions) if g is not None)

    def shifted(step: float) -> float:
        arrays = [a if u is None else a + step * u for a, u in zip(case.arrays, directions)]
        return _projected_gradient(case, arrays, create_graph=False)[1].item()

    step = 1e-6
    measured = (shifted(step) - shifted(-step)) / (2 * step)
    np.testing.assert_allclose(analytic, measured, rtol=1e-5, atol=1e-6)


# ---- coverage ---------------------------------------------------------------------------------------------------


def _fused_ops() -> list[type]:
    """Every Op subclass defined in glassgrad.functional and glassgrad.nn.

    A tensor-level `Function` (e.g. activation.NormalCdfOp) is left out: its backward is written with tensor
    ops, which create_graph=True records directly, so it needs no reference.
    """
    found = []
    for package in (F, nn):
        names = [package.__name__] + [info.name for info in pkgutil.walk_packages(package.__path__,
                                                                                   package.__name__ + ".")]
        for name in names:
            module = importlib.import_module(name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, Op) and not issubclass(value, Function) and value.__module__ == name:
                    found.append(value)
    return found


def test_every_fused_op_has_a_reference_and_a_case() -> None:
    ops = _fused_ops()
    assert len(ops) >= 35  # the walk finds the fused ops (35 when this test was written)
    # The module-hook identities (nn/_backward_hooks.py) instead run their own backward on tensors
    # (`tensor_backward`), so that hooks fire in a double backward too, as in PyTorch; that is tested in
    # tests/autograd/test_double_backward_models.py.
    on_tensors = [op for op in ops if op.__dict__.get("tensor_backward")]
    assert {op.__name__ for op in on_tensors} == {"HookInputsOp", "HookOutputsOp"}
    fused = [op for op in ops if op not in on_tensors]
    without_reference = [op.__name__ for op in fused if "reference" not in op.__dict__]
    assert not without_reference, f"fused ops without a `reference` (create_graph=True needs one): {without_reference}"
    tested = {case.op for case in CASES}
    untested = [op.__name__ for op in fused if op not in tested]
    assert not untested, f"fused ops without a case in tests/functional/test_reference.py: {untested}"


# ---- in-place activations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["silu", "elu"])
def test_reference_refuses_an_input_overwritten_in_place(name: str) -> None:
    x = gg.tensor(_randn(3, 4), requires_grad=True) * 1  # a non-leaf: in-place writes are allowed
    y = getattr(F, name)(x, inplace=True)
    node = y.grad_fn
    with pytest.raises(RuntimeError, match=rf"{name}\(inplace=True\): create_graph=True .* inplace=False"):
        node.op.reference(node, *node.inputs)


def test_leaky_relu_reference_keeps_its_gradient_after_an_in_place_write() -> None:
    # With a positive slope y has x's sign, so the overwritten input still selects the right slope.
    leaf = gg.tensor(_randn(3, 4), requires_grad=True)
    y = F.leaky_relu(leaf * 1, 0.2, inplace=True)
    node = y.grad_fn
    upstream = gg.tensor(_randn(3, 4))
    (fused,) = gg.autograd.grad(y, leaf, upstream, retain_graph=True)
    (reference,) = gg.autograd.grad(node.op.reference(node, *node.inputs), leaf, upstream)
    np.testing.assert_allclose(reference.numpy(), fused.numpy(), rtol=1e-12)
    expected = np.where(leaf.detach().numpy() > 0, 1.0, 0.2) * upstream.numpy()
    np.testing.assert_allclose(fused.numpy(), expected, rtol=1e-12)
