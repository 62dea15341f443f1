"""SGD: stochastic gradient descent, optionally with (Nesterov) momentum, as PyTorch computes it."""

from __future__ import annotations

from typing import Any

from ..backend import Array, namespace_of
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum.

    For each parameter θ with gradient ∇f(θ), at step t:

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                         if λ ≠ 0               (weight decay, an L2 penalty)
        if μ ≠ 0:
            b ← g                          at t = 1               (no dampening on the first step)
            b ← μ b + (1 - τ) g            at t > 1
            g ← g + μ b  if nesterov  else  b
        θ ← θ - γ g

    with γ = lr, μ = momentum, τ = dampening, λ = weight_decay. This is PyTorch's form, where the velocity
    b accumulates gradients and lr multiplies it afterwards (Sutskever et al. 2013 put lr inside b instead);
    the two agree for a constant lr. Nesterov momentum follows the same paper, in the same form.

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: learning rate γ (default: 1e-3).
        momentum: momentum factor μ (default: 0).
        dampening: dampening τ of the gradient added to the momentum buffer (default: 0).
        weight_decay: L2 penalty λ (default: 0).
        nesterov: use Nesterov momentum; needs momentum > 0 and dampening = 0 (default: False).
        maximize: maximize the objective instead of minimizing it (default: False).
        foreach, fused: accepted for PyTorch compatibility and ignored: glassgrad has one implementation.
        differentiable: accepted only as False.

    State per parameter: `momentum_buffer` (when momentum ≠ 0, from the first step on).

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = gg.tensor([0.5, 0.5])
        >>> opt.step()
        >>> print(w.detach().numpy())
        [ 0.95 -2.05]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_hyperparameter("SGD", "learning rate", lr)
        check_hyperparameter("SGD", "momentum value", momentum)
        check_hyperparameter("SGD", "weight_decay value", weight_decay)
        if isinstance(dampening, bool) or not isinstance(dampening, (int, float)):
            raise TypeError(f"SGD: dampening must be a real number, but got {type(dampening).__name__}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum and zero dampening, but got "
                f"momentum={momentum}, dampening={dampening}"
            )
        check_unsupported_flags("SGD", differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize)
        super().__init__(params, defaults)

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        # Plain SGD keeps no state at all (PyTorch's state_dict then has an empty "state"). With momentum the
        # buffer is b ← g of the first step, so it is made there (None until then).
        return {"momentum_buffer": None} if group["momentum"] != 0 else {}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        buffer = state.get("momentum_buffer")
        new_buffer = sgd_update(
            param.array, param.grad.array, None if buffer is None else buffer.array,
            lr=float(group["lr"]), momentum=float(group["momentum"]), dampening=float(group["dampening"]),
            weight_decay=float(group["weight_decay"]), nesterov=bool(group["nesterov"]),
            maximize=bool(group["maximize"]),
        )  # fmt: skip
        if buffer is None and new_buffer is not None:
            state["momentum_buffer"] = Tensor(new_buffer)


def sgd_update(
    param: Array,
    grad: Array,
    momentum_buffer: Array | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> Array | None:
    """One SGD step for one parameter, in place on raw arrays (see `SGD` for the math).

    Returns the momentum buffer: the one given (updated in place), a new one on the first step, or None
    without momentum. Hyperparameters are Python floats, so a float32 parameter stays float32.
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    if momentum != 0:
        if momentum_buffer is None:
            # b ← g on the first step. xp.array copies, and keeps a 0-d g an array (NumPy ufuncs return
            # scalars for 0-d inputs, and a scalar would lose its dtype in Tensor()).
            momentum_buffer = namespace_of(param).array(g)
        else:
            momentum_buffer *= momentum  # b ← μ b + (1 - τ) g
            momentum_buffer += (1 - dampening) * g
        g = g + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * g  # θ ← θ - γ g
    return momentum_buffer
