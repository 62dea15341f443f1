"""The LSTM in the fused layers' layout, compiled: one time step forward and backward, each one pass over the
(H, B) cell (the fast paths of `lstm_step_forward` and `lstm_step_backward` in functional/recurrent_fused.py),
and a whole layer's recurrence forward and backward through time as one compiled loop each (the fast paths of
`lstm_forward_steps` and `lstm_backward_steps`; threading and products as in kernels/recurrence.py). Both use
the same per-unit cell math (`_cell_forward`, `_cell_backward`).

Layout as there: feature-major, a step's gates are rows of a (4H, B) array in the internal order o, i, f, g, and
the sigmoid gates' pre-activations arrive halved, so σ(a) = ½ + ½·tanh(a/2) is one tanh.

Forward, given the input projection a and the recurrent product W_hh h (both (4H, B)):
    o, i, f = σ(…), g = tanh(…)     c' = f ⊙ c + i ⊙ g     h' = o ⊙ tanh c'      (gates written back into a)
Backward, given dh (from the output and from step t+1) and dc (from step t+1), in place in dc:
    dc ← dc + dh ⊙ o ⊙ (1 − tanh²c')
    da = (dh ⊙ tanh c' ⊙ o(1−o), dc ⊙ g ⊙ i(1−i), dc ⊙ c ⊙ f(1−f), dc ⊙ i ⊙ (1−g²))
    dc ← dc ⊙ f
"""

from __future__ import annotations

import numpy as np

from . import recurrence
from ._checks import require_float32, require_float32_output, require_ndim, require_same_shape, require_shape
from ._numba import ENABLED, fits, inline, kernel, prange, unfused_kernel
from .fastmath import f32
from .registry import fast_path

if ENABLED:
    from .fastmath import tanh32
    from .recurrence import rows_product, step_slot_compiled

    @inline
    def _cell_forward(a, c_prev, c, tanh_c, h, j, b, hidden):  # pragma: no cover - compiled
        """One unit j of one batch column b, a holding the whole pre-activations: the gates into a, and c',
        tanh c', h' (the module docstring)."""
        o = f32(0.5) * tanh32(a[j, b]) + f32(0.5)
        i = f32(0.5) * tanh32(a[hidden + j, b]) + f32(0.5)
        f = f32(0.5) * tanh32(a[2 * hidden + j, b]) + f32(0.5)
        g = tanh32(a[3 * hidden + j, b])
        a[j, b] = o
        a[hidden + j, b] = i
        a[2 * hidden + j, b] = f
        a[3 * hidden + j, b] = g
        cell = f * c_prev[j, b] + i * g
        tanh_cell = tanh32(cell)
        c[j, b] = cell
        tanh_c[j, b] = tanh_cell
        h[j, b] = o * tanh_cell

    @inline
    def _cell_backward(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates, j, b, hidden):  # pragma: no cover
        """One unit j of one batch column b: the gate gradients into dgates, dc ← the gradient of c_prev."""
        dh = dh_out[j, b] + dh_next[j, b]
        o = gates[j, b]
        i = gates[hidden + j, b]
        f = gates[2 * hidden + j, b]
        g = gates[3 * hidden + j, b]
        tanh_cell = tanh_c[j, b]
        d = dc[j, b] + dh * o * (f32(1.0) - tanh_cell * tanh_cell)
        dgates[j, b] = dh * tanh_cell * o * (f32(1.0) - o)
        dgates[hidden + j, b] = d * g * i * (f32(1.0) - i)
        dgates[2 * hidden + j, b] = d * c_prev[j, b] * f * (f32(1.0) - f)
        dgates[3 * hidden + j, b] = d * i * (f32(1.0) - g * g)
        dc[j, b] = d * f

    @kernel
    def _forward_step(a, recurrent, c_prev, c, tanh_c, h):  # pragma: no cover - compiled
        hidden, batch = c.shape
        for j in prange(hidden):
            for b in range(batch):
                for gate in range(4):
                    a[gate * hidden + j, b] += recurrent[gate * hidden + j, b]
                _cell_forward(a, c_prev, c, tanh_c, h, j, b, hidden)

    @kernel
    def _backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates):  # pragma: no cover - compiled
        hidden, batch = dc.shape
        for j in prange(hidden):
            for b in range(batch):
                _cell_backward(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates, j, b, hidden)

    @unfused_kernel
    def _forward_loop(sgemm, set_local_threads, acts, w_hh, h0, c0, cells, tanh_cells, hs, reverse,
                      tasks):  # pragma: no cover - compiled
        """Every step: each task adds its units' rows of W_hh h_{t-1} into acts[t] (beta 1), then updates them."""
        steps, width, batch = acts.shape
        hidden = width // 4
        for s in range(steps):
            t = steps - 1 - s if reverse else s
            h_prev, c_prev = h0, c0
            if s > 0:
                p = t + 1 if reverse else t - 1
                h_prev = hs[p]
                c_prev = cells[step_slot_compiled(cells.shape[0], p, s - 1, steps)]
            a = acts[t]
            c = cells[step_slot_compiled(cells.shape[0], t, s, steps)]
            tanh_c = tanh_cells[step_slot_compiled(tanh_cells.shape[0], t, s, steps)]
            h = hs[t]
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                for gate in range(4):
                    rows_product(sgemm, j1 - j0, w_hh, gate * hidden + j0, h_prev, 1.0, a, gate * hidden + j0)
                for j in range(j0, j1):
                    for b in range(batch):
                        _cell_forward(a, c_prev, c, tanh_c, h, j, b, hidden)  # the product went into a

    @unfused_kernel
    def _backward_loop(sgemm, set_local_threads, grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t,
                       dgates, reverse, tasks):  # pragma: no cover - compiled
        """Every step in reverse: the gate gradients by blocks of units, then dh ← W_hhᵀ dgates_t by row blocks."""
        steps, width, batch = gates.shape
        hidden = width // 4
        for s in range(steps):
            t = s if reverse else steps - 1 - s
            c_prev = c0
            if t != (steps - 1 if reverse else 0):
                c_prev = cells[t + 1 if reverse else t - 1]
            dg = dgates[t]
            for task in prange(tasks):
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                for j in range(j0, j1):
                    for b in range(batch):
                        _cell_backward(grad_steps[t], dh, dc, gates[t], tanh_cells[t], c_prev, dg, j, b, hidden)
            for task in prange(tasks):
                set_local_threads(1)
                j0, j1 = hidden * task // tasks, hidden * (task + 1) // tasks
                rows_product(sgemm, j1 - j0, w_hh_t, j0, dg, 0.0, dh, j0)


def _fits_step(gates: tuple, cells: tuple, outputs: tuple) -> bool:
    """`fits` (float32 C-order NumPy, Numba present), the cells one (H, B) shape, the gates (4H, B), and the
    arrays written into writeable: everything the launchers below check, as a yes or no."""
    shape = cells[0].shape
    if len(shape) != 2 or not fits(*gates, *cells):
        return False
    gate_shape = (4 * shape[0], shape[1])
    # Plain loops (this runs at every time step): cheaper than all() over generators.
    for cell in cells:
        if cell.shape != shape:
            return False
    for gate in gates:
        if gate.shape != gate_shape:
            return False
    for output in outputs:
        if not output.flags.writeable:
            return False
    return True


def _example_step(backward: bool) -> tuple:
    """Arguments of a step of H = 5 units and a batch of 3: forward's, or backward's from forward's results."""
    rng = np.random.default_rng(0)
    hidden, batch = 5, 3
    a, recurrent = (rng.standard_normal((4 * hidden, batch)).astype(np.float32) for _ in range(2))
    c_prev = rng.standard_normal((hidden, batch)).astype(np.float32)
    c, tanh_c, h = (np.empty((hidden, batch), np.float32) for _ in range(3))
    if not backward:
        return a, recurrent, c_prev, c, tanh_c, h
    forward_step(a, recurrent, c_prev, c, tanh_c, h)
    dh_out, dh_next, dc = (rng.standard_normal((hidden, batch)).astype(np.float32) for _ in range(3))
    return dh_out, dh_next, dc, a, tanh_c, c_prev, np.empty_like(a)


def forward_step(a: np.ndarray, recurrent: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tanh_c: np.ndarray,
                 h: np.ndarray) -> tuple:
    """One step: gates into `a` (4H, B); c', tanh c', h' into `c`, `tanh_c`, `h` (H, B). float32, C order.
    Returns (a, c, tanh_c, h)."""
    name = "kernels.lstm.forward_step"
    require_float32_output(name, "a, c, tanh_c, h", a, c, tanh_c, h)
    require_float32(name, "recurrent, c_prev", recurrent, c_prev)
    _require_cell_shapes(name, "a, recurrent", (a, recurrent), "c_prev, c, tanh_c, h", (c_prev, c, tanh_c, h))
    return fitting_forward_step(a, recurrent, c_prev, c, tanh_c, h)


def backward_step(dh_out: np.ndarray, dh_next: np.ndarray, dc: np.ndarray, gates: np.ndarray, tanh_c: np.ndarray,
                  c_prev: np.ndarray, dgates: np.ndarray) -> tuple:
    """One reverse step: gate gradients into `dgates` (4H, B); `dc` (H, B) becomes the gradient of c.
    Returns (dc, dgates)."""
    name = "kernels.lstm.backward_step"
    require_float32_output(name, "dc, dgates", dc, dgates)
    require_float32(name, "dh_out, dh_next, gates, tanh_c, c_prev", dh_out, dh_next, gates, tanh_c, c_prev)
    _require_cell_shapes(name, "gates, dgates", (gates, dgates), "dc, dh_out, dh_next, tanh_c, c_prev",
                         (dc, dh_out, dh_next, tanh_c, c_prev))
    return fitting_backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates)


# The seam's entries: `when` has checked what the launchers above check, so these do not check again (they run
# at every time step, where the checks cost as much as the kernel's launch).
@fast_path(
    "lstm_step_forward",
    when=lambda a, recurrent, c_prev, c, tanh_c, h: _fits_step(
        (a, recurrent), (c_prev, c, tanh_c, h), (a, c, tanh_c, h)),
    example=lambda: _example_step(backward=False),
)
def fitting_forward_step(a, recurrent, c_prev, c, tanh_c, h) -> tuple:
    """`forward_step` for arguments that fit (see `_fits_step`)."""
    _forward_step(a, recurrent, c_prev, c, tanh_c, h)
    return a, c, tanh_c, h


@fast_path(
    "lstm_step_backward",
    when=lambda dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates: _fits_step(
        (gates, dgates), (dc, dh_out, dh_next, tanh_c, c_prev), (dc, dgates)),
    example=lambda: _example_step(backward=True),
)
def fitting_backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates) -> tuple:
    """`backward_step` for arguments that fit (see `_fits_step`)."""
    _backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates)
    return dc, dgates


def _require_cell_shapes(name: str, gate_names: str, gates: tuple, cell_names: str, cells: tuple) -> None:
    """The cell arrays are (H, B), 2-D, all one shape; the gate arrays are (4H, B): the loops run over j < H
    and b < B and read rows j, H + j, 2H + j and 3H + j of the gate arrays."""
    cell_shape = cells[0].shape
    if len(cell_shape) != 2:
        require_ndim(name, cell_names.split(", ")[0], cells[0], 2, "(H, B)")
    gate_shape = (4 * cell_shape[0], cell_shape[1])
    # Plain loops (this runs at every time step): about 1 µs, half the cost of any() over generators.
    for cell in cells:
        if cell.shape != cell_shape:
            require_same_shape(name, cell_names, *cells)
    for position, gate in enumerate(gates):
        if gate.shape != gate_shape:
            gate_name = gate_names.split(", ")[position]
            require_shape(name, gate_name, gate, gate_shape, "four gates of the cell's (H, B)")


# ---- the whole recurrence of a layer: the fast paths of `lstm_forward_steps` and `lstm_backward_steps` ----------
def _fits_forward(acts, w_hh, h0, c0, cells, tanh_cells, hs, reverse) -> bool:
    """Everything `_forward_loop` indexes: acts (T, 4H, B), w_hh (4H, H), h0, c0 (H, B), hs (T, H, B), cells
    and tanh_cells (T, H, B) or shorter rings (at least 2 and 1 steps), float32 C order (`fits_recurrence`)."""
    if not recurrence.fits_recurrence(acts, w_hh, h0, c0, cells, tanh_cells, hs) or acts.ndim != 3:
        return False
    steps, width, batch = acts.shape
    hidden = width // 4
    return (
        width == 4 * hidden and w_hh.shape == (width, hidden) and h0.shape == c0.shape == (hidden, batch)
        and hs.shape == (steps, hidden, batch) and cells.ndim == tanh_cells.ndim == 3
        and cells.shape[1:] == tanh_cells.shape[1:] == (hidden, batch)
        and cells.shape[0] in (steps, min(steps, 2)) and tanh_cells.shape[0] in (steps, 1)
    )


def _fits_backward(grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t, dgates, reverse) -> bool:
    """Everything `_backward_loop` indexes: every per-step array of all T steps (training kept them)."""
    if not recurrence.fits_recurrence(grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t, dgates):
        return False
    if gates.ndim != 3:
        return False
    steps, width, batch = gates.shape
    hidden = width // 4
    cell = (steps, hidden, batch)
    return (
        width == 4 * hidden and dgates.shape == gates.shape and w_hh_t.shape == (hidden, width)
        and dh.shape == dc.shape == c0.shape == (hidden, batch)
        and grad_steps.shape == cells.shape == tanh_cells.shape == cell
    )


def _example_layer(backward: bool) -> tuple:
    """A layer of H = 6 units, a batch of 3 and 5 steps in reverse: forward's arguments, or backward's after it."""
    rng = np.random.default_rng(0)
    steps, hidden, batch = 5, 6, 3

    def noise(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    acts, w_hh, h0, c0 = noise(steps, 4 * hidden, batch), noise(4 * hidden, hidden) * 0.3, noise(hidden, batch), \
        noise(hidden, batch)
    cells, tanh_cells, hs = (np.empty((steps, hidden, batch), np.float32) for _ in range(3))
    if not backward:
        return acts, w_hh, h0, c0, cells, tanh_cells, hs, True
    fitting_forward_steps(acts, w_hh, h0, c0, cells, tanh_cells, hs, True)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    return (noise(steps, hidden, batch), noise(hidden, batch), noise(hidden, batch), acts, cells, tanh_cells, c0,
            w_hh_t, np.empty_like(acts), True)


@fast_path("lstm_forward_steps", when=_fits_forward, example=lambda: _example_layer(backward=False))
def fitting_forward_steps(acts, w_hh, h0, c0, cells, tanh_cells, hs, reverse):
    """`lstm_forward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    args = (acts, w_hh, h0, c0, cells, tanh_cells, hs, reverse)
    recurrence.require_fit("lstm.fitting_forward_steps", _fits_forward(*args), args)
    recurrence.launch(_forward_loop, w_hh, h0, acts, w_hh, h0, c0, cells, tanh_cells, hs, bool(reverse))
    return hs


@fast_path("lstm_backward_steps", when=_fits_backward, example=lambda: _example_layer(backward=True))
def fitting_backward_steps(grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t, dgates, reverse):
    """`lstm_backward_steps` (functional/recurrent_fused.py) as one compiled loop."""
    args = (grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t, dgates, reverse)
    recurrence.require_fit("lstm.fitting_backward_steps", _fits_backward(*args), args)
    recurrence.launch(_backward_loop, w_hh_t, dh, grad_steps, dh, dc, gates, cells, tanh_cells, c0, w_hh_t,
                      dgates, bool(reverse))
    return dh, dc
