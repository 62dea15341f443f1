"""Random state: one seedable generator behind every random draw in glassgrad.

`gg.manual_seed(n)` reseeds it, so initialisation, dropout, shuffling and sampling all repeat exactly.
Draws are made with NumPy (also for cuda tensors, then copied), so a seed gives the same numbers on every device.
"""

from __future__ import annotations

import numpy as np

_default = np.random.default_rng(0)


class Generator:
    """A torch-like generator object: `g = gg.Generator(); g.manual_seed(0)`; pass it as `generator=`."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.numpy_generator = np.random.default_rng()
        self._seed: int | None = None

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> dict:
        return self.numpy_generator.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy_generator.bit_generator.state = state


def manual_seed(seed: int) -> None:
    """Make every random draw of glassgrad reproducible from here on."""
    global _default
    _default = np.random.default_rng(int(seed))


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
    _default.bit_generator.state = state
