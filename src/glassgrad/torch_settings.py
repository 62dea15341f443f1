"""The process-wide switches of the `torch` namespace that scripts set at the top: compile, matmul precision,
determinism, threads, the default dtype, seeds.

Each does in glassgrad what it can truthfully do, and says so:
- `compile(model)` returns the model itself: glassgrad runs eagerly, and an eager model computes what the
  compiled one would. (The GPU work may one day give it a meaning.)
- `set_float32_matmul_precision("high" | "medium")` lets PyTorch use TF32 or bfloat16 inside float32 matmuls on
  GPUs. glassgrad's float32 matmuls are always full float32 ("highest"); the setting is validated and remembered.
- `use_deterministic_algorithms(True)`: glassgrad's ops are deterministic on the CPU already (the same inputs and
  thread count give the same bits), so it is remembered and changes nothing.
- `set_num_threads(n)`: the threads of NumPy's BLAS and of glassgrad's fused kernels.
- `set_default_dtype`: glassgrad's default is float32 and cannot be changed; asking for another says how to get it.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .backend import float32, to_dtype
from .backend import random as _random

_settings: dict[str, Any] = {"matmul_precision": "highest", "deterministic": False, "warn_only": False}


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """`torch.compile(model)` → the model, unchanged; `@torch.compile` and `@torch.compile(mode=...)` → the function."""
    if mode is not None and mode not in ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"):
        raise RuntimeError(f"torch.compile: unknown mode {mode!r}; expected default, reduce-overhead, "
                           "max-autotune or max-autotune-no-cudagraphs")
    if model is None:
        return lambda function: function
    if not callable(model):
        raise TypeError(f"torch.compile expects a Module or a function, got {type(model).__name__}")
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Remember 'highest', 'high' or 'medium' (another value warns and changes nothing, as PyTorch); glassgrad's
    float32 matmuls stay full float32 whichever is set."""
    if precision not in ("highest", "high", "medium"):  # PyTorch warns and ignores it: so do we, not raise
        warnings.warn(f"set_float32_matmul_precision: {precision!r} is not one of 'highest', 'high' or 'medium'; "
                      "the call has no effect", stacklevel=2)
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set by `set_float32_matmul_precision` ('highest' until then)."""
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Remember the switch; glassgrad's CPU ops are deterministic already, so it changes no result."""
    _settings["deterministic"] = bool(mode)
    _settings["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """The mode last given to `use_deterministic_algorithms` (False until then)."""
    return _settings["deterministic"]


def set_num_threads(count: int) -> None:
    """The threads of NumPy's matrix products and of glassgrad's fused kernels."""
    if not (isinstance(count, int) and count >= 1):
        raise ValueError(f"set_num_threads expects a positive int, got {count!r}")
    from .bench.threads import set_threads

    set_threads(count)


def get_num_threads() -> int:
    """The threads NumPy's BLAS uses (or, where that cannot be read, glassgrad's default thread count)."""
    from .bench.threads import blas_threads, default_threads

    return blas_threads() or default_threads()


def get_default_dtype() -> Any:
    """float32, always: glassgrad's default floating dtype."""
    return float32


def set_default_dtype(dtype: Any) -> None:
    """Accept float32; any other dtype raises NotImplementedError saying how to get it (dtype=, model.double())."""
    if to_dtype(dtype) != float32:
        raise NotImplementedError(f"set_default_dtype({dtype}): glassgrad's default dtype is always float32; "
                                  "pass dtype= to the factories (gg.zeros(3, dtype=gg.float64)) or convert a model "
                                  "with model.double()")


def seed() -> int:
    """Seed glassgrad's generator from fresh OS entropy, and return the seed (as torch.seed)."""
    value = int(np.random.SeedSequence().entropy % (2**63))
    _random.manual_seed(value)
    return value


def initial_seed() -> int:
    return _random.initial_seed()
