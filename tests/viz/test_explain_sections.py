"""The explain page's section builders on small models: the numbers they draw are the model's own."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.functional.attention import ScaledDotProductAttentionOp
from glassgrad.models import GPT, CharRNN, ConvNet
from glassgrad.models.gpt import GPTConfig
from glassgrad.viz.explain_attention import attention_section, capture_attention
from glassgrad.viz.explain_classes import classes_section, confused_pairs
from glassgrad.viz.explain_conv import capture_conv, conv_section, filter_images
from glassgrad.viz.explain_lstm import capture_lstm, lstm_gates, lstm_section
from glassgrad.viz.explain_page import findings_section
from glassgrad.viz.explain_training import activation_section, heatmap_data


def record(step, layers):
    return {"step": step, "loss": 1.0, "loss_finite": True, "params": {}, "layers": layers}


def test_heatmap_columns_are_the_records_histograms_when_they_share_edges():
    edges = [0.0, 1.0, 2.0, 3.0]
    history = [record(s, {"relu": {"kind": "ReLU", "hist": {"counts": c, "edges": edges}}})
               for s, c in ((1, [5, 0, 1]), (11, [2, 3, 4]))]
    counts, grid, steps = heatmap_data(history, "relu")
    np.testing.assert_array_equal(counts, [[5, 2], [0, 3], [1, 4]])
    np.testing.assert_array_equal(grid, edges)
    assert steps == [1, 11]


def test_heatmap_regrids_different_edges_keeping_every_count():
    history = [record(1, {"t": {"hist": {"counts": [4, 6], "edges": [-1.0, 0.0, 1.0]}}}),
               record(2, {"t": {"hist": {"counts": [7, 3], "edges": [0.0, 1.0, 2.0]}}})]
    counts, grid, _ = heatmap_data(history, "t", bins=3)
    np.testing.assert_allclose(grid, [-1, 0, 1, 2])
    np.testing.assert_array_equal(counts, [[4, 0], [6, 7], [0, 3]])
    half = heatmap_data(history, "t", bins=6)[0]  # a bin split in two gives each half its share
    np.testing.assert_allclose(half[:, 0], [2, 2, 3, 3, 0, 0])
    np.testing.assert_allclose(half.sum(axis=0), [10, 10])
    section = activation_section(history)
    assert section.html.startswith('<img src="data:image/png;base64,')


def tiny_gpt():
    gg.manual_seed(0)
    return GPT(GPTConfig(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=8)).eval()


def test_gpt_attention_weights_times_values_are_the_models_attention_output():
    model = tiny_gpt()
    ids = gg.tensor(np.array([[1, 2, 3, 4, 5, 6]]))
    original = ScaledDotProductAttentionOp.__dict__["forward"]
    with gg.no_grad(), capture_attention(model) as captured:
        model(ids)
    assert ScaledDotProductAttentionOp.__dict__["forward"] is original  # the op is restored
    assert [c["module"] for c in captured] == ["transformer.h.0.attn", "transformer.h.1.attn"]
    for c in captured:
        weights = c["weights"]
        assert weights.shape == (1, 2, 6, 6)
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)
        assert np.all(np.triu(weights[0, 0], k=1) == 0)  # causal: no weight on future positions
        np.testing.assert_allclose(weights @ c["value"], c["output"], atol=1e-5)
    assert attention_section(captured, tokens=list("abcdef")).html.count("<img") == 1


def test_multihead_attention_weights_match_the_weights_it_returns():
    gg.manual_seed(1)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    x = gg.randn(1, 5, 8)
    with gg.no_grad(), capture_attention(mha) as captured:
        _, returned = mha(x, x, x, need_weights=True, average_attn_weights=False)
    (c,) = captured
    assert c["module"] == ""  # the model itself ran the attention
    np.testing.assert_allclose(c["weights"], returned.numpy(), atol=1e-5)
    np.testing.assert_allclose(c["weights"] @ c["value"], c["output"], atol=1e-5)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_recomputed_lstm_h_is_the_layers_output(num_layers):
    gg.manual_seed(2)
    model = CharRNN(vocab_size=11, embedding_dim=6, hidden_size=8, num_layers=num_layers, cell="lstm").eval()
    ids = gg.tensor(np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]))
    with gg.no_grad():
        capture = capture_lstm(model, lambda: model(ids))
    layers, h = lstm_gates(capture["module"], capture["input"], capture["hx"])
    np.testing.assert_allclose(h.transpose(1, 0, 2), capture["output"], atol=1e-5)  # batch_first output
    assert len(layers) == num_layers
    assert np.all((layers[0]["f"] > 0) & (layers[0]["f"] < 1)) and np.all(np.abs(layers[0]["g"]) < 1)
    section = lstm_section(capture, tokens=list("abcde"))
    assert "matches the layer&#x27;s own output within" in section.html and section.html.count("<img") == 1
    assert not model.rnn._forward_hooks


def test_conv_capture_is_the_first_conv_and_its_output():
    gg.manual_seed(3)
    model = ConvNet(1, 10, channels=(4, 8), hidden=16, image_size=8).eval()
    x = gg.randn(2, 1, 8, 8)
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with gg.no_grad():
        capture = capture_conv(model, lambda: model(x))
        expected = conv(x[:1]).numpy()
    np.testing.assert_allclose(capture["output"], expected, atol=1e-6)
    assert capture["weight"].shape == (4, 1, 3, 3)
    pictures = filter_images(capture["weight"])
    assert pictures.shape == (4, 3, 3) and np.allclose(pictures.min(axis=(1, 2)), 0) and np.allclose(
        pictures.max(axis=(1, 2)), 1)
    assert conv_section(capture).html.count("<img") == 2


def test_confused_pairs_by_hand():
    targets = np.array([0, 0, 1, 1, 1, 2, 2, 2])
    predictions = np.array([0, 1, 2, 2, 1, 1, 0, 2])
    assert confused_pairs(predictions, targets) == [(1, 2, 2), (0, 1, 1), (2, 0, 1), (2, 1, 1)]
    html = classes_section(predictions, targets, ["zero", "one", "two"]).html
    assert "accuracy 37.50%" in html and "<td>one</td><td>two</td><td>2</td>" in html


def test_findings_list_has_each_message_and_says_what_is_missing():
    finding = {"kind": "dead_units", "where": "layers.1", "steps": [10, 20], "severity": "warning",
               "message": "70% of the units of layers.1 never fire"}
    html = findings_section([finding]).html
    assert '<ul id="findings">' in html and "70% of the units of layers.1 never fire" in html
    assert "dead_units" in html and "steps 10–20" in html
    assert "health ok" in findings_section([]).html
    assert "findings.json is missing" in findings_section(None, "RUN/findings.json is missing").html
