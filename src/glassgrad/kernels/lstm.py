"""One LSTM time step, forward and backward, each as one pass over the (H, B) cell: the fast paths of
`lstm_step_forward` and `lstm_step_backward` in functional/recurrent_fused.py (the NumPy references, which the
fused `LSTMLayer` calls at every step).

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

from ._checks import require_float32, require_float32_output, require_ndim, require_same_shape, require_shape
from ._numba import ENABLED, fits, kernel, prange
from .fastmath import f32
from .registry import fast_path

if ENABLED:
    from .fastmath import tanh32

    @kernel
    def _forward_step(a, recurrent, c_prev, c, tanh_c, h):  # pragma: no cover - compiled
        hidden, batch = c.shape
        for j in prange(hidden):
            for b in range(batch):
                o = f32(0.5) * tanh32(a[j, b] + recurrent[j, b]) + f32(0.5)
                i = f32(0.5) * tanh32(a[hidden + j, b] + recurrent[hidden + j, b]) + f32(0.5)
                f = f32(0.5) * tanh32(a[2 * hidden + j, b] + recurrent[2 * hidden + j, b]) + f32(0.5)
                g = tanh32(a[3 * hidden + j, b] + recurrent[3 * hidden + j, b])
                a[j, b] = o
                a[hidden + j, b] = i
                a[2 * hidden + j, b] = f
                a[3 * hidden + j, b] = g
                cell = f * c_prev[j, b] + i * g
                tanh_cell = tanh32(cell)
                c[j, b] = cell
                tanh_c[j, b] = tanh_cell
                h[j, b] = o * tanh_cell

    @kernel
    def _backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates):  # pragma: no cover - compiled
        hidden, batch = dc.shape
        for j in prange(hidden):
            for b in range(batch):
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
