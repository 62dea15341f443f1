"""End to end: an MLP learns the bundled digits in a couple of seconds (nn + functional + optim + datasets)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.bench.threads import blas_threads, set_blas_threads
from glassgrad.datasets import digits
from glassgrad.models import MLP


@pytest.fixture
def one_blas_thread() -> Iterator[None]:
    """Small matrix products gain nothing from threads, and on a busy machine OpenBLAS's waiting threads make
    this test 15x slower (8 s instead of 0.5 s on 2 loaded cores)."""
    before = blas_threads()
    set_blas_threads(1)
    yield
    if before is not None:
        set_blas_threads(before)


def test_mlp_learns_digits_subset(one_blas_thread: None) -> None:
    gg.manual_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = digits.load_arrays(train=True, normalize=True, flatten=True)
    x_test, y_test = digits.load_arrays(train=False, normalize=True, flatten=True)
    x_train, y_train = x_train[:2000], y_train[:2000]  # a subset keeps the test to about a second
    model = MLP(784, [64], 10)
    optimizer = gg.optim.Adam(model.parameters(), lr=2e-3)
    for _epoch in range(3):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            loss = F.cross_entropy(model(gg.from_numpy(x_train[batch])), gg.from_numpy(y_train[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with gg.no_grad():
        predictions = model(gg.from_numpy(x_test)).argmax(dim=1).numpy()
    accuracy = (predictions == y_test).mean()
    assert accuracy > 0.85, f"test accuracy {accuracy:.3f}; chance is 0.1"
    assert loss.item() < 1.0  # from about 2.3 (= ln 10) at the start
