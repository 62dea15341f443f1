"""Recurrent networks, the readable path: Elman RNN (tanh or relu), LSTM and GRU, cells and whole sequences.

With PyTorch's gate orders and equations (H the hidden size, σ the logistic sigmoid, ⊙ elementwise):

    RNN:   h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)                  (or relu)
    LSTM:  a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh   (B, 4H), in the blocks a_i, a_f, a_g, a_o
           i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
           c' = f ⊙ c + i ⊙ g          h' = o ⊙ tanh(c')
    GRU:   r, z = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), σ(… z)
           n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))          h' = (1 − z) ⊙ n + z ⊙ h

Read in this order:
1. Cells (`lstm_cell`, `gru_cell`, `rnn_tanh_cell`, `rnn_relu_cell`; used by `nn.LSTMCell` & co.): one step,
   batch-major (B, ·). The matrix products are ordinary graph ops; the elementwise update of the LSTM and GRU
   is one Op with a hand-written backward (`LSTMCellUpdateOp`, `GRUCellUpdateOp`) instead of a dozen graph nodes.
2. Layers (`lstm_layer`, `gru_layer`, `rnn_layer`): one layer and direction over a sequence, the cell at every
   time step. This is the documented path and the reference. For NumPy arrays the same layer runs as one fused
   Op over all steps (`recurrent_fused.py`, registered at the seam of kernels/registry.py): the same numbers,
   with a hand-written backpropagation through time, a feature-major layout and Numba step kernels.
3. Networks (`lstm`, `gru`, `rnn_tanh`, `rnn_relu`, with the signatures of `torch.lstm` & co.; used by
   `nn.LSTM` & co.): layers stacked, each layer's input the previous layer's output, with inter-layer dropout
   in training mode and the two directions' outputs concatenated on the feature axis.
"""

from __future__ import annotations

from typing import Callable

from ..autograd.node import Op
from ..backend import namespace_of
from ..kernels.registry import reference
from ..ops import shape as shape_ops
from ..ops.unary import sigmoid_of
from ..tensor import Tensor
from .dropout import dropout as dropout_fn

# ---- 1. cells: one time step -------------------------------------------------------------------------------


class LSTMCellUpdateOp(Op):
    """(h', c') from the pre-activations a = (a_i, a_f, a_g, a_o) (B, 4H) and c (B, H) (module docstring).

    Backward, with dh, dc' the gradients reaching h' and c':
        dc = dc' + dh ⊙ o ⊙ (1 − tanh²c')    da_i = dc ⊙ g ⊙ i(1−i)    da_f = dc ⊙ c ⊙ f(1−f)
        da_g = dc ⊙ i ⊙ (1−g²)    da_o = dh ⊙ tanh c' ⊙ o(1−o)    dc_prev = dc ⊙ f
    """

    @staticmethod
    def forward(ctx, gates, c):
        xp = namespace_of(gates)
        hidden = c.shape[-1]
        i, f, o = (sigmoid_of(gates[..., k * hidden : (k + 1) * hidden]) for k in (0, 1, 3))
        g = xp.tanh(gates[..., 2 * hidden : 3 * hidden])
        c_next = f * c + i * g
        tanh_c = xp.tanh(c_next)
        ctx.save_for_backward(i, f, g, o, c, tanh_c)
        return o * tanh_c, c_next

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        i, f, g, o, c, tanh_c = ctx.saved_tensors
        xp = namespace_of(i)
        dc = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
        grad_gates = xp.concatenate(
            [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), grad_h * tanh_c * o * (1 - o)],
            axis=-1,
        )
        return grad_gates, dc * f

    @staticmethod
    def reference(ctx, gates, c):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        return lstm_update(gates, c)


class GRUCellUpdateOp(Op):
    """h' from the input part gi = x W_ihᵀ + b_ih (B, 3H), the hidden part gh = h W_hhᵀ + b_hh (B, 3H), and h.

    Backward, with dh the gradient reaching h' and q = gh_n:
        da_n = dh ⊙ (1−z)(1−n²)    da_z = dh ⊙ (h−n) z(1−z)    da_r = da_n ⊙ q ⊙ r(1−r)
        dgi = (da_r, da_z, da_n)    dgh = (da_r, da_z, da_n ⊙ r)    dh_prev = dh ⊙ z
    """

    @staticmethod
    def forward(ctx, gi, gh, h):
        xp = namespace_of(gi)
        hidden = h.shape[-1]
        r = sigmoid_of(gi[..., :hidden] + gh[..., :hidden])
        z = sigmoid_of(gi[..., hidden : 2 * hidden] + gh[..., hidden : 2 * hidden])
        q = gh[..., 2 * hidden :]
        n = xp.tanh(gi[..., 2 * hidden :] + r * q)
        ctx.save_for_backward(r, z, n, q, h)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, grad):
        r, z, n, q, h = ctx.saved_tensors
        xp = namespace_of(grad)
        da_n = grad * (1 - z) * (1 - n * n)
        da_z = grad * (h - n) * z * (1 - z)
        da_r = da_n * q * r * (1 - r)
        grad_gi = xp.concatenate([da_r, da_z, da_n], axis=-1)
        grad_gh = xp.concatenate([da_r, da_z, da_n * r], axis=-1)
        return grad_gi, grad_gh, grad * z

    @staticmethod
    def reference(ctx, gi, gh, h):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        return gru_update(gi, gh, h)


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x Wᵀ + b with graph ops (the cells' matrix products)."""
    out = x.matmul(weight.t())
    return out if bias is None else out + bias


def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).  (B, I), (B, H) → (B, H)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step: h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).  (B, I), (B, H) → (B, H)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).relu()


def lstm_cell(
    input: Tensor,
    hx: tuple[Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step: (h', c') from x (B, I) and hx = (h, c), each (B, H); PyTorch's gate order i, f, g, o."""
    h, c = hx
    gates = _affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)  # (B, 4H): one product per operand, all gates
    return LSTMCellUpdateOp.apply(gates, c)


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step: h' from x (B, I) and h (B, H); gates in PyTorch's order r, z, n."""
    return GRUCellUpdateOp.apply(_affine(input, w_ih, b_ih), _affine(hx, w_hh, b_hh), hx)


# The cell updates from differentiable primitives: the `reference` of the two Ops above, what create_graph=True
# differentiates (autograd/engine.py).


def lstm_update(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """(h', c') from the pre-activations (B, 4H) in PyTorch's gate order i, f, g, o and c (B, H):
    c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g),   h' = σ(a_o) ⊙ tanh(c')."""
    a_i, a_f, a_g, a_o = gates.chunk(4, -1)
    c_next = a_f.sigmoid() * c + a_i.sigmoid() * a_g.tanh()
    return a_o.sigmoid() * c_next.tanh(), c_next


def gru_update(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """h' from the input part gi (B, 3H), the hidden part gh (B, 3H) in PyTorch's gate order r, z, n, and h:
    r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n),  h' = (1 − z) ⊙ n + z ⊙ h."""
    gi_r, gi_z, gi_n = gi.chunk(3, -1)
    gh_r, gh_z, gh_n = gh.chunk(3, -1)
    r = (gi_r + gh_r).sigmoid()
    z = (gi_z + gh_z).sigmoid()
    n = (gi_n + r * gh_n).tanh()
    return n + z * (h - n)


# ---- 2. layers: one layer and direction over a whole sequence, the cell at every step -----------------------


def time_steps(steps: int, reverse: bool, backward: bool = False) -> range:
    """The order a direction visits the steps: forward in time (or reversed), and the opposite in backward."""
    return range(steps - 1, -1, -1) if reverse != backward else range(steps)


def _initial(state: Tensor | None, x: Tensor, w_hh: Tensor, batch_first: bool) -> Tensor:
    """A (B, H) initial state: the given one, or zeros."""
    if state is not None:
        return state
    batch = x.shape[0 if batch_first else 1]
    return Tensor(namespace_of(x.array).zeros((batch, w_hh.shape[1]), dtype=x.array.dtype))


def _unrolled(x: Tensor, state: tuple, step: Callable[[Tensor, tuple], tuple], reverse: bool,
              batch_first: bool) -> tuple:
    """(output, *final state): `state = step(x_t, state)` at every step in the direction's order; state[0] is
    h_t, and output stacks the h_t in time order (so a reversed direction's output stays aligned with x)."""
    inputs = x.transpose(0, 1) if batch_first else x  # (B, T, I) -> (T, B, I)
    outputs: list = [None] * inputs.shape[0]
    for t in time_steps(len(outputs), reverse):
        state = step(inputs[t], state)  # x_t (B, I)
        outputs[t] = state[0]
    output = shape_ops.stack(outputs)  # (T, B, H)
    return (output.transpose(0, 1) if batch_first else output, *state)


@reference("lstm_layer")  # fast path: recurrent_fused.LSTMLayerOp, the whole layer as one Op (NumPy arrays)
def lstm_layer(
    x: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    h0: Tensor | None,
    c0: Tensor | None,
    reverse: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer and direction over a sequence: `lstm_cell` at every time step (equations above).

    x (T, B, I), or (B, T, I) with batch_first; h0, c0 (B, H), or None for zeros; returns (output, h_n, c_n)
    with output (T, B, H) (or batch first), the h of every step. reverse=True runs t = T−1 … 0 (the second
    direction of a bidirectional layer).
    """
    def step(x_t: Tensor, state: tuple) -> tuple:
        return lstm_cell(x_t, state, w_ih, w_hh, b_ih, b_hh)

    state = (_initial(h0, x, w_hh, batch_first), _initial(c0, x, w_hh, batch_first))
    return _unrolled(x, state, step, reverse, batch_first)


@reference("gru_layer")  # fast path: recurrent_fused.GRULayerOp (NumPy arrays)
def gru_layer(
    x: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    h0: Tensor | None,
    reverse: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """One GRU layer and direction over a sequence: `gru_cell` at every step; returns (output, h_n), shapes as
    in `lstm_layer`."""
    def step(x_t: Tensor, state: tuple) -> tuple:
        return (gru_cell(x_t, state[0], w_ih, w_hh, b_ih, b_hh),)

    return _unrolled(x, (_initial(h0, x, w_hh, batch_first),), step, reverse, batch_first)


@reference("rnn_layer")  # fast path: recurrent_fused.RNNLayerOp (NumPy arrays)
def rnn_layer(
    x: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    h0: Tensor | None,
    nonlinearity: str,
    reverse: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """One Elman layer and direction over a sequence (nonlinearity "tanh" or "relu"): the cell at every step;
    returns (output, h_n), shapes as in `lstm_layer`."""
    cell = rnn_tanh_cell if nonlinearity == "tanh" else rnn_relu_cell

    def step(x_t: Tensor, state: tuple) -> tuple:
        return (cell(x_t, state[0], w_ih, w_hh, b_ih, b_hh),)

    return _unrolled(x, (_initial(h0, x, w_hh, batch_first),), step, reverse, batch_first)


# ---- 3. networks: layers stacked, one or two directions ------------------------------------------------------


def _run_layers(
    mode: str,
    input: Tensor,
    initial: tuple[Tensor | None, ...],
    params: list[Tensor] | tuple[Tensor, ...],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, list[Tensor], list[Tensor]]:
    """Stack `num_layers` layers of one or two directions: (output, [h_n per layer·direction], [c_n ...]).

    `params` is PyTorch's flat order: per layer, per direction, w_ih, w_hh, (b_ih, b_hh).
    """
    directions = 2 if bidirectional else 1
    per_layer = 4 if has_biases else 2
    expected = num_layers * directions * per_layer
    if len(params) != expected:
        raise ValueError(
            f"{mode}: expected {expected} weight tensors for {num_layers} layer(s), {directions} "
            "direction(s) and "
            f"has_biases={has_biases}, got {len(params)}"
        )
    if input.ndim != 3 or input.shape[1 if batch_first else 0] == 0:
        raise ValueError(
            f"{mode}: expected a non-empty batched sequence (T, B, I), or (B, T, I) with batch_first, got shape "
            f"{tuple(input.shape)}"
        )
    layer_input = input
    finals_h: list[Tensor] = []
    finals_c: list[Tensor] = []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            k = layer * directions + direction
            weights = list(params[k * per_layer : (k + 1) * per_layer])
            w_ih, w_hh = weights[0], weights[1]
            b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
            states = [None if s is None else s[k] for s in initial]  # (B, H) slices of (L·D, B, H)
            reverse = direction == 1
            if mode == "lstm":
                output, h_n, c_n = lstm_layer(layer_input, w_ih, w_hh, b_ih, b_hh, *states, reverse, batch_first)
                finals_c.append(c_n)
            elif mode == "gru":
                output, h_n = gru_layer(layer_input, w_ih, w_hh, b_ih, b_hh, *states, reverse, batch_first)
            else:
                nonlinearity = "tanh" if mode == "rnn_tanh" else "relu"
                output, h_n = rnn_layer(
                    layer_input, w_ih, w_hh, b_ih, b_hh, *states, nonlinearity, reverse, batch_first
                )
            outputs.append(output)
            finals_h.append(h_n)
        layer_input = outputs[0] if directions == 1 else shape_ops.cat(outputs, dim=-1)  # (…, D·H)
        if train and dropout > 0 and layer < num_layers - 1:
            layer_input = dropout_fn(layer_input, dropout)  # between layers only, as PyTorch
    return layer_input, finals_h, finals_c


def lstm(
    input: Tensor,
    hx: tuple[Tensor, Tensor] | None,
    params: list[Tensor] | tuple[Tensor, ...],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """A multi-layer LSTM over a batched sequence (`torch.lstm`'s signature): returns (output, h_n, c_n).

    input (T, B, I) or (B, T, I) with batch_first; hx = (h0, c0), each (L·D, B, H), or None for zeros;
    output (T, B, D·H) (or batch first); h_n, c_n (L·D, B, H). D = 2 if bidirectional else 1.
    """
    initial = (None, None) if hx is None else tuple(hx)
    output, finals_h, finals_c = _run_layers(
        "lstm", input, initial, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, shape_ops.stack(finals_h), shape_ops.stack(finals_c)


def gru(
    input: Tensor,
    hx: Tensor | None,
    params: list[Tensor] | tuple[Tensor, ...],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A multi-layer GRU (`torch.gru`'s signature): returns (output, h_n); shapes as in `lstm`."""
    output, finals_h, _ = _run_layers(
        "gru", input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, shape_ops.stack(finals_h)


def rnn_tanh(
    input: Tensor,
    hx: Tensor | None,
    params: list[Tensor] | tuple[Tensor, ...],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A multi-layer Elman RNN with tanh (`torch.rnn_tanh`'s signature): returns (output, h_n)."""
    output, finals_h, _ = _run_layers(
        "rnn_tanh", input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, shape_ops.stack(finals_h)


def rnn_relu(
    input: Tensor,
    hx: Tensor | None,
    params: list[Tensor] | tuple[Tensor, ...],
    has_biases: bool,
    num_layers: int,
    dropout: float,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> tuple[Tensor, Tensor]:
    """A multi-layer Elman RNN with relu (`torch.rnn_relu`'s signature): returns (output, h_n)."""
    output, finals_h, _ = _run_layers(
        "rnn_relu", input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )
    return output, shape_ops.stack(finals_h)
