"""Normalisation layers over channels: BatchNorm1d, BatchNorm2d (Ioffe & Szegedy 2015), GroupNorm (Wu & He
2018) and InstanceNorm1d/2d (Ulyanov et al. 2016), over the fused ops of `functional/normalization.py` (whose
docstring derives the backward).

(LayerNorm and RMSNorm, which normalise over trailing dims, are in `nn/layer_norm.py`.)
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import creation
from .. import functional as F
from ..autograd import no_grad
from ..backend import int64
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _make_bias(module: Module, bias: bool, size: int, dtype: Any, device: Any) -> None:
    if bias:
        module.bias = Parameter(creation.empty(size, dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)


def _reset_affine(module: Module) -> None:
    """γ = 1 and β = 0: the layer starts as a pure standardisation."""
    if module.affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share: parameters, running statistics and PyTorch's forward logic."""

    _dims: tuple[int, ...] = ()  # accepted input ranks, set by the subclasses

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(creation.empty(num_features, dtype=dtype, device=device))
            _make_bias(self, bias, num_features, dtype, device)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():  # in-place methods, so the buffers' version counters record the reset
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        self._check_input(input)
        # 1. the averaging factor: `momentum`, or 1/t for a cumulative average when momentum is None
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.array += 1
            self.num_batches_tracked._version_counter[0] += 1  # an in-place write, as PyTorch counts it
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.array)
        # 2. batch statistics in training, and in evaluation when there are no running statistics to use
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # 3. running statistics are read in evaluation and updated in training (when tracked)
        update = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if update else None,
            self.running_var if update else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def _check_input(self, input: Tensor) -> None:  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        ranks = " or ".join(f"{d}-D" for d in self._dims)
        if input.ndim not in self._dims:
            raise ValueError(f"{self!r}: expected {ranks} input, got input of shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: expected input with {self.num_features} channels (dim 1), got input of shape "
                f"{input.shape} with {input.shape[1]} channels"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch normalisation of (N, C) or (N, C, L) input per channel:  y = (x − E[x]) / √(Var[x] + ε) · γ + β.

    In training, E[x] and Var[x] (biased) are taken over the batch (and L) for each channel, and the running
    statistics follow  running = (1 − momentum)·running + momentum·batch  with the *unbiased* batch variance
    (momentum=None: the cumulative average over the batches seen, 1/num_batches_tracked). In evaluation the
    running statistics are used; with track_running_stats=False the batch statistics are used in both modes.

    Args:
        num_features: C
        eps: added to the variance (default: 1e-5)
        momentum: weight of the newest batch in the running statistics, or None (default: 0.1)
        affine: learn γ (weight) and β (bias) (default: True)
        bias: with affine, learn β; False keeps only γ (keyword-only, default: True)
        track_running_stats: keep running_mean, running_var and num_batches_tracked (default: True)

    Attributes:
        weight, bias: γ (C,) initialised to 1 and β (C,) initialised to 0, when affine
        running_mean, running_var: buffers (C,), initialised to 0 and 1
        num_batches_tracked: int64 buffer counting the training batches

    Example:
        >>> import glassgrad as gg
        >>> BatchNorm1d(100)(gg.randn(20, 100)).shape
        (20, 100)
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    r"""Batch normalisation of (N, C, H, W) input per channel, over the batch and the positions; see BatchNorm1d.

    Example:
        >>> import glassgrad as gg
        >>> bn = BatchNorm2d(16)
        >>> bn
        BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> bn(gg.randn(8, 16, 5, 5)).shape
        (8, 16, 5, 5)
    """

    _dims = (4,)


class GroupNorm(Module):
    r"""Group normalisation: the C channels split into num_groups groups, each sample's group standardised over
    its channels and positions, y = (x − E[x]) / √(Var[x] + ε) · γ + β with γ, β per channel. Independent of the
    batch size, and the same in training and evaluation.

    Args:
        num_groups: number of groups, dividing num_channels
        num_channels: C
        eps: added to the variance (default: 1e-5)
        affine: learn γ (weight, init 1) and β (bias, init 0) of shape (C,) (default: True)
        bias: with affine, learn β; False keeps only γ (keyword-only, default: True)

    Shape: input (N, C, *); output the same.

    Example:
        >>> import glassgrad as gg
        >>> GroupNorm(3, 6)(gg.randn(20, 6, 10, 10)).shape
        (20, 6, 10, 10)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(creation.empty(num_channels, dtype=dtype, device=device))
            _make_bias(self, bias, num_channels, dtype, device)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        if isinstance(input, Tensor) and (input.ndim < 2 or input.shape[1] != self.num_channels):
            raise ValueError(
                f"{self!r}: expected input (N, {self.num_channels}, *), got input of shape {input.shape}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_BatchNorm):
    """InstanceNorm1d/2d: _BatchNorm's parameters, buffers and repr, with PyTorch's InstanceNorm defaults
    (affine=False, track_running_stats=False) and F.instance_norm as forward. num_batches_tracked is kept for
    state_dict compatibility and, as in PyTorch, never counts."""

    _spatial: int = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{self!r}: expected {unbatched}-D (unbatched) or {unbatched + 1}-D (batched) input, "
                             f"got input of shape {input.shape}")
        channels = input.shape[input.ndim - unbatched]
        if channels != self.num_features:
            message = (f"input's size at dim={input.ndim - unbatched} does not match num_features ({channels} vs "
                       f"{self.num_features})")
            if self.affine:
                raise ValueError(f"{self!r}: {message}; the affine weight needs one value per channel")
            warnings.warn(f"{message}. You can silence this warning by not passing in num_features, which is not "
                          "used because affine=False", stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if input.ndim == unbatched else y


class InstanceNorm1d(_InstanceNorm):
    r"""Instance normalisation of (N, C, L) or (C, L) input: each sample's channel standardised over L,
    y = (x − E[x]) / √(Var[x] + ε) · γ + β (Ulyanov et al. 2016).

    With track_running_stats=True the running statistics (the batch average of the per-instance ones) are kept
    in training and used in evaluation. γ and β exist with affine=True (initialised to 1 and 0).
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    r"""Instance normalisation of (N, C, H, W) or (C, H, W) input over each sample's channel plane; see
    InstanceNorm1d."""

    _spatial = 2
