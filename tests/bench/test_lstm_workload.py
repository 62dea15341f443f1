"""The recurrent benchmark workloads ("lstm", "gru", "rnn"): registered, and their glassgrad and PyTorch twins
compute the same loss."""

from __future__ import annotations

import pytest

from glassgrad.bench import WORKLOADS, smoke

LAYERS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_recurrent_workload_is_registered(name: str) -> None:
    assert WORKLOADS[name].name == name and f"{LAYERS[name]}(64,256,batch_first)" in WORKLOADS[name].description


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_recurrent_smoke_matches_torch(name: str) -> None:
    pytest.importorskip("torch")
    record = smoke(WORKLOADS[name])
    assert record["losses_agree"], record["frameworks"]
    assert abs(record["frameworks"]["glassgrad"]["final_loss"] - record["frameworks"]["torch"]["final_loss"]) < 1e-3
