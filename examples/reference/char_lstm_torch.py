"""The PyTorch twin of examples/char_lstm.py: the same model, data stream, schedule and evaluation.

Embedding(65, 64) → LSTM(64, 256, batch_first) → Linear(256, 65), batch 32 × 64 characters, AdamW (lr 3e-3,
100 warmup steps, cosine decay to 3e-4), gradient clipping at norm 1; validation loss = mean cross-entropy in
nats per character over the whole validation split read as consecutive 64-character windows.

Both scripts draw their batches from one NumPy generator with the same seed, so they read the same windows in
the same order; only the initial weights (each framework's own random generator) and float rounding differ.
The text comes from glassgrad's bundled Tiny Shakespeare (the same characters and the same 90/10 split).

    python examples/reference/char_lstm_torch.py [--max-iters 6000] [--seed 1337]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from glassgrad.datasets import TinyShakespeare


class CharRNN(torch.nn.Module):
    """glassgrad.models.CharRNN in PyTorch, with the same parameter names."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, num_layers: int, cell: str) -> None:
        super().__init__()
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        self.embedding = torch.nn.Embedding(vocab_size, embedding_dim)
        self.rnn = rnn(embedding_dim, hidden_size, num_layers, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, idx: torch.Tensor, state=None):  # noqa: ANN001, ANN201
        out, state = self.rnn(self.embedding(idx), state)
        return self.head(out), state


def get_lr(it: int, args: argparse.Namespace) -> float:
    if it < args.warmup_iters:
        return args.learning_rate * (it + 1) / (args.warmup_iters + 1)
    if it >= args.max_iters:
        return args.min_lr
    decay_ratio = (it - args.warmup_iters) / (args.max_iters - args.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return args.min_lr + coeff * (args.learning_rate - args.min_lr)


def batch(data: np.ndarray, starts: np.ndarray, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    windows = data[starts[:, None] + np.arange(block_size + 1)].astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(windows[:, :-1])), torch.from_numpy(
        np.ascontiguousarray(windows[:, 1:])
    )


def loss_of(model: CharRNN, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def evaluate(model: CharRNN, data: np.ndarray, block_size: int, limit: int | None = None, chunk: int = 256) -> float:
    model.eval()
    starts = np.arange(0, len(data) - block_size, block_size)[:limit]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in [("block_size", 64), ("batch_size", 32), ("cell", "lstm"), ("embedding_dim", 64),
                          ("hidden_size", 256), ("num_layers", 1), ("learning_rate", 3e-3), ("min_lr", 3e-4),
                          ("warmup_iters", 100), ("max_iters", 6000), ("weight_decay", 0.01), ("grad_clip", 1.0),
                          ("eval_interval", 1000), ("eval_windows", 256), ("sample_chars", 400),
                          ("temperature", 0.8), ("seed", 1337), ("threads", 0)]:  # fmt: skip
        parser.add_argument("--" + name.replace("_", "-"), type=type(default), default=default)
    args = parser.parse_args()
    if args.threads:  # 0 keeps torch's default (one per core)
        torch.set_num_threads(args.threads)

    torch.manual_seed(args.seed)
    train_set = TinyShakespeare(args.block_size, "train")
    train_data, val_data = train_set.data, TinyShakespeare(args.block_size, "val").data
    model = CharRNN(train_set.vocab_size, args.embedding_dim, args.hidden_size, args.num_layers, args.cell)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    batch_rng = np.random.default_rng(args.seed)

    train_time = 0.0
    for it in range(args.max_iters):
        if it % args.eval_interval == 0:
            quick = evaluate(model, val_data, args.block_size, limit=args.eval_windows)
            print(
                f"step {it}: val loss {quick:.4f} (first {args.eval_windows} windows), train time {train_time:.1f}s",
                flush=True,
            )
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it, args)
        x, y = batch(train_data, batch_rng.integers(0, len(train_data) - args.block_size, args.batch_size),
                     args.block_size)  # fmt: skip
        start = time.perf_counter()
        loss = loss_of(model, x, y)
        loss.backward()
        if args.grad_clip != 0.0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()
        train_time += time.perf_counter() - start

    val_loss = evaluate(model, val_data, args.block_size)
    print(f"final: val loss {val_loss:.4f} nats/char (whole split), {args.max_iters} steps, training time "
          f"{train_time:.1f}s, torch {torch.__version__} ({torch.get_num_threads()} threads)")  # fmt: skip
    model.eval()
    torch.manual_seed(args.seed)
    sample = generate(model, train_set.encode("\n"), args.sample_chars, args.temperature)
    print("sample:\n" + train_set.decode(sample))


if __name__ == "__main__":
    main()
