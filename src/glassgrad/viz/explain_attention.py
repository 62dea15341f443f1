"""Attention maps per head for one input, for any model whose attention runs glassgrad's fused op.

Every attention in glassgrad (F.scaled_dot_product_attention, nn.MultiheadAttention, and so the GPT and the ViT)
is one op, `ScaledDotProductAttentionOp`. `capture_attention(model)` wraps that op's forward for the duration of
a `with` block: the wrapper reads the op's own inputs (Q, K, the mask, the causal flag and the scale), recomputes
the weights P = softmax(s Q Kᵀ + M) beside it and lets the op run unchanged. The model is not touched; forward
hooks on its modules only say which module was running. On leaving the block the op is restored.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

import numpy as np

from .explain_figures import Section, data_uri, img, new_figure, note

MAX_MODULES, MAX_HEADS = 4, 8  # the maps drawn: the first attention layers, their first heads
MAX_POSITIONS = 32  # the first positions drawn: a 64 x 64 map with token labels is too dense to read


def attention_weights(q: np.ndarray, k: np.ndarray, mask: Any, is_causal: bool, scale: float) -> np.ndarray:
    """softmax(s Q Kᵀ + M) along the keys, as the op computes it (a row with no key allowed gets zeros)."""
    scores = (q.astype(np.float64) @ np.swapaxes(k, -1, -2).astype(np.float64)) * scale
    if mask is not None:
        mask = np.asarray(mask)
        scores = np.where(mask, scores, -np.inf) if mask.dtype == bool else scores + mask
    if is_causal:
        length, keys = scores.shape[-2:]
        scores = np.where(np.tril(np.ones((length, keys), dtype=bool)), scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.exp(scores - top)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


@contextlib.contextmanager
def capture_attention(model: Any) -> Iterator[list[dict]]:
    """Within the block, each attention the model computes appends {"module", "weights" (..., L, S), "value",
    "output"} to the yielded list (NumPy arrays; "module" is the innermost running module's path)."""
    from ..functional.attention import ScaledDotProductAttentionOp as op

    captured: list[dict] = []
    running: list[str] = []
    original = op.__dict__["forward"]

    def forward(ctx, q, k, v, mask, dropout_p, is_causal, scale, return_weights=False):
        result = original.__func__(ctx, q, k, v, mask, dropout_p, is_causal, scale, return_weights)
        output = result[0] if return_weights else result
        weights = attention_weights(np.asarray(q), np.asarray(k), mask, is_causal, scale)
        captured.append({"module": running[-1] if running else "", "weights": weights,
                         "value": np.array(v), "output": np.array(output), "dropout_p": dropout_p})
        return result

    def enter(name: str):
        def hook(module: Any, args: Any) -> None:
            running.append(name)
        return hook

    def leave(module: Any, args: Any, output: Any) -> None:
        running.pop()

    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(enter(name)))
        handles.append(module.register_forward_hook(leave, always_call=True))
    op.forward = staticmethod(forward)
    try:
        yield captured
    finally:
        op.forward = original
        for handle in handles:
            handle.remove()


def attention_section(captured: list[dict], tokens: list[str] | None = None) -> Section | None:
    """Heat maps of the attention weights of the first example, per head, for the first attention layers."""
    if not captured:
        return None
    text = ("Where each position looks. One square per attention head: row i is a query position (a token or an "
            "image patch), column j a position it may read from, and the brighter the cell the more of position "
            "j's value flows into position i's output (each row sums to 1). A GPT's maps are triangular because a "
            "position may not look ahead; a bright diagonal means a head that looks at the current token, a bright "
            "first column one that parks its attention on the first position.")
    shown = captured[:MAX_MODULES]
    heads = min(MAX_HEADS, max(_heads(c["weights"]) for c in shown))
    figure = new_figure(2.2 * heads, 2.3 * len(shown))
    for row, capture in enumerate(shown):
        maps = capture["weights"].reshape((-1,) + capture["weights"].shape[-2:])[: _heads(capture["weights"])]
        maps = maps[:, :MAX_POSITIONS, :MAX_POSITIONS]
        for head in range(min(heads, len(maps))):
            axes = figure.add_subplot(len(shown), heads, row * heads + head + 1)
            axes.imshow(maps[head], cmap="viridis", vmin=0)  # colour up to the map's own largest weight
            axes.set_title(f"{capture['module'] or 'model'} head {head}", fontsize=7)
            _label(axes, tokens, maps[head].shape)
    html = img(data_uri(figure), "attention weights per head")
    if shown[0]["weights"].shape[-1] > MAX_POSITIONS:
        html += note(f"Only the first {MAX_POSITIONS} positions of {shown[0]['weights'].shape[-1]} are drawn.")
    if len(captured) > len(shown):
        html += note(f"{len(captured) - len(shown)} more attention layers not drawn.")
    return Section("attention", "Attention maps per head (one input)", text, html)


def _heads(weights: np.ndarray) -> int:
    """The heads of the first example: the dim before (L, S) when there is one, else one map."""
    return weights.shape[-3] if weights.ndim >= 3 else 1


def _label(axes: Any, tokens: list[str] | None, shape: tuple) -> None:
    if tokens and len(tokens) >= shape[0] == shape[1]:
        shown = [repr(t)[1:-1] for t in tokens[: shape[0]]]
        axes.set_xticks(range(len(shown)), shown, fontsize=5, rotation=90)
        axes.set_yticks(range(len(shown)), shown, fontsize=5)
    else:
        step = max(1, math.ceil(shape[0] / 4))
        axes.set_xticks(range(0, shape[1], step))
        axes.set_yticks(range(0, shape[0], step))
        axes.tick_params(labelsize=6)
