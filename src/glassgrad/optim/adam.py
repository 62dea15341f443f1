"""Adam and AdamW, as PyTorch computes them (Kingma & Ba 2015; Loshchilov & Hutter 2019)."""

from __future__ import annotations

import math
from typing import Any

from ..backend import Array, namespace_of
from ..kernels.registry import reference
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check_hyperparameter, check_unsupported_flags, step_counter, zeros_like_param


class Adam(Optimizer):
    r"""Adam: steps scaled by running estimates of the gradient's first and second moments.

    For each parameter θ with gradient ∇f(θ), at step t = 1, 2, ... (with m₀ = v₀ = v₀ᵐᵃˣ = 0):

        g ← -∇f(θ) if maximize else ∇f(θ)
        g ← g + λθ                         if λ ≠ 0      (L2 weight decay, through the gradient)
        m ← β₁ m + (1 - β₁) g                            (first moment)
        v ← β₂ v + (1 - β₂) g²                           (second moment)
        m̂ = m / (1 - β₁ᵗ)                                (bias corrections)
        vᵐᵃˣ ← max(vᵐᵃˣ, v);  v̂ = vᵐᵃˣ / (1 - β₂ᵗ)       if amsgrad
        v̂ = v / (1 - β₂ᵗ)                                otherwise
        θ ← θ - γ m̂ / (√v̂ + ε)

    with γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay. For decay that does not pass through m and v,
    use `AdamW`. AMSGrad is from Reddi et al., "On the Convergence of Adam and Beyond" (ICLR 2018).

    Args:
        params: tensors or parameter groups to optimize (see `Optimizer`).
        lr: learning rate γ (default: 1e-3).
        betas: (β₁, β₂), decay rates of the moment estimates, each in [0, 1) (default: (0.9, 0.999)).
        eps: ε added to the denominator for numerical stability (default: 1e-8).
        weight_decay: L2 penalty λ (default: 0).
        amsgrad: use the AMSGrad variant (default: False).
        maximize: maximize the objective instead of minimizing it (default: False).
        foreach, fused: accepted for PyTorch compatibility and ignored: glassgrad has one implementation.
        capturable, differentiable: accepted only as False.

    State per parameter: `step` (a 0-d float32 tensor), `exp_avg` (m), `exp_avg_sq` (v) and, with amsgrad,
    `max_exp_avg_sq` (vᵐᵃˣ); the names are PyTorch's.

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.Adam([w], lr=0.1)
        >>> w.grad = gg.tensor([0.5, -3.0])
        >>> opt.step()  # the first Adam step moves each coordinate by about lr, against the gradient's sign
        >>> print(w.detach().numpy().round(4))
        [ 0.9 -1.9]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        name = type(self).__name__
        check_hyperparameter(name, "learning rate", lr)
        check_hyperparameter(name, "epsilon value", eps)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), but got {betas!r}")
        check_hyperparameter(name, "beta parameter at index 0", betas[0], high=1.0)
        check_hyperparameter(name, "beta parameter at index 1", betas[1], high=1.0)
        check_hyperparameter(name, "weight_decay value", weight_decay)
        check_unsupported_flags(name, capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": step_counter(), "exp_avg": zeros_like_param(param), "exp_avg_sq": zeros_like_param(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like_param(param)
        return state

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        step, lr, eps = float(state["step"].array), float(group["lr"]), float(group["eps"])
        beta1, beta2 = group["betas"]
        weight_decay, decoupled_decay = self.weight_decays(group)
        maximize = bool(group["maximize"])
        max_exp_avg_sq = state["max_exp_avg_sq"].array if group["amsgrad"] else None
        # By position, each named as adam_update's parameter: keywords would cost a dict at each frame of the seam.
        adam_update(param.array, param.grad.array, state["exp_avg"].array, state["exp_avg_sq"].array, step, lr,
                    float(beta1), float(beta2), eps, weight_decay, decoupled_decay, maximize, max_exp_avg_sq)

    def weight_decays(self, group: dict[str, Any]) -> tuple[float, float]:
        """(λ of the L2 term g ← g + λθ, γλ of the decoupled θ ← θ - γλθ): Adam's weight decay is all L2."""
        return float(group["weight_decay"]), 0.0


@reference("adam_update")  # fast path, when not amsgrad: kernels/adam.py
def adam_update(
    param: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    step: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled_decay: float,
    maximize: bool,
    max_exp_avg_sq: Array | None = None,
) -> None:
    """One Adam or AdamW step for one parameter, in place on raw arrays (see `Adam` and `AdamW` for the math).

    `step` is t after this step's increment; `weight_decay` is Adam's L2 λ and `decoupled_decay` AdamW's γλ
    (each optimizer passes 0 for the other); `max_exp_avg_sq` (vᵐᵃˣ) is given exactly when amsgrad is on.
    The operations and their order are those of PyTorch's single-tensor Adam. Results agree with PyTorch's
    to a few float32 ulps, not bitwise: its CPU kernels fuse multiply-adds (lerp, addcmul) and its sqrt is
    not always correctly rounded.
    """
    xp = namespace_of(param)
    if decoupled_decay != 0:
        param *= 1 - decoupled_decay  # θ ← θ - γλθ (AdamW)
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param  # g ← g + λθ
    exp_avg += (1 - beta1) * (g - exp_avg)  # m ← β₁ m + (1 - β₁) g, as PyTorch's lerp computes it
    exp_avg_sq *= beta2  # v ← β₂ v + (1 - β₂) g²
    exp_avg_sq += (1 - beta2) * g * g
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1  # γ / (1 - β₁ᵗ), folded into one scalar
    bias_correction2_sqrt = math.sqrt(bias_correction2)
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)  # vᵐᵃˣ ← max(vᵐᵃˣ, v)
        denom = xp.sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps  # √v̂ + ε
    else:
        denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps  # √v̂ + ε
    param -= step_size * exp_avg / denom  # θ ← θ - γ m̂ / (√v̂ + ε)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019).

    Each step first shrinks the weights, then takes a plain Adam step (with no L2 term in g):

        θ ← θ - γ λ θ
        θ ← Adam step of θ with λ = 0  (see `Adam`)

    so the decay is not rescaled by √v̂ as an L2 gradient term would be. Same arguments and state as `Adam`,
    except that `weight_decay` is λ of the formula above and defaults to 1e-2, as in PyTorch.

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = gg.tensor([0.0, 0.0])  # no gradient: only the decay acts, θ ← θ (1 - 0.1 · 0.5)
        >>> opt.step()
        >>> print(w.detach().numpy())
        [ 0.95 -1.9 ]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, **flags: Any) -> None:
        """Adam's arguments; only `weight_decay`'s default differs (keyword-only flags as `Adam`'s)."""
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **flags)

    def weight_decays(self, group: dict[str, Any]) -> tuple[float, float]:
        """AdamW's weight decay is all decoupled: θ ← θ - γλθ first, then Adam with no L2 term in g."""
        return 0.0, float(group["lr"]) * float(group["weight_decay"])
