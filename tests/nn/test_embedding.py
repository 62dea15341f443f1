"""nn.Embedding and F.embedding against PyTorch: values, weight gradients, padding_idx, max_norm, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_functional_matches_torch(padding_idx, scale_grad_by_freq):
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((7, 5))
    ids = rng.integers(0, 7, (4, 6))  # repeated ids exercise the scatter-add
    projection = rng.standard_normal((4, 6, 5))
    ours = gg.tensor(weight, requires_grad=True)
    theirs = torch.tensor(weight, requires_grad=True)
    out = F.embedding(gg.tensor(ids), ours, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    tout = torch.nn.functional.embedding(
        torch.tensor(ids), theirs, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )
    (out * gg.tensor(projection)).sum().backward()
    (tout * torch.tensor(projection)).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_max_norm_renormalises_rows_in_place_like_torch():
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((6, 4)) * 3
    ids = np.array([[0, 2, 2], [5, 0, 1]])
    ours, theirs = gg.tensor(weight.copy()), torch.tensor(weight.copy())
    out = F.embedding(gg.tensor(ids), ours, max_norm=1.5, norm_type=1.0)
    tout = torch.nn.functional.embedding(torch.tensor(ids), theirs, max_norm=1.5, norm_type=1.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.numpy()[3], weight[3])  # rows not read are untouched


def test_module_shape_init_and_padding_row():
    gg.manual_seed(0)
    layer = nn.Embedding(10, 3, padding_idx=2)
    assert layer.weight.shape == (10, 3) and layer.weight.dtype == gg.float32
    np.testing.assert_array_equal(layer.weight.detach().numpy()[2], 0)
    assert abs(float(layer.weight.detach().numpy().std()) - 1) < 0.5  # N(0, 1) init
    out = layer(gg.tensor([[1, 2], [2, 9]]))
    assert out.shape == (2, 2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[2], 0)
    np.testing.assert_array_equal(layer.weight.grad.numpy()[1], 1)
    assert repr(layer) == "Embedding(10, 3, padding_idx=2)"
    assert list(dict(layer.named_parameters())) == ["weight"]


def test_state_dict_from_torch_loads():
    module = torch.nn.Embedding(8, 4, padding_idx=1)
    layer = nn.Embedding(8, 4, padding_idx=1)
    layer.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in module.state_dict().items()})
    ids = np.array([3, 1, 7])
    np.testing.assert_array_equal(
        layer(gg.tensor(ids)).detach().numpy(), module(torch.tensor(ids)).detach().numpy()
    )


def test_from_pretrained_freezes_by_default():
    table = gg.tensor(np.arange(12.0).reshape(4, 3))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    np.testing.assert_array_equal(frozen(gg.tensor([3])).numpy(), [[9.0, 10.0, 11.0]])


def test_bad_inputs_raise_clear_errors():
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index 5 is out of range for an embedding of 5 rows"):
        layer(gg.tensor([0, 5]))
    with pytest.raises(IndexError, match="index -1"):
        layer(gg.tensor([-1]))
    with pytest.raises(TypeError, match="integer ids"):
        layer(gg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx=5 must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="sparse"):
        nn.Embedding(5, 2, sparse=True)


def test_int32_ids_and_empty_input():
    layer = nn.Embedding(5, 2)
    assert layer(gg.tensor(np.array([[1, 4]], dtype=np.int32))).shape == (1, 2, 2)
    empty = layer(gg.tensor(np.zeros((0, 3), dtype=np.int64)))
    assert empty.shape == (0, 3, 2)
