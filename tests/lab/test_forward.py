from __future__ import annotations

from pathlib import Path

import numpy as np

import glassgrad as gg
from glassgrad.lab import forward
from tests.lab._check import run_and_check_files


def test_tracing_one_digit_sees_every_layer_and_changes_nothing(tmp_path: Path) -> None:
    result, claims = run_and_check_files("forward", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    for model in ("MLP", "CNN"):
        assert claims[f"{model}: last traced output vs model(x) without hooks (largest difference)"].measured == 0.0
        by_hand = f"{model}: each layer applied by hand to the traced input before it (largest difference)"
        assert claims[by_hand].measured == 0.0
    assert claims["MLP: layers whose output shape is as designed"].measured == 6
    assert claims["CNN: layers whose output shape is as designed"].measured == 8
    assert result.numbers["cnn_shapes"][2] == [1, 4, 14, 14] and result.numbers["cnn_shapes"][-1] == [1, 10]
    assert {f.name for f in result.figures} == {"trace_mlp", "trace_cnn"}
    assert result.seconds < 30


def test_trace_removes_its_hooks() -> None:
    gg.manual_seed(0)
    model = forward.small_cnn()
    image = np.zeros((1, 1, 28, 28), dtype=np.float32)
    seen, _ = forward.trace(model, image)
    assert [name for name, _ in seen] == [str(i) for i in range(len(model))]
    assert all(len(layer._forward_hooks) == 0 for layer in model)
