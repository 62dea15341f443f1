"""Empty tensors through every layer, forward and backward, against PyTorch 2.13.

Each case builds the same layer (or function) in glassgrad and in PyTorch, feeds inputs with a zero-size batch
(or another zero-size dimension), and compares the outputs (shape, dtype, values: a mean over nothing is NaN),
then backpropagates the sum of the outputs and compares the input gradients and every parameter's gradient
(zeros of the parameter's shape, or None where PyTorch leaves it None). Where PyTorch raises (BatchNorm in
training mode with no values per channel, max of an empty dimension), glassgrad must raise the same kind of
error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.kernels import _numba

torch = pytest.importorskip("torch")


@dataclass
class Case:
    """build(lib) → a callable (a layer or a function); inputs: per input, a shape, or (shape, "long", high)."""

    build: Callable[[Any], Callable]
    inputs: list
    train: bool = True
    kwargs: dict = field(default_factory=dict)


def float_input(*shape):
    return shape


def long_input(shape, high):
    return (shape, "long", high)


LOSS_REDUCTIONS = ("mean", "sum", "none")

CASES: dict[str, Case] = {
    "linear": Case(lambda lib: lib.nn.Linear(4, 3), [(0, 4)]),
    "linear_inner_empty": Case(lambda lib: lib.nn.Linear(4, 3), [(2, 0, 4)]),
    "linear_no_bias": Case(lambda lib: lib.nn.Linear(4, 3, bias=False), [(0, 4)]),
    "conv1d": Case(lambda lib: lib.nn.Conv1d(3, 8, 3), [(0, 3, 10)]),
    "conv1d_padded": Case(lambda lib: lib.nn.Conv1d(3, 8, 3, padding=1, stride=2), [(0, 3, 10)]),
    "conv2d": Case(lambda lib: lib.nn.Conv2d(3, 8, 3), [(0, 3, 8, 8)]),
    "conv2d_padded": Case(lambda lib: lib.nn.Conv2d(3, 8, 3, padding=1), [(0, 3, 8, 8)]),
    "conv2d_groups": Case(lambda lib: lib.nn.Conv2d(4, 8, 3, groups=2), [(0, 4, 5, 5)]),
    "max_pool2d": Case(lambda lib: lib.nn.MaxPool2d(2), [(0, 3, 8, 8)]),
    "max_pool2d_3x3": Case(lambda lib: lib.nn.MaxPool2d(3, 2, 1), [(0, 3, 8, 8)]),
    "max_pool1d": Case(lambda lib: lib.nn.MaxPool1d(2), [(0, 3, 8)]),
    "avg_pool2d": Case(lambda lib: lib.nn.AvgPool2d(2), [(0, 3, 8, 8)]),
    "avg_pool1d": Case(lambda lib: lib.nn.AvgPool1d(2), [(0, 3, 8)]),
    "adaptive_avg_pool2d": Case(lambda lib: lib.nn.AdaptiveAvgPool2d(1), [(0, 3, 8, 8)]),
    "adaptive_avg_pool2d_3": Case(lambda lib: lib.nn.AdaptiveAvgPool2d((3, 2)), [(0, 3, 8, 8)]),
    "batch_norm1d_train": Case(lambda lib: lib.nn.BatchNorm1d(3), [(0, 3)]),
    "batch_norm1d_eval": Case(lambda lib: lib.nn.BatchNorm1d(3), [(0, 3)], train=False),
    "batch_norm1d_3d_eval": Case(lambda lib: lib.nn.BatchNorm1d(3), [(0, 3, 5)], train=False),
    "batch_norm2d_train": Case(lambda lib: lib.nn.BatchNorm2d(3), [(0, 3, 4, 4)]),
    "batch_norm2d_eval": Case(lambda lib: lib.nn.BatchNorm2d(3), [(0, 3, 4, 4)], train=False),
    "batch_norm2d_empty_plane_train": Case(lambda lib: lib.nn.BatchNorm2d(3), [(2, 3, 0, 4)]),
    "batch_norm2d_no_affine_eval": Case(lambda lib: lib.nn.BatchNorm2d(3, affine=False), [(0, 3, 4, 4)],
                                        train=False),
    "layer_norm": Case(lambda lib: lib.nn.LayerNorm(4), [(0, 4)]),
    "layer_norm_3d": Case(lambda lib: lib.nn.LayerNorm(4), [(2, 0, 4)]),
    "group_norm": Case(lambda lib: lib.nn.GroupNorm(2, 4), [(0, 4, 3)]),
    "embedding": Case(lambda lib: lib.nn.Embedding(10, 4), [long_input((0,), 10)]),
    "embedding_2d": Case(lambda lib: lib.nn.Embedding(10, 4), [long_input((2, 0), 10)]),
    "rnn": Case(lambda lib: lib.nn.RNN(4, 5), [(3, 0, 4)]),
    "rnn_relu_batch_first": Case(lambda lib: lib.nn.RNN(4, 5, nonlinearity="relu", batch_first=True),
                                 [(0, 3, 4)]),
    "lstm": Case(lambda lib: lib.nn.LSTM(4, 5), [(3, 0, 4)]),
    "lstm_two_layers_batch_first": Case(lambda lib: lib.nn.LSTM(4, 5, num_layers=2, batch_first=True),
                                        [(0, 3, 4)]),
    "lstm_bidirectional": Case(lambda lib: lib.nn.LSTM(4, 5, bidirectional=True), [(3, 0, 4)]),
    "gru": Case(lambda lib: lib.nn.GRU(4, 5), [(3, 0, 4)]),
    "gru_batch_first": Case(lambda lib: lib.nn.GRU(4, 5, batch_first=True), [(0, 3, 4)]),
    "multihead_attention": Case(lambda lib: _self_attention(lib.nn.MultiheadAttention(8, 2)), [(3, 0, 8)]),
    "multihead_attention_batch_first": Case(
        lambda lib: _self_attention(lib.nn.MultiheadAttention(8, 2, batch_first=True)), [(0, 3, 8)]),
    "transformer_encoder_layer": Case(lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                                      [(3, 0, 8)]),
    "transformer_encoder_layer_batch_first": Case(
        lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), [(0, 3, 8)]),
    "transformer_encoder": Case(
        lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                              enable_nested_tensor=False), [(3, 0, 8)]),
    "attention_key_padding_mask": Case(lambda lib: _masked_attention(lib, lib.nn.MultiheadAttention(8, 2)),
                                       [(3, 0, 8)]),
    "scaled_dot_product_attention": Case(
        lambda lib: lambda q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        [(0, 2, 3, 4), (0, 2, 3, 4), (0, 2, 3, 4)]),
    "lstm_no_steps": Case(lambda lib: lib.nn.LSTM(4, 5), [(0, 2, 4)]),
    "gru_no_steps_batch_first": Case(lambda lib: lib.nn.GRU(4, 5, batch_first=True), [(2, 0, 4)]),
    "lstm_cell": Case(lambda lib: lib.nn.LSTMCell(4, 5), [(0, 4)]),
    "gru_cell": Case(lambda lib: lib.nn.GRUCell(4, 5), [(0, 4)]),
    "rnn_cell": Case(lambda lib: lib.nn.RNNCell(4, 5), [(0, 4)]),
    "embedding_padding_idx": Case(lambda lib: lib.nn.Embedding(10, 4, padding_idx=0), [long_input((0, 3), 10)]),
    "embedding_scale_grad_by_freq": Case(lambda lib: lib.nn.Embedding(10, 4, scale_grad_by_freq=True),
                                         [long_input((0,), 10)]),
    "rms_norm": Case(lambda lib: lib.nn.RMSNorm(4), [(0, 4)]),
    "layer_norm_no_affine": Case(lambda lib: lib.nn.LayerNorm(4, elementwise_affine=False), [(0, 4)]),
    "batch_norm2d_momentum_none_train": Case(lambda lib: lib.nn.BatchNorm2d(3, momentum=None), [(0, 3, 4, 4)]),
    "batch_norm2d_one_value_train": Case(lambda lib: lib.nn.BatchNorm2d(3), [(1, 3, 1, 1)]),
    "batch_norm1d_untracked_eval": Case(lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False), [(0, 3)],
                                        train=False),
    "max_pool2d_ceil": Case(lambda lib: lib.nn.MaxPool2d(3, 2, ceil_mode=True), [(0, 3, 8, 8)]),
    "avg_pool2d_padded_no_pad_count": Case(lambda lib: lib.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                                           [(0, 3, 8, 8)]),
    "conv2d_unbatched_no_channels_out": Case(lambda lib: lib.nn.Conv2d(3, 8, 3), [(3, 0, 5)]),
    "dropout": Case(lambda lib: lib.nn.Dropout(0.5), [(0, 4)]),
    "flatten": Case(lambda lib: lib.nn.Flatten(), [(0, 3, 4)]),
    "relu": Case(lambda lib: lib.nn.ReLU(), [(0, 4)]),
    "gelu": Case(lambda lib: lib.nn.GELU(), [(0, 4)]),
    "softmax": Case(lambda lib: lib.nn.Softmax(dim=1), [(0, 4)]),
    "softmax_over_empty": Case(lambda lib: lib.nn.Softmax(dim=1), [(4, 0)]),
    "log_softmax": Case(lambda lib: lib.nn.LogSoftmax(dim=1), [(0, 4)]),
    "log_softmax_over_empty": Case(lambda lib: lib.nn.LogSoftmax(dim=1), [(4, 0)]),
}
for _reduction in LOSS_REDUCTIONS:
    CASES.update({
        f"cross_entropy_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.CrossEntropyLoss(reduction=r),
                                            [(0, 5), long_input((0,), 5)]),
        f"cross_entropy_2d_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.CrossEntropyLoss(reduction=r),
                                               [(0, 5, 2, 2), long_input((0, 2, 2), 5)]),
        f"nll_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.NLLLoss(reduction=r),
                                  [(0, 5), long_input((0,), 5)]),
        f"mse_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.MSELoss(reduction=r), [(0, 3), (0, 3)]),
        f"l1_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.L1Loss(reduction=r), [(0, 3), (0, 3)]),
        f"huber_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.HuberLoss(reduction=r), [(0, 3), (0, 3)]),
        f"smooth_l1_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.SmoothL1Loss(reduction=r),
                                        [(0, 3), (0, 3)]),
        f"bce_{_reduction}": Case(lambda lib, r=_reduction: _on_probabilities(lib.nn.BCELoss(reduction=r)),
                                  [(0, 3), (0, 3)]),
        f"bce_with_logits_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.BCEWithLogitsLoss(reduction=r),
                                              [(0, 3), (0, 3)]),
        f"kl_div_{_reduction}": Case(lambda lib, r=_reduction: lib.nn.KLDivLoss(reduction=r), [(0, 3), (0, 3)]),
    })
CASES.update({
    "kl_div_batchmean": Case(lambda lib: lib.nn.KLDivLoss(reduction="batchmean"), [(0, 3), (0, 3)]),
    "cross_entropy_weighted_smoothed": Case(
        lambda lib: lib.nn.CrossEntropyLoss(weight=lib.ones(5), label_smoothing=0.1), [(0, 5), long_input((0,), 5)]),
    "cross_entropy_probabilities": Case(lambda lib: lib.nn.CrossEntropyLoss(), [(0, 5), (0, 5)]),
    "nll_weighted": Case(lambda lib: lib.nn.NLLLoss(weight=lib.ones(5)), [(0, 5), long_input((0,), 5)]),
    "bce_with_logits_pos_weight": Case(lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(3)),
                                       [(0, 3), (0, 3)]),
})

REDUCTIONS = {  # name: (function of one tensor, input shape)
    "sum_all": (lambda x: x.sum(), (0, 3)),
    "sum_empty_dim": (lambda x: x.sum(0), (0, 3)),
    "sum_other_dim": (lambda x: x.sum(1), (0, 3)),
    "mean_all": (lambda x: x.mean(), (0, 3)),
    "mean_empty_dim": (lambda x: x.mean(0), (0, 3)),
    "mean_other_dim": (lambda x: x.mean(1), (0, 3)),
    "max_all": (lambda x: x.max(), (0, 3)),
    "max_empty_dim": (lambda x: x.max(0)[0], (0, 3)),
    "max_other_dim": (lambda x: x.max(1)[0], (0, 3)),
    "min_other_dim": (lambda x: x.min(1)[0], (0, 3)),
    "argmax_all": (lambda x: x.argmax(), (0, 3)),
    "argmax_empty_dim": (lambda x: x.argmax(0), (0, 3)),
    "argmax_other_dim": (lambda x: x.argmax(1), (0, 3)),
    "var_all": (lambda x: x.var(), (0, 3)),
    "softmax_fn": (lambda x: x.softmax(1), (0, 3)),
    "matmul": (lambda x: x @ x.T, (0, 3)),
    "matmul_inner_empty": (lambda x: x.T @ x, (0, 3)),
}


def _self_attention(attention):
    def run(x):
        return attention(x, x, x)

    run.module = attention
    return run


def _masked_attention(lib, attention):
    def run(x):  # x: (L, N, E); the mask (N, L) hides nothing
        return attention(x, x, x, key_padding_mask=lib.zeros((x.shape[1], x.shape[0]), dtype=lib.bool))

    run.module = attention
    return run


def _on_probabilities(loss):
    def run(input, target):  # noqa: A002 - PyTorch's name
        return loss(input.sigmoid(), target.sigmoid())

    run.module = loss
    return run


def make_inputs(lib, specs):
    tensors = []
    for spec in specs:
        if len(spec) == 3 and spec[1] == "long":
            tensors.append(lib.zeros(spec[0], dtype=lib.int64))
        else:
            tensors.append(lib.zeros(spec, requires_grad=True))
    return tensors


def outputs_of(result):
    """The float tensors a layer returned (RNNs and attention return tuples, LSTM a nested one)."""
    if isinstance(result, (tuple, list)):
        return [tensor for item in result for tensor in outputs_of(item)]
    if result is None or not result.is_floating_point():
        return []
    return [result]


def run(lib, case):
    layer = case.build(lib)
    module = getattr(layer, "module", layer)
    if hasattr(module, "train"):
        module.train(case.train)
    inputs = make_inputs(lib, case.inputs)
    results = outputs_of(layer(*inputs))
    total = sum(result.sum() for result in results)
    total.backward()
    grads = [tensor.grad for tensor in inputs if tensor.is_floating_point()]
    buffers = []
    if hasattr(module, "named_parameters"):
        grads += [parameter.grad for _, parameter in module.named_parameters()]
        buffers = [buffer for _, buffer in module.named_buffers()]  # BatchNorm: running stats left as they were
    return results, grads, buffers


def as_numpy(value):
    return None if value is None else np.asarray(value.detach().numpy())  # 0-d arrays too


def assert_matches_torch(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a, b = as_numpy(a), as_numpy(b)
        assert (a is None) == (b is None)
        if a is not None:
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)  # NaN where PyTorch's mean over nothing is NaN


def outcome(compute):
    """compute()'s result, or the kind of error it raised (ValueError, RuntimeError or IndexError)."""
    try:
        return compute(), None
    except (ValueError, RuntimeError, IndexError) as error:
        return None, next(kind for kind in (IndexError, ValueError, RuntimeError) if isinstance(error, kind))


def assert_raises_like_torch(expected_error, error, result):
    """Where PyTorch raises, glassgrad raises too: IndexError where PyTorch's is (an empty dim to reduce), else
    ValueError or RuntimeError (glassgrad's user errors are ValueErrors where PyTorch's C++ checks raise
    RuntimeError, e.g. for a sequence of length 0)."""
    assert error is not None, f"PyTorch raises {expected_error.__name__}, glassgrad returned {result}"
    assert (error is IndexError) == (expected_error is IndexError), f"{error.__name__}, PyTorch {expected_error}"


@pytest.mark.parametrize("kernels", [True, False], ids=["kernels", "numpy"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_on_an_empty_batch_matches_torch(monkeypatch, name, kernels) -> None:
    case = CASES[name]
    monkeypatch.setattr(_numba, "ENABLED", kernels and _numba.ENABLED)
    expected, expected_error = outcome(lambda: run(torch, case))
    result, error = outcome(lambda: run(gg, case))
    if expected_error is not None:
        assert_raises_like_torch(expected_error, error, result)
        return
    assert error is None
    for ours, theirs in zip(result, expected):
        assert_matches_torch(ours, theirs)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_of_an_empty_tensor_matches_torch(name) -> None:
    fn, shape = REDUCTIONS[name]

    def compute(lib):
        x = lib.zeros(shape, requires_grad=True)
        y = fn(x)
        if y.is_floating_point():
            y.sum().backward()
        return [y], [x.grad]

    expected, expected_error = outcome(lambda: compute(torch))
    result, error = outcome(lambda: compute(gg))
    if expected_error is not None:
        assert_raises_like_torch(expected_error, error, result)
        return
    assert error is None
    for ours, theirs in zip(result, expected):
        assert_matches_torch(ours, theirs)
