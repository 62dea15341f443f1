"""Whole-sequence recurrent layers as single Ops: one layer, one direction, all time steps.

An RNN unrolled step by step leaves a dozen graph nodes per time step; here each layer and direction is one Op
whose forward loops over time and whose backward loops over time in reverse (backpropagation through time),
both on raw arrays. Per layer and direction:

1. the input projection of all T steps is one matrix product, X W_ihᵀ + b, hoisted out of the loop;
2. each step is one matrix product h W_hhᵀ for all gates plus the elementwise cell update;
3. backward computes each step's gate gradients in the reverse loop (they feed dh_{t-1} = dgates_t W_hh), and
   then the weight gradients of all steps at once: dW_hh = Σ_t dgates_tᵀ h_{t-1} is one (4H, T·B) × (T·B, H)
   product, dW_ih = dgatesᵀ X another, and db the sum of dgates over time and batch.

Layout: `x` and `output` are (T, B, ·), or (B, T, ·) with `batch_first`; saved activations are time-major.
`reverse=True` runs the direction t = T-1 … 0 of a bidirectional layer (its output stays aligned with x).

Two speed tricks in the LSTM and GRU, both invisible from outside:
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

# PyTorch's LSTM gate blocks are (i, f, g, o); internally (o, i, f, g): TO_INTERNAL[k] = PyTorch's block k.
TO_INTERNAL = (3, 0, 1, 2)
FROM_INTERNAL = (1, 2, 3, 0)


def permute_blocks(array: Any, order: tuple[int, ...]) -> Any:
    """Reorder the gate blocks along the first axis of a (G·H, ...) weight or (G·H,) bias (a copy)."""
    blocks = len(order)
    stacked = array.reshape((blocks, array.shape[0] // blocks) + array.shape[1:])  # (G, H, ...)
    return stacked[list(order)].reshape(array.shape)


def time_major(x: Any, batch_first: bool) -> Any:
    """x as (T, B, F): a view for batch_first input."""
    return x.swapaxes(0, 1) if batch_first else x


def step_views(array: Any, batch_first: bool) -> list:
    """The per-step (B, F) views of a (T, B, F) or (B, T, F) array."""
    return [array[:, t] for t in range(array.shape[1])] if batch_first else list(array)


def previous_states(states: Any, initial: Any, reverse: bool) -> Any:
    """(T, B, H) states s_t → the state each step began from: s_{t-1} (s_{t+1} in reverse) or the initial."""
    xp = namespace_of(states)
    if reverse:
        return xp.concatenate([states[1:], initial[None]], axis=0)
    return xp.concatenate([initial[None], states[:-1]], axis=0)


def project_input(x_tm: Any, w_ih: Any, bias: Any) -> Any:
    """The hoisted input projection of all steps in one product: (T, B, I) → (T, B, G·H) = X W_ihᵀ + b."""
    steps, batch, features = x_tm.shape
    projected = (
        x_tm.reshape(steps * batch, features) @ w_ih.T
    )  # (T·B, G·H); reshape copies batch_first x once
    if bias is not None:
        projected += bias
    return projected.reshape(steps, batch, w_ih.shape[0])


def input_grads(ctx: Any, dgates: Any, w_ih: Any, x_tm: Any, batch_first: bool) -> tuple[Any, Any]:
    """dX = dgates W_ih and dW_ih = dgatesᵀ X for all steps at once (None where not needed)."""
    steps, batch, width = dgates.shape
    flat = dgates.reshape(steps * batch, width)
    grad_x = None
    if ctx.needs_input_grad[0]:
        grad_x = (flat @ w_ih).reshape(steps, batch, w_ih.shape[1])
        grad_x = grad_x.swapaxes(0, 1) if batch_first else grad_x
    grad_w_ih = flat.T @ x_tm.reshape(steps * batch, x_tm.shape[2]) if ctx.needs_input_grad[1] else None
    return grad_x, grad_w_ih


def initial_state(xp: Any, h0: Any, batch: int, hidden: int, dtype: Any) -> Any:
    return xp.zeros((batch, hidden), dtype=dtype) if h0 is None else h0


class LSTMLayer(Op):
    """One LSTM layer over a whole sequence (PyTorch's equations, gates i, f, g, o):

        i, f, g, o = σ(x W_iiᵀ + h W_hiᵀ + b_i), σ(… f), tanh(… g), σ(… o)
        c' = f ⊙ c + i ⊙ g          h' = o ⊙ tanh(c')

    Backward per step, with dh the gradient reaching h' (from the output and from step t+1), dc from step t+1:
        dc += dh ⊙ o ⊙ (1 − tanh²c')    do = dh ⊙ tanh c'    di = dc ⊙ g    df = dc ⊙ c    dg = dc ⊙ i
        da = (di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o))    dh_prev = da W_hh    dc_prev = dc ⊙ f

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first) → (output, h_n, c_n); biases, h0, c0 may
    be None (no bias; zero initial state).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, batch_first):
        xp = namespace_of(x)
        x_tm = time_major(x, batch_first)
        steps, batch, _ = x_tm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)
        c0 = initial_state(xp, c0, batch, hidden, x.dtype)
        # Internal gate order (o, i, f, g), sigmoid rows halved: tanh(a/2) then gives σ(a) = ½ + ½ tanh(a/2).
        half = xp.ones((4 * hidden, 1), dtype=x.dtype)
        half[: 3 * hidden] = 0.5
        bias = None if b_ih is None else permute_blocks(b_ih + b_hh, TO_INTERNAL) * half[:, 0]
        gates_in = project_input(x_tm, permute_blocks(w_ih, TO_INTERNAL) * half, bias)  # (T, B, 4H)
        w_hh_t = (permute_blocks(w_hh, TO_INTERNAL) * half).T  # (H, 4H)

        acts = xp.empty((steps, batch, 4 * hidden), dtype=x.dtype)  # o, i, f, g after their nonlinearity
        cells = xp.empty((steps, batch, hidden), dtype=x.dtype)  # c_t
        tanh_cells = xp.empty((steps, batch, hidden), dtype=x.dtype)  # tanh(c_t)
        output = xp.empty(x.shape[:2] + (hidden,), dtype=x.dtype)
        out_steps = step_views(output, batch_first)
        h, c = h0, c0
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            a = acts[t]
            xp.matmul(h, w_hh_t, out=a)
            a += gates_in[t]
            xp.tanh(a, out=a)
            sigmoid_gates = a[:, : 3 * hidden]
            sigmoid_gates *= 0.5
            sigmoid_gates += 0.5
            o, i, f, g = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
            c_next = cells[t]
            xp.multiply(f, c, out=c_next)
            c_next += i * g
            xp.tanh(c_next, out=tanh_cells[t])
            h = out_steps[t]
            xp.multiply(o, tanh_cells[t], out=h)
            c = c_next
        ctx.save_for_backward(x, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, output)
        return output, h.copy(), c.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n, grad_c_n):
        x, w_ih, w_hh, h0, c0, acts, cells, tanh_cells, output = ctx.saved_tensors
        reverse, batch_first = ctx.inputs[7], ctx.inputs[8]
        xp = namespace_of(acts)
        steps, batch, _ = acts.shape
        hidden = w_hh.shape[1]
        o, i, f, g = (acts[:, :, k * hidden : (k + 1) * hidden] for k in range(4))
        # The factors of each gate's gradient that do not depend on the incoming gradient, for all steps at
        # once (four big array ops, not four small ones per step): da = (dh·K_o, dc·K_i, dc·K_f, dc·K_g).
        factors = xp.empty((steps, batch, 4, hidden), dtype=acts.dtype)
        factors[:, :, 0] = tanh_cells * o * (1 - o)
        factors[:, :, 1] = g * i * (1 - i)
        factors[:, :, 2] = previous_states(cells, c0, reverse) * f * (1 - f)
        factors[:, :, 3] = i * (1 - g * g)
        dc_from_dh = o * (1 - tanh_cells * tanh_cells)  # dc'/dh' through h' = o tanh(c')
        w_hh_internal = permute_blocks(w_hh, TO_INTERNAL)  # (4H, H)

        dgates = xp.empty((steps, batch, 4, hidden), dtype=acts.dtype)  # o, i, f, g
        grad_steps = step_views(grad_output, batch_first)
        dh_next = grad_h_n
        dc = grad_c_n.copy()
        for t in range(steps) if reverse else range(steps - 1, -1, -1):
            dh = grad_steps[t] + dh_next
            dc += dh * dc_from_dh[t]
            xp.multiply(dh, factors[t, :, 0], out=dgates[t, :, 0])
            xp.multiply(dc[:, None, :], factors[t, :, 1:], out=dgates[t, :, 1:])
            dc *= f[t]
            dh_next = dgates[t].reshape(batch, 4 * hidden) @ w_hh_internal

        dgates = dgates.reshape(steps, batch, 4 * hidden)
        flat = dgates.reshape(steps * batch, 4 * hidden)
        x_tm = time_major(x, batch_first)
        grad_x, grad_w_ih = input_grads(ctx, dgates, permute_blocks(w_ih, TO_INTERNAL), x_tm, batch_first)
        grad_w_ih = None if grad_w_ih is None else permute_blocks(grad_w_ih, FROM_INTERNAL)
        grad_w_hh = None
        if ctx.needs_input_grad[2]:
            h_prev = previous_states(time_major(output, batch_first), h0, reverse).reshape(
                steps * batch, hidden
            )
            grad_w_hh = permute_blocks(flat.T @ h_prev, FROM_INTERNAL)
        grad_b = permute_blocks(flat.sum(axis=0), FROM_INTERNAL) if any(ctx.needs_input_grad[3:5]) else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next, dc, None, None


class GRULayer(Op):
    """One GRU layer over a whole sequence (PyTorch's equations, gates r, z, n):

        r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)      z = σ(… z)
        n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h

    Backward per step, with dh the gradient reaching h' and q = h W_hnᵀ + b_hn:
        da_n = dh ⊙ (1 − z)(1 − n²)    da_z = dh ⊙ (h − n) z(1 − z)    da_r = da_n ⊙ q ⊙ r(1 − r)
        dgates_x = (da_r, da_z, da_n)    dgates_h = (da_r, da_z, da_n ⊙ r)    dh_prev = dh ⊙ z + dgates_h W_hh

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first) → (output, h_n).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, reverse, batch_first):
        xp = namespace_of(x)
        x_tm = time_major(x, batch_first)
        steps, batch, _ = x_tm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)
        # r and z rows halved (σ(a) = ½ + ½ tanh(a/2)); b_hr and b_hz fold into the hoisted projection, b_hn
        # cannot (r multiplies it).
        half = xp.ones((3 * hidden, 1), dtype=x.dtype)
        half[: 2 * hidden] = 0.5
        bias = None
        if b_ih is not None:
            bias = b_ih.copy()
            bias[: 2 * hidden] += b_hh[: 2 * hidden]
            bias *= half[:, 0]
        gates_in = project_input(x_tm, w_ih * half, bias)  # (T, B, 3H)
        w_hh_t = (w_hh * half).T  # (H, 3H)
        b_hn = None if b_hh is None else b_hh[2 * hidden :]

        rz = xp.empty((steps, batch, 2 * hidden), dtype=x.dtype)  # r, z after σ
        new = xp.empty((steps, batch, hidden), dtype=x.dtype)  # n
        hidden_new = xp.empty((steps, batch, hidden), dtype=x.dtype)  # q = h W_hnᵀ + b_hn
        recurrent = xp.empty((batch, 3 * hidden), dtype=x.dtype)
        output = xp.empty(x.shape[:2] + (hidden,), dtype=x.dtype)
        out_steps = step_views(output, batch_first)
        h = h0
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            xp.matmul(h, w_hh_t, out=recurrent)
            gates = rz[t]
            xp.add(gates_in[t, :, : 2 * hidden], recurrent[:, : 2 * hidden], out=gates)
            xp.tanh(gates, out=gates)
            gates *= 0.5
            gates += 0.5
            r, z = gates[:, :hidden], gates[:, hidden:]
            q = hidden_new[t]
            if b_hn is None:
                q[...] = recurrent[:, 2 * hidden :]
            else:
                xp.add(recurrent[:, 2 * hidden :], b_hn, out=q)
            n = new[t]
            xp.multiply(r, q, out=n)
            n += gates_in[t, :, 2 * hidden :]
            xp.tanh(n, out=n)
            h_next = out_steps[t]
            xp.subtract(h, n, out=h_next)  # h' = n + z ⊙ (h − n)
            h_next *= z
            h_next += n
            h = h_next
        ctx.save_for_backward(x, w_ih, w_hh, h0, rz, new, hidden_new, output)
        return output, h.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x, w_ih, w_hh, h0, rz, new, hidden_new, output = ctx.saved_tensors
        reverse, batch_first = ctx.inputs[6], ctx.inputs[7]
        xp = namespace_of(rz)
        steps, batch, _ = rz.shape
        hidden = w_hh.shape[1]
        r, z = rz[:, :, :hidden], rz[:, :, hidden:]
        h_prev = previous_states(time_major(output, batch_first), h0, reverse)  # (T, B, H)
        # Gradient factors for all steps at once: da_n = dh·K_n, da_z = dh·K_z, da_r = da_n·K_r.
        factor_n = (1 - z) * (1 - new * new)
        factor_z = (h_prev - new) * z * (1 - z)
        factor_r = hidden_new * r * (1 - r)

        dgates_h = xp.empty((steps, batch, 3 * hidden), dtype=rz.dtype)  # (da_r, da_z, da_n ⊙ r)
        dgate_n = xp.empty((steps, batch, hidden), dtype=rz.dtype)  # da_n
        grad_steps = step_views(grad_output, batch_first)
        dh_next = grad_h_n
        for t in range(steps) if reverse else range(steps - 1, -1, -1):
            dh = grad_steps[t] + dh_next
            step = dgates_h[t]
            xp.multiply(dh, factor_n[t], out=dgate_n[t])
            xp.multiply(dh, factor_z[t], out=step[:, hidden : 2 * hidden])
            xp.multiply(dgate_n[t], factor_r[t], out=step[:, :hidden])
            xp.multiply(dgate_n[t], r[t], out=step[:, 2 * hidden :])
            dh_next = step @ w_hh
            dh_next += dh * z[t]

        dgates_x = xp.concatenate([dgates_h[:, :, : 2 * hidden], dgate_n], axis=2)  # (T, B, 3H)
        x_tm = time_major(x, batch_first)
        grad_x, grad_w_ih = input_grads(ctx, dgates_x, w_ih, x_tm, batch_first)
        flat_h = dgates_h.reshape(steps * batch, 3 * hidden)
        grad_w_hh = flat_h.T @ h_prev.reshape(steps * batch, hidden) if ctx.needs_input_grad[2] else None
        grad_b_ih = dgates_x.sum(axis=(0, 1)) if ctx.needs_input_grad[3] else None
        grad_b_hh = flat_h.sum(axis=0) if ctx.needs_input_grad[4] else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, dh_next, None, None


class RNNLayer(Op):
    """One Elman RNN layer over a whole sequence: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), tanh or relu.

    Backward per step:  da = dh ⊙ act'(a)  (tanh: 1 − h'²; relu: 1 where h' > 0, else 0, PyTorch's subgradient
    at 0)    dh_prev = da W_hh.

    forward(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first) → (output, h_n).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity, reverse, batch_first):
        xp = namespace_of(x)
        x_tm = time_major(x, batch_first)
        steps, batch, _ = x_tm.shape
        hidden = w_hh.shape[1]
        h0 = initial_state(xp, h0, batch, hidden, x.dtype)
        gates_in = project_input(x_tm, w_ih, None if b_ih is None else b_ih + b_hh)  # (T, B, H)
        w_hh_t = w_hh.T
        output = xp.empty(x.shape[:2] + (hidden,), dtype=x.dtype)
        out_steps = step_views(output, batch_first)
        h = h0
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            h_next = out_steps[t]
            xp.matmul(h, w_hh_t, out=h_next)
            h_next += gates_in[t]
            if nonlinearity == "tanh":
                xp.tanh(h_next, out=h_next)
            else:
                xp.maximum(h_next, 0, out=h_next)
            h = h_next
        ctx.save_for_backward(x, w_ih, w_hh, h0, output)
        return output, h.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_h_n):
        x, w_ih, w_hh, h0, output = ctx.saved_tensors
        nonlinearity, reverse, batch_first = ctx.inputs[6], ctx.inputs[7], ctx.inputs[8]
        xp = namespace_of(output)
        h_all = time_major(output, batch_first)
        steps, batch, hidden = h_all.shape
        slope = 1 - h_all * h_all if nonlinearity == "tanh" else (h_all > 0).astype(h_all.dtype)
        dgates = xp.empty((steps, batch, hidden), dtype=output.dtype)
        grad_steps = step_views(grad_output, batch_first)
        dh_next = grad_h_n
        for t in range(steps) if reverse else range(steps - 1, -1, -1):
            xp.multiply(grad_steps[t] + dh_next, slope[t], out=dgates[t])
            dh_next = dgates[t] @ w_hh

        x_tm = time_major(x, batch_first)
        grad_x, grad_w_ih = input_grads(ctx, dgates, w_ih, x_tm, batch_first)
        flat = dgates.reshape(steps * batch, hidden)
        grad_w_hh = None
        if ctx.needs_input_grad[2]:
            grad_w_hh = flat.T @ previous_states(h_all, h0, reverse).reshape(steps * batch, hidden)
        grad_b = flat.sum(axis=0) if any(ctx.needs_input_grad[3:5]) else None
        return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b, dh_next, None, None, None
