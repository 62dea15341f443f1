"""Writes that layers make to their own parameters and buffers bump version counters, as PyTorch's do."""

from __future__ import annotations

import pytest

import glassgrad as gg
import glassgrad.nn as nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lib", [gg, torch], ids=["glassgrad", "torch"])
def test_batch_norm_reset_and_training_step_bump_the_buffers(lib):
    layer = lib.nn.BatchNorm1d(3)
    before = (layer.running_mean._version, layer.running_var._version, layer.num_batches_tracked._version)
    layer.reset_running_stats()
    after_reset = (layer.running_mean._version, layer.running_var._version, layer.num_batches_tracked._version)
    assert all(a > b for a, b in zip(after_reset, before))
    layer(lib.randn(4, 3))
    assert layer.num_batches_tracked._version > after_reset[2]
    if lib is gg:  # glassgrad also counts the running-statistics update (PyTorch's CPU kernel does not)
        assert layer.running_mean._version > after_reset[0]


def test_embedding_renorm_bumps_the_weight_so_a_stale_graph_refuses():
    layer = nn.Embedding(5, 3, max_norm=0.5)
    with gg.no_grad():
        layer.weight.mul_(10)
    ids = gg.tensor([0, 1])
    saved = (layer.weight * layer.weight).sum()  # Mul saves the weight
    version = layer.weight._version
    layer(ids)  # renormalises rows 0 and 1 in place
    assert layer.weight._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()


def test_embedding_padding_row_is_written_through_the_version_counter():
    layer = nn.Embedding(4, 2, padding_idx=1)
    assert layer.weight._version >= 1
    assert layer.weight[1].tolist() == [0.0, 0.0]
