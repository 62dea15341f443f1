"""F.instance_norm: each (sample, channel) plane standardised over its own positions (Ulyanov et al. 2016).

    y[n, c] = (x[n, c] − E[x[n, c]]) / √(Var[x[n, c]] + ε) · γ[c] + β[c]

As in PyTorch, this is batch normalisation of the input viewed as one sample with N·C channels, (1, N·C, *),
with γ, β and the running statistics repeated N times; so it reuses F.batch_norm's fused op and backward. The
running statistics are then the average over the batch of the N per-sample updates.
"""

from __future__ import annotations

from ..tensor import Tensor
from .normalization import batch_norm


def _repeated(tensor: Tensor | None, times: int) -> Tensor | None:
    return None if tensor is None else tensor.repeat(times)


def instance_norm(
    input: Tensor,  # noqa: A002 - PyTorch's name
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation of (N, C, *) input, as torch.nn.functional.instance_norm.

    use_input_stats=True normalises each (n, c) plane with its own mean and biased variance and, when given,
    updates running_mean/running_var in place by the batch average of the per-plane updates; False uses them.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm: expected a Tensor input, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an (N, C, *) input with at least one spatial dim, got shape "
                         f"{input.shape}; add a batch dim with .unsqueeze(0)")
    N, C = input.shape[:2]
    if use_input_stats and input.numel() // (N * C) == 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input of shape "
                         f"{input.shape}")
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.shape != (C,):
            raise ValueError(f"instance_norm: {name} must have shape ({C},), one value per channel of the input "
                             f"{input.shape}, got {tensor.shape}")
    mean_rows, var_rows = _repeated(running_mean, N), _repeated(running_var, N)  # (N·C,): updated by batch_norm
    y = batch_norm(input.reshape(1, N * C, *input.shape[2:]), mean_rows, var_rows, _repeated(weight, N),
                   _repeated(bias, N), use_input_stats, momentum, eps)
    if use_input_stats:
        for running, rows in ((running_mean, mean_rows), (running_var, var_rows)):
            if running is not None:
                running.array[...] = rows.array.reshape(N, C).mean(axis=0)
                running._version_counter[0] += 1  # an in-place write, as PyTorch's copy_ counts it
    return y.reshape(input.shape)
