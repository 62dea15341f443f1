"""A neuron's scalar zoom: its weighted sum term by term, its bias, its activation and the local derivatives,
computed in glassgrad from the weights and inputs of one forward pass.

    z = Σₖ wₖ·aₖ + b        a = f(z)        dL/dz = dL/da · f'(z)        dL/dwₖ = dL/dz · aₖ        dL/db = dL/dz

`glassgrad.viz.draw_graph(..., zoom=(module, index))` draws the same scalar graph (on its own branch as this is
written); once it is on main, the page can show its drawing here instead of this table of terms.
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg
from glassgrad.nn import functional as F

_FUNCTIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "linear": lambda z: z * 1.0,
}


def neuron_zoom(
    weights: np.ndarray, bias: float, inputs: np.ndarray, input_names: list[str], activation: str, grad_value: float
) -> dict:
    """The zoom of one neuron with incoming `weights` (fan_in,), `bias`, the layer's `inputs` (fan_in,) for one
    example, its `activation` and dL/da = `grad_value` (from the backward pass)."""
    w = gg.tensor(np.asarray(weights, dtype=np.float64), requires_grad=True)
    a_in = gg.tensor(np.asarray(inputs, dtype=np.float64), requires_grad=True)
    b = gg.tensor(np.float64(bias), requires_grad=True)
    terms = w * a_in  # (fan_in,): wₖ·aₖ
    z = terms.sum() + b
    z.retain_grad()
    a = _FUNCTIONS[activation](z)
    a.backward()  # da/dz, da/dwₖ, da/db, da/daₖ: then dL/d· = dL/da · da/d·
    local = float(z.grad.item())
    return {
        "terms": [
            {"input": name, "w": float(wk), "a": float(ak), "product": float(tk),
             "dL_dw": grad_value * float(gw), "dL_da_in": grad_value * float(ga)}
            for name, wk, ak, tk, gw, ga in zip(input_names, w.detach().numpy(), a_in.detach().numpy(),
                                               terms.detach().numpy(), w.grad.numpy(), a_in.grad.numpy())
        ],  # fmt: skip
        "bias": float(bias),
        "z": float(z.item()),
        "activation": activation,
        "a": float(a.item()),
        "da_dz": local,
        "dL_da": grad_value,
        "dL_dz": grad_value * local,
        "dL_db": grad_value * float(b.grad.item()),
    }
