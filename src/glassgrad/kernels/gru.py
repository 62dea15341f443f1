"""The GRU layer's whole recurrence, forward and backward through time, each as one compiled loop: the fast
paths of `gru_forward_steps` and `gru_backward_steps` in functional/recurrent_fused.py (the NumPy references).

Layout and threading as in kernels/recurrence.py: feature-major, a step's gates the rows r, z, n of a (3H, B)
array, r and z pre-activations halved so σ(a) = ½ + ½·tanh(a/2). Per step and block of units j:

Forward:  acts_r, acts_z += W_h{r,z} h (sgemm, beta 1);  q = W_hn h + b_hn (sgemm into hidden_new, beta 0)
          r, z = σ(…);  n = tanh(acts_n + r ⊙ q);  h' = n + z ⊙ (h − n)       (r, z, n written back into acts)
Backward: dh = dh_out + dh_next;  da_n = dh (1−z)(1−n²);  da_z = dh (h−n) z(1−z);  da_r = da_n q r(1−r)
          dgates_h = (da_r, da_z, da_n ⊙ r), dgate_n = da_n;  then dh_prev = dh ⊙ z + W_hhᵀ dgates_h (beta 1)
"""

from __future__ import annotations

import numpy as np

from . import recurrence
from ._numba import ENABLED, prange, unfused_kernel
from .fastmath import f32
from .registry import fast_path

if ENABLED:
    from .fastmath import tanh32
    from .recurrence import rows_product, step_slot_compiled

    @unfused_kernel
    def _forward_loop(sgemm, set_local_threads, acts, w_hh, b_hn, h0, hidden_new, hs, reverse,
                      tasks):  # pragma: no cover - compiled
        steps, width, batch = acts.shape
        hidden = width // 3
        for s in range(steps):
            t = steps - 1 - s if reverse else s
            h_prev = h0
            if s > 0:
                h_prev = hs[t + 1 if reverse else t - 1]
            a = acts[t]
            q = hidden_new[step_slot_compiled(hidden_new.shape[0], t, s, steps)]
            h = hs[t]
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                rows_product(sgemm, j1 - j0, w_hh, j0, h_prev, 1.0, a, j0)
                rows_product(sgemm, j1 - j0, w_hh, hidden + j0, h_prev, 1.0, a, hidden + j0)
                rows_product(sgemm, j1 - j0, w_hh, 2 * hidden + j0, h_prev, 0.0, q, j0)
                for j in range(j0, j1):
                    for b in range(batch):
                        r = f32(0.5) * tanh32(a[j, b]) + f32(0.5)
                        z = f32(0.5) * tanh32(a[hidden + j, b]) + f32(0.5)
                        recurrent_n = q[j, b] + b_hn[j, 0]
                        q[j, b] = recurrent_n
                        n = tanh32(a[2 * hidden + j, b] + r * recurrent_n)
                        a[j, b] = r
                        a[hidden + j, b] = z
                        a[2 * hidden + j, b] = n
                        h[j, b] = n + z * (h_prev[j, b] - n)

    @unfused_kernel
    def _backward_loop(sgemm, set_local_threads, grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h,
                       dgate_n, reverse, tasks):  # pragma: no cover - compiled
        steps, width, batch = gates.shape
        hidden = width // 3
        for s in range(steps):
            t = s if reverse else steps - 1 - s
            g, dg, dn, q, hp, out = gates[t], dgates_h[t], dgate_n[t], hidden_new[t], h_prev[t], grad_steps[t]
            for task in prange(tasks):
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                for j in range(j0, j1):
                    for b in range(batch):
                        d = out[j, b] + dh[j, b]
                        out[j, b] = d
                        r, z, n = g[j, b], g[hidden + j, b], g[2 * hidden + j, b]
                        da_n = d * (f32(1.0) - z) * (f32(1.0) - n * n)
                        dn[j, b] = da_n
                        dg[j, b] = da_n * q[j, b] * r * (f32(1.0) - r)
                        dg[hidden + j, b] = d * (hp[j, b] - n) * z * (f32(1.0) - z)
                        dg[2 * hidden + j, b] = da_n * r
                        dh[j, b] = d * z  # the direct path; the product adds W_hhᵀ dgates_h below
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                rows_product(sgemm, j1 - j0, w_hh_t, j0, dg, 1.0, dh, j0)


def _fits_forward(acts, w_hh, b_hn, h0, hidden_new, hs, reverse) -> bool:
    """Everything `_forward_loop` indexes: acts (T, 3H, B), w_hh (3H, H), b_hn (H, 1), h0 (H, B), hs (T, H, B)
    and hidden_new (T, H, B) or a ring of 1, float32 C order (`fits_recurrence`)."""
    if not recurrence.fits_recurrence(acts, w_hh, b_hn, h0, hidden_new, hs) or acts.ndim != 3:
        return False
    steps, width, batch = acts.shape
    hidden = width // 3
    return (
        width == 3 * hidden and w_hh.shape == (width, hidden) and b_hn.shape == (hidden, 1)
        and h0.shape == (hidden, batch) and hs.shape == (steps, hidden, batch) and hidden_new.ndim == 3
        and hidden_new.shape[1:] == (hidden, batch) and hidden_new.shape[0] in (steps, 1)
    )


def _fits_backward(grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h, dgate_n, reverse) -> bool:
    """Everything `_backward_loop` indexes: every per-step array of all T steps."""
    if not recurrence.fits_recurrence(grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h, dgate_n):
        return False
    if gates.ndim != 3:
        return False
    steps, width, batch = gates.shape
    hidden = width // 3
    cell = (steps, hidden, batch)
    return (
        width == 3 * hidden and dgates_h.shape == gates.shape and w_hh_t.shape == (hidden, width)
        and dh.shape == (hidden, batch) and grad_steps.shape == hidden_new.shape == h_prev.shape
        == dgate_n.shape == cell
    )


def _example_layer(backward: bool) -> tuple:
    """A layer of H = 6 units, a batch of 3 and 5 steps in reverse: forward's arguments, or backward's after it."""
    rng = np.random.default_rng(0)
    steps, hidden, batch = 5, 6, 3

    def noise(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    acts, w_hh, b_hn, h0 = noise(steps, 3 * hidden, batch), noise(3 * hidden, hidden) * 0.3, noise(hidden, 1), \
        noise(hidden, batch)
    hidden_new, hs = (np.empty((steps, hidden, batch), np.float32) for _ in range(2))
    if not backward:
        return acts, w_hh, b_hn, h0, hidden_new, hs, True
    fitting_forward_steps(acts, w_hh, b_hn, h0, hidden_new, hs, True)
    h_prev = np.concatenate([hs[1:], h0[None]])  # reverse: step t began from h_{t+1}
    return (noise(steps, hidden, batch), noise(hidden, batch), acts, hidden_new, h_prev,
            np.ascontiguousarray(w_hh.T), np.empty_like(acts), np.empty_like(hs), True)


@fast_path("gru_forward_steps", when=_fits_forward, example=lambda: _example_layer(backward=False))
def fitting_forward_steps(acts, w_hh, b_hn, h0, hidden_new, hs, reverse):
    """`gru_forward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    args = (acts, w_hh, b_hn, h0, hidden_new, hs, reverse)
    recurrence.require_fit("gru.fitting_forward_steps", _fits_forward(*args), args)
    recurrence.launch(_forward_loop, w_hh, h0, acts, w_hh, b_hn, h0, hidden_new, hs, bool(reverse))
    return hs


@fast_path("gru_backward_steps", when=_fits_backward, example=lambda: _example_layer(backward=True))
def fitting_backward_steps(grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h, dgate_n, reverse):
    """`gru_backward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    args = (grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h, dgate_n, reverse)
    recurrence.require_fit("gru.fitting_backward_steps", _fits_backward(*args), args)
    recurrence.launch(_backward_loop, w_hh_t, dh, grad_steps, dh, gates, hidden_new, h_prev, w_hh_t, dgates_h,
                      dgate_n, bool(reverse))
    return dh
