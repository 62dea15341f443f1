"""The embedding's backward, a scatter-add: dL/dW[v] = Σ_{p : idx[p] = v} dL/dy[p], the fast path of the
reference `embedding_backward` in functional/embedding.py (kernels/registry.py). One serial pass over the
positions, in position order, instead of a sort and a segmented sum. Serial, because two positions with the
same id write the same row.
"""

from __future__ import annotations

import numpy as np

from ._checks import require_float32, require_integers, require_ndim, require_non_negative, require_shape
from ._numba import ENABLED, fits, serial_kernel
from .registry import fast_path

if ENABLED:

    @serial_kernel
    def _scatter_add(ids, grad, out):  # pragma: no cover - compiled
        positions, dim = grad.shape
        for p in range(positions):
            row = ids[p]
            for j in range(dim):
                out[row, j] += grad[p, j]


@fast_path(
    "embedding_backward",
    when=lambda ids, grad, num_embeddings, scale_grad_by_freq=False: (
        not scale_grad_by_freq and fits(grad) and grad.ndim == 2 and type(ids) is np.ndarray
        and ids.shape == grad.shape[:1]
    ),  # fmt: skip
    example=lambda: (np.random.default_rng(0).integers(0, 7, 50),
                     np.random.default_rng(1).standard_normal((50, 9)).astype(np.float32), 7),
)
def embedding_backward(ids: np.ndarray, grad: np.ndarray, num_embeddings: int,
                       scale_grad_by_freq: bool = False) -> np.ndarray:
    """dL/dW (num_embeddings, dim) from int ids (positions,) and a float32 C-order grad (positions, dim); the
    kernel does not scale by frequency (the reference does)."""
    name = "kernels.embedding.embedding_backward"
    if scale_grad_by_freq:
        raise ValueError(f"{name}: scale_grad_by_freq is not served by the kernel; the reference takes it")
    require_float32(name, "grad", grad)
    require_integers(name, "ids", ids)
    require_ndim(name, "grad", grad, 2, "(positions, dim)")
    require_shape(name, "ids", ids, grad.shape[:1], "one id per row of grad")
    require_non_negative(name, num_embeddings=num_embeddings)
    _require_ids_in_range(name, ids, num_embeddings)
    out = np.zeros((num_embeddings, grad.shape[1]), dtype=grad.dtype)
    _scatter_add(ids.astype(np.int64, copy=False), grad, out)
    return out


def _require_ids_in_range(name: str, ids: np.ndarray, num_embeddings: int) -> None:
    """Each id picks a row of dL/dW, so it must lie in [0, num_embeddings): one min and one max, a pass over
    the ids (one per position), against the kernel's pass over every position's whole gradient row."""
    if ids.size == 0:
        return
    low = int(ids.min())
    high = int(ids.max())
    if low < 0 or high >= num_embeddings:
        bad = low if low < 0 else high
        raise IndexError(
            f"{name}: id {bad} is out of range for an embedding of {num_embeddings} rows; ids must lie in "
            f"[0, {num_embeddings})"
        )
