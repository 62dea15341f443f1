"""The Elman RNN layer's whole recurrence (tanh or relu), forward and backward through time, each as one
compiled loop: the fast paths of `rnn_forward_steps` and `rnn_backward_steps` in functional/recurrent_fused.py
(the NumPy references). Layout and threading as in kernels/recurrence.py. Per step and block of units j:

Forward:  hs[t] += W_hh h_{t-1} (sgemm, beta 1), then hs[t] ← act(hs[t]) in place
Backward: da = dgates[t] + dh, times act'(a) (tanh: 1 − h'²; relu: 0 where h' ≤ 0);  then dh ← W_hhᵀ da
"""

from __future__ import annotations

import numpy as np

from . import recurrence
from ._numba import ENABLED, prange, unfused_kernel
from .fastmath import f32
from .registry import fast_path

if ENABLED:
    from .fastmath import tanh32
    from .recurrence import rows_product

    @unfused_kernel
    def _forward_loop(sgemm, set_local_threads, hs, w_hh, h0, relu, reverse, tasks):  # pragma: no cover
        steps, hidden, batch = hs.shape
        for s in range(steps):
            t = steps - 1 - s if reverse else s
            h_prev = h0
            if s > 0:
                h_prev = hs[t + 1 if reverse else t - 1]
            h = hs[t]
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                rows_product(sgemm, j1 - j0, w_hh, j0, h_prev, 1.0, h, j0)
                for j in range(j0, j1):
                    for b in range(batch):
                        if relu:
                            h[j, b] = f32(0.0) if h[j, b] < f32(0.0) else h[j, b]
                        else:
                            h[j, b] = tanh32(h[j, b])

    @unfused_kernel
    def _backward_loop(sgemm, set_local_threads, dgates, dh, hs, w_hh_t, relu, reverse,
                       tasks):  # pragma: no cover - compiled
        steps, hidden, batch = hs.shape
        for s in range(steps):
            t = s if reverse else steps - 1 - s
            da, h = dgates[t], hs[t]
            for task in prange(tasks):
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                for j in range(j0, j1):
                    for b in range(batch):
                        d = da[j, b] + dh[j, b]
                        if relu:
                            da[j, b] = f32(0.0) if h[j, b] <= f32(0.0) else d
                        else:
                            da[j, b] = d * (f32(1.0) - h[j, b] * h[j, b])
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                rows_product(sgemm, j1 - j0, w_hh_t, j0, da, 0.0, dh, j0)


def _fits(per_step, square, state) -> bool:
    """per_step (T, H, B), square (H, H), state (H, B): float32 C order (`fits_recurrence`)."""
    if not recurrence.fits_recurrence(per_step, square, state) or per_step.ndim != 3:
        return False
    _, hidden, batch = per_step.shape
    return square.shape == (hidden, hidden) and state.shape == (hidden, batch)


def _example_layer(backward: bool) -> tuple:
    """A tanh layer of H = 6 units, a batch of 3 and 5 steps in reverse: forward's or backward's arguments."""
    rng = np.random.default_rng(0)
    steps, hidden, batch = 5, 6, 3
    hs = rng.standard_normal((steps, hidden, batch)).astype(np.float32)
    w_hh = (rng.standard_normal((hidden, hidden)) * 0.3).astype(np.float32)
    h0 = rng.standard_normal((hidden, batch)).astype(np.float32)
    if not backward:
        return hs, w_hh, h0, False, True
    fitting_forward_steps(hs, w_hh, h0, False, True)
    dgates = rng.standard_normal((steps, hidden, batch)).astype(np.float32)
    return dgates, h0.copy(), hs, np.ascontiguousarray(w_hh.T), False, True


@fast_path("rnn_forward_steps", when=lambda hs, w_hh, h0, relu, reverse: _fits(hs, w_hh, h0),
           example=lambda: _example_layer(backward=False))
def fitting_forward_steps(hs, w_hh, h0, relu, reverse):
    """`rnn_forward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    recurrence.require_fit("rnn.fitting_forward_steps", _fits(hs, w_hh, h0), (hs, w_hh, h0))
    recurrence.launch(_forward_loop, w_hh, h0, hs, w_hh, h0, bool(relu), bool(reverse))
    return hs


def _fits_backward(dgates, dh, hs, w_hh_t, relu, reverse) -> bool:
    """dgates and hs (T, H, B), dh (H, B), w_hh_t (H, H): float32 C order."""
    return _fits(dgates, w_hh_t, dh) and recurrence.fits_recurrence(hs) and hs.shape == dgates.shape


@fast_path("rnn_backward_steps", when=_fits_backward, example=lambda: _example_layer(backward=True))
def fitting_backward_steps(dgates, dh, hs, w_hh_t, relu, reverse):
    """`rnn_backward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    recurrence.require_fit("rnn.fitting_backward_steps", _fits_backward(dgates, dh, hs, w_hh_t, relu, reverse),
                           (dgates, dh, hs, w_hh_t))
    recurrence.launch(_backward_loop, w_hh_t, dh, dgates, dh, hs, w_hh_t, bool(relu), bool(reverse))
    return dh
