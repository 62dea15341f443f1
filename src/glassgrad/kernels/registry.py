"""The one seam between glassgrad's readable math and its fast kernels.

An op's body calls a plain NumPy function, its *reference*, marked with `@reference("name")`. A kernel module
registers a fast implementation of the same name with `@fast_path("name", when=...)`. A call of the reference
then runs the fast implementation when `when(*args)` says the arguments fit it (float32 NumPy arrays in C order,
Numba present: `fits`), and the reference itself otherwise. So an op reaches its kernel in two frames (the
op, then the kernel), the op's body is its math, and which code runs is decided here and nowhere else.

    @reference("relu_backward")                          # ops/unary.py
    def relu_backward(y, grad):
        return where(y <= 0, 0, grad)

    @fast_path("relu_backward", when=lambda y, grad: fits(y, grad) and y.shape == grad.shape,
               example=lambda: (relu_of_noise, noise))    # kernels/relu.py
    def relu_backward_kernel(y, grad): ...

`example()` returns arguments the fast path accepts; tests/kernels/test_registry.py runs every registered fast
path against its reference on them. `entries()` lists what is registered, for the tests and `glassgrad doctor`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Entry:
    """One name at the seam: its reference, and the fast path registered against it (None: the reference runs)."""

    name: str
    reference: Callable[..., Any] | None = None
    kernel: Callable[..., Any] | None = None
    when: Callable[..., bool] | None = None
    example: Callable[[], tuple] | None = None


_ENTRIES: dict[str, Entry] = {}


def _entry(name: str) -> Entry:
    entry = _ENTRIES.get(name)
    if entry is None:
        entry = _ENTRIES[name] = Entry(name)
    return entry


def reference(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark `function` as the reference math of `name`; calls go to a registered fast path when it fits."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        entry = _entry(name)
        if entry.reference is not None:
            raise ValueError(f"kernels.registry: {name!r} already has a reference ({entry.reference.__qualname__})")
        entry.reference = function

        @functools.wraps(function)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            kernel = entry.kernel
            if kernel is not None and entry.when(*args, **kwargs):
                return kernel(*args, **kwargs)
            return function(*args, **kwargs)

        dispatch.entry = entry  # for inspection: dispatch.entry.kernel is what a fitting call runs
        return dispatch

    return mark


def fast_path(
    name: str, *, when: Callable[..., bool], example: Callable[[], tuple]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `kernel` as the fast implementation of `name`, used when `when(*args, **kwargs)` is true.

    `when` must be cheap (it runs on every call) and must imply everything the kernel's own checks demand.
    """

    def register(kernel: Callable[..., Any]) -> Callable[..., Any]:
        entry = _entry(name)
        if entry.kernel is not None:
            raise ValueError(f"kernels.registry: {name!r} already has a fast path ({entry.kernel.__qualname__})")
        entry.kernel, entry.when, entry.example = kernel, when, example
        return kernel

    return register


def entry(name: str) -> Entry:
    """The entry of `name` (tests wrap `entry(name).kernel` to see that a workload takes its fast path)."""
    if name not in _ENTRIES:
        raise KeyError(f"kernels.registry: no reference or fast path is named {name!r}; known: {sorted(_ENTRIES)}")
    return _ENTRIES[name]


def entries() -> list[Entry]:
    """Every name at the seam, sorted (a name with a kernel but no reference is a bug the tests catch)."""
    return [_ENTRIES[name] for name in sorted(_ENTRIES)]
