"""RMSprop (Hinton, Coursera lecture 6e; centered form from Graves 2013), as PyTorch computes it."""

from __future__ import annotations

from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class RMSprop(Optimizer):
    r"""RMSprop: divide each gradient by a running root-mean-square of recent gradients.

    For each parameter θ with gradient ∇f(θ) (with v = 0, ḡ = 0, b = 0 at the start):

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                         if λ ≠ 0      (L2 weight decay)
        v ← α v + (1 - α) g²                             (running mean square)
        if centered:
            ḡ ← α ḡ + (1 - α) g                          (running mean)
            s = √(v - ḡ²) + ε                            (a running standard deviation)
        else:
            s = √v + ε
        if μ > 0:
            b ← μ b + g / s;   θ ← θ - γ b
        else:
            θ ← θ - γ g / s

    with γ = lr, α = alpha, ε = eps, λ = weight_decay, μ = momentum. ε is added after the square root, as in
    PyTorch (TensorFlow adds it inside).

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: learning rate γ (default: 1e-2).
        alpha: smoothing constant α (default: 0.99).
        eps: ε added to the denominator for numerical stability (default: 1e-8).
        weight_decay: L2 penalty λ (default: 0).
        momentum: momentum factor μ (default: 0).
        centered: normalize by an estimate of the gradient's variance instead of its second moment
            (default: False).
        maximize: maximize the objective instead of minimizing it (default: False).
        foreach: accepted for PyTorch compatibility and ignored. capturable, differentiable: only False.

    State per parameter: `step` (a 0-d float32 tensor), `square_avg` (v), `momentum_buffer` (b, when
    momentum > 0) and `grad_avg` (ḡ, when centered); the names are PyTorch's.

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.RMSprop([w], lr=0.01, alpha=0.75)
        >>> w.grad = gg.tensor([2.0, -2.0])
        >>> opt.step()  # v = 0.25 · 4 = 1, so the step is lr · g / 1
        >>> print(w.detach().numpy())
        [ 0.98 -1.98]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameter("RMSprop", "learning rate", lr)
        check_hyperparameter("RMSprop", "epsilon value", eps)
        check_hyperparameter("RMSprop", "momentum value", momentum)
        check_hyperparameter("RMSprop", "weight_decay value", weight_decay)
        check_hyperparameter("RMSprop", "alpha value", alpha)
        check_unsupported_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": step_counter(), "square_avg": zeros_like_param(param)}  # the step is counted, unused
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like_param(param)
        if group["centered"]:
            state["grad_avg"] = zeros_like_param(param)
        return state

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        rmsprop_update(
            param.array, param.grad.array, state["square_avg"].array,
            state["grad_avg"].array if group["centered"] else None,
            state["momentum_buffer"].array if group["momentum"] > 0 else None,
            lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), momentum=float(group["momentum"]),
            maximize=bool(group["maximize"]),
        )  # fmt: skip


def rmsprop_update(
    param: Array,
    grad: Array,
    square_avg: Array,
    grad_avg: Array | None,
    momentum_buffer: Array | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    maximize: bool,
) -> None:
    """One RMSprop step for one parameter, in place on raw arrays (see `RMSprop` for the math).

    `grad_avg` is given exactly when centered, `momentum_buffer` exactly when momentum > 0.
    """
    xp = namespace_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    square_avg *= alpha  # v ← α v + (1 - α) g²
    square_avg += (1 - alpha) * g * g
    if grad_avg is not None:
        grad_avg += (1 - alpha) * (g - grad_avg)  # ḡ ← α ḡ + (1 - α) g, as PyTorch's lerp computes it
        avg = xp.sqrt(square_avg - grad_avg * grad_avg)  # √(v - ḡ²)
    else:
        avg = xp.sqrt(square_avg)  # √v
    avg += eps  # s
    if momentum_buffer is not None:
        momentum_buffer *= momentum  # b ← μ b + g / s
        momentum_buffer += g / avg
        param -= lr * momentum_buffer  # θ ← θ - γ b
    else:
        param -= lr * g / avg  # θ ← θ - γ g / s
