"""nn.Dropout (the module; F.dropout itself is tested in tests/functional/test_dropout.py)."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn


def test_dropout_module_train_and_eval() -> None:
    layer = nn.Dropout(0.25)
    x = gg.ones(10_000)
    y = layer(x).numpy()
    assert set(y.tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert abs((y == 0).mean() - 0.25) < 0.03
    layer.eval()
    assert layer(x) is x


def test_dropout_checks_p_and_reprs_as_torch() -> None:
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    torch = pytest.importorskip("torch")
    assert repr(nn.Dropout(0.1, inplace=True)) == repr(torch.nn.Dropout(0.1, inplace=True))
