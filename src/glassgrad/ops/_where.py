"""where(mask, a, b) on raw arrays: the selection that every masking backward makes.

A masking backward (relu, clamp, hardtanh, leaky_relu, threshold, maximum, max pool, ...) selects,
`where(mask, g, 0)`, instead of multiplying by a 0/1 mask, so that an infinite g stays out of the branch that is
cut off (inf·0 = NaN). On Tensors (a backward recorded under create_graph=True) the namespace's `where` is
glassgrad's differentiable one. The user-facing `gg.where` of tensors is `ops.select.where`.
"""

from __future__ import annotations

from typing import Any

from ..backend import namespace_of
from ..kernels.registry import reference


@reference("where")  # fast path: kernels/select.py (one parallel pass for float32)
def where(mask: Any, a: Any, b: Any) -> Any:
    """a where mask, else b (each an array, or one of them a number), as the array namespace's `where`."""
    # An array is anything with a shape: a NumPy scalar (np.float64 is also a float) counts as a 0-d array.
    return namespace_of(a if hasattr(a, "shape") else b).where(mask, a, b)
