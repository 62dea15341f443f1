"""Dropout: randomly zero activations while training (Srivastava et al., 2014)."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """During training, zeroes each element with probability `p` and scales the others by 1/(1 − p), so the
    expected activation is unchanged; in eval mode it is the identity.

    Args:
        p: probability of an element to be zeroed (default: 0.5)
        inplace: do the operation in place (default: False)

    Shape: input (*), output (*), the same shape.

    Example:
        >>> import glassgrad as gg
        >>> m = Dropout(p=0.2).eval()
        >>> x = gg.randn(20, 16)
        >>> m(x) is x
        True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """During training, zeroes each whole channel of a (N, C, L) or (C, L) input with probability `p` and scales
    the others by 1/(1 − p); in eval mode it is the identity. Neighbouring positions of a channel are strongly
    correlated, so dropping single elements would barely regularize: dropping the channel does.

    Args: p (default: 0.5), inplace (default: False), as `Dropout`.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """During training, zeroes each whole channel (feature map) of a (N, C, H, W) or (C, H, W) input with
    probability `p` and scales the others by 1/(1 − p); in eval mode it is the identity.

    Args: p (default: 0.5), inplace (default: False), as `Dropout`.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.dropout2d(input, self.p, self.training, self.inplace)
