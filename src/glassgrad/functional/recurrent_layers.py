"""Whole-sequence recurrent layers as single Ops: one layer, one direction, all time steps.

An RNN unrolled step by step leaves a dozen graph nodes per time step; here each layer and direction is one Op
whose forward loops over time and whose backward loops over time in reverse (backpropagation through time),
both on raw arrays. Per layer and direction:

1. the input projection of all T steps is one batched matrix product, W_ih x_t + b, hoisted out of the loop;
2. each step is one matrix product W_hh h for all gates plus the elementwise cell update;
3. backward computes each step's gate gradients in the reverse loop (they feed dh_{t-1} = W_hhᵀ dgates_t),
   then the weight gradients of all steps at once: dW_hh = Σ_t dgates_t h_{t-1}ᵀ is one (G·H, T·B) × (T·B, H)
   product, dW_ih another, and db a sum over time and batch.

Layout. The user's tensors are (T, B, F), or (B, T, F) with `batch_first`. Inside, every per-step array is
feature-major, (T, F, B): a step's gates are one contiguous (G·H, B) block, each gate a contiguous (H, B) slice,
and the step's product is W_hh (G·H, H) @ h (H, B). For a batch of 32 and H = 256 that product runs about 30%
faster than h (B, H) @ W_hhᵀ (H, G·H) in OpenBLAS, and contiguous slices make the elementwise ops about twice
as fast as strided ones. The weight-gradient products want (F, T·B): one transposing copy each, after the loop.

Memory. Forward writes the activations into the buffer of the input projection, and backward computes its
factors with `out=` into a few buffers and reuses dead ones (see `_lstm_factors`). Fresh big arrays cost no page
faults here: glassgrad/_process_setup.py keeps freed blocks in the heap (without that, GLASSGRAD_MALLOC=0, the
lstm benchmark's step pays about 3,000 page faults).

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

from ..autograd.node import Op
from ..backend import namespace_of
from ..kernels import blas, fits
from ..kernels import lstm as lstm_kernel
from ..kernels.select import where
from ..ops import shape as shape_ops
from ..tensor import Tensor

# PyTorch's LSTM gate blocks are (i, f, g, o); internally (o, i, f, g): TO_INTERNAL[k] = PyTorch's block k.
TO_INTERNAL = (3, 0, 1, 2)
FROM_INTERNAL = (1, 2, 3, 0)


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


def gemm_layout(array: Any, out: Any = None) -> Any:
    """(T, F, B) → (F, T·B), the layout of the weight-gradient products (into `out`'s memory if given)."""
    xp = namespace_of(array)
    steps, features, batch = array.shape
    if out is None:
        out = xp.empty((features, steps, batch), dtype=array.dtype)
    else:
        out = out.reshape(-1)[: features * steps * batch].reshape(features, steps, batch)
    out[...] = array.transpose(1, 0, 2)  # (F, T, B)
    return out.reshape(features, steps * batch)


def shift_states(states: Any, initial: Any, reverse: bool, out: Any) -> Any:
    """The state each step began from, (T, F, B): s_{t-1}, or s_{t+1} in reverse, and `initial` at the start."""
    if reverse:
        out[:-1] = states[1:]
        out[-1] = initial
    else:
        out[1:] = states[:-1]
        out[0] = initial
    return out


def project_input(x_fm: Any, w_ih: Any, bias: Any) -> Any:
    """The hoisted input projection of all steps: (T, I, B) → (T, G·H, B) = W_ih x_t + b, one batched product."""
    xp = namespace_of(x_fm)
    projected = xp.empty((x_fm.shape[0], w_ih.shape[0], x_fm.shape[2]), dtype=x_fm.dtype)
    xp.matmul(w_ih, x_fm, out=projected)  # (G·H, I) @ (T, I, B)
    if bias is not None:
        projected += bias[:, None]
    return projected


def initial_state(xp: Any, state: Any, batch: int, hidden: int, dtype: Any) -> Any:
    """A (B, H) initial state as a contiguous (H, B) copy, zeros when None."""
    return xp.zeros((hidden, batch), dtype=dtype) if state is None else state.T.copy()


def input_grads(ctx: Any, dgates: Any, dgates_gemm: Any, w_ih: Any, x_fm: Any, batch_first: bool) -> tuple:
    """dX = W_ihᵀ dgates (per step, in the user's layout) and dW_ih = dgates Xᵀ over all steps."""
    xp = namespace_of(dgates)
    grad_x = grad_w_ih = None
    if ctx.needs_input_grad[0]:
        grad_x = xp.empty((dgates.shape[0], w_ih.shape[1], dgates.shape[2]), dtype=dgates.dtype)
        if blas.fits_stacked(w_ih.T, dgates, grad_x):
            blas.stacked_matmul(w_ih.T, dgates, grad_x)  # the steps' products on every core (kernels/blas.py)
        else:
            xp.matmul(w_ih.T, dgates, out=grad_x)  # (I, G·H) @ (T, G·H, B) → (T, I, B)
        grad_x = grad_x.transpose(2, 0, 1) if batch_first else grad_x.transpose(0, 2, 1)
    if ctx.needs_input_grad[1]:
        grad_w_ih = dgates_gemm @ gemm_layout(x_fm).T  # (G·H, T·B) @ (T·B, I)
    return grad_x, grad_w_ih


def time_steps(steps: int, reverse: bool, backward: bool) -> range:
    """The order a direction visits the steps: forward in time (or reversed), and the opposite in backward."""
    return range(steps - 1, -1, -1) if reverse != backward else range(steps)


class LSTMLayer(Op):
    """One LSTM layer over a whole sequence (PyTorch's equations, gates i, f, g, o):

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
        x_fm = to_feature_major(x, batch_first)  # (T, I, B)
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

        cells = xp.empty((steps, hidden, batch), dtype=x.dtype)  # c_t
        tanh_cells = xp.empty((steps, hidden, batch), dtype=x.dtype)  # tanh(c_t)
        hs = xp.empty((steps, hidden, batch), dtype=x.dtype)  # h_t
        recurrent = xp.empty((4 * hidden, batch), dtype=x.dtype)
        h, c = h0, c0
        fused = fits(acts, recurrent, h0, c0)  # the step's cell update as one kernel pass (kernels/lstm.py)
        for t in time_steps(steps, reverse, backward=False):
            a = acts[t]  # the input projection of step t, overwritten by the gates: o, i, f, g
            xp.matmul(w_hh_half, h, out=recurrent)
            if fused:
                lstm_kernel.forward_step(a, recurrent, c, cells[t], tanh_cells[t], hs[t])
                h, c = hs[t], cells[t]
                continue
            a += recurrent
            xp.tanh(a, out=a)
            sigmoid_gates = a[: 3 * hidden]
            sigmoid_gates *= 0.5
            sigmoid_gates += 0.5
            o, i, f, g = (a[k * hidden : (k + 1) * hidden] for k in range(4))
            c_next = cells[t]
            xp.multiply(f, c, out=c_next)
            c_next += i * g
            xp.tanh(c_next, out=tanh_cells[t])
            xp.multiply(o, tanh_cells[t], out=hs[t])
            h, c = hs[t], c_next
        ctx.save_for_backward(x_fm, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, hs)
        return from_feature_major(hs, batch_first), h.T.copy(), c.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n, grad_c_n):
        x_fm, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, hs = ctx.saved_tensors
        reverse, batch_first = ctx.inputs[7], ctx.inputs[8]
        xp = namespace_of(acts)
        steps, width, batch = acts.shape
        hidden = width // 4
        w_hh_t = xp.ascontiguousarray(permute_blocks(w_hh, TO_INTERNAL).T)  # (H, 4H)
        grad_steps = to_feature_major(grad_output, batch_first)  # (T, H, B)
        dh_next = xp.ascontiguousarray(grad_h_n.T)
        dc = grad_c_n.T.copy()
        dgates = xp.empty((steps, width, batch), dtype=acts.dtype)  # o, i, f, g
        if fits(acts, cells, tanh_cells, grad_steps, dh_next, dc, c0):  # each step one kernel pass
            for t in time_steps(steps, reverse, backward=True):
                c_prev = _previous(cells, c0, t, reverse)
                lstm_kernel.backward_step(grad_steps[t], dh_next, dc, acts[t], tanh_cells[t], c_prev, dgates[t])
                dh_next = w_hh_t @ dgates[t]
            factors = spare = None
        else:
            gates = acts.reshape(steps, 4, hidden, batch)
            factors, dc_from_dh, spare = _lstm_factors(gates, cells, tanh_cells, c0, reverse)
            f = gates[:, 2]
            dgates_by_gate = dgates.reshape(steps, 4, hidden, batch)
            for t in time_steps(steps, reverse, backward=True):
                dh = grad_steps[t]
                dh += dh_next
                dc += dh * dc_from_dh[t]
                xp.multiply(dh, factors[t, 0], out=dgates_by_gate[t, 0])
                xp.multiply(dc[None], factors[t, 1:], out=dgates_by_gate[t, 1:])
                dc *= f[t]
                dh_next = w_hh_t @ dgates[t]

        flat = gemm_layout(dgates, out=factors)  # (4H, T·B); factors are dead by now
        grad_x, grad_w_ih = input_grads(ctx, dgates, flat, permute_blocks(w_ih, TO_INTERNAL), x_fm, batch_first)
        grad_w_ih = None if grad_w_ih is None else permute_blocks(grad_w_ih, FROM_INTERNAL)
        grad_w_hh = grad_b = None
        if ctx.needs_input_grad[2]:
            spare = xp.empty(hs.shape, hs.dtype) if spare is None else spare
            h_prev = gemm_layout(shift_states(hs, h0, reverse, out=spare))  # (H, T·B)
            grad_w_hh = permute_blocks(flat @ h_prev.T, FROM_INTERNAL)
        if ctx.needs_input_grad[3] or ctx.needs_input_grad[4]:
            grad_b = permute_blocks(flat.sum(axis=1), FROM_INTERNAL)
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next.T, dc.T, None, None

    @staticmethod
    def reference(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        def step(projected: Tensor, state: tuple) -> tuple:
            h, c = state
            return lstm_update(projected + _recurrent(h, w_hh, b_hh), c)

        state = (_initial(h0, x, w_hh, batch_first), _initial(c0, x, w_hh, batch_first))
        return _unrolled(x, w_ih, b_ih, batch_first, reverse, state, step)


def _previous(states: Any, initial: Any, t: int, reverse: bool) -> Any:
    """The state step t began from: s_{t-1} (s_{t+1} in reverse), or `initial` at the first step."""
    first = len(states) - 1 if reverse else 0
    return initial if t == first else states[t + 1 if reverse else t - 1]


def _lstm_factors(gates: Any, cells: Any, tanh_cells: Any, c0: Any, reverse: bool) -> tuple[Any, Any, Any]:
    """The factors of each gate's gradient that do not depend on the incoming gradient, for all steps at once:
    da = (dh·K_o, dc·K_i, dc·K_f, dc·K_g) with K_o = tanh c'·o(1−o), K_i = g·i(1−i), K_f = c·f(1−f),
    K_g = i·(1−g²); and dc'/dh' = o(1 − tanh²c'). Written with out= into three buffers (the third, `spare`, is
    free for the caller afterwards), because fresh temporaries here would cost more than the arithmetic.
    """
    xp = namespace_of(gates)
    o, i, f, g = gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3]
    factors = xp.empty(gates.shape, gates.dtype)  # (T, 4, H, B)
    spare = xp.empty(cells.shape, gates.dtype)  # (T, H, B)
    for gate, slot in ((o, 0), (i, 1), (f, 2)):
        xp.subtract(1.0, gate, out=spare)
        xp.multiply(spare, gate, out=factors[:, slot])  # σ' = σ(1 − σ)
    factors[:, 0] *= tanh_cells
    factors[:, 1] *= g
    factors[:, 2] *= shift_states(cells, c0, reverse, out=spare)  # c_{t-1}
    xp.multiply(g, g, out=spare)
    xp.subtract(1.0, spare, out=spare)
    xp.multiply(spare, i, out=factors[:, 3])
    dc_from_dh = xp.multiply(tanh_cells, tanh_cells, out=xp.empty(cells.shape, gates.dtype))
    xp.subtract(1.0, dc_from_dh, out=dc_from_dh)
    dc_from_dh *= o
    return factors, dc_from_dh, spare


class GRULayer(Op):
    """One GRU layer over a whole sequence (PyTorch's equations, gates r, z, n):

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
        x_fm = to_feature_major(x, batch_first)  # (T, I, B)
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
        b_hn = None if b_hh is None else b_hh[2 * hidden :, None]

        hidden_new = xp.empty((steps, hidden, batch), dtype=x.dtype)  # q = W_hn h + b_hn
        hs = xp.empty((steps, hidden, batch), dtype=x.dtype)
        recurrent = xp.empty((3 * hidden, batch), dtype=x.dtype)
        h = h0
        for t in time_steps(steps, reverse, backward=False):
            xp.matmul(w_hh_half, h, out=recurrent)
            rz = acts[t, : 2 * hidden]
            rz += recurrent[: 2 * hidden]
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z = rz[:hidden], rz[hidden:]
            q = hidden_new[t]
            if b_hn is None:
                q[...] = recurrent[2 * hidden :]
            else:
                xp.add(recurrent[2 * hidden :], b_hn, out=q)
            n = acts[t, 2 * hidden :]
            n += r * q
            xp.tanh(n, out=n)
            h_next = hs[t]
            xp.subtract(h, n, out=h_next)  # h' = n + z ⊙ (h − n)
            h_next *= z
            h_next += n
            h = h_next
        ctx.save_for_backward(x_fm, w_ih, w_hh, h0, acts, hidden_new, hs)
        return from_feature_major(hs, batch_first), h.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x_fm, w_ih, w_hh, h0, acts, hidden_new, hs = ctx.saved_tensors
        reverse, batch_first = ctx.inputs[6], ctx.inputs[7]
        xp = namespace_of(acts)
        steps, width, batch = acts.shape
        hidden = width // 3
        gates = acts.reshape(steps, 3, hidden, batch)
        r, z = gates[:, 0], gates[:, 1]
        h_prev = shift_states(hs, h0, reverse, out=xp.empty(hs.shape, hs.dtype))  # (T, H, B)
        factor_n, factor_z, factor_r = _gru_factors(gates, hidden_new, h_prev)

        dgates_h = xp.empty((steps, 3, hidden, batch), dtype=acts.dtype)  # (da_r, da_z, da_n ⊙ r)
        dgate_n = xp.empty((steps, hidden, batch), dtype=acts.dtype)  # da_n
        w_hh_t = xp.ascontiguousarray(w_hh.T)  # (H, 3H)
        grad_steps = to_feature_major(grad_output, batch_first)  # (T, H, B)
        dh_next = grad_h_n.T
        for t in time_steps(steps, reverse, backward=True):
            dh = grad_steps[t]
            dh += dh_next
            step = dgates_h[t]
            xp.multiply(dh, factor_n[t], out=dgate_n[t])
            xp.multiply(dh, factor_z[t], out=step[1])
            xp.multiply(dgate_n[t], factor_r[t], out=step[0])
            xp.multiply(dgate_n[t], r[t], out=step[2])
            dh_next = w_hh_t @ step.reshape(width, batch)
            dh_next += dh * z[t]

        dgates_x = xp.empty(dgates_h.shape, acts.dtype)
        dgates_x[:, :2] = dgates_h[:, :2]
        dgates_x[:, 2] = dgate_n
        dgates_x = dgates_x.reshape(steps, width, batch)  # (T, 3H, B): da_r, da_z, da_n
        flat_x = gemm_layout(dgates_x)  # (3H, T·B)
        grad_x, grad_w_ih = input_grads(ctx, dgates_x, flat_x, w_ih, x_fm, batch_first)
        flat_h = gemm_layout(dgates_h.reshape(steps, width, batch))
        grad_w_hh = flat_h @ gemm_layout(h_prev).T if ctx.needs_input_grad[2] else None
        grad_b_ih = flat_x.sum(axis=1) if ctx.needs_input_grad[3] else None
        grad_b_hh = flat_h.sum(axis=1) if ctx.needs_input_grad[4] else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, dh_next.T, None, None

    @staticmethod
    def reference(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        def step(projected: Tensor, state: tuple) -> tuple:
            (h,) = state
            return (gru_update(projected, _recurrent(h, w_hh, b_hh), h),)

        return _unrolled(x, w_ih, b_ih, batch_first, reverse, (_initial(h0, x, w_hh, batch_first),), step)


def _gru_factors(gates: Any, hidden_new: Any, h_prev: Any) -> tuple[Any, Any, Any]:
    """The factors of the GRU's gate gradients for all steps at once: da_n = dh·K_n, da_z = dh·K_z,
    da_r = da_n·K_r with K_n = (1−z)(1−n²), K_z = (h − n)·z(1−z), K_r = q·r(1−r); written with out= into
    three arrays (fresh temporaries cost more than the arithmetic)."""
    xp = namespace_of(gates)
    r, z, n = gates[:, 0], gates[:, 1], gates[:, 2]
    factor_n, factor_z, factor_r = (xp.empty(n.shape, n.dtype) for _ in range(3))
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


class RNNLayer(Op):
    """One Elman RNN layer over a whole sequence: h' = act(W_ih x + b_ih + W_hh h + b_hh), tanh or relu.

    Backward per step:  da = dh ⊙ act'(a)  (tanh: 1 − h'²; relu: dh where h' > 0, else 0, PyTorch's subgradient
    at 0, selected so that an infinite dh stays out of the units that are off)    dh_prev = W_hhᵀ da.

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first) → (output, h_n).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first):
        xp = namespace_of(x)
        x_fm = to_feature_major(x, batch_first)  # (T, I, B)
        steps, _, batch = x_fm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)  # (H, B)
        hs = project_input(x_fm, w_ih, None if b_ih is None else b_ih + b_hh)  # (T, H, B), overwritten by h_t
        recurrent = xp.empty((hidden, batch), dtype=x.dtype)
        h = h0
        for t in time_steps(steps, reverse, backward=False):
            xp.matmul(w_hh, h, out=recurrent)
            h = hs[t]
            h += recurrent
            if nonlinearity == "tanh":
                xp.tanh(h, out=h)
            else:
                xp.maximum(h, 0, out=h)
        ctx.save_for_backward(x_fm, w_ih, w_hh, h0, hs)
        return from_feature_major(hs, batch_first), h.T.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x_fm, w_ih, w_hh, h0, hs = ctx.saved_tensors
        nonlinearity, reverse, batch_first = ctx.inputs[6], ctx.inputs[7], ctx.inputs[8]
        xp = namespace_of(hs)
        steps, hidden, batch = hs.shape
        slope = xp.empty(hs.shape, hs.dtype)  # tanh's slope; afterwards the gemm layout of dgates
        off = None
        if nonlinearity == "tanh":
            xp.multiply(hs, hs, out=slope)
            xp.subtract(1.0, slope, out=slope)
        else:
            off = hs <= 0  # relu's units at 0 (a NaN h' passes dh on, as PyTorch's threshold_backward)
        dgates = to_feature_major(grad_output, batch_first)  # (T, H, B): dh, then da in place
        w_hh_t = xp.ascontiguousarray(w_hh.T)
        dh_next = grad_h_n.T
        for t in time_steps(steps, reverse, backward=True):
            da = dgates[t]
            da += dh_next
            if off is None:
                da *= slope[t]
            else:
                da[...] = where(off[t], 0, da)
            dh_next = w_hh_t @ da

        flat = gemm_layout(dgates, out=slope)  # (H, T·B)
        grad_x, grad_w_ih = input_grads(ctx, dgates, flat, w_ih, x_fm, batch_first)
        grad_w_hh = None
        if ctx.needs_input_grad[2]:
            grad_w_hh = flat @ gemm_layout(shift_states(hs, h0, reverse, out=xp.empty(hs.shape, hs.dtype))).T
        grad_b = flat.sum(axis=1) if ctx.needs_input_grad[3] or ctx.needs_input_grad[4] else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next.T, None, None, None

    @staticmethod
    def reference(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first):
        """The same math from differentiable primitives (what create_graph=True differentiates)."""
        def step(projected: Tensor, state: tuple) -> tuple:
            a = projected + _recurrent(state[0], w_hh, b_hh)
            return (a.tanh() if nonlinearity == "tanh" else a.relu(),)

        return _unrolled(x, w_ih, b_ih, batch_first, reverse, (_initial(h0, x, w_hh, batch_first),), step)


# ---- the references: the same equations with tensor ops, step by step ---------------------------------------


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


def _recurrent(h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """The hidden part of a step's pre-activations, h W_hhᵀ + b_hh: (B, H) -> (B, G·H)."""
    product = h @ w_hh.t()
    return product if b_hh is None else product + b_hh


def _initial(state: Tensor | None, x: Tensor, w_hh: Tensor, batch_first: bool) -> Tensor:
    """A (B, H) initial state: the given one, or zeros."""
    if state is not None:
        return state
    batch = x.shape[0 if batch_first else 1]
    return Tensor(namespace_of(x.array).zeros((batch, w_hh.shape[1]), dtype=x.array.dtype))


def _unrolled(x: Tensor, w_ih: Tensor, b_ih: Tensor | None, batch_first: bool, reverse: bool, state: tuple,
              step: Any) -> tuple:
    """(output, *final state) of one layer and direction: the input projection of all steps hoisted, as in
    forward, then `state = step(W_ih x_t + b_ih, state)` per step in the direction's order; state[0] is h_t."""
    projected = x @ w_ih.t()  # (T, B, G·H), or (B, T, G·H) batch first
    if b_ih is not None:
        projected = projected + b_ih
    if batch_first:
        projected = projected.transpose(0, 1)  # (B, T, G·H) -> (T, B, G·H)
    outputs: list = [None] * projected.shape[0]
    for t in time_steps(len(outputs), reverse, backward=False):
        state = step(projected[t], state)
        outputs[t] = state[0]
    output = shape_ops.stack(outputs)  # (T, B, H)
    return (output.transpose(0, 1) if batch_first else output, *state)
