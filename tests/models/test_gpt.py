"""models.GPT: nanoGPT's parameter names, a PyTorch twin (nanoGPT's model, from examples/reference) with copied
weights giving the same logits, loss and gradients, loading a safetensors checkpoint, weight tying,
initialisation, the optimizer groups, seeded generation and bad input."""

from __future__ import annotations

import functools
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models.gpt import GPT, GPTConfig

torch = pytest.importorskip("torch")

SMALL = dict(block_size=16, vocab_size=65, n_layer=2, n_head=2, n_embd=32, dropout=0.0)


@functools.lru_cache(maxsize=1)
def _torch_reference():
    """nanoGPT's model in PyTorch, from examples/reference/gpt_shakespeare_torch.py."""
    path = Path(__file__).parents[2] / "examples" / "reference" / "gpt_shakespeare_torch.py"
    spec = importlib.util.spec_from_file_location("gpt_shakespeare_torch", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _twins(bias: bool):
    ref = _torch_reference()
    torch.manual_seed(0)
    theirs = ref.GPT(ref.GPTConfig(**SMALL, bias=bias)).double()
    ours = GPT(GPTConfig(**SMALL, bias=bias)).double()
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_state_dict_keys_are_nanogpts():
    keys = list(GPT(GPTConfig(**SMALL, bias=True)).state_dict())
    expected = ["transformer.wte.weight", "transformer.wpe.weight"]
    for i in range(2):
        prefix = f"transformer.h.{i}."
        expected += [prefix + name for name in (
            "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
            "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
            "mlp.c_proj.weight", "mlp.c_proj.bias")]  # fmt: skip
    expected += ["transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"]
    assert keys == expected
    for bias in (True, False):
        ours, theirs = _twins(bias)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)  # the same module tree, module for module
        for key, value in theirs.state_dict().items():
            assert tuple(ours.state_dict()[key].shape) == tuple(value.shape), key


@pytest.mark.parametrize("bias", [True, False])
def test_logits_loss_and_grads_match_torch_twin(bias):
    ours, theirs = _twins(bias)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 65, (3, 16))
    targets = rng.integers(0, 65, (3, 16))
    targets[0, :4] = -1  # ignored positions, as nanoGPT's ignore_index
    logits_t, loss_t = theirs(torch.tensor(idx), torch.tensor(targets))
    logits, loss = ours(gg.tensor(idx), gg.tensor(targets))
    np.testing.assert_allclose(logits.detach().numpy(), logits_t.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-12)
    loss_t.backward()
    loss.backward()
    grads_t = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    grads = dict(ours.named_parameters())
    assert set(grads) == set(grads_t)
    for name, p in grads.items():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name], atol=1e-10, err_msg=name)
    # without targets only the last position is projected, as nanoGPT
    last_t, _ = theirs(torch.tensor(idx[:, :5]))
    last, none = ours(gg.tensor(idx[:, :5]))
    assert none is None and last.shape == (3, 1, 65)
    np.testing.assert_allclose(last.detach().numpy(), last_t.detach().numpy(), atol=1e-10)


def test_float32_training_step_matches_torch_twin():
    ref = _torch_reference()
    torch.manual_seed(0)
    theirs = ref.GPT(ref.GPTConfig(**SMALL))
    ours = GPT(GPTConfig(**SMALL, bias=False))
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    opt_t = theirs.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    opt = ours.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    rng = np.random.default_rng(1)
    for _ in range(3):
        idx, targets = rng.integers(0, 65, (4, 16)), rng.integers(0, 65, (4, 16))
        _, loss_t = theirs(torch.tensor(idx), torch.tensor(targets))
        _, loss = ours(gg.tensor(idx), gg.tensor(targets))
        np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-5)
        for optimizer, value in ((opt_t, loss_t), (opt, loss)):
            value.backward()
            optimizer.step()
            optimizer.zero_grad()


def test_loads_a_torch_checkpoint_saved_as_safetensors(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours, theirs = _twins(bias=True)
    # safetensors refuses tensors that share memory (the tied wte/lm_head), so a converted nanoGPT checkpoint
    # holds each as its own copy
    state = {k: v.detach().float().clone().contiguous() for k, v in theirs.state_dict().items()}
    path = tmp_path / "ckpt.safetensors"
    safetensors_torch.save_file(state, str(path))
    model = GPT(GPTConfig(**SMALL, bias=True))
    model.load_state_dict(gg.load(str(path)))
    idx = np.random.default_rng(0).integers(0, 65, (2, 16))
    expected, _ = theirs.float()(torch.tensor(idx), torch.tensor(idx))
    logits, _ = model(gg.tensor(idx), gg.tensor(idx))
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), atol=1e-5)


def test_weight_tying_shares_one_parameter():
    model = GPT(GPTConfig(**SMALL))
    assert model.transformer.wte.weight is model.lm_head.weight
    names = [name for name, _ in model.named_parameters()]
    assert "lm_head.weight" not in names and "transformer.wte.weight" in names  # listed once
    _, loss = model(gg.randint(0, 65, (2, 8)), gg.randint(0, 65, (2, 8)))
    loss.backward()
    assert model.lm_head.weight.grad is model.transformer.wte.weight.grad
    n = sum(p.numel() for p in model.parameters())
    assert model.get_num_params() == n - 16 * 32 and model.get_num_params(non_embedding=False) == n


def test_nanogpt_initialisation():
    gg.manual_seed(0)
    model = GPT(GPTConfig(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=256, bias=True))
    params = dict(model.named_parameters())
    residual = np.concatenate([p.detach().numpy().ravel() for n, p in params.items() if n.endswith("c_proj.weight")])
    np.testing.assert_allclose(residual.std(), 0.02 / math.sqrt(2 * 4), rtol=0.02)
    others = np.concatenate(
        [params[n].detach().numpy().ravel() for n in params if n.endswith(("c_attn.weight", "c_fc.weight"))]
    )
    np.testing.assert_allclose(others.std(), 0.02, rtol=0.02)
    np.testing.assert_allclose(params["transformer.wte.weight"].detach().numpy().std(), 0.02, rtol=0.05)
    assert all(np.all(p.detach().numpy() == 0) for n, p in params.items() if n.endswith(".bias"))
    assert all(np.all(p.detach().numpy() == 1) for n, p in params.items() if "ln" in n and n.endswith(".weight"))


def test_configure_optimizers_decays_only_matrices():
    model = GPT(GPTConfig(**SMALL, bias=True))
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=6e-4, betas=(0.9, 0.95))
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decay["params"]) and all(p.ndim == 1 for p in no_decay["params"])
    assert len(decay["params"]) == 2 + 4 * 2  # wte (= lm_head), wpe, four matrices per block
    assert len(no_decay["params"]) == 2 * 8 + 2  # per block: 2 norms × (weight, bias) + 4 biases; ln_f
    assert optimizer.defaults["lr"] == 6e-4 and optimizer.defaults["betas"] == (0.9, 0.95)


def test_generate_is_reproducible_under_a_seed():
    gg.manual_seed(0)
    model = GPT(GPTConfig(**SMALL)).eval()
    prompt = gg.tensor([[1, 2, 3], [4, 5, 6]])
    runs = []
    for seed in (7, 7, 8):
        gg.manual_seed(seed)
        runs.append(model.generate(prompt, 30, temperature=1.3, top_k=10).numpy())
    assert runs[0].shape == (2, 33) and runs[0].dtype == np.int64
    np.testing.assert_array_equal(runs[0][:, :3], prompt.numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    # top_k=1 is greedy decoding: the argmax at every step, whatever the seed
    greedy = model.generate(prompt, 5, top_k=1).numpy()
    logits, _ = model(gg.tensor(greedy[:, :-1]))
    np.testing.assert_array_equal(logits.detach().numpy()[:, -1].argmax(-1), greedy[:, -1])


def test_generate_crops_context_longer_than_block_size():
    model = GPT(GPTConfig(**SMALL)).eval()
    out = model.generate(gg.zeros((1, 1), dtype=gg.int64), 40)
    assert out.shape == (1, 41)


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"n_embd \(30\) must be divisible by n_head \(4\)"):
        GPT(GPTConfig(block_size=8, vocab_size=10, n_layer=1, n_head=4, n_embd=30))
    model = GPT(GPTConfig(**SMALL))
    with pytest.raises(ValueError, match="sequence of length 17, block size is only 16"):
        model(gg.zeros((1, 17), dtype=gg.int64))
    with pytest.raises(ValueError, match=r"token id 65 is outside the vocabulary 0..64"):
        model(gg.tensor([[1, 65]]))
    with pytest.raises(ValueError, match=r"token id -2 is outside"):
        model(gg.tensor([[-2, 3]]))
    with pytest.raises(ValueError, match=r"integer tensor \(B, T\)"):
        model(gg.zeros(2, 3))
    with pytest.raises(ValueError, match="temperature"):
        model.generate(gg.tensor([[1]]), 2, temperature=0.0)


def test_attn_dropout_is_the_dropout_on_the_attention_weights():
    """attn_dropout's p is what the fused attention drops (the module itself is never called, as in nanoGPT's
    flash path): with p > 0 a training forward differs from an eval one, with p = 0 it does not."""
    attn = GPT(GPTConfig(**SMALL)).transformer.h[0].attn
    x = gg.randn(2, 16, 32)
    with gg.no_grad():
        assert np.array_equal(attn(x).numpy(), attn.eval()(x).numpy())
        attn.attn_dropout.p = 0.5
        assert not np.allclose(attn.train()(x).numpy(), attn.eval()(x).numpy())
