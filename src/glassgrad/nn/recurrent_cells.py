"""Single-step recurrent cells: RNNCell, LSTMCell, GRUCell (one time step; the caller loops over time).

Each cell is two matrix products (x W_ihᵀ and h W_hhᵀ, all gates at once) and, for the LSTM and GRU, one fused
elementwise update with a hand-written backward (`functional/recurrent.py`). For whole sequences, `nn.LSTM`
& co. are much faster: they fuse all time steps into one op.
"""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter
from .recurrent import check_weights


class RNNCellBase(Module):
    """Parameters and checks shared by the cells: `weight_ih` (G·H, I), `weight_hh` (G·H, H), `bias_ih` and
    `bias_hh` (G·H), for G gates, initialised from U(−1/√H, 1/√H) as in PyTorch."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for label, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {label} should be a positive integer, got {value!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self._weight_shapes = [
            ("weight_ih", (num_chunks * hidden_size, input_size)),
            ("weight_hh", (num_chunks * hidden_size, hidden_size)),
        ] + ([("bias_ih", (num_chunks * hidden_size,)), ("bias_hh", (num_chunks * hidden_size,))] if bias else [])
        self._num_chunks = num_chunks
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size), dtype=dtype, device=device))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size), dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input: Tensor, states: list[Tensor | None]) -> tuple[Tensor, list[Tensor], bool]:
        """Check shapes, add a batch dim to unbatched input, and make zero states where none were given."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size} "
                f"(input shape {tuple(input.shape)})"
            )
        check_weights(self, self._weight_shapes, self._num_chunks)
        if input.dtype != self.weight_ih.dtype:
            raise TypeError(f"{name}: input must have the type {self.weight_ih.dtype}, got type {input.dtype}")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        prepared = []
        for state in states:
            if state is None:
                state = creation.zeros((batch, self.hidden_size), dtype=input.dtype, device=input.device)
            else:
                if state.dim() != (2 if batched else 1):
                    raise ValueError(
                        f"{name}: for {'batched 2-D' if batched else 'unbatched 1-D'} input, hx should be "
                        f"{'2' if batched else '1'}-D, got shape {tuple(state.shape)}"
                    )
                state = state if batched else state.unsqueeze(0)
                if state.shape[0] != batch:
                    raise ValueError(
                        f"{name}: Input batch size {batch} doesn't match hidden0 batch size {state.shape[0]}"
                    )
                if state.shape[1] != self.hidden_size:
                    raise ValueError(
                        f"{name}: hidden0 has inconsistent hidden_size: got {state.shape[1]}, expected "
                        f"{self.hidden_size}"
                    )
            prepared.append(state)
        return input, prepared, batched

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    r"""An Elman RNN cell: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Args: input_size, hidden_size, bias (default True), nonlinearity ``'tanh'`` (default) or ``'relu'``,
    device, dtype.

    Inputs: input (B, I) or (I), hidden (B, H) or (H) (zeros if omitted). Output: h' (B, H) or (H).

    Attributes: ``weight_ih`` (H, I), ``weight_hh`` (H, H), ``bias_ih``, ``bias_hh`` (H), all from
    U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> cell = RNNCell(10, 20)
        >>> h = gg.zeros(3, 20)
        >>> for x in gg.randn(6, 3, 10):
        ...     h = cell(x, h)
        >>> h.shape
        (3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (hx,), batched = self._prepare(input, [hx])
        cell = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        h = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""An LSTM cell: gates in PyTorch's order i, f, g, o,

    .. math::
        i, f, g, o = σ(a_i), σ(a_f), \tanh(a_g), σ(a_o),   a = x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh}
        c' = f ⊙ c + i ⊙ g          h' = o ⊙ \tanh(c')

    Args: input_size, hidden_size, bias (default True), device, dtype.

    Inputs: input (B, I) or (I); (h, c), each (B, H) or (H) (zeros if omitted). Output: (h', c').

    Attributes: ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H), all from
    U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> cell = LSTMCell(10, 20)
        >>> h, c = cell(gg.randn(3, 10))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(
        self,
        input: Tensor,
        hx: tuple[Tensor, Tensor] | None = None,  # noqa: A002
    ) -> tuple[Tensor, Tensor]:
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) of two tensors, got {type(hx).__name__}")
        input, (h, c), batched = self._prepare(input, [None, None] if hx is None else list(hx))
        h, c = F.lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    r"""A GRU cell, PyTorch's formulation (gates r, z, n):

    .. math::
        r = σ(x W_{ir}^T + b_{ir} + h W_{hr}^T + b_{hr})      z = σ(… z)
        n = \tanh(x W_{in}^T + b_{in} + r ⊙ (h W_{hn}^T + b_{hn}))      h' = (1 − z) ⊙ n + z ⊙ h

    Args: input_size, hidden_size, bias (default True), device, dtype.

    Inputs: input (B, I) or (I), hidden (B, H) or (H) (zeros if omitted). Output: h' (B, H) or (H).

    Attributes: ``weight_ih`` (3H, I), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H), all from
    U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> GRUCell(10, 20)(gg.randn(10)).shape
        (20,)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        input, (hx,), batched = self._prepare(input, [hx])
        h = F.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
