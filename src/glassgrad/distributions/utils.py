"""Helpers shared by the distributions: parameters broadcast together, and probabilities ⇄ logits.

As in `torch.distributions.utils`, with the same names.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..creation import tensor
from ..functional.activation import softmax
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values as tensors of one broadcast shape, in order (expand views, so gradients flow through them).

    Python numbers become tensors of the first tensor's dtype and device, or of the default float32 when all
    are numbers, as in PyTorch.
    """
    return broadcast_parameters("broadcast_all", **{f"argument {i}": value for i, value in enumerate(values)})


def broadcast_parameters(name: str, **values: Any) -> tuple[Tensor, ...]:
    """broadcast_all with the errors naming the distribution `name` and each parameter by its keyword."""
    for argument, value in values.items():
        if not isinstance(value, (Tensor, numbers.Number)) or isinstance(value, bool):
            raise TypeError(
                f"{name}: {argument} must be a float or a Tensor, got {type(value).__name__} {value!r}; "
                "pass a tensor, e.g. gg.tensor(values), for a list or an array"
            )
    like = next((value for value in values.values() if isinstance(value, Tensor)), None)
    dtype = None if like is None else like.dtype
    device = None if like is None else like.device
    converted = [
        value if isinstance(value, Tensor) else tensor(float(value), dtype=dtype, device=device)
        for value in values.values()
    ]
    try:
        shape = np.broadcast_shapes(*(value.shape for value in converted))
    except ValueError:
        shapes = ", ".join(f"{argument} {tuple(value.shape)}" for argument, value in zip(values, converted))
        raise ValueError(
            f"{name}: the parameters' shapes do not broadcast together: {shapes}; give them shapes that do "
            "(equal, or 1 where they differ, aligned from the right)"
        ) from None
    return tuple(value if value.shape == shape else value.expand(shape) for value in converted)


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 − eps], eps = the dtype's machine epsilon, so that their logs stay finite."""
    eps = float(np.finfo(probs.dtype.np).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log p (categorical, the probabilities already normalised), or log p − log(1 − p) (binary), of the
    clamped probabilities: finite even at p = 0 or 1, as in PyTorch."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """σ(logits) (binary), or softmax(logits) along the last dim (categorical)."""
    if is_binary:
        return logits.sigmoid()
    return softmax(logits, dim=-1)
