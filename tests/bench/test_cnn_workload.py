"""The "cnn" benchmark workload: registered, and its glassgrad and PyTorch twins compute the same loss."""

from __future__ import annotations

import pytest

from glassgrad.bench import WORKLOADS, smoke


def test_cnn_is_registered() -> None:
    assert WORKLOADS["cnn"].name == "cnn" and "Conv2d(32,64,3,p=1)" in WORKLOADS["cnn"].description


def test_cnn_smoke_matches_torch() -> None:
    pytest.importorskip("torch")
    record = smoke(WORKLOADS["cnn"])
    assert record["losses_agree"], record["frameworks"]
