"""LSTM gate activations along a sequence, recomputed from an nn.LSTM's own parameters and its hooked input.

An LSTM step (PyTorch's equations, gate order i, f, g, o in the stacked weights):
    i, f, o = sigmoid(W_i x + U_i h + b_i), ...   input, forget and output gates, each in (0, 1)
    g = tanh(W_g x + U_g h + b_g)                  the candidate cell value, in (-1, 1)
    c' = f * c + i * g,   h' = o * tanh(c')
The recomputed h is checked against the layer's own output, so the picture shows what the layer computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .explain_figures import Section, data_uri, img, new_figure, note

GATES = ("input gate i", "forget gate f", "candidate g", "output gate o")
MAX_UNITS = 32


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def lstm_gates(lstm: Any, x: np.ndarray, hx: Any = None) -> tuple[list[dict], np.ndarray]:
    """Recompute a unidirectional nn.LSTM on x ((T, B, I), or (B, T, I) with batch_first).

    Returns (per layer {"i", "f", "g", "o", "c"} arrays (T, B, H), the last layer's h (T, B, H)).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:  # unbatched (T, I): a batch of one
        x = x[:, None, :]
    elif lstm.batch_first:
        x = x.transpose(1, 0, 2)
    steps, batch, _ = x.shape
    size = lstm.hidden_size
    layers = []
    for layer in range(lstm.num_layers):
        w_ih = _param(lstm, f"weight_ih_l{layer}")
        w_hh = _param(lstm, f"weight_hh_l{layer}")
        bias = (_param(lstm, f"bias_ih_l{layer}") + _param(lstm, f"bias_hh_l{layer}")) if lstm.bias else 0.0
        h = np.zeros((batch, size)) if hx is None else np.asarray(hx[0].detach().numpy(), np.float64)[layer]
        c = np.zeros((batch, size)) if hx is None else np.asarray(hx[1].detach().numpy(), np.float64)[layer]
        record = {key: np.zeros((steps, batch, size)) for key in ("i", "f", "g", "o", "c", "h")}
        for t in range(steps):
            z = x[t] @ w_ih.T + h @ w_hh.T + bias  # (B, 4H): the four gates side by side
            i, f, g, o = _sigmoid(z[:, :size]), _sigmoid(z[:, size:2 * size]), np.tanh(z[:, 2 * size:3 * size]), \
                _sigmoid(z[:, 3 * size:])
            c = f * c + i * g
            h = o * np.tanh(c)
            for key, value in zip("ifgoch", (i, f, g, o, c, h)):
                record[key][t] = value
        layers.append(record)
        x = record["h"]  # the next layer reads this one's h (no dropout: the page runs in eval mode)
    return layers, x


def _param(module: Any, name: str) -> np.ndarray:
    return np.asarray(getattr(module, name).detach().numpy(), dtype=np.float64)


def capture_lstm(model: Any, forward: Any) -> dict | None:
    """Hook the model's first nn.LSTM while `forward()` runs: its module path, input, state and output h."""
    from .. import nn

    found = next(((n, m) for n, m in model.named_modules() if isinstance(m, nn.LSTM)), None)
    if found is None:
        return None
    name, lstm = found
    seen: dict = {}

    def hook(module: Any, args: tuple, output: Any) -> None:
        if "input" not in seen:
            seen.update(input=args[0].detach().numpy().copy(), hx=args[1] if len(args) > 1 else None,
                        output=output[0].detach().numpy().copy())

    handle = lstm.register_forward_hook(hook)
    try:
        forward()
    finally:
        handle.remove()
    return {"name": name, "module": lstm, **seen} if "input" in seen else None


def lstm_section(capture: dict | None, tokens: list[str] | None = None) -> Section | None:
    if capture is None:
        return None
    lstm = capture["module"]
    text = ("What the LSTM's gates do along one input sequence (the first layer, the first example). Each panel is "
            "one gate: left to right is the position in the sequence, bottom to top a unit of the layer, colour "
            "its value. The forget gate f near 1 (yellow) keeps the memory cell, near 0 (dark) wipes it; the "
            "input gate i decides how much of the candidate g is written; the output gate o how much of the "
            "memory is shown as the output h.")
    if lstm.bidirectional:
        return Section("lstm", "LSTM gates along a sequence", text,
                       note(f"{capture['name']} is bidirectional; the gate picture covers one-direction LSTMs."))
    hx = capture["hx"]
    layers, h = lstm_gates(lstm, capture["input"], hx if hx is not None else None)
    output = capture["output"]
    output = output[:, None, :] if output.ndim == 2 else output.transpose(1, 0, 2) if lstm.batch_first else output
    error = float(np.abs(h - output).max())
    first = layers[0]
    units = min(MAX_UNITS, lstm.hidden_size)
    figure = new_figure(11, 5)
    for index, (key, title) in enumerate(zip("ifgo", GATES)):
        axes = figure.add_subplot(2, 2, index + 1)
        low = -1 if key == "g" else 0
        shown = axes.imshow(first[key][:, 0, :units].T, aspect="auto", origin="lower", cmap="viridis",
                            vmin=low, vmax=1)
        axes.set(title=title, xlabel="position in the sequence", ylabel="unit")
        if tokens and len(tokens) == first[key].shape[0] and len(tokens) <= 64:
            axes.set_xticks(range(len(tokens)), [repr(t)[1:-1] for t in tokens], fontsize=5)
        figure.colorbar(shown, ax=axes)
    check = note(f"Recomputed from {capture['name']}'s weights; the recomputed output h matches the layer's own "
                 f"output within {error:.1e}.")
    return Section("lstm", "LSTM gates along a sequence", text, img(data_uri(figure), "LSTM gate activations") + check)
