"""The embedding's backward, a scatter-add: dL/dW[v] = Σ_{p : idx[p] = v} dL/dy[p] (see
`functional.embedding`). One serial pass over the positions, in position order, instead of a sort and a
segmented sum. Serial, because two positions with the same id write the same row.
"""

from __future__ import annotations

import numpy as np

from ._numba import ENABLED, serial_kernel

if ENABLED:

    @serial_kernel
    def _scatter_add(ids, grad, out):  # pragma: no cover - compiled
        positions, dim = grad.shape
        for p in range(positions):
            row = ids[p]
            for j in range(dim):
                out[row, j] += grad[p, j]


def embedding_backward(ids: np.ndarray, grad: np.ndarray, num_embeddings: int) -> np.ndarray:
    """dL/dW (num_embeddings, dim) from int ids (positions,) and a float32 C-order grad (positions, dim)."""
    out = np.zeros((num_embeddings, grad.shape[1]), dtype=grad.dtype)
    _scatter_add(ids.astype(np.int64, copy=False), grad, out)
    return out
