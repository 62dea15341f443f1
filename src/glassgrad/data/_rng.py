"""Which NumPy random generator a data utility draws from.

Every random choice in `glassgrad.data` and `glassgrad.datasets` (shuffling, `random_split`, `get_batch`)
goes through `numpy_generator`, so one rule holds everywhere: an explicit `generator=` wins; otherwise the
draw comes from the global generator that `gg.manual_seed(n)` reseeds, as PyTorch's `default_generator`.
"""

from __future__ import annotations

import numpy as np


def numpy_generator(generator: object | None, where: str) -> np.random.Generator:
    """The `np.random.Generator` to draw from.

    Args:
        generator: None (the global generator, looked up now, so a later `gg.manual_seed` is seen), a
            `gg.Generator`, or a plain `np.random.Generator`.
        where: the caller's name, for the error message.
    """
    if generator is None:
        from glassgrad.backend import random as backend_random  # late: the data layer sits above the backend

        return backend_random.default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    inner = getattr(generator, "numpy_generator", None)
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(
        f"{where}: generator must be a gg.Generator (or a np.random.Generator), "
        f"got {type(generator).__name__}; "
        "create one with g = gg.Generator(); g.manual_seed(0)"
    )
