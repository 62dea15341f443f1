"""The "lstm" benchmark workload: registered, and its glassgrad and PyTorch twins compute the same loss."""

from __future__ import annotations

import pytest

from glassgrad.bench import WORKLOADS, smoke


def test_lstm_is_registered() -> None:
    assert WORKLOADS["lstm"].name == "lstm" and "LSTM(64,256,batch_first)" in WORKLOADS["lstm"].description


def test_lstm_smoke_matches_torch() -> None:
    pytest.importorskip("torch")
    record = smoke(WORKLOADS["lstm"])
    assert record["losses_agree"], record["frameworks"]
    assert abs(record["frameworks"]["glassgrad"]["final_loss"] - record["frameworks"]["torch"]["final_loss"]) < 1e-3
