"""Every model in glassgrad.models exports to ONNX and ONNX Runtime reproduces glassgrad's outputs (issue 20)."""

from __future__ import annotations

import pytest

import glassgrad as gg
from glassgrad.models import GPT, MLP, CharRNN, ConvNet, GPTConfig, ViT

from .helpers import TOLERANCE, export_to_bytes, glassgrad_outputs, max_difference, onnx, ort_outputs, session


def small_gpt() -> GPT:
    return GPT(GPTConfig(block_size=8, vocab_size=17, n_layer=2, n_head=2, n_embd=16, dropout=0.1, bias=True))


def images(batch: int) -> tuple:
    return (gg.randn(batch, 1, 12, 12),)


def ids(vocab: int):
    return lambda batch: (gg.randint(0, vocab, (batch, 6)),)


# name: (model factory, inputs for a batch size, output names)
MODELS = {
    "mlp": (lambda: MLP(144, [32, 16], 10, activation="gelu"), images, ["logits"]),
    "convnet": (lambda: ConvNet(1, 10, (4, 8), 16, 12), images, ["logits"]),
    "convnet_batchnorm": (lambda: ConvNet(1, 10, (4, 8), 16, 12, batch_norm=True, dropout=0.2), images, ["logits"]),
    "char_rnn_lstm": (lambda: CharRNN(13, 8, 12, num_layers=2, cell="lstm"), ids(13), ["logits", "h", "c"]),
    "char_rnn_gru": (lambda: CharRNN(13, 8, 12, num_layers=2, cell="gru"), ids(13), ["logits", "h"]),
    "char_rnn_rnn": (lambda: CharRNN(13, 8, 12, cell="rnn"), ids(13), ["logits", "h"]),
    "gpt": (small_gpt, ids(17), ["logits"]),
    "vit": (lambda: ViT(12, 4, 1, 10, dim=16, depth=2, heads=4, mlp_dim=32, dropout=0.1), images, ["logits"]),
}


def batch_axes(outputs: list[str]) -> dict:
    """Axis 0 of every output is the batch, except the recurrent states' (num_layers, B, H): axis 1."""
    return {name: ([1] if name in ("h", "c") else [0]) for name in outputs}


def trained_statistics(model) -> None:
    """Give BatchNorm running statistics that are not the initial 0 and 1, so the export must carry them."""
    model.train()
    with gg.no_grad():
        for _ in range(3):
            model(*images(8))
    model.eval()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_runtime_matches_glassgrad_at_the_traced_and_another_batch_size(name):
    gg.manual_seed(0)
    make, inputs, outputs = MODELS[name]
    model = make()
    trained_statistics(model) if "batchnorm" in name else model.eval()
    traced = inputs(3)
    input_name = "x" if traced[0].dtype.is_floating_point else "idx"
    data = export_to_bytes(model, traced, input_names=[input_name], output_names=outputs,
                           dynamic_axes={input_name: [0], **batch_axes(outputs)})  # fmt: skip
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    sess = session(data)
    assert max_difference(model, sess, traced) <= TOLERANCE
    assert max_difference(model, sess, inputs(5)) <= TOLERANCE  # the dynamic batch axis
    assert max_difference(model, sess, inputs(1)) <= TOLERANCE


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameters_are_initializers_named_as_in_the_state_dict(name):
    gg.manual_seed(0)
    make, inputs, _ = MODELS[name]
    model = make().eval()
    proto = onnx.load_from_string(export_to_bytes(model, inputs(2)))
    initializers = {init.name: init for init in proto.graph.initializer}
    state = model.state_dict()
    named = {key for key in initializers if not key.startswith("/")}  # constants are named by their node's scope
    assert named <= set(state)
    parameters = {key for key, _ in model.named_parameters()}
    assert parameters <= named  # every parameter goes in (a tied weight once, under its first name)
    for key in named:
        assert onnx.numpy_helper.to_array(initializers[key]).tolist() == state[key].numpy().tolist()


def test_a_static_export_fixes_the_batch_size():
    gg.manual_seed(0)
    model = MLP(144, [8], 3).eval()
    proto = onnx.load_from_string(export_to_bytes(model, images(4)))
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [4, 1, 12, 12]
    assert proto.graph.input[0].name == "x"  # the forward's argument name
    assert proto.graph.output[0].name == "output_0"


def test_gpt_with_targets_exports_the_fused_cross_entropy():
    gg.manual_seed(0)
    model = small_gpt().eval()
    idx, targets = gg.randint(0, 17, (2, 6)), gg.randint(0, 17, (2, 6))
    targets.array[0, 0] = -1  # nanoGPT's ignore_index
    data = export_to_bytes(model, (idx, targets), input_names=["idx", "targets"], output_names=["logits", "loss"],
                           dynamic_axes={"idx": [0], "targets": [0], "logits": [0]})  # fmt: skip
    assert "SoftmaxCrossEntropyLoss" in {node.op_type for node in onnx.load_from_string(data).graph.node}
    sess = session(data)
    assert max_difference(model, sess, (idx, targets)) <= TOLERANCE
    # targets.view(-1) is not recorded (integers): exported as a Reshape of the input, right at another batch too
    assert max_difference(model, sess, (gg.randint(0, 17, (4, 6)), gg.randint(0, 17, (4, 6)))) <= TOLERANCE


def test_the_fused_ops_export_as_whole_onnx_nodes():
    gg.manual_seed(0)
    lstm = onnx.load_from_string(export_to_bytes(CharRNN(13, 8, 12, cell="lstm").eval(), ids(13)(2)))
    gru = onnx.load_from_string(export_to_bytes(CharRNN(13, 8, 12, cell="gru").eval(), ids(13)(2)))
    gpt = onnx.load_from_string(export_to_bytes(small_gpt().eval(), ids(17)(2)))
    assert sum(node.op_type == "LSTM" for node in lstm.graph.node) == 1
    assert sum(node.op_type == "GRU" for node in gru.graph.node) == 1
    assert [a.i for node in gru.graph.node if node.op_type == "GRU" for a in node.attribute
            if a.name == "linear_before_reset"] == [1]  # fmt: skip
    types = [node.op_type for node in gpt.graph.node]
    assert types.count("LayerNormalization") == 5  # 2 per block and ln_f
    assert types.count("Softmax") == 2  # one attention per block
    assert types.count("Gather") == 2  # the token and position embeddings


def test_export_leaves_the_model_in_its_mode_and_its_parameters_as_they_were():
    gg.manual_seed(0)
    model = ConvNet(1, 10, (4,), 8, 12, batch_norm=True)
    model.classifier[1].weight.requires_grad_(False)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    export_to_bytes(model, images(2))
    assert model.training
    assert not model.classifier[1].weight.requires_grad
    assert all((model.state_dict()[k].numpy() == v).all() for k, v in before.items())  # no running-stat update


def test_export_params_false_makes_the_parameters_graph_inputs():
    gg.manual_seed(0)
    model = MLP(144, [8], 3).eval()
    proto = onnx.load_from_string(export_to_bytes(model, images(2), export_params=False))
    assert [i.name for i in proto.graph.input] == ["x", "layers.0.weight", "layers.0.bias", "layers.2.weight",
                                                   "layers.2.bias"]  # fmt: skip
    assert not [init for init in proto.graph.initializer if not init.name.startswith("/")]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_recurrent_state_passed_in_becomes_graph_inputs(cell):
    gg.manual_seed(0)
    model = CharRNN(13, 8, 12, num_layers=2, cell=cell).eval()
    idx = gg.randint(0, 13, (3, 6))
    with gg.no_grad():
        _, state = model(idx)  # the state after one chunk, to continue the sequence from
    args = (gg.randint(0, 13, (3, 6)), state)
    data = export_to_bytes(model, args)
    sess = session(data)
    names = [i.name for i in sess.get_inputs()]
    assert names == (["idx", "state.0", "state.1"] if cell == "lstm" else ["idx", "state"])
    expected = glassgrad_outputs(model, args)  # logits and the new state, flattened
    got = ort_outputs(sess, [args[0], *(state if cell == "lstm" else (state,))])
    assert max(float(abs(a - b).max()) for a, b in zip(expected, got)) <= TOLERANCE
