"""Random state: one seedable generator behind every random draw in glassgrad.

`gg.manual_seed(n)` reseeds it, so initialisation, dropout, shuffling and sampling all repeat exactly.
Draws are made with NumPy (also for cuda tensors, then copied), so a seed gives the same numbers on every device.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

_default = np.random.default_rng(0)
_initial_seed = 0  # the seed `_default` was made from (`torch.initial_seed()`)


class Generator:
    """A torch-like generator object: `g = gg.Generator(); g.manual_seed(0)`; pass it as `generator=`."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.numpy_generator = np.random.default_rng()
        self._seed: int | None = None

    def manual_seed(self, seed: int) -> Generator:
        self._seed = seed_to_uint64("Generator.manual_seed", seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> dict:
        return self.numpy_generator.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy_generator.bit_generator.state = state


def manual_seed(seed: int) -> None:
    """Make every random draw of glassgrad reproducible from here on (any seed in [-2**63, 2**64 - 1])."""
    global _default, _initial_seed
    _initial_seed = seed_to_uint64("manual_seed", seed)
    _default = np.random.default_rng(_initial_seed)


def initial_seed() -> int:
    """The seed of the last `manual_seed` (0 before any)."""
    return _initial_seed


def seed_to_uint64(name: str, seed: Any) -> int:
    """The seed as PyTorch stores it: an unsigned 64-bit integer; a negative seed wraps around (-1 -> 2**64 - 1).

    PyTorch reads a seed as uint64 and, if that overflows, as int64 reinterpreted as uint64, so the accepted
    range is [-2**63, 2**64 - 1]. A float or string is refused (as `torch.Generator.manual_seed` does) rather
    than truncated: `torch.manual_seed(1.5)` silently seeds with 1, so 1.5 and 1.9 would give the same draws.
    """
    try:
        value = operator.index(seed)  # int, bool, NumPy integers, one-element integer tensors
    except TypeError:
        raise TypeError(
            f"{name}: the seed must be an integer, got {type(seed).__name__} {seed!r}; pass int(seed) "
            "if rounding it is what you want"
        ) from None
    if not -(2**63) <= value < 2**64:
        raise ValueError(
            f"{name}: the seed must be in [-2**63, 2**64 - 1] (it is stored in 64 bits), got {value}; "
            "reduce it, e.g. seed % 2**64"
        )
    return value % 2**64


def default_generator() -> np.random.Generator:
    """The global NumPy generator that `manual_seed` reseeds."""
    return _default


def generator_for(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator to draw from: the given one's, else the global one."""
    return _default if generator is None else generator.numpy_generator


def get_rng_state() -> dict:
    """The global generator's state (JSON-serialisable), for checkpoints."""
    return _default.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore the global generator to a state `get_rng_state` returned: the draws that follow repeat."""
    _default.bit_generator.state = state
