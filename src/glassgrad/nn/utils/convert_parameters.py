"""Flatten parameters into one vector and back (for second-order methods, line searches, weight averaging)."""

from __future__ import annotations

from typing import Iterable

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ...torch_functions import cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated in order, shape (Σ numel,); differentiable, as PyTorch's."""
    parameters = list(parameters)
    _check_one_device(parameters)
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters, in place, in order.

    PyTorch makes each parameter a view into `vec` (`param.data = ...`); glassgrad copies the values, so later
    writes to `vec` do not change the parameters.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    _check_one_device(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(
            f"vector_to_parameters: vec has shape {vec.shape}, but the parameters hold {total} values; "
            f"expected shape ({total},)"
        )
    pointer = 0
    with no_grad():
        for param in parameters:
            count = param.numel()
            param.array[...] = vec.array[pointer : pointer + count].reshape(param.shape)
            param._version_counter[0] += 1
            pointer += count


def _check_one_device(parameters: list[Tensor]) -> None:
    devices = {str(p.device) for p in parameters}
    if len(devices) > 1:
        raise TypeError(
            f"Found parameters on several devices ({', '.join(sorted(devices))}); move them to one first"
        )
