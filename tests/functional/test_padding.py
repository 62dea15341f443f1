"""functional/padding.py: F.pad against torch for every mode, gradcheck, and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

CASES = [
    ((2, 3, 5), (1, 2), "constant", None),
    ((2, 3, 5), (1, 2), "constant", -1.5),
    ((2, 3, 4, 5), (1, 1, 2, 0), "constant", None),
    ((2, 3, 5), (2, 1), "reflect", None),
    ((1, 2, 4, 5), (1, 2, 3, 1), "reflect", None),
    ((2, 3, 5), (2, 3), "replicate", None),
    ((1, 2, 4, 5), (1, 2, 2, 1), "replicate", None),
    ((2, 3, 5), (2, 3), "circular", None),
    ((1, 2, 4, 5), (1, 2, 2, 1), "circular", None),
]


@pytest.mark.parametrize("shape, padding, mode, value", CASES)
def test_pad_matches_torch(shape, padding, mode, value) -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x = gg.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    kwargs = {} if value is None else {"value": value}
    y = F.pad(x, padding, mode=mode, **kwargs)
    ty = torch.nn.functional.pad(tx, padding, mode=mode, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    weights = np.random.default_rng(1).standard_normal(ty.shape).astype(np.float32)
    (y * gg.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, padding, mode, value", CASES)
def test_pad_gradcheck(shape, padding, mode, value) -> None:
    x = gg.randn(*shape, dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, padding, mode=mode, value=value), (x,))


@pytest.mark.parametrize(
    "padding, mode, message",
    [
        ((1,), "constant", "(before, after) pair"),
        ((1, 1), "wrap", "mode must be one of"),
        ((5, 0), "reflect", "must be smaller than the dim"),
        ((-1, 1), "constant", "negative padding"),
    ],
)
def test_pad_bad_input(padding, mode, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        F.pad(gg.zeros(2, 3), padding, mode=mode)
