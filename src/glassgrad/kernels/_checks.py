"""The preconditions each kernel's launcher checks in Python before it starts the compiled loop.

A kernel indexes its arrays without bounds checks (Numba's default, and what keeps the loops in SIMD code), so
an array shorter than the loop expects is read past its end (garbage, NaN) or written past it (a segmentation
fault, or another array silently overwritten). The ops call the launchers with arrays that fit; these checks
make sure that anything else (a caller's mistake, a resized parameter, a hand-made array) raises an error that
names the kernel, the arrays and what they must be, instead (tests/kernels/test_preconditions.py).

They cost a few attribute reads per array, measured with the compiled loop swapped for a no-op (best of 25
runs, 2 cores): 0.3-0.8 µs per launch for relu, GELU and softmax, 1.1-1.7 µs for layer norm, Adam and an LSTM
step, 2-5 µs for pooling, the embedding (a min and a max over the ids) and conv's im2col/col2im. The kernels
themselves take tens of µs to ms; the LSTM benchmark's 128 step launches add about 0.2 ms to its step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOAT32 = np.dtype(np.float32)


def _describe(array: Any) -> str:
    if not isinstance(array, np.ndarray):
        return type(array).__name__
    layout = "C order" if array.flags.c_contiguous else "not C order"
    aligned = "" if array.flags.aligned else ", unaligned"
    return f"shape {array.shape}, {array.dtype}, {layout}{aligned}"


def _names(names: str, count: int) -> list[str]:
    """The names of the arrays checked, from "a, b, c" (kept as one string: no list per launch)."""
    split = names.split(", ")
    return split + [f"argument {i}" for i in range(len(split), count)]


def require_float32(kernel: str, names: str, *arrays: Any) -> None:
    """Every array is a float32 NumPy array, C-contiguous and aligned: the layout the loops index.

    (A non-contiguous array would be copied by the launcher's reshape, and a kernel writing into the copy
    would leave the caller's array unchanged.) Written for speed: about 0.13 µs per array.
    """
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype is not _FLOAT32:
            _layout_error(kernel, names, arrays, "float32")
        flags = array.flags
        if not (flags.c_contiguous and flags.aligned):
            _layout_error(kernel, names, arrays, "float32")


def require_float32_output(kernel: str, names: str, *arrays: Any) -> None:
    """As `require_float32`, for arrays the kernel writes into: they must be writeable too."""
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype is not _FLOAT32:
            _layout_error(kernel, names, arrays, "float32")
        flags = array.flags
        if not (flags.c_contiguous and flags.aligned and flags.writeable):
            _layout_error(kernel, names, arrays, "float32")
            for name, output in zip(_names(names, len(arrays)), arrays):
                if not output.flags.writeable:
                    raise ValueError(
                        f"{kernel}: {name} is written in place but is read-only; pass a writeable copy"
                    )


def require_integers(kernel: str, names: str, *arrays: Any) -> None:
    """Every array is a C-contiguous, aligned NumPy array of integers (indices or offsets)."""
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype.kind not in "iu":
            _layout_error(kernel, names, arrays, "integers")
        flags = array.flags
        if not (flags.c_contiguous and flags.aligned):
            _layout_error(kernel, names, arrays, "integers")


def _layout_error(kernel: str, names: str, arrays: tuple, kind: str) -> None:
    """Raise naming the first array that does not fit. Returns when all fit after all: the fast test's `is`
    missed a dtype equal to float32 that is not NumPy's own dtype object (one with metadata)."""
    for name, array in zip(_names(names, len(arrays)), arrays):
        fine = (
            type(array) is np.ndarray
            and (array.dtype == _FLOAT32 if kind == "float32" else array.dtype.kind in "iu")
            and array.flags.c_contiguous
            and array.flags.aligned
        )
        if not fine:
            raise TypeError(
                f"{kernel}: {name} must be an aligned, C-contiguous NumPy array of {kind}, but got "
                f"{_describe(array)}; check with kernels.fits(...) first and take the NumPy path otherwise "
                "(or pass np.ascontiguousarray(x, dtype=np.float32))"
            )


def require_shape(kernel: str, name: str, array: Any, shape: tuple, why: str) -> None:
    """`array.shape == shape`; `why` says what the expected shape follows from."""
    if array.shape != shape:
        raise ValueError(f"{kernel}: {name} must have shape {shape} ({why}), but has shape {array.shape}")


def require_same_shape(kernel: str, names: str, *arrays: Any) -> None:
    """All arrays have the first one's shape (one loop indexes them all)."""
    shape = arrays[0].shape
    for array in arrays[1:]:
        if array.shape != shape:
            shapes = ", ".join(f"{name} {a.shape}" for name, a in zip(_names(names, len(arrays)), arrays))
            raise ValueError(f"{kernel}: one loop indexes {names}, so they must have one shape, but got {shapes}")


def require_ndim(kernel: str, name: str, array: Any, ndim: int, layout: str) -> None:
    """`array.ndim == ndim`; `layout` names the axes, e.g. "(N, C, H, W)"."""
    if array.ndim != ndim:
        raise ValueError(f"{kernel}: {name} must be {ndim}-D {layout}, but has shape {array.shape}")


def require_positive(kernel: str, **sizes: Any) -> None:
    """Strides, dilations and window sizes are integers ≥ 1 (the loops divide by them and step with them)."""
    for name, value in sizes.items():
        values = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in values):
            raise ValueError(f"{kernel}: {name} must be integers >= 1, but got {value!r}")


def require_non_negative(kernel: str, **sizes: Any) -> None:
    """Output sizes and counts are integers ≥ 0."""
    for name, value in sizes.items():
        values = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in values):
            raise ValueError(f"{kernel}: {name} must be integers >= 0, but got {value!r}")
