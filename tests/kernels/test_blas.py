"""kernels/blas: attention's per-head products as parallel single-threaded BLAS calls, against NumPy's matmul."""

from __future__ import annotations

import numpy as np
import pytest

from glassgrad.kernels import _numba, blas

pytestmark = pytest.mark.skipif(not blas.available(), reason="Numba or NumPy's OpenBLAS not found")

rng = np.random.default_rng(0)


def heads(batch, heads, rows, width, transposed=False):
    """(batch, heads, rows, width) float32, as attention sees it: a head view of a (batch, rows, heads·width)
    array, or (transposed) the swapaxes view of such an array of (batch, heads, width, rows)."""
    if transposed:
        return np.swapaxes(heads_view(batch, heads, width, rows), -1, -2)
    return heads_view(batch, heads, rows, width)


def heads_view(batch, heads, rows, width):
    wide = rng.standard_normal((batch, rows, heads * width + 3)).astype(np.float32)  # 3 spare columns
    return wide[..., : heads * width].reshape(batch, rows, heads, width).transpose(0, 2, 1, 3)


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("out_layout", ["C", "heads side by side"])
def test_matches_numpy(transpose_a, transpose_b, out_layout):
    a = heads(2, 3, 7, 5, transposed=transpose_a)
    b = heads(2, 3, 5, 6, transposed=transpose_b)
    out = np.full((2, 3, 7, 6), np.nan, np.float32)
    if out_layout != "C":
        out = np.full((2, 7, 3, 6), np.nan, np.float32).transpose(0, 2, 1, 3)
    assert blas.fits_batched(a, b, out)
    result = blas.batched_matmul(a, b, out)
    assert result is out
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-5, atol=1e-5)


def test_fits_only_what_it_can_run(monkeypatch):
    a, b = heads(2, 3, 4, 5), heads(2, 3, 5, 6)
    out = np.empty((2, 3, 4, 6), np.float32)
    assert blas.fits_batched(a, b, out)
    assert not blas.fits_batched(a.astype(np.float64), b.astype(np.float64), out.astype(np.float64))
    assert not blas.fits_batched(a[:1], b, out)  # broadcast batch dims: NumPy's matmul handles them
    assert not blas.fits_batched(a[0], b[0], out[0])  # 3-D
    assert not blas.fits_batched(a, b, out[..., ::2, :].repeat(2, axis=2)[..., ::-1])  # out not row-contiguous
    assert not blas.fits_batched(a[..., ::2], b[..., ::2, :], out)  # neither rows nor columns contiguous
    big = np.empty((1, 1, 128, 128), np.float32)
    assert not blas.fits_batched(big, big, big.copy())  # big enough for OpenBLAS's own threads
    with monkeypatch.context() as patch:
        patch.setattr(_numba, "ENABLED", False)
        assert not blas.fits_batched(a, b, out)


@pytest.mark.parametrize("transpose_a", [False, True])
def test_stacked_products_match_numpy(transpose_a):
    a = rng.standard_normal((6, 9) if transpose_a else (9, 6)).astype(np.float32)
    a = a.T if transpose_a else a  # (9, 6) either way; transposed: read through its strides
    b = rng.standard_normal((5, 6, 4)).astype(np.float32)
    out = np.full((5, 9, 4), np.nan, np.float32)
    assert blas.fits_stacked(a, b, out)
    assert blas.stacked_matmul(a, b, out) is out
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-5, atol=1e-5)


def test_fits_stacked_refuses_what_it_cannot_run():
    a, b, out = np.ones((3, 2), np.float32), np.ones((4, 2, 5), np.float32), np.ones((4, 3, 5), np.float32)
    assert blas.fits_stacked(a, b, out)
    assert not blas.fits_stacked(a.astype(np.float64), b.astype(np.float64), out.astype(np.float64))
    assert not blas.fits_stacked(a, b[:0], out[:0])
    assert not blas.fits_stacked(a, b, out[:, :, ::-1])
    assert not blas.fits_stacked(a[None], b, out)
