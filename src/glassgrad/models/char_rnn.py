"""CharRNN: a character-level recurrent language model, after Karpathy's char-rnn (2015) and "The Unreasonable
Effectiveness of Recurrent Neural Networks".

    ids (B, T) ──Embedding──> (B, T, C) ──RNN/LSTM/GRU──> (B, T, H) ──Linear──> logits (B, T, V)

The model reads characters one at a time and predicts the next one: logits[:, t] scores every character of the
vocabulary as the successor of ids[:, :t+1]. Train it with cross-entropy against the ids shifted by one
(`CharDataset` / `TinyShakespeare` give such (x, y) windows); the mean loss in nats per character is the
usual measure (ln 65 ≈ 4.17 for a uniform guess over Tiny Shakespeare's 65 characters).

Unlike a transformer, the recurrent state carries the whole past, so generation feeds each new character once
(state in, state out) instead of re-reading a window.

Shape letters: B batch, T time, C embedding size, H hidden size, V vocabulary size.

    from glassgrad.models import CharRNN
    model = CharRNN(vocab_size=65, cell="lstm", hidden_size=256)
    logits, state = model(x)                      # x (B, T) int64 -> logits (B, T, 65)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..backend import random as random_state
from ..tensor import Tensor
from ..torch_functions import multinomial, softmax

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

State = Any  # the recurrent state: h_n (L, B, H) for rnn/gru, (h_n, c_n) for lstm


class CharRNN(nn.Module):
    """Embedding → multi-layer RNN, LSTM or GRU (batch first) → Linear head over the vocabulary.

    Args:
        vocab_size: V, the number of distinct characters.
        embedding_dim: C, the size of each character's learned vector (default 64).
        hidden_size: H, the recurrent state size (default 256).
        num_layers: stacked recurrent layers (default 1).
        cell: "lstm" (default), "gru" or "rnn" (Elman, tanh).
        dropout: dropout between recurrent layers while training (needs num_layers > 1; default 0).
        chars: optional vocabulary in id order (e.g. `dataset.chars`), so `generate` takes and returns text.

    Attributes (PyTorch's default inits, so an equal PyTorch model with these names shares state_dicts):
        embedding: nn.Embedding(V, C), N(0, 1).
        rnn: nn.LSTM / nn.GRU / nn.RNN(C, H, num_layers, batch_first=True), U(−1/√H, 1/√H).
        head: nn.Linear(H, V), U(−1/√H, 1/√H).

    Example:
        >>> import glassgrad as gg
        >>> model = CharRNN(vocab_size=10, hidden_size=16, cell="gru")
        >>> logits, state = model(gg.randint(0, 10, (2, 5)))
        >>> logits.shape, state.shape
        ((2, 5, 10), (1, 2, 16))
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        chars: Sequence[str] | str | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"CharRNN: cell should be one of {sorted(CELLS)}, got {cell!r}")
        if chars is not None and len(chars) != vocab_size:
            raise ValueError(f"CharRNN: chars has {len(chars)} characters but vocab_size is {vocab_size}")
        self.cell = cell
        self.chars = None if chars is None else list(chars)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, num_layers, dropout=dropout, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Logits (B, T, V) for the ids `idx` (B, T), and the final recurrent state (to continue a sequence)."""
        if idx.dim() != 2:
            raise ValueError(f"CharRNN: expected ids of shape (B, T), got shape {tuple(idx.shape)}")
        x = self.embedding(idx)  # (B, T, C)
        out, state = self.rnn(x, state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)

    def encode(self, text: str) -> list[int]:
        """Characters → ids, with `chars`; ValueError naming every character outside the vocabulary."""
        if self.chars is None:
            raise ValueError("CharRNN: a text prompt needs the vocabulary; build the model with chars=dataset.chars")
        index = {char: i for i, char in enumerate(self.chars)}
        unknown = sorted({char for char in text if char not in index})
        if unknown:
            raise ValueError(
                f"CharRNN: the prompt has {len(unknown)} character(s) outside the model's vocabulary of "
                f"{len(self.chars)}: {', '.join(repr(char) for char in unknown)}; remove or replace them"
            )
        return [index[char] for char in text]

    def decode(self, ids: Sequence[int] | np.ndarray | Tensor) -> str:
        """Ids → characters, with `chars`."""
        if self.chars is None:
            raise ValueError("CharRNN: decoding needs the vocabulary; build the model with chars=dataset.chars")
        ids = ids.numpy() if isinstance(ids, Tensor) else np.asarray(ids)
        return "".join(self.chars[i] for i in ids.reshape(-1).tolist())

    @no_grad()
    def generate(
        self,
        idx_or_prompt: Tensor | str,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: random_state.Generator | None = None,
    ) -> Tensor | str:
        """Continue ids (B, T) or (T,) — or a text prompt, with `chars` — by `max_new_tokens` sampled characters.

        Returns the ids with the new ones appended (same rank as given), or the prompt plus its continuation
        as text. The prompt is read once; then each new character is one step of the recurrence (state in,
        state out). Each step divides the logits by `temperature` (lower: more conservative), keeps only the
        `top_k` largest if given, and draws from the softmax with `gg.multinomial` — from `generator`, or the
        global generator that `gg.manual_seed` seeds, so a seed fixes the sample. Call `model.eval()` first if
        the model has dropout.
        """
        if temperature <= 0:
            raise ValueError(f"CharRNN.generate: temperature must be positive, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"CharRNN.generate: top_k must be a positive integer or None, got {top_k}")
        as_text = isinstance(idx_or_prompt, str)
        if as_text:
            if not idx_or_prompt:
                raise ValueError("CharRNN.generate: the prompt is empty; give at least one character")
            idx = Tensor(np.asarray([self.encode(idx_or_prompt)], dtype=np.int64))  # (1, T)
        else:
            idx = idx_or_prompt if idx_or_prompt.dim() == 2 else idx_or_prompt.unsqueeze(0)
        logits, state = self(idx)
        new_ids = []
        for _ in range(max_new_tokens):
            step_logits = logits[:, -1, :] / temperature  # (B, V)
            if top_k is not None:
                k = min(top_k, step_logits.shape[-1])
                kth_largest = np.sort(step_logits.array, axis=-1)[:, [-k]]  # (B, 1)
                step_logits = step_logits.masked_fill(Tensor(step_logits.array < kth_largest), float("-inf"))
            probs = softmax(step_logits, dim=-1)
            next_id = multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
            new_ids.append(next_id.array)
            logits, state = self(next_id, state)
        appended = np.concatenate([idx.array, *new_ids], axis=1) if new_ids else idx.array  # (B, T + N)
        if as_text:
            return self.decode(appended[0])
        out = Tensor(appended.astype(np.int64))
        return out if idx_or_prompt.dim() == 2 else out.squeeze(0)
