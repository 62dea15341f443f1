"""backend/sums.py: the BLAS row and column sums equal NumPy's reductions, in C order and out of it."""

from __future__ import annotations

import numpy as np
import pytest

from glassgrad.backend import sums


@pytest.mark.parametrize("layout", ["c_order", "transposed"])
def test_sums_match_numpy_reductions(layout: str) -> None:
    a = np.random.default_rng(0).standard_normal((7, 65)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((7, 65)).astype(np.float32)
    if layout == "transposed":
        a, b = np.ascontiguousarray(a.T).T, np.ascontiguousarray(b.T).T
    np.testing.assert_allclose(sums.row_sum(a), a.sum(axis=-1, keepdims=True), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(sums.row_mean(a), a.mean(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sums.column_sum(a), a.sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(sums.row_dot(a, b), (a * b).sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-5)
    assert sums.row_sum(a).dtype == np.float32 and sums.row_sum(a).shape == (7, 1)


def test_row_sum_of_a_batch_keeps_its_leading_dims() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(sums.row_sum(a), a.sum(axis=-1, keepdims=True))


def test_sums_of_empty_rows_are_zeros() -> None:
    a = np.zeros((3, 0), dtype=np.float32)
    np.testing.assert_array_equal(sums.row_sum(a), np.zeros((3, 1), dtype=np.float32))
    np.testing.assert_array_equal(sums.row_sum(np.zeros((0, 4))), np.zeros((0, 1)))
