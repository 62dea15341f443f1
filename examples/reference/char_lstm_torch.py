"""The PyTorch twin of examples/char_lstm.py: the same model, data stream, schedule and evaluation.

Embedding(65, 64) → LSTM(64, 256, batch_first) → Linear(256, 65), batch 32 × 64 characters, AdamW (lr 3e-3,
100 warmup steps, cosine decay to 3e-4), gradient clipping at norm 1; validation loss = mean cross-entropy in
nats per character over the whole validation split read as consecutive 64-character windows.

The settings (and flags) are the glassgrad script's `TrainConfig`, and so is the learning-rate schedule. The
glassgrad script trains with `glassgrad.train.fit`; this one keeps a plain PyTorch loop, but takes each step's
windows from the same step-addressed `glassgrad.train.TextBatches` (as NumPy arrays), so both read the same
windows in the same order; only the initial weights (each framework's own random generator) and float rounding
differ. The text comes from glassgrad's bundled Tiny Shakespeare (the same characters and the same 90/10 split).

    python examples/reference/char_lstm_torch.py [--max-iters 6000] [--seed 1337]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/, for the shared settings and schedule
from char_lstm import TrainConfig, get_lr  # noqa: E402

from glassgrad.datasets import TinyShakespeare  # noqa: E402
from glassgrad.train import TextBatches, parse_dataclass  # noqa: E402


class CharRNN(torch.nn.Module):
    """glassgrad.models.CharRNN in PyTorch, with the same parameter names."""

    def __init__(
        self, vocab_size: int, embedding_dim: int, hidden_size: int, num_layers: int, cell: str, dropout: float
    ) -> None:
        super().__init__()
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        self.embedding = torch.nn.Embedding(vocab_size, embedding_dim)
        self.rnn = rnn(embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, idx: torch.Tensor, state=None):  # noqa: ANN001, ANN201
        out, state = self.rnn(self.embedding(idx), state)
        return self.head(out), state


def batch(data: np.ndarray, starts: np.ndarray, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    windows = data[starts[:, None] + np.arange(block_size + 1)].astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(windows[:, :-1])), torch.from_numpy(
        np.ascontiguousarray(windows[:, 1:])
    )


def loss_of(model: CharRNN, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def evaluate(model: CharRNN, data: np.ndarray, block_size: int, windows: int | None = None, chunk: int = 256) -> float:
    """Mean loss per character over consecutive windows of `data`: all of them, or `windows` evenly spread ones
    (the same as glassgrad.train.language_model_evaluation reads)."""
    model.eval()
    starts = np.arange(0, len(data) - block_size, block_size)
    if windows:
        starts = starts[np.linspace(0, len(starts) - 1, min(windows, len(starts))).astype(np.int64)]
    total = 0.0
    for i in range(0, len(starts), chunk):
        part = starts[i : i + chunk]
        total += loss_of(model, *batch(data, part, block_size)).item() * len(part)
    model.train()
    return total / len(starts)


@torch.no_grad()
def generate(model: CharRNN, ids: list[int], count: int, temperature: float) -> list[int]:
    logits, state = model(torch.tensor([ids]))
    out = list(ids)
    for _ in range(count):
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
        next_id = torch.multinomial(probs, num_samples=1)
        out.append(int(next_id))
        logits, state = model(next_id, state)
    return out


def train(cfg: TrainConfig) -> dict:
    """Train from scratch; returns {'val_loss' (whole split), 'train_seconds', 'eval_seconds', 'sample'}."""
    if cfg.threads:  # 0 keeps torch's default (one per core)
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    train_set = TinyShakespeare(cfg.block_size, "train")
    val_data = TinyShakespeare(cfg.block_size, "val").data
    batches = TextBatches(train_set.data, cfg.block_size, cfg.batch_size, cfg.seed)  # the glassgrad script's windows
    model = CharRNN(train_set.vocab_size, cfg.embedding_dim, cfg.hidden_size, cfg.num_layers, cfg.cell, cfg.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    train_time = 0.0
    started = time.perf_counter()
    for it in range(cfg.max_iters):
        start = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it, cfg)
        x, y = (torch.from_numpy(a) for a in batches.arrays(it))  # (B, T) int64 each
        loss = loss_of(model, x, y)
        loss.backward()
        if cfg.grad_clip != 0.0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()
        train_time += time.perf_counter() - start
        if (it + 1) % cfg.eval_interval == 0 and it + 1 < cfg.max_iters:  # where glassgrad's fit evaluates
            quick = evaluate(model, val_data, cfg.block_size, windows=cfg.eval_windows)
            print(f"step {it + 1}: val loss {quick:.4f} ({cfg.eval_windows} windows), train time {train_time:.1f}s",
                  flush=True)  # fmt: skip
    val_loss = evaluate(model, val_data, cfg.block_size)
    eval_seconds = time.perf_counter() - started - train_time
    print(f"final: val loss {val_loss:.4f} nats/char (whole split), training time {train_time:.1f}s, evaluation "
          f"{eval_seconds:.1f}s, torch {torch.__version__}, {torch.get_num_threads()} threads")

    model.eval()
    torch.manual_seed(cfg.seed)
    ids = generate(model, train_set.encode("\n"), cfg.sample_chars, cfg.temperature) if cfg.sample_chars else []
    sample = train_set.decode(ids)
    print("sample:\n" + sample)
    return {"val_loss": val_loss, "train_seconds": train_time, "eval_seconds": eval_seconds, "sample": sample}


def main(argv: list[str] | None = None) -> dict:
    return train(parse_dataclass(TrainConfig, argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
