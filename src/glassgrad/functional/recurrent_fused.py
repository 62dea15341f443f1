"""The fast path of the recurrent layers: one layer and direction over all time steps as a single Op.

The readable layers are `lstm_layer`, `gru_layer` and `rnn_layer` in recurrent.py (the cell at every step, in
PyTorch's gate order, batch-major). The Ops here compute the same numbers and are registered against them at
the seam (kernels/registry.py, at the end of this file): they serve every call on NumPy arrays. Tests hold the
two to each other and to PyTorch (tests/functional/test_recurrent.py).

Why a second version: unrolled step by step, a layer leaves a dozen graph nodes per time step. Here each layer
and direction is one Op whose forward loops over time and whose backward loops over time in reverse
(backpropagation through time), both on raw arrays. Per layer and direction:

1. the input projection of all T steps is one batched matrix product, W_ih x_t + b, hoisted out of the loop;
2. each step is one matrix product W_hh h for all gates plus the elementwise cell update;
3. backward computes each step's gate gradients in the reverse loop (they feed dh_{t-1} = W_hhᵀ dgates_t),
   then the weight gradients of all steps at once: dW_hh = Σ_t dgates_t h_{t-1}ᵀ (`summed_products`, in NumPy
   one (G·H, T·B) × (T·B, H) product), dW_ih the same with x_t, and db a sum over time and batch.

The loops over time of 2 and 3 are the references `lstm_forward_steps`, `lstm_backward_steps`,
`gru_forward_steps`, ... below (NumPy, one step after the other). For float32 each has a fast path at the seam:
the whole loop compiled, no Python per step, the products called from inside it and the gate arithmetic fused
(kernels/recurrence.py, lstm.py, gru.py, rnn.py). Under no_grad the forward keeps no per-step state that only
backward reads (rings of one or two steps instead, `step_slot`) and saves nothing.

Layout. The user's tensors are (T, B, F), or (B, T, F) with `batch_first`. Inside, every per-step array is
feature-major, (T, F, B): a step's gates are one contiguous (G·H, B) block, each gate a contiguous (H, B) slice,
and the step's product is W_hh (G·H, H) @ h (H, B). For a batch of 32 and H = 256 that product runs about 30%
faster than h (B, H) @ W_hhᵀ (H, G·H) in OpenBLAS on idle cores; on 2 busy cores it was 0.6 against 24 ms
(OpenBLAS splits the batch-major product over its threads, which then wait for each other). Contiguous
slices make the elementwise ops about twice as fast as strided ones. The weight-gradient products are sums
over the steps of (G·H, B) × (B, F) products; the NumPy reference copies both sides to (·, T·B) for one
product, the float32 fast path sums the steps in place (kernels/blas.py).

`reverse=True` runs the direction t = T-1 … 0 of a bidirectional layer (its output stays aligned with x).

Two speed tricks in the LSTM and GRU, invisible from outside:
- σ(a) = ½ + ½ tanh(a/2): the sigmoid gates' weight rows are halved once per call, so one `tanh` over all
  gates computes every nonlinearity of a step, and ½t + ½ finishes the sigmoids (fewer passes than
  1/(1 + e^(−a)), and no overflow for large |a|).
- The LSTM keeps its gates internally in the order o, i, f, g (PyTorch's is i, f, g, o) so that the three
  sigmoid gates are contiguous in forward and the three gates driven by dc (i, f, g) are contiguous in
  backward. Weight gradients are permuted back to PyTorch's order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.node import Op
from ..backend import namespace_of
from ..kernels.recurrence import step_slot
from ..kernels.registry import fast_path, reference
from ..ops._where import where
from ..tensor import Tensor
from .recurrent import gru_layer, lstm_layer, rnn_layer, time_steps

# PyTorch's LSTM gate blocks are (i, f, g, o); internally (o, i, f, g): TO_INTERNAL[k] = PyTorch's block k.
TO_INTERNAL = (3, 0, 1, 2)
FROM_INTERNAL = (1, 2, 3, 0)


# ---- layout helpers -------------------------------------------------------------------------------------------


def permute_blocks(array: Any, order: tuple[int, ...]) -> Any:
    """Reorder the gate blocks along the first axis of a (G·H, ...) weight or (G·H,) bias (a copy)."""
    blocks = len(order)
    stacked = array.reshape((blocks, array.shape[0] // blocks) + array.shape[1:])  # (G, H, ...)
    return stacked[list(order)].reshape(array.shape)


def to_feature_major(array: Any, batch_first: bool) -> Any:
    """(T, B, F), or (B, T, F) if batch_first → a contiguous (T, F, B) copy (always a copy: callers write it)."""
    transposed = array.transpose(1, 2, 0) if batch_first else array.transpose(0, 2, 1)
    return transposed.copy()  # ndarray.copy is C order


def from_feature_major(array: Any, batch_first: bool) -> Any:
    """(T, F, B) → a contiguous (T, B, F), or (B, T, F) if batch_first (a copy)."""
    return (array.transpose(2, 0, 1) if batch_first else array.transpose(0, 2, 1)).copy()


def gemm_layout(array: Any) -> Any:
    """(T, F, B) → (F, T·B), the layout of the weight-gradient products (a copy)."""
    steps, features, batch = array.shape
    return array.transpose(1, 0, 2).copy().reshape(features, steps * batch)  # (F, T, B) → (F, T·B)


def shift_states(states: Any, initial: Any, reverse: bool) -> Any:
    """The state each step began from, (T, F, B): s_{t-1}, or s_{t+1} in reverse, and `initial` at the start."""
    shifted = namespace_of(states).empty_like(states)
    if reverse:
        shifted[:-1] = states[1:]
        shifted[-1] = initial
    else:
        shifted[1:] = states[:-1]
        shifted[0] = initial
    return shifted


def previous_state(states: Any, initial: Any, t: int, reverse: bool) -> Any:
    """The state step t began from: s_{t-1} (s_{t+1} in reverse), or `initial` at the first step."""
    first = len(states) - 1 if reverse else 0
    return initial if t == first else states[t + 1 if reverse else t - 1]


@reference("stacked_matmul")  # fast path: kernels/blas.py (one single-threaded BLAS call per step, every core)
def stacked_matmul(a: Any, b: Any, out: Any) -> Any:
    """out[t] = a @ b[t] for every step t: (M, K) and (T, K, N) → (T, M, N), written into `out`."""
    return namespace_of(b).matmul(a, b, out=out)


def inputs_feature_major(x: Any, batch_first: bool, with_ones: bool) -> Any:
    """The layer's inputs as a contiguous (T, I, B) copy, or with `with_ones` (T, I + 1, B) whose last row is 1:
    the bias is then the weight of an input that is always 1, W x + b = [W b] [x; 1], so the input projection
    needs no pass of its own to add b (1.1 ms for the LSTM benchmark's 8 MB), and the product that gives dW_ih
    gives db as its last column."""
    if not with_ones:
        return to_feature_major(x, batch_first)
    transposed = x.transpose(1, 2, 0) if batch_first else x.transpose(0, 2, 1)  # (T, I, B)
    steps, inputs, batch = transposed.shape
    out = namespace_of(x).empty((steps, inputs + 1, batch), dtype=x.dtype)
    out[:, :inputs] = transposed
    out[:, inputs] = 1
    return out


def project_input(x_in: Any, w_ih: Any, bias: Any) -> Any:
    """The hoisted input projection of all steps, W_ih x_t + b → (T, G·H, B), one batched product: x_in from
    `inputs_feature_major`, (T, I + 1, B) with its row of ones when there is a bias, else (T, I, B)."""
    steps, _, batch = x_in.shape
    if bias is not None:
        w_ih = namespace_of(w_ih).concatenate([w_ih, bias[:, None]], axis=1)  # [W b] (G·H, I + 1)
    projected = namespace_of(x_in).empty((steps, w_ih.shape[0], batch), dtype=x_in.dtype)
    stacked_matmul(w_ih, x_in, projected)  # (G·H, I[+1]) @ (T, I[+1], B)
    return projected


def initial_state(xp: Any, state: Any, batch: int, hidden: int, dtype: Any) -> Any:
    """A (B, H) initial state as a contiguous (H, B) copy, zeros when None."""
    return xp.zeros((hidden, batch), dtype=dtype) if state is None else state.T.copy()


@reference("summed_products")  # fast path: kernels/blas.py (row blocks of the result, one task each)
def summed_products(a: Any, b: Any) -> Any:
    """Σ_t a[t] @ b[t]ᵀ over the steps: (T, M, K) and (T, N, K) → (M, N). A weight gradient summed over time
    and batch (dW_hh = Σ_t dgates_t h_{t-1}ᵀ), as one (M, T·K) @ (T·K, N) product."""
    return gemm_layout(a) @ gemm_layout(b).T


def bias_grad(dgates: Any) -> Any:
    """db = Σ over steps and batch of dgates (T, G·H, B): first over the steps, whole contiguous (G·H, B) slabs
    added, then along each row. (sum(axis=(0, 2)) walks the array with a stride: 1.7 against 0.3 ms for the
    LSTM benchmark's 8 MB, and less accurate.)"""
    return dgates.sum(axis=0).sum(axis=1)


def input_grads(ctx: Any, dgates: Any, w_ih: Any, x_in: Any, bias_wanted: bool) -> tuple:
    """(dX, dW_ih, db): dX = W_ihᵀ dgates_t per step (in the user's layout), dW_ih = Σ_t dgates_t x_tᵀ and, if
    `bias_wanted`, db = Σ_t Σ_b dgates_t: dgates (T, G·H, B), w_ih (G·H, I), x_in as `project_input` took it
    (with its row of ones, the last column of Σ_t dgates_t x_tᵀ is db)."""
    xp = namespace_of(dgates)
    steps, _, batch = dgates.shape
    inputs = w_ih.shape[1]
    grad_x = grad_w_ih = grad_b = None
    if ctx.needs_input_grad[0]:
        grad_x = xp.empty((steps, inputs, batch), dtype=dgates.dtype)
        stacked_matmul(w_ih.T, dgates, grad_x)  # (I, G·H) @ (T, G·H, B) → (T, I, B)
        grad_x = grad_x.transpose(2, 0, 1) if ctx.batch_first else grad_x.transpose(0, 2, 1)
    if ctx.needs_input_grad[1]:
        product = summed_products(dgates, x_in)  # (G·H, I), or (G·H, I + 1) whose last column is db
        grad_w_ih = xp.ascontiguousarray(product[:, :inputs])
        if bias_wanted and product.shape[1] == inputs + 1:
            grad_b = product[:, inputs].copy()
    if bias_wanted and grad_b is None:
        grad_b = bias_grad(dgates)
    return grad_x, grad_w_ih, grad_b


# ---- LSTM -------------------------------------------------------------------------------------------------------


class LSTMLayerOp(Op):
    """One LSTM layer over a whole sequence (PyTorch's equations, gates i, f, g, o; see `lstm_layer`):

        i, f, g, o = σ(W_ii x + b_ii + W_hi h + b_hi), σ(… f), tanh(… g), σ(… o)
        c' = f ⊙ c + i ⊙ g          h' = o ⊙ tanh(c')

    Backward per step, with dh the gradient reaching h' (from the output and from step t+1), dc from step t+1:
        dc += dh ⊙ o ⊙ (1 − tanh²c')    do = dh ⊙ tanh c'    di = dc ⊙ g    df = dc ⊙ c    dg = dc ⊙ i
        da = (di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o))    dh_prev = W_hhᵀ da    dc_prev = dc ⊙ f

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first) → (output, h_n, c_n); biases, h0, c0 may
    be None (no bias; zero initial state).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first):
        xp = namespace_of(x)
        x_fm = inputs_feature_major(x, batch_first, b_ih is not None)  # (T, I + 1, B): a row of ones for b
        steps, _, batch = x_fm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)  # (H, B)
        c0 = initial_state(xp, c0, batch, hidden, x.dtype)
        # Internal gate order (o, i, f, g), sigmoid rows halved: tanh(a/2) then gives σ(a) = ½ + ½ tanh(a/2).
        half = xp.ones((4 * hidden, 1), dtype=x.dtype)
        half[: 3 * hidden] = 0.5
        bias = None if b_ih is None else permute_blocks(b_ih + b_hh, TO_INTERNAL) * half[:, 0]
        acts = project_input(x_fm, permute_blocks(w_ih, TO_INTERNAL) * half, bias)  # (T, 4H, B)
        w_hh_half = permute_blocks(w_hh, TO_INTERNAL) * half  # (4H, H)

        training = any(ctx.needs_input_grad)  # under no_grad keep only what the next step reads
        cells = xp.empty((steps if training else 2, hidden, batch), dtype=x.dtype)  # c_t (a ring of 2)
        tanh_cells = xp.empty((steps if training else 1, hidden, batch), dtype=x.dtype)  # tanh(c_t)
        hs = xp.empty((steps, hidden, batch), dtype=x.dtype)  # h_t
        lstm_forward_steps(acts, w_hh_half, h0, c0, cells, tanh_cells, hs, reverse)  # acts become the gates
        last = 0 if reverse else steps - 1
        h, c = hs[last], cells[step_slot(len(cells), last, steps - 1, steps)]
        if training:
            ctx.save_for_backward(x_fm, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, hs)
        ctx.reverse = reverse
        ctx.batch_first = batch_first
        return from_feature_major(hs, batch_first), h.T.copy(), c.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n, grad_c_n):
        x_fm, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, hs = ctx.saved_tensors
        reverse = ctx.reverse
        xp = namespace_of(acts)
        w_hh_t = xp.ascontiguousarray(permute_blocks(w_hh, TO_INTERNAL).T)  # (H, 4H)
        grad_steps = to_feature_major(grad_output, ctx.batch_first)  # (T, H, B)
        dh_next = grad_h_n.T.copy()  # written in place: the gradient reaching h_{t-1}, at the end h0's
        dc = grad_c_n.T.copy()
        dgates = xp.empty_like(acts)  # (T, 4H, B): o, i, f, g
        lstm_backward_steps(grad_steps, dh_next, dc, acts, cells, tanh_cells, c0, w_hh_t, dgates, reverse)

        bias_wanted = ctx.needs_input_grad[3] or ctx.needs_input_grad[4]  # b_ih and b_hh get the same db
        grad_x, grad_w_ih, grad_b = input_grads(ctx, dgates, permute_blocks(w_ih, TO_INTERNAL), x_fm, bias_wanted)
        grad_w_ih = None if grad_w_ih is None else permute_blocks(grad_w_ih, FROM_INTERNAL)
        grad_b = None if grad_b is None else permute_blocks(grad_b, FROM_INTERNAL)
        grad_w_hh = None
        if ctx.needs_input_grad[2]:
            grad_w_hh = permute_blocks(summed_products(dgates, shift_states(hs, h0, reverse)), FROM_INTERNAL)
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next.T, dc.T, None, None

    @staticmethod
    def reference(ctx, *args):
        """The plain layer (recurrent.py), what create_graph=True differentiates."""
        return lstm_layer.entry.reference(*args)


@reference("lstm_forward_steps")  # fast path: kernels/recurrent.py, the whole loop compiled
def lstm_forward_steps(acts: Any, w_hh: Any, h0: Any, c0: Any, cells: Any, tanh_cells: Any, hs: Any,
                       reverse: bool) -> Any:
    """The LSTM recurrence over all steps in the fused layout: at each step (in the direction's order)
    acts[t] += W_hh h_{t-1}, then `lstm_step_forward` turns it into the gates and writes c_t, tanh c_t, h_t.

    acts (T, 4H, B) the input projections (gates o, i, f, g, sigmoid rows halved, as w_hh (4H, H)); h0, c0
    (H, B); hs (T, H, B) the output; cells and tanh_cells (T, H, B), or shorter rings (kernels/recurrence.py's
    `step_slot`).
    """
    xp = namespace_of(acts)
    steps = len(acts)
    recurrent = xp.empty(acts.shape[1:], dtype=acts.dtype)
    h, c = h0, c0
    for s, t in enumerate(time_steps(steps, reverse)):
        xp.matmul(w_hh, h, out=recurrent)
        c_next = cells[step_slot(len(cells), t, s, steps)]
        lstm_step_forward(acts[t], recurrent, c, c_next, tanh_cells[step_slot(len(tanh_cells), t, s, steps)], hs[t])
        h, c = hs[t], c_next
    return hs


@reference("lstm_backward_steps")  # fast path: kernels/recurrent.py
def lstm_backward_steps(grad_steps: Any, dh: Any, dc: Any, gates: Any, cells: Any, tanh_cells: Any, c0: Any,
                        w_hh_t: Any, dgates: Any, reverse: bool) -> tuple:
    """Backpropagation through time in the fused layout: at each step in reverse order `lstm_step_backward`
    (dh from the output grad_steps[t] and from step t+1), then dh ← W_hhᵀ dgates_t for step t−1.

    dh, dc (H, B) come in as the gradients of h_n, c_n and leave as those of h0, c0 (written in place);
    gates (T, 4H, B) as forward left them; w_hh_t (H, 4H); dgates (T, 4H, B) is written. Returns (dh, dc).
    """
    for t in time_steps(len(gates), reverse, backward=True):
        c_prev = previous_state(cells, c0, t, reverse)
        lstm_step_backward(grad_steps[t], dh, dc, gates[t], tanh_cells[t], c_prev, dgates[t])
        namespace_of(dh).matmul(w_hh_t, dgates[t], out=dh)
    return dh, dc


@reference("lstm_step_forward")  # fast path: kernels/lstm.py, the whole step in one pass
def lstm_step_forward(a: Any, recurrent: Any, c_prev: Any, c: Any, tanh_c: Any, h: Any) -> tuple:
    """One forward step in the fused layout: a and recurrent (4H, B) are the step's input projection and
    W_hh h, gates o, i, f, g with the sigmoid rows halved; c_prev (H, B) the previous cell.

    a ← the gates (o, i, f = ½ + ½ tanh(a + recurrent), g = tanh(…));  c ← f ⊙ c_prev + i ⊙ g;
    tanh_c ← tanh c;  h ← o ⊙ tanh c.  Returns (a, c, tanh_c, h).
    """
    xp = namespace_of(a)
    hidden = c.shape[0]
    a += recurrent
    xp.tanh(a, out=a)
    sigmoid_gates = a[: 3 * hidden]  # o, i, f: their rows came halved, so ½ t + ½ is σ
    sigmoid_gates *= 0.5
    sigmoid_gates += 0.5
    o, i, f, g = (a[k * hidden : (k + 1) * hidden] for k in range(4))
    xp.multiply(f, c_prev, out=c)
    c += i * g
    xp.tanh(c, out=tanh_c)
    xp.multiply(o, tanh_c, out=h)
    return a, c, tanh_c, h


@reference("lstm_step_backward")  # fast path: kernels/lstm.py
def lstm_step_backward(dh_out: Any, dh_next: Any, dc: Any, gates: Any, tanh_c: Any, c_prev: Any,
                       dgates: Any) -> tuple:
    """One reverse step in the fused layout (LSTMLayerOp's docstring): dh = dh_out + dh_next (from the output
    and from step t+1), dc (H, B) from step t+1; gates (4H, B) as forward left them (o, i, f, g).

    dc ← dc + dh ⊙ o ⊙ (1 − tanh²c);  dgates ← (dh ⊙ tanh c ⊙ o(1−o), dc ⊙ g ⊙ i(1−i), dc ⊙ c_prev ⊙ f(1−f),
    dc ⊙ i ⊙ (1−g²));  then dc ← dc ⊙ f, the gradient of c_prev.  Returns (dc, dgates).
    """
    hidden = dc.shape[0]
    o, i, f, g = (gates[k * hidden : (k + 1) * hidden] for k in range(4))
    dh = dh_out + dh_next
    dc += dh * o * (1 - tanh_c * tanh_c)
    dgates[:hidden] = dh * tanh_c * o * (1 - o)
    dgates[hidden : 2 * hidden] = dc * g * i * (1 - i)
    dgates[2 * hidden : 3 * hidden] = dc * c_prev * f * (1 - f)
    dgates[3 * hidden :] = dc * i * (1 - g * g)
    dc *= f
    return dc, dgates


# ---- GRU --------------------------------------------------------------------------------------------------------


class GRULayerOp(Op):
    """One GRU layer over a whole sequence (PyTorch's equations, gates r, z, n; see `gru_layer`):

        r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(… z)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h

    Backward per step, with dh the gradient reaching h' and q = W_hn h + b_hn:
        da_n = dh ⊙ (1 − z)(1 − n²)    da_z = dh ⊙ (h − n) z(1 − z)    da_r = da_n ⊙ q ⊙ r(1 − r)
        dgates_x = (da_r, da_z, da_n)    dgates_h = (da_r, da_z, da_n ⊙ r)    dh_prev = dh ⊙ z + W_hhᵀ dgates_h

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first) → (output, h_n).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first):
        xp = namespace_of(x)
        x_fm = inputs_feature_major(x, batch_first, b_ih is not None)  # (T, I + 1, B): a row of ones for b
        steps, _, batch = x_fm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)  # (H, B)
        # r and z rows halved (σ(a) = ½ + ½ tanh(a/2)); b_hr and b_hz fold into the hoisted projection, b_hn
        # cannot (r multiplies it).
        half = xp.ones((3 * hidden, 1), dtype=x.dtype)
        half[: 2 * hidden] = 0.5
        bias = None
        if b_ih is not None:
            bias = b_ih.copy()
            bias[: 2 * hidden] += b_hh[: 2 * hidden]
            bias *= half[:, 0]
        acts = project_input(x_fm, w_ih * half, bias)  # (T, 3H, B), overwritten by r, z, n
        w_hh_half = w_hh * half  # (3H, H)
        b_hn = xp.zeros((hidden, 1), x.dtype) if b_hh is None else b_hh[2 * hidden :, None].copy()  # (H, 1)

        training = any(ctx.needs_input_grad)  # under no_grad keep q of the current step only
        hidden_new = xp.empty((steps if training else 1, hidden, batch), dtype=x.dtype)  # q = W_hn h + b_hn
        hs = xp.empty((steps, hidden, batch), dtype=x.dtype)
        gru_forward_steps(acts, w_hh_half, b_hn, h0, hidden_new, hs, reverse)  # acts become r, z, n
        h = hs[0 if reverse else steps - 1]
        if training:
            ctx.save_for_backward(x_fm, w_ih, w_hh, h0, acts, hidden_new, hs)
        ctx.reverse = reverse
        ctx.batch_first = batch_first
        return from_feature_major(hs, batch_first), h.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x_fm, w_ih, w_hh, h0, acts, hidden_new, hs = ctx.saved_tensors
        xp = namespace_of(acts)
        steps, width, batch = acts.shape
        hidden = width // 3
        h_prev = shift_states(hs, h0, ctx.reverse)  # (T, H, B)

        dgates_h = xp.empty((steps, 3, hidden, batch), dtype=acts.dtype)  # (da_r, da_z, da_n ⊙ r)
        dgate_n = xp.empty((steps, hidden, batch), dtype=acts.dtype)  # da_n
        w_hh_t = xp.ascontiguousarray(w_hh.T)  # (H, 3H)
        grad_steps = to_feature_major(grad_output, ctx.batch_first)  # (T, H, B)
        dh_next = grad_h_n.T.copy()  # written in place: at the end the gradient of h0
        gru_backward_steps(grad_steps, dh_next, acts, hidden_new, h_prev, w_hh_t,
                           dgates_h.reshape(steps, width, batch), dgate_n, ctx.reverse)
        dgates_x = xp.empty_like(dgates_h)
        dgates_x[:, :2] = dgates_h[:, :2]
        dgates_x[:, 2] = dgate_n
        dgates_x = dgates_x.reshape(steps, width, batch)  # (T, 3H, B): da_r, da_z, da_n
        grad_x, grad_w_ih, grad_b_ih = input_grads(ctx, dgates_x, w_ih, x_fm, ctx.needs_input_grad[3])
        dgates_h = dgates_h.reshape(steps, width, batch)
        grad_w_hh = summed_products(dgates_h, h_prev) if ctx.needs_input_grad[2] else None
        grad_b_hh = bias_grad(dgates_h) if ctx.needs_input_grad[4] else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, dh_next.T, None, None

    @staticmethod
    def reference(ctx, *args):
        """The plain layer (recurrent.py), what create_graph=True differentiates."""
        return gru_layer.entry.reference(*args)


@reference("gru_forward_steps")  # fast path: kernels/recurrent.py, the whole loop compiled
def gru_forward_steps(acts: Any, w_hh: Any, b_hn: Any, h0: Any, hidden_new: Any, hs: Any, reverse: bool) -> Any:
    """The GRU recurrence over all steps in the fused layout (GRULayerOp's equations), in the direction's order.

    acts (T, 3H, B): the input projections (r and z rows halved and with b_hr, b_hz folded in, as w_hh's
    (3H, H) r and z rows), overwritten with the gates r, z, n; b_hn (H, 1); h0 (H, B); hidden_new (T, H, B),
    or a ring of 1 (kernels/recurrence.py's `step_slot`), gets q = W_hn h + b_hn; hs (T, H, B) gets h_t.
    """
    xp = namespace_of(acts)
    steps, width, _ = acts.shape
    hidden = width // 3
    recurrent = xp.empty(acts.shape[1:], dtype=acts.dtype)
    h = h0
    for s, t in enumerate(time_steps(steps, reverse)):
        xp.matmul(w_hh, h, out=recurrent)
        rz = acts[t, : 2 * hidden]
        rz += recurrent[: 2 * hidden]
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:hidden], rz[hidden:]
        q = hidden_new[step_slot(len(hidden_new), t, s, steps)]
        xp.add(recurrent[2 * hidden :], b_hn, out=q)
        n = acts[t, 2 * hidden :]
        n += r * q
        xp.tanh(n, out=n)
        h_next = hs[t]
        xp.subtract(h, n, out=h_next)  # h' = n + z ⊙ (h − n)
        h_next *= z
        h_next += n
        h = h_next
    return hs


@reference("gru_backward_steps")  # fast path: kernels/recurrent.py
def gru_backward_steps(grad_steps: Any, dh: Any, gates: Any, hidden_new: Any, h_prev: Any, w_hh_t: Any,
                       dgates_h: Any, dgate_n: Any, reverse: bool) -> Any:
    """Backpropagation through time of the GRU in the fused layout (GRULayerOp's docstring), steps in reverse.

    grad_steps (T, H, B) the output's gradient (overwritten); dh (H, B) comes in as the gradient of h_n and
    leaves as h0's (in place); gates (T, 3H, B) r, z, n as forward left them; hidden_new, h_prev (T, H, B);
    w_hh_t (H, 3H). Writes dgates_h (T, 3H, B) = (da_r, da_z, da_n ⊙ r) and dgate_n (T, H, B) = da_n.
    """
    xp = namespace_of(gates)
    steps, width, batch = gates.shape
    hidden = width // 3
    split = gates.reshape(steps, 3, hidden, batch)
    factor_n, factor_z, factor_r = _gru_factors(split, hidden_new, h_prev)
    for t in time_steps(steps, reverse, backward=True):
        step_dh = grad_steps[t]
        step_dh += dh
        step = dgates_h[t].reshape(3, hidden, batch)
        xp.multiply(step_dh, factor_n[t], out=dgate_n[t])
        xp.multiply(step_dh, factor_z[t], out=step[1])
        xp.multiply(dgate_n[t], factor_r[t], out=step[0])
        xp.multiply(dgate_n[t], split[t, 0], out=step[2])
        xp.matmul(w_hh_t, dgates_h[t], out=dh)
        dh += step_dh * split[t, 1]
    return dh


def _gru_factors(gates: Any, hidden_new: Any, h_prev: Any) -> tuple[Any, Any, Any]:
    """The factors of the GRU's gate gradients for all steps at once: da_n = dh·K_n, da_z = dh·K_z,
    da_r = da_n·K_r with K_n = (1−z)(1−n²), K_z = (h − n)·z(1−z), K_r = q·r(1−r); written with out= into three
    arrays, so the loop over steps is a few multiplications each."""
    xp = namespace_of(gates)
    r, z, n = gates[:, 0], gates[:, 1], gates[:, 2]
    factor_n, factor_z, factor_r = (xp.empty(n.shape, dtype=n.dtype) for _ in range(3))
    xp.multiply(n, n, out=factor_n)
    xp.subtract(1.0, factor_n, out=factor_n)
    xp.subtract(1.0, z, out=factor_r)  # factor_r holds 1 − z for a moment
    factor_n *= factor_r
    xp.multiply(factor_r, z, out=factor_z)
    xp.subtract(h_prev, n, out=factor_r)
    factor_z *= factor_r
    xp.subtract(1.0, r, out=factor_r)
    factor_r *= r
    factor_r *= hidden_new
    return factor_n, factor_z, factor_r


# ---- Elman RNN --------------------------------------------------------------------------------------------------


class RNNLayerOp(Op):
    """One Elman RNN layer over a whole sequence: h' = act(W_ih x + b_ih + W_hh h + b_hh), tanh or relu.

    Backward per step:  da = dh ⊙ act'(a)  (tanh: 1 − h'²; relu: dh where h' > 0, else 0, PyTorch's subgradient
    at 0, selected so that an infinite dh stays out of the units that are off)    dh_prev = W_hhᵀ da.

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first) → (output, h_n).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first):
        xp = namespace_of(x)
        x_fm = inputs_feature_major(x, batch_first, b_ih is not None)  # (T, I + 1, B): a row of ones for b
        steps, _, batch = x_fm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)  # (H, B)
        hs = project_input(x_fm, w_ih, None if b_ih is None else b_ih + b_hh)  # (T, H, B), overwritten by h_t
        rnn_forward_steps(hs, w_hh, h0, nonlinearity == "relu", reverse)
        h = hs[0 if reverse else steps - 1]
        if any(ctx.needs_input_grad):  # under no_grad nothing is kept
            ctx.save_for_backward(x_fm, w_ih, w_hh, h0, hs)
        ctx.nonlinearity = nonlinearity
        ctx.reverse = reverse
        ctx.batch_first = batch_first
        return from_feature_major(hs, batch_first), h.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x_fm, w_ih, w_hh, h0, hs = ctx.saved_tensors
        xp = namespace_of(hs)
        dgates = to_feature_major(grad_output, ctx.batch_first)  # (T, H, B): dh, then da in place
        w_hh_t = xp.ascontiguousarray(w_hh.T)
        dh_next = grad_h_n.T.copy()  # written in place: at the end the gradient of h0
        rnn_backward_steps(dgates, dh_next, hs, w_hh_t, ctx.nonlinearity == "relu", ctx.reverse)

        bias_wanted = ctx.needs_input_grad[3] or ctx.needs_input_grad[4]  # b_ih and b_hh get the same db
        grad_x, grad_w_ih, grad_b = input_grads(ctx, dgates, w_ih, x_fm, bias_wanted)
        grad_w_hh = None
        if ctx.needs_input_grad[2]:
            grad_w_hh = summed_products(dgates, shift_states(hs, h0, ctx.reverse))
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next.T, None, None, None

    @staticmethod
    def reference(ctx, *args):
        """The plain layer (recurrent.py), what create_graph=True differentiates."""
        return rnn_layer.entry.reference(*args)


@reference("rnn_forward_steps")  # fast path: kernels/recurrent.py, the whole loop compiled
def rnn_forward_steps(hs: Any, w_hh: Any, h0: Any, relu: bool, reverse: bool) -> Any:
    """The Elman recurrence in the fused layout: hs (T, H, B) holds the input projections and becomes the h_t,
    hs[t] ← act(hs[t] + W_hh h_{t-1}) in the direction's order (act relu or tanh); w_hh (H, H), h0 (H, B)."""
    xp = namespace_of(hs)
    recurrent = xp.empty(hs.shape[1:], dtype=hs.dtype)
    h = h0
    for t in time_steps(len(hs), reverse):
        xp.matmul(w_hh, h, out=recurrent)
        h = hs[t]
        h += recurrent
        if relu:
            xp.maximum(h, 0, out=h)
        else:
            xp.tanh(h, out=h)
    return hs


@reference("rnn_backward_steps")  # fast path: kernels/recurrent.py
def rnn_backward_steps(dgates: Any, dh: Any, hs: Any, w_hh_t: Any, relu: bool, reverse: bool) -> Any:
    """Backpropagation through time of the Elman RNN (RNNLayerOp's docstring), steps in reverse order.

    dgates (T, H, B) comes in as the output's gradient and becomes da; dh (H, B) comes in as the gradient of
    h_n and leaves as h0's (in place); hs (T, H, B) the h_t; w_hh_t (H, H).
    """
    xp = namespace_of(hs)
    for t in time_steps(len(hs), reverse, backward=True):
        da = dgates[t]
        da += dh
        if relu:
            da[...] = where(hs[t] <= 0, 0, da)  # units at 0 (a NaN h' passes dh on, as PyTorch's threshold_backward)
        else:
            da *= 1 - hs[t] * hs[t]
        xp.matmul(w_hh_t, da, out=dh)
    return dh


# ---- the seam: these Ops serve the plain layers' calls on NumPy arrays ------------------------------------------


def _on_numpy(x: Tensor, *rest: Any) -> bool:
    """The fused layers serve NumPy arrays of every float dtype, with or without Numba (their step kernels
    check their own fit). Other arrays (CuPy) run the plain layers of recurrent.py."""
    return type(x.array) is np.ndarray


def _example(gates: int, states: int, batch_first: bool) -> tuple:
    """A small float64 call: x (T, B, I) (or batch first), w_ih, w_hh, b_ih, b_hh and `states` initial states."""
    rng = np.random.default_rng(0)
    steps, batch, size, hidden = 5, 3, 4, 6
    shapes = [(batch, steps, size) if batch_first else (steps, batch, size), (gates * hidden, size),
              (gates * hidden, hidden), (gates * hidden,), (gates * hidden,)] + [(batch, hidden)] * states
    return tuple(Tensor(rng.standard_normal(shape)) for shape in shapes)


@fast_path("lstm_layer", when=_on_numpy, example=lambda: (*_example(4, 2, True), True, True))
def fused_lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first):
    """`lstm_layer` as one Op over all steps."""
    return LSTMLayerOp.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first)


@fast_path("gru_layer", when=_on_numpy, example=lambda: (*_example(3, 1, False), True, False))
def fused_gru_layer(x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first):
    """`gru_layer` as one Op over all steps."""
    return GRULayerOp.apply(x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first)


@fast_path("rnn_layer", when=_on_numpy, example=lambda: (*_example(1, 1, True), "relu", False, True))
def fused_rnn_layer(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first):
    """`rnn_layer` as one Op over all steps."""
    return RNNLayerOp.apply(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first)
