"""Negative log-likelihood losses of distributions given by their parameters: gaussian_nll_loss, poisson_nll_loss.

Both are composed from differentiable tensor ops (no backward of their own), in PyTorch's order of operations.
"""

from __future__ import annotations

import math

from ...creation import full_like
from ...ops import select as select_ops
from ...tensor import Tensor
from . import _reduction


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """½·(log max(σ², eps) + (x − t)²/max(σ², eps)) (+ ½·log 2π with full=True), x the predicted mean.

    d/dx = (x − t)/σ²,  d/dσ² = ½·(1/σ² − (x − t)²/σ⁴). As in PyTorch the clamp by eps changes the value only:
    the gradient with respect to σ² is taken as if unclamped. var is (*) as input (heteroscedastic), or input's
    shape without its last dim or with it 1 (one variance per sample), or a float.
    """
    name = "gaussian_nll_loss"
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries ({var})")
        var = full_like(input, float(var))
    elif bool((var < 0).any()):
        raise ValueError(f"{name}: var has negative entry/entries; a variance must be ≥ 0")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)  # one variance per sample: (*, 1) broadcasts over input's last dim
        elif not (input.shape[:-1] == var.shape[:-1] and var.shape[-1:] == (1,)):
            raise ValueError(f"{name}: var is of incorrect size {var.shape} for input {input.shape}: give input's "
                             "shape, input's shape without its last dim, or that dim as 1")
    if reduction not in _reduction.REDUCTIONS:
        raise ValueError(f"{name}: {reduction} is not valid; use 'none', 'mean' or 'sum'")
    clamped = var + (var.clamp(min=eps) - var).detach()  # PyTorch clamps a clone in place under no_grad
    loss = ((input - target) ** 2 / clamped + clamped.log()) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduction.reduce_tensor(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """exp(x) − t·x with log_input=True (x = log λ), else x − t·log(x + eps) (x = λ).

    full=True adds Stirling's approximation of log(t!), t·log t − t + ½·log(2πt), where t > 1.
    d/dx = exp(x) − t (log_input) or 1 − t/(x + eps).
    """
    reduction = _reduction.resolve("poisson_nll_loss", reduction, size_average, reduce)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        safe = select_ops.where(target > 1, target, 1.0)  # the term is 0 where t ≤ 1: log(1) keeps it finite
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return _reduction.reduce_tensor(loss, reduction)
