"""torch.save'd model and optimizer state loaded into glassgrad twins: the same outputs as torch's, within
float32 round-off, and an Adam that continues where torch's stopped; a nanoGPT checkpoint dict end to end."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.models.gpt import GPT, GPTConfig

torch = pytest.importorskip("torch")

ATOL = 1e-5  # float32 round-off over a few layers of width <= 64


def save_and_load(obj, tmp_path, file_format="zip"):
    path = tmp_path / "checkpoint.pt"
    torch.save(obj, path, _use_new_zipfile_serialization=file_format == "zip")
    return gg.load(path, map_location="cpu", weights_only=True)


def assert_state_dicts_equal(theirs, ours):
    assert list(ours) == list(theirs)
    for name, tensor in theirs.items():
        np.testing.assert_array_equal(ours[name].detach().numpy(), tensor.numpy(), err_msg=name)


@pytest.mark.parametrize("file_format", ["zip", "legacy"])
def test_sequential_with_batch_norm_loads_and_matches_torch(tmp_path, file_format):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3))
    theirs.train()
    theirs(torch.randn(16, 5))  # moves the running statistics off their initial values
    theirs.eval()
    state = save_and_load(theirs.state_dict(), tmp_path, file_format)
    assert_state_dicts_equal(theirs.state_dict(), state)
    assert state["1.num_batches_tracked"].dtype == gg.int64 and state["1.num_batches_tracked"].item() == 1
    ours = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    ours.load_state_dict(state)
    ours.eval()
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               atol=ATOL)


def test_lstm_loads_and_matches_torch(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(4, 6, num_layers=2, batch_first=True)
    state = save_and_load(theirs.state_dict(), tmp_path)
    assert_state_dicts_equal(theirs.state_dict(), state)
    ours = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    ours.load_state_dict(state)
    x = np.random.default_rng(1).standard_normal((3, 7, 4)).astype(np.float32)
    output, (h_n, c_n) = ours(gg.tensor(x))
    output_t, (h_t, c_t) = theirs(torch.tensor(x))
    for mine, expected in ((output, output_t), (h_n, h_t), (c_n, c_t)):
        np.testing.assert_allclose(mine.detach().numpy(), expected.detach().numpy(), atol=ATOL)


def test_transformer_encoder_layer_loads_and_matches_torch(tmp_path):
    torch.manual_seed(0)
    kwargs = dict(dim_feedforward=32, dropout=0.0, batch_first=True)
    theirs = torch.nn.TransformerEncoderLayer(16, 4, **kwargs).eval()
    state = save_and_load(theirs.state_dict(), tmp_path)
    assert_state_dicts_equal(theirs.state_dict(), state)
    ours = nn.TransformerEncoderLayer(16, 4, **kwargs).eval()
    ours.load_state_dict(state)
    x = np.random.default_rng(2).standard_normal((2, 5, 16)).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               atol=ATOL)


def test_adam_state_after_torch_steps_loads_and_the_next_step_matches(tmp_path):
    torch.manual_seed(0)
    model_t = torch.nn.Linear(3, 2)
    adam_t = torch.optim.Adam(model_t.parameters(), lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)
    batches = [torch.randn(4, 3) for _ in range(4)]
    for x in batches[:3]:
        adam_t.zero_grad()
        model_t(x).square().sum().backward()
        adam_t.step()
    saved = save_and_load({"model": model_t.state_dict(), "optimizer": adam_t.state_dict()}, tmp_path)
    state = saved["optimizer"]["state"]
    assert sorted(state) == [0, 1]  # int parameter ids stay ints
    for index, param_state in adam_t.state_dict()["state"].items():
        for key, value in param_state.items():
            np.testing.assert_array_equal(state[index][key].numpy(), value.numpy(), err_msg=key)
    group = saved["optimizer"]["param_groups"][0]
    assert group["params"] == [0, 1] and group["betas"] == (0.8, 0.99) and group["lr"] == 0.01
    assert group["amsgrad"] is False and group["foreach"] is None

    model = nn.Linear(3, 2)
    model.load_state_dict(saved["model"])
    adam = optim.Adam(model.parameters())
    adam.load_state_dict(saved["optimizer"])
    for optimizer, module, x in ((adam_t, model_t, batches[3]), (adam, model, gg.tensor(batches[3].numpy()))):
        optimizer.zero_grad()
        module(x).square().sum().backward()
        optimizer.step()
    np.testing.assert_allclose(model.weight.detach().numpy(), model_t.weight.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(model.bias.detach().numpy(), model_t.bias.detach().numpy(), atol=1e-6)


def test_a_nanogpt_checkpoint_resumes_in_glassgrad(tmp_path):
    from tests.models.test_gpt import SMALL, _torch_reference

    reference = _torch_reference()
    torch.manual_seed(0)
    config = dict(SMALL, bias=True)
    theirs = reference.GPT(reference.GPTConfig(**config))
    adamw = theirs.configure_optimizers(0.1, 1e-3, (0.9, 0.95))
    idx = torch.randint(0, 65, (2, 16))
    _, loss = theirs(idx, idx)
    loss.backward()
    adamw.step()
    checkpoint = {  # what nanoGPT's train.py writes
        "model": theirs.state_dict(),
        "optimizer": adamw.state_dict(),
        "model_args": config,
        "iter_num": 3,
        "best_val_loss": loss.detach(),
        "config": {"learning_rate": 1e-3, "dataset": "shakespeare_char", "compile": False, "dtype": "float32"},
    }
    loaded = save_and_load(checkpoint, tmp_path)
    assert loaded["iter_num"] == 3 and loaded["model_args"] == config and loaded["config"] == checkpoint["config"]
    assert loaded["best_val_loss"].item() == loss.item()
    # tied weights: torch saves wte and lm_head as one storage; both names load with the same values
    state = loaded["model"]
    np.testing.assert_array_equal(state["lm_head.weight"].numpy(), state["transformer.wte.weight"].numpy())

    ours = GPT(GPTConfig(**config))
    ours.load_state_dict(state)
    optimizer = ours.configure_optimizers(0.1, 1e-3, (0.9, 0.95))
    optimizer.load_state_dict(loaded["optimizer"])
    tokens = np.random.default_rng(0).integers(0, 65, (2, 16))
    logits, loss_ours = ours(gg.tensor(tokens), gg.tensor(tokens))
    expected, loss_theirs = theirs(torch.tensor(tokens), torch.tensor(tokens))
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), atol=ATOL)
    # one more AdamW step on each side, from the loaded moments: the weights stay together
    for step_optimizer, step_loss in ((optimizer, loss_ours), (adamw, loss_theirs)):
        step_optimizer.zero_grad()
        step_loss.backward()
        step_optimizer.step()
    for name, tensor in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].detach().numpy(), tensor.numpy(), atol=ATOL, err_msg=name)
