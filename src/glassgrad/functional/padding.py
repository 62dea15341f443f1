"""F.pad: add values around the last dimensions of a tensor (zeros or a constant, a mirror, the edge, a wrap)."""

from __future__ import annotations

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of
from ..ops.select import where
from ..tensor import Tensor

# PyTorch's mode names and NumPy's for the same thing.
_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class PadOp(Op):
    """y = x padded by `widths` ((before, after) per dim).

    dy/dx: with a constant, the gradient of the original region (a slice); with reflect, replicate or circular,
    each input element also receives the gradients of the padded copies of itself (summed by index).
    """

    @staticmethod
    def forward(ctx, x, widths, mode, value):
        ctx.shape, ctx.widths, ctx.mode = x.shape, widths, mode
        if mode == "constant":
            return namespace_of(x).pad(x, widths, mode="constant", constant_values=value)
        return namespace_of(x).pad(x, widths, mode=_MODES[mode])

    @staticmethod
    def backward(ctx, grad):
        widths, mode = ctx.widths, ctx.mode
        xp = namespace_of(grad)
        if mode == "constant":
            region = tuple(slice(before, before + size) for (before, _), size in zip(widths, ctx.shape))
            return grad[region], None, None, None
        # Which input element each output element copies: pad an array of indices the same way.
        source = xp.pad(xp.arange(int(np.prod(ctx.shape))).reshape(ctx.shape), widths, mode=_MODES[mode])
        summed = xp.bincount(source.reshape(-1), weights=grad.reshape(-1), minlength=int(np.prod(ctx.shape)))
        return summed.reshape(ctx.shape).astype(grad.dtype), None, None, None

    @staticmethod
    def reference(ctx, x, widths, mode, value):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        # Which input element each output element copies (as backward), gathered from the flat input.
        size = int(np.prod(x.shape))
        if mode == "constant":
            source = np.pad(np.arange(size).reshape(x.shape), widths, mode="constant", constant_values=-1)
            inside = Tensor(source >= 0)
            return where(inside, x.reshape(-1)[np.maximum(source, 0)], value)
        source = np.pad(np.arange(size).reshape(x.shape), widths, mode=_MODES[mode])
        return x.reshape(-1)[source]


def pad(input: Tensor, pad: tuple[int, ...], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """PadOp the last len(pad) // 2 dims of `input`, as torch.nn.functional.pad.

    `pad` lists (before, after) pairs starting from the LAST dimension: `(1, 1)` pads the last dim by one on each
    side, `(1, 1, 2, 0)` also pads the second-to-last by two at its start. Modes: 'constant' (with `value`,
    default 0), 'reflect', 'replicate', 'circular'.
    """
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {sorted(_MODES)}, got {mode!r}")
    if not all(isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad: the padding must be a tuple of ints, got {tuple(pad)!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: the padding {pad} must hold a (before, after) pair for each of at most {input.ndim} dims "
            f"(input shape {input.shape})"
        )
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported; slice the tensor instead")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: value is only used with mode='constant', got mode={mode!r} and value={value}")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]  # last dim first
    widths = tuple([(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1])
    if mode == "reflect":
        for (before, after), size in zip(widths, input.shape):
            if max(before, after) >= size and (before or after):
                raise ValueError(
                    f"pad: reflect padding ({before}, {after}) must be smaller than the dim it pads ({size}); "
                    f"input shape {input.shape}"
                )
    return PadOp.apply(input, widths, mode, 0.0 if value is None else value)
