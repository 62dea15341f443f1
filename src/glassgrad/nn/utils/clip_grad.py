"""Gradient clipping, as `torch.nn.utils`: by total norm (rescale every gradient) or by value (clamp each)."""

from __future__ import annotations

import math
from typing import Iterable

from ...backend import namespace_of
from ...creation import tensor
from ...tensor import Tensor

TensorOrTensors = Tensor | Iterable[Tensor]


def _grads(parameters: TensorOrTensors) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """‖(‖t₁‖ₚ, ‖t₂‖ₚ, ...)‖ₚ: the p-norm of all tensors taken as one vector (p = ∞: the largest |tᵢ|)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    xp = namespace_of(tensors[0].array)
    if norm_type == math.inf:
        norms = [xp.abs(t.array).max() for t in tensors]
        total = xp.max(xp.stack(norms))
    else:
        # Per-tensor norms first, then the norm of norms: the same value as one big vector, in float32.
        norms = [xp.linalg.norm(t.array.reshape(-1), ord=norm_type) for t in tensors]
        total = xp.linalg.norm(xp.stack(norms), ord=norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return Tensor(xp.asarray(total))


def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    _scale(_grads(parameters), max_norm, total_norm)


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients of `parameters` in place so their total `norm_type`-norm is at most `max_norm`.

    total = ‖(‖g₁‖ₚ, ..., ‖gₙ‖ₚ)‖ₚ;   gᵢ ← gᵢ · min(1, max_norm / (total + 1e-6)).
    Returns the total norm before clipping (a 0-d tensor). `foreach` is accepted for PyTorch compatibility.
    """
    grads = _grads(parameters)
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale(grads, max_norm, total_norm)
    return total_norm


def _scale(grads: list[Tensor], max_norm: float, total_norm: Tensor) -> None:
    if not grads:
        return
    clip_coef = float(max_norm) / (float(total_norm.item()) + 1e-6)
    # PyTorch always multiplies (by 1 when the norm is small enough), so a nan norm gives nan gradients.
    clip_coef_clamped = clip_coef if math.isnan(clip_coef) else min(clip_coef, 1.0)
    for grad in grads:
        grad.array *= clip_coef_clamped  # a Python float keeps float32 grads float32


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient of `parameters` to [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for grad in _grads(parameters):
        namespace_of(grad.array).clip(grad.array, -clip_value, clip_value, out=grad.array)
