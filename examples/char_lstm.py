"""Train a character-level LSTM on Tiny Shakespeare, report its validation loss, and sample from it.

The model is glassgrad.models.CharRNN: Embedding(65, 64) → one LSTM layer of 256 units → Linear(256, 65),
trained on random windows of 64 characters, 32 per batch, with AdamW (lr 3e-3, a short warmup, then a cosine
decay to 3e-4) and gradient clipping at norm 1 — Karpathy's char-rnn recipe at a size that trains in minutes on
two CPU cores.

The validation loss is the mean cross-entropy in nats per character over the WHOLE validation split (the last
10% of the text, 111,540 characters), read as consecutive windows of 64 characters, each from a zero state as
in training; it has no sampling noise, so two runs can be compared closely. (ln 65 = 4.17 is a uniform guess.)

The same configuration in PyTorch is examples/reference/char_lstm_torch.py. Both draw their batches from one
NumPy generator with the same seed, so they read the same windows in the same order; only the initial weights
(each framework's own random generator) and float rounding differ.

    python examples/char_lstm.py                      # 6,000 steps, a few minutes on 2 cores
    python examples/char_lstm.py --max-iters 500      # a quick look
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import glassgrad.nn.functional as F
import numpy as np

import glassgrad as gg
from glassgrad.bench.threads import blas_threads, set_blas_threads
from glassgrad.datasets import TinyShakespeare
from glassgrad.models import CharRNN
from glassgrad.nn.utils import clip_grad_norm_
from glassgrad.train import parse_dataclass


@dataclass
class TrainConfig:
    # data and model
    block_size: int = 64  # characters per training window (the length of backpropagation through time)
    batch_size: int = 32
    cell: str = "lstm"  # or "gru", "rnn"
    embedding_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 1
    dropout: float = 0.0  # between recurrent layers (needs num_layers > 1)
    # optimizer: AdamW; the lr warms up linearly for warmup_iters, then follows a cosine down to min_lr
    learning_rate: float = 3e-3
    min_lr: float = 3e-4
    warmup_iters: int = 100
    max_iters: int = 6000
    weight_decay: float = 0.01  # AdamW's default
    grad_clip: float = 1.0  # clip gradients at this norm (0 disables); recurrent nets can spike
    # evaluation and sampling
    eval_interval: int = 1000
    eval_windows: int = 256  # windows for the quick progress estimate (the final loss uses the whole split)
    sample_chars: int = 400
    temperature: float = 0.8
    seed: int = 1337
    threads: int = 0  # BLAS threads for matrix products; 0 keeps NumPy's default (one per core)


def get_lr(it: int, cfg: TrainConfig) -> float:
    """The learning rate at iteration `it`."""
    # 1) linear warmup for warmup_iters steps
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    # 2) past max_iters, the minimum
    if it >= cfg.max_iters:
        return cfg.min_lr
    # 3) in between, a cosine from learning_rate down to min_lr
    decay_ratio = (it - cfg.warmup_iters) / (cfg.max_iters - cfg.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # 1 → 0
    return cfg.min_lr + coeff * (cfg.learning_rate - cfg.min_lr)


def batch(data: np.ndarray, starts: np.ndarray, block_size: int) -> tuple[gg.Tensor, gg.Tensor]:
    """Inputs x and next-character targets y, int64 (B, T), for the windows starting at `starts`."""
    windows = data[starts[:, None] + np.arange(block_size + 1)].astype(np.int64)  # (B, 1) + (T+1,) -> (B, T+1)
    return gg.from_numpy(np.ascontiguousarray(windows[:, :-1])), gg.from_numpy(np.ascontiguousarray(windows[:, 1:]))


def loss_of(model: CharRNN, x: gg.Tensor, y: gg.Tensor) -> gg.Tensor:
    """Mean cross-entropy of the next-character predictions over all B·T positions."""
    logits, _ = model(x)  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@gg.no_grad()
def evaluate(model: CharRNN, data: np.ndarray, block_size: int, limit: int | None = None, chunk: int = 256) -> float:
    """Mean loss per character over consecutive windows of `data` (all of them, or the first `limit`)."""
    model.eval()
    starts = np.arange(0, len(data) - block_size, block_size)[:limit]
    total = 0.0
    for i in range(0, len(starts), chunk):
        part = starts[i : i + chunk]
        total += loss_of(model, *batch(data, part, block_size)).item() * len(part)
    model.train()
    return total / len(starts)


def train_step(model: CharRNN, optimizer: gg.optim.Optimizer, x: gg.Tensor, y: gg.Tensor, grad_clip: float) -> float:
    """One optimisation step: forward, backward, clip, update; returns the loss."""
    loss = loss_of(model, x, y)
    loss.backward()
    if grad_clip != 0.0:
        clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.item()


def main() -> None:
    cfg = parse_dataclass(TrainConfig, description=__doc__.splitlines()[0])
    if cfg.threads:
        set_blas_threads(cfg.threads)
    gg.manual_seed(cfg.seed)
    train_set = TinyShakespeare(cfg.block_size, "train")
    train_data, val_data = train_set.data, TinyShakespeare(cfg.block_size, "val").data
    model = CharRNN(train_set.vocab_size, cfg.embedding_dim, cfg.hidden_size, cfg.num_layers, cfg.cell,
                    cfg.dropout, chars=train_set.chars)  # fmt: skip
    print(f"number of parameters: {sum(p.numel() for p in model.parameters()) / 1e3:.1f}K")
    optimizer = gg.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    batch_rng = np.random.default_rng(cfg.seed)  # the same stream of training windows as the PyTorch twin

    train_time = 0.0
    for it in range(cfg.max_iters):
        if it % cfg.eval_interval == 0:
            quick = evaluate(model, val_data, cfg.block_size, limit=cfg.eval_windows)
            print(
                f"step {it}: val loss {quick:.4f} (first {cfg.eval_windows} windows), train time {train_time:.1f}s",
                flush=True,
            )
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it, cfg)
        x, y = batch(train_data, batch_rng.integers(0, len(train_data) - cfg.block_size, cfg.batch_size),
                     cfg.block_size)  # fmt: skip
        start = time.perf_counter()
        train_step(model, optimizer, x, y, cfg.grad_clip)
        train_time += time.perf_counter() - start

    val_loss = evaluate(model, val_data, cfg.block_size)
    print(f"final: val loss {val_loss:.4f} nats/char (whole split), {cfg.max_iters} steps, training time "
          f"{train_time:.1f}s, glassgrad {gg.__version__} ({blas_threads()} BLAS threads)")  # fmt: skip
    model.eval()
    gg.manual_seed(cfg.seed)
    print("sample:\n" + model.generate("\n", cfg.sample_chars, temperature=cfg.temperature))


if __name__ == "__main__":
    main()
