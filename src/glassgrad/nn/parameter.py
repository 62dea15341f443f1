"""Parameter: a Tensor that a Module registers as learnable when it is assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered by `Module.__setattr__`.

    `Parameter(data)` shares `data`'s memory (no copy), as `torch.nn.Parameter` does; `Parameter()` is an
    empty float32 tensor. Results of ops on a Parameter are plain Tensors.

    Example:
        >>> import glassgrad as gg
        >>> w = Parameter(gg.zeros(2))
        >>> w
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array: Any = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data.array
        else:
            raise TypeError(f"Parameter: data must be a Tensor or None, got {type(data).__name__}")
        super().__init__(array, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter  # shared memory, so shared in-place versions

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(Tensor(self.array.copy()), self.requires_grad)
        memo[id(self)] = result
        return result
