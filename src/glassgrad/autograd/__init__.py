"""Reverse-mode automatic differentiation: graph nodes, ops, the backward engine, grad mode, gradcheck and
gradgradcheck, and higher-order products (functional.hvp, vhp).

See README.md beside this file for how the pieces fit.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..backend import namespace_of
from . import functional
from .engine import run_backward, topological_order
from .function import Function
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import Node, Op
from .tensor_factory import is_tensor, make_tensor


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned as a tuple, without touching any `.grad`.

    `grad_outputs` are the vectors of the vector-Jacobian product (required for non-scalar outputs). With
    `create_graph=True` the gradients are tensors with a graph, so they can be differentiated again (then
    `retain_graph` defaults to True, as in PyTorch).
    """
    if retain_graph is None:
        retain_graph = create_graph
    outputs = list(outputs) if isinstance(outputs, Sequence) else [outputs]
    single = is_tensor(inputs)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif is_tensor(grad_outputs):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: an input of shape {t.shape} does not require grad")
    roots = [(out, _initial_grad(out, g, "autograd.grad", create_graph)) for out, g in zip(outputs, grad_outputs)]
    grads = run_backward(roots, retain_graph=bool(retain_graph), capture=inputs, create_graph=create_graph)
    result = []
    for t, g in zip(inputs, grads):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: an input of shape {t.shape} was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        result.append(g if g is None or is_tensor(g) else make_tensor(g))
    return tuple(result)


def _initial_grad(output: Any, gradient: Any, caller: str, create_graph: bool = False) -> Any:
    """The gradient that starts backward: ones for a scalar, else the given `gradient` as an array (with
    `create_graph`, a given tensor as it is: the gradients then depend on it through its graph)."""
    if not output.requires_grad:
        raise RuntimeError(
            f"{caller}: element 0 of tensors does not require grad and does not have a grad_fn; "
            "make an input require grad (requires_grad=True) before computing the output"
        )
    xp = namespace_of(output.array)
    if gradient is None:
        if output.array.size != 1:
            raise RuntimeError(
                f"{caller}: grad can be implicitly created only for scalar outputs, but the output has shape "
                f"{output.shape}; call .sum() first or pass gradient= of that shape"
            )
        return xp.ones(output.array.shape, dtype=output.array.dtype)
    array = gradient.array if is_tensor(gradient) else xp.asarray(gradient, dtype=output.array.dtype)
    if array.shape != output.array.shape:
        raise ValueError(
            f"{caller}: gradient has shape {tuple(array.shape)} but the output has shape {output.shape}"
        )
    return gradient if create_graph and is_tensor(gradient) else array


__all__ = [
    "Function", "GradcheckError", "Node", "Op", "enable_grad", "functional", "grad", "gradcheck",
    "gradgradcheck", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad", "run_backward",
    "set_grad_enabled", "topological_order",
]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.autograd")  # "glassgrad does not implement torch.autograd.X"
