"""CharRNN: shapes for every cell, parity with the same model in PyTorch, reproducible generation, errors."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad.models import CharRNN, char_rnn

torch = pytest.importorskip("torch")

CHARS = list("\n !',.:;?abcdefghijklmnopqrstuvwxyzABCDE")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shapes_and_state_continue_a_sequence(cell):
    gg.manual_seed(0)
    model = CharRNN(vocab_size=12, embedding_dim=6, hidden_size=8, num_layers=2, cell=cell)
    idx = gg.randint(0, 12, (3, 10))
    logits, state = model(idx)
    assert logits.shape == (3, 10, 12)
    # Reading the sequence in two halves with the state carried over gives the same logits.
    first, state_half = model(idx[:, :4])
    second, _ = model(idx[:, 4:], state_half)
    joined = np.concatenate([first.detach().numpy(), second.detach().numpy()], axis=1)
    np.testing.assert_allclose(joined, logits.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_loss_and_gradients_match_torch(cell):
    gg.manual_seed(1)
    model = CharRNN(vocab_size=11, embedding_dim=5, hidden_size=7, cell=cell)
    rnn_class = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    twin = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.Embedding(11, 5),
            "rnn": rnn_class(5, 7, batch_first=True),
            "head": torch.nn.Linear(7, 11),
        }
    )
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 11, (4, 9)), rng.integers(0, 11, (4, 9))
    logits, _ = model(gg.tensor(x))
    loss = F.cross_entropy(logits.reshape(-1, 11), gg.tensor(y).reshape(-1))
    loss.backward()
    tout, _ = twin["rnn"](twin["embedding"](torch.tensor(x)))
    tloss = torch.nn.functional.cross_entropy(twin["head"](tout).reshape(-1, 11), torch.tensor(y).reshape(-1))
    tloss.backward()
    assert abs(loss.item() - tloss.item()) < 1e-5
    for (name, p), tp in zip(model.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_generation_is_reproducible_with_a_seed():
    gg.manual_seed(3)
    model = CharRNN(len(CHARS), embedding_dim=8, hidden_size=16, chars=CHARS)
    gg.manual_seed(42)
    first = model.generate("to be", 40, temperature=0.8, top_k=5)
    gg.manual_seed(42)
    again = model.generate("to be", 40, temperature=0.8, top_k=5)
    assert first == again and first.startswith("to be") and len(first) == 45
    generator = gg.Generator().manual_seed(7)
    ids = model.generate(gg.tensor([[1, 2], [3, 4]]), 6, generator=generator)
    same = model.generate(gg.tensor([[1, 2], [3, 4]]), 6, generator=gg.Generator().manual_seed(7))
    assert ids.shape == (2, 8) and ids.dtype == gg.int64
    np.testing.assert_array_equal(ids.numpy(), same.numpy())
    assert model.generate(gg.tensor([5, 6, 7]), 4).shape == (7,)


def test_generation_reads_the_prompt_then_steps_the_state():
    """Sampling with the carried state equals re-reading the whole prefix each step (greedy via top_k=1)."""
    gg.manual_seed(4)
    model = CharRNN(len(CHARS), embedding_dim=8, hidden_size=16, cell="gru", chars=CHARS)
    text = model.generate("abc", 10, top_k=1)
    ids = model.encode("abc")
    for _ in range(10):
        logits, _ = model(gg.tensor([ids]))
        ids.append(int(logits.detach().numpy()[0, -1].argmax()))
    assert text == model.decode(ids)


def test_top_k_one_is_greedy_and_top_k_limits_choices():
    gg.manual_seed(5)
    model = CharRNN(len(CHARS), embedding_dim=8, hidden_size=16, chars=CHARS)
    gg.manual_seed(0)
    a = model.generate("a", 20, top_k=1)
    gg.manual_seed(99)
    assert model.generate("a", 20, top_k=1) == a


def test_prompt_with_unknown_characters_names_them():
    model = CharRNN(len(CHARS), embedding_dim=4, hidden_size=4, chars=CHARS)
    with pytest.raises(ValueError, match=r"2 character\(s\) outside the model's vocabulary of 40: '@', 'é'"):
        model.generate("hé@llo", 5)
    with pytest.raises(ValueError, match="the prompt is empty"):
        model.generate("", 5)
    with pytest.raises(ValueError, match="needs the vocabulary"):
        CharRNN(10).generate("abc", 5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="cell should be one of"):
        CharRNN(10, cell="transformer")
    with pytest.raises(ValueError, match="chars has 3 characters but vocab_size is 10"):
        CharRNN(10, chars="abc")
    model = CharRNN(10, embedding_dim=4, hidden_size=4)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(gg.tensor([[1]]), 3, temperature=0)
    with pytest.raises(ValueError, match=r"expected ids of shape \(B, T\)"):
        model(gg.tensor([1, 2, 3]))


def test_docstring_examples_run():
    failures, _ = doctest.testmod(char_rnn)
    assert failures == 0
