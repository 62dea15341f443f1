"""glassgrad.viz.summary: numbers against hand counts, the model left as it was, and the error case."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.models import GPT, MLP, CharRNN, ConvNet
from glassgrad.models.gpt import GPTConfig
from glassgrad.viz import summary


def rows_by_name(result):
    return {row.name: row for row in result.rows}


def test_mlp_counts_against_hand():
    model = MLP(8, [16], 4)
    result = summary(model, input_size=(2, 8))
    rows = rows_by_name(result)
    assert rows["layers.0"].num_params == 8 * 16 + 16
    assert rows["layers.2"].num_params == 16 * 4 + 4
    assert rows["layers.0"].mult_adds == 8 * 16 * 2  # in*out per sample, times the batch
    assert rows["layers.2"].mult_adds == 16 * 4 * 2
    assert rows["layers.1"].mult_adds == 0
    assert rows["layers.0"].output_shape == [2, 16]
    assert rows["layers.0"].index == "2-1"
    assert result.total_params == 212
    assert result.trainable_params == 212
    assert result.non_trainable_params == 0
    assert result.total_mult_adds == 384
    assert result.input_bytes == 2 * 8 * 4
    assert result.forward_bytes == 4 * (2 * 4 + 2 * 16 + 2 * 16 + 2 * 4)  # Sequential, Linear, ReLU, Linear
    assert result.params_bytes == 212 * 4
    text = str(result)
    assert "Linear: 2-1" in text and "Total params: 212" in text and "Total mult-adds: 384" in text


def test_convnet_counts_against_hand():
    model = ConvNet(1, 10, channels=(4, 8), hidden=16, image_size=8)
    result = summary(model, input_size=(2, 1, 8, 8))
    rows = rows_by_name(result)
    conv1, conv2 = rows["features.0"], rows["features.3"]
    assert (conv1.num_params, conv1.mult_adds, conv1.output_shape) == (40, 36 * 8 * 8 * 2, [2, 4, 8, 8])
    assert (conv2.num_params, conv2.mult_adds, conv2.output_shape) == (296, 288 * 4 * 4 * 2, [2, 8, 4, 4])
    assert rows["classifier.1"].mult_adds == 32 * 16 * 2
    assert rows["classifier.3"].mult_adds == 16 * 10 * 2
    assert result.total_params == 40 + 296 + 528 + 170 == sum(p.numel() for p in model.parameters())
    assert result.total_mult_adds == 4608 + 9216 + 1024 + 320


def test_lstm_counts_against_hand():
    model = nn.LSTM(3, 5, batch_first=True)
    result = summary(model, input_size=(2, 7, 3))
    row = result.rows[0]
    assert row.num_params == 4 * 5 * 3 + 4 * 5 * 5 + 2 * 4 * 5 == result.total_params
    assert row.mult_adds == (4 * 5 * 3 + 4 * 5 * 5) * 2 * 7
    assert row.output_shape == [2, 7, 5]


def test_multihead_attention_counts_against_hand():
    model = nn.MultiheadAttention(8, 2, batch_first=True)
    x = gg.randn(2, 5, 8)
    result = summary(model, input=(x, x, x))
    rows = rows_by_name(result)
    tokens = 2 * 5
    assert rows[""].mult_adds == 3 * 64 * tokens + 2 * tokens * 5 * 8  # Q, K, V projections; Q Kᵀ and A V
    assert rows["out_proj"].mult_adds == 64 * tokens
    assert result.total_params == 4 * (64 + 8)


def test_char_rnn_gets_int_ids():
    model = CharRNN(vocab_size=11, embedding_dim=6, hidden_size=8)
    result = summary(model, input_size=(2, 5))
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert result.input_bytes == 2 * 5 * 8  # int64 ids for a model that starts with an Embedding


def test_gpt_totals_count_a_tied_weight_once():
    model = GPT(GPTConfig(block_size=8, vocab_size=16, n_layer=2, n_head=2, n_embd=8))
    result = summary(model, input=gg.zeros(2, 8, dtype=gg.int64))
    params = list(model.parameters())
    assert result.total_params == sum(p.numel() for p in params)
    assert result.trainable_params == sum(p.numel() for p in params if p.requires_grad)
    assert sum(row.num_params for row in result.rows) == result.total_params
    assert result.total_mult_adds > 0


def test_frozen_parameters_are_non_trainable():
    model = MLP(4, [3], 2)
    model.layers[0].weight.requires_grad_(False)
    result = summary(model, input_size=(1, 4))
    assert result.non_trainable_params == 12
    assert rows_by_name(result)["layers.0"].trainable is False


def test_model_left_unchanged():
    model = MLP(8, [16], 4, dropout=0.5)
    model.eval()
    model.layers.train()  # a mixed mode, to see that each module's own flag comes back
    before = {k: np.array(v.numpy()) for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    summary(model, input_size=(3, 8))
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k].numpy()) for k in before)
    assert [m.training for m in model.modules()] == modes
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_batch_norm_statistics_and_training_mode_untouched():
    model = ConvNet(1, 10, channels=(4,), hidden=8, image_size=4, batch_norm=True, dropout=0.5)
    before = {k: np.array(v.numpy()) for k, v in model.state_dict().items()}
    summary(model, input_size=(3, 1, 4, 4))
    after = model.state_dict()
    assert any("running_mean" in k for k in before)
    assert all(np.array_equal(before[k], after[k].numpy()) for k in before)
    assert all(m.training for m in model.modules())


def test_input_that_does_not_fit_names_the_layer():
    model = MLP(8, [16], 4)
    with pytest.raises(ValueError, match=r"layers\.0 \(Linear\).*\(2, 5\)") as caught:
        summary(model, input_size=(2, 5))
    assert caught.value.__cause__ is not None
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(15, 4))
    with pytest.raises(ValueError, match=r"2 \(Linear\).*\(2, 16\)"):
        summary(model, input_size=(2, 8))


class ReshapesAfterItsChild(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(4, 6)

    def forward(self, x):
        return self.inner(x).reshape(5, 5)  # fails in the parent, after its child returned


def test_error_after_a_child_returned_names_the_parent():
    with pytest.raises(ValueError, match=r"the model \(ReshapesAfterItsChild\).*\(2, 4\)"):
        summary(ReshapesAfterItsChild(), input_size=(2, 4))


def test_no_input_is_an_error():
    with pytest.raises(ValueError, match="input_size"):
        summary(MLP(2, [2], 2))
