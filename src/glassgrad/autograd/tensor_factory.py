"""Tensors for the layers below tensor.py: `is_tensor(x)` and `make_tensor(array)`, used by autograd/ and ops/.

The Tensor class sits above these layers (its methods dispatch to ops/, which sit on autograd/), yet they make
tensors (an op's result, a constant in a backward that records a graph) and tell tensors from raw arrays and
numbers. They ask this module, which imports nothing of glassgrad, so no import cycle forms: tensor.py
registers its class here once, right after defining it (`register_tensor_class(Tensor)`), which is before any
op can run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The Tensor class, once tensor.py has registered it. Hot loops (Op.apply) read it as `tensor_factory.Tensor`
# instead of calling is_tensor, to save a call per argument.
Tensor: Any = None


def register_tensor_class(tensor_class: type) -> None:
    """Called once, by tensor.py, with the class every tensor of glassgrad is an instance of."""
    global Tensor
    Tensor = tensor_class


def is_tensor(value: Any) -> bool:
    """Whether `value` is a Tensor (a Parameter is one), not a raw array, a number or None."""
    return isinstance(value, Tensor)


def make_tensor(value: Any, requires_grad: bool = False) -> Any:
    """A tensor around a raw array, outside the graph: a leaf, so no gradient flows into what made the array.

    The array is not copied. A NumPy scalar or a Python number (what NumPy's arithmetic on 0-d arrays gives)
    becomes a 0-d array of its own dtype: `Tensor(2.0)` would make a float32, as `torch.Tensor(2.0)` does.
    """
    if isinstance(value, (np.generic, bool, int, float)):
        value = np.asarray(value)
    return Tensor(value, requires_grad)
