"""Recurrent layers over whole sequences: RNN (tanh or relu), LSTM and GRU, multi-layer and bidirectional.

Each layer and direction is `F`'s `lstm_layer` / `gru_layer` / `rnn_layer` (`functional/recurrent.py`: the
cell at every time step, the equations in its docstring). On NumPy arrays that runs as one fused Op over all
time steps (`functional/recurrent_fused.py`): one matrix product projects the inputs of every step, each step
is one matrix product for all gates plus the elementwise cell update, and backward loops over time in reverse
inside the same Op.
The single-step cells (`RNNCell`, `LSTMCell`, `GRUCell`) are in `recurrent_cells.py`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from .. import creation
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Parameters, checks and shape handling shared by RNN, LSTM and GRU (PyTorch's `nn.RNNBase`).

    Parameters per layer k and direction (suffix "" or "_reverse"), in PyTorch's names and order:
    `weight_ih_l{k}` (G·H, I_k), `weight_hh_l{k}` (G·H, H), `bias_ih_l{k}` (G·H), `bias_hh_l{k}` (G·H), with
    G gates (LSTM 4, GRU 3, RNN 1), I_0 = input_size and I_k = D·H above, all initialised from U(−1/√H, 1/√H).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
        _check_sizes(name, input_size, hidden_size, num_layers, dropout)
        if proj_size != 0:
            raise ValueError(
                f"{name}: proj_size={proj_size} is not supported in glassgrad (LSTM projections are not "
                "implemented); use proj_size=0 and add an nn.Linear after the layer instead"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._weight_shapes = _weight_shapes(mode, input_size, hidden_size, num_layers, bias, bidirectional)
        self._flat_weights_names = [param_name for param_name, _ in self._weight_shapes]
        for param_name, shape in self._weight_shapes:
            setattr(self, param_name, Parameter(creation.empty(shape, dtype=dtype, device=device)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self) -> list[Tensor]:
        """The parameters in PyTorch's flat order (looked up each time, so a replaced Parameter is used)."""
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        per_group = 4 if self.bias else 2
        weights = self._flat_weights
        return [weights[i : i + per_group] for i in range(0, len(weights), per_group)]

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch scripts (cuDNN weight packing has no counterpart here)."""

    def _prepare(self, input: Tensor, states: list[Tensor | None]) -> tuple[Tensor, list[Tensor | None], bool]:
        """Check input and initial states; add the batch dim to unbatched ones. Returns (input, states, batched)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead")
        batched = input.dim() == 3
        check_weights(self, self._weight_shapes, _GATES[self.mode])
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise TypeError(
                f"{name}: input must have the type {weight_dtype}, got type {input.dtype}; convert the input "
                f"with .to({weight_dtype}) or the module with .to({input.dtype})"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.shape[-1]} (input shape {tuple(input.shape)})"
            )
        steps = input.shape[1 if batched and self.batch_first else 0]
        if steps == 0:
            raise ValueError(f"{name}: Expected sequence length to be larger than 0 in RNN, got input {input.shape}")
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            for state in states:
                if state is not None and state.dim() != 2:
                    raise ValueError(
                        f"{name}: For unbatched 2-D input, hx should also be 2-D but got {state.dim()}-D tensor "
                        f"of shape {tuple(state.shape)}"
                    )
            states = [None if s is None else s.unsqueeze(1) for s in states]
        batch = input.shape[0 if self.batch_first else 1]
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        for state in states:
            if state is None:
                continue
            if batched and state.dim() != 3:
                raise ValueError(
                    f"{name}: For batched 3-D input, hx should also be 3-D but got {state.dim()}-D tensor "
                    f"of shape {tuple(state.shape)}"
                )
            if tuple(state.shape) != expected:
                raise ValueError(
                    f"{name}: Expected hidden size {expected}, got {tuple(state.shape)} "
                    "(num_layers · num_directions, batch, hidden_size)"
                )
            if state.dtype != input.dtype:
                raise TypeError(f"{name}: initial state has dtype {state.dtype}, input has {input.dtype}")
        return input, states, batched

    def _finish(self, output: Tensor, finals: list[Tensor], batched: bool) -> tuple[Tensor, list[Tensor]]:
        if batched:
            return output, finals
        return output.squeeze(0 if self.batch_first else 1), [state.squeeze(1) for state in finals]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


def _weight_shapes(
    mode: str, input_size: int, hidden_size: int, num_layers: int, bias: bool, bidirectional: bool
) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every parameter, in PyTorch's flat order: layer by layer, forward then reverse."""
    directions = 2 if bidirectional else 1
    gate_size = _GATES[mode] * hidden_size
    shapes = []
    for layer in range(num_layers):
        layer_input_size = input_size if layer == 0 else hidden_size * directions
        for direction in range(directions):
            suffix = "_reverse" if direction == 1 else ""
            shapes += [
                (f"weight_ih_l{layer}{suffix}", (gate_size, layer_input_size)),
                (f"weight_hh_l{layer}{suffix}", (gate_size, hidden_size)),
            ]
            if bias:
                shapes += [(f"bias_ih_l{layer}{suffix}", (gate_size,)), (f"bias_hh_l{layer}{suffix}", (gate_size,))]
    return shapes


def check_weights(layer: Module, shapes: list[tuple[str, tuple[int, ...]]], gates: int) -> None:
    """Each weight still has the shape and dtype the layer was built with.

    A user can replace one (`lstm.weight_hh_l0 = nn.Parameter(...)`, `.data = ...`, a partial state_dict), and
    a wrong one would otherwise fail deep inside the fused op with NumPy's message, or silently mix dtypes.
    """
    weights = [getattr(layer, param_name) for param_name, _ in shapes]
    try:  # the common case in one comparison; a problem is then found and named below
        same_dtype = len({w.array.dtype for w in weights}) == 1
        if same_dtype and [w.array.shape for w in weights] == [shape for _, shape in shapes]:
            return
    except AttributeError:  # a weight that is not a tensor
        pass
    _name_the_bad_weight(layer, shapes, weights, gates)


def _name_the_bad_weight(layer: Module, shapes: list, weights: list, gates: int) -> None:
    name = type(layer).__name__
    rows = f"{gates} gate{'s' if gates > 1 else ''} · hidden_size {layer.hidden_size} rows"
    first_name, first_dtype = shapes[0][0], getattr(weights[0], "dtype", None)
    for (param_name, expected), weight in zip(shapes, weights):
        if not isinstance(weight, Tensor):
            raise TypeError(
                f"{name}: {param_name} is {'None' if weight is None else type(weight).__name__}, expected a "
                f"Parameter of shape {expected}; build the layer with bias=False to run without biases"
            )
        if tuple(weight.shape) != expected:
            raise ValueError(
                f"{name}: {param_name} has shape {tuple(weight.shape)}, expected {expected} for "
                f"{name}({layer.extra_repr()}) ({rows}); assign a Parameter of shape {expected}, or build "
                "the layer with sizes that match the weights"
            )
        if weight.dtype != first_dtype:
            raise TypeError(
                f"{name}: {param_name} has dtype {weight.dtype} but {first_name} has {first_dtype}; every "
                f"weight needs one dtype: convert the layer with .to({first_dtype}) (or .to({weight.dtype}))"
            )


def _check_sizes(name: str, input_size: int, hidden_size: int, num_layers: int, dropout: float) -> None:
    for label, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name}: {label} should be a positive integer, got {value!r}")
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError(
            f"{name}: dropout should be a number in range [0, 1] representing the probability of an element "
            f"being zeroed, got {dropout!r}"
        )


class RNN(RNNBase):
    r"""A multi-layer Elman RNN with tanh or ReLU: for each element of the input sequence, each layer computes

    .. math::  h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})

    (ReLU instead of tanh with ``nonlinearity='relu'``); layer k > 0 reads the outputs h_t of layer k − 1.

    Args:
        input_size, hidden_size: features of the input x and of the hidden state h
        num_layers: stacked layers (default 1)
        nonlinearity: ``'tanh'`` (default) or ``'relu'``
        bias: learn b_ih and b_hh (default True)
        batch_first: input and output are (B, T, ·) instead of (T, B, ·); h_0 and h_n are not affected
        dropout: dropout on the outputs of each layer except the last, in training mode (default 0)
        bidirectional: add a layer that reads the sequence backwards; outputs concatenated (default False)
        device, dtype: where and in which floating dtype to create the parameters

    Inputs: input, h_0
        - input: (T, B, H_in), (B, T, H_in) with batch_first, or (T, H_in) unbatched
        - h_0: (D·num_layers, B, H) or (D·num_layers, H) unbatched; zeros if omitted. D = 2 if bidirectional.

    Outputs: output, h_n
        - output: (T, B, D·H) (batch first as the input): the last layer's h_t for every t
        - h_n: (D·num_layers, B, H): the final hidden state of every layer and direction

    Attributes: ``weight_ih_l{k}`` (H, H_in) for k = 0, else (H, D·H); ``weight_hh_l{k}`` (H, H);
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (H); ``..._reverse`` for the backward direction. All initialised from
    U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> rnn = RNN(10, 20, 2)
        >>> output, h_n = rnn(gg.randn(5, 3, 10), gg.randn(2, 3, 20))
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        input, (hx,), batched = self._prepare(input, [hx])
        function = F.rnn_tanh if self.nonlinearity == "tanh" else F.rnn_relu
        output, h_n = function(
            input, hx, self._flat_weights, self.bias, self.num_layers, self.dropout, self.training,
            self.bidirectional, self.batch_first,
        )  # fmt: skip
        output, (h_n,) = self._finish(output, [h_n], batched)
        return output, h_n


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory RNN (Hochreiter & Schmidhuber, 1997). Each layer computes

    .. math::
        i_t = σ(x_t W_{ii}^T + b_{ii} + h_{t-1} W_{hi}^T + b_{hi})      f_t = σ(… f)
        g_t = \tanh(x_t W_{ig}^T + b_{ig} + h_{t-1} W_{hg}^T + b_{hg})      o_t = σ(… o)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t          h_t = o_t ⊙ \tanh(c_t)

    with the gates stacked in PyTorch's order i, f, g, o in the weights; layer k > 0 reads layer k − 1's h_t.
    Projections (``proj_size``) are not supported: a non-zero ``proj_size`` raises ValueError.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype: as in `RNN`
        proj_size: must be 0

    Inputs: input, (h_0, c_0)
        - input: (T, B, H_in), (B, T, H_in) with batch_first, or (T, H_in) unbatched
        - h_0, c_0: (D·num_layers, B, H) each, or (D·num_layers, H) unbatched; zeros if the tuple is omitted

    Outputs: output, (h_n, c_n)
        - output: (T, B, D·H) (batch first as the input): the last layer's h_t for every t
        - h_n, c_n: (D·num_layers, B, H): the final hidden and cell states of every layer and direction

    Attributes: ``weight_ih_l{k}`` (4H, H_in) for k = 0, else (4H, D·H) = (W_ii | W_if | W_ig | W_io);
    ``weight_hh_l{k}`` (4H, H); ``bias_ih_l{k}``, ``bias_hh_l{k}`` (4H); ``..._reverse`` for the backward
    direction. All initialised from U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> lstm = LSTM(10, 20, 2)
        >>> output, (h_n, c_n) = lstm(gg.randn(5, 3, 10))
        >>> output.shape, h_n.shape, c_n.shape
        ((5, 3, 20), (2, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
            device, dtype,
        )  # fmt: skip

    def forward(
        self,
        input: Tensor,
        hx: tuple[Tensor, Tensor] | None = None,  # noqa: A002
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(
                f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}"
                + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else "")
            )
        input, states, batched = self._prepare(input, [None, None] if hx is None else list(hx))
        output, h_n, c_n = F.lstm(
            input, None if hx is None else tuple(states), self._flat_weights, self.bias, self.num_layers,
            self.dropout, self.training, self.bidirectional, self.batch_first,
        )  # fmt: skip
        output, (h_n, c_n) = self._finish(output, [h_n, c_n], batched)
        return output, (h_n, c_n)


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit RNN (Cho et al., 2014), with PyTorch's formulation:

    .. math::
        r_t = σ(x_t W_{ir}^T + b_{ir} + h_{t-1} W_{hr}^T + b_{hr})      z_t = σ(… z)
        n_t = \tanh(x_t W_{in}^T + b_{in} + r_t ⊙ (h_{t-1} W_{hn}^T + b_{hn}))
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    with the gates stacked in the order r, z, n in the weights; layer k > 0 reads layer k − 1's h_t.

    Args, inputs and outputs: as in :class:`RNN` (input, h_0 → output, h_n).

    Attributes: ``weight_ih_l{k}`` (3H, H_in) for k = 0, else (3H, D·H) = (W_ir | W_iz | W_in);
    ``weight_hh_l{k}`` (3H, H); ``bias_ih_l{k}``, ``bias_hh_l{k}`` (3H); ``..._reverse`` for the backward
    direction. All initialised from U(−√k, √k), k = 1/H.

    Example::

        >>> import glassgrad as gg
        >>> gru = GRU(10, 20, 2, batch_first=True)
        >>> output, h_n = gru(gg.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        ((3, 5, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        input, (hx,), batched = self._prepare(input, [hx])
        output, h_n = F.gru(
            input, hx, self._flat_weights, self.bias, self.num_layers, self.dropout, self.training,
            self.bidirectional, self.batch_first,
        )  # fmt: skip
        output, (h_n,) = self._finish(output, [h_n], batched)
        return output, h_n
