"""Train a character-level LSTM on Tiny Shakespeare, report its validation loss, and sample from it.

The model is glassgrad.models.CharRNN: Embedding(65, 64) → one LSTM layer of 256 units → Linear(256, 65),
trained on random windows of 64 characters, 32 per batch, with AdamW (lr 3e-3, a short warmup, then a cosine
decay to 3e-4) and gradient clipping at norm 1 — Karpathy's char-rnn recipe at a size that trains in minutes on
two CPU cores.

The validation loss is the mean cross-entropy in nats per character over the WHOLE validation split (the last
10% of the text, 111,540 characters), read as consecutive windows of 64 characters, each from a zero state as
in training; it has no sampling noise, so two runs can be compared closely. (ln 65 = 4.17 is a uniform guess.)

The training loop is `glassgrad.train.fit`, the one behind `glassgrad train`. The same configuration in PyTorch
is examples/reference/char_lstm_torch.py, with its own plain loop: it takes each step's windows from the same
`glassgrad.train.TextBatches` (batch k is a function of the seed and k), so both read the same windows in the
same order; only the initial weights (each framework's own random generator) and float rounding differ.

    python examples/char_lstm.py                      # 6,000 steps, a few minutes on 2 cores
    python examples/char_lstm.py --max-iters 500      # a quick look
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import glassgrad as gg
from glassgrad.bench.threads import blas_threads, set_threads
from glassgrad.datasets import TinyShakespeare
from glassgrad.models import CharRNN
from glassgrad.train import (
    Experiment,
    Progress,
    TextBatches,
    fit,
    language_model_evaluation,
    language_model_loss,
    parse_dataclass,
)


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
    log_interval: int = 100  # steps between progress lines
    eval_interval: int = 1000
    eval_windows: int = 256  # windows for the quick progress estimate (the final loss uses the whole split)
    sample_chars: int = 400
    temperature: float = 0.8
    seed: int = 1337
    threads: int = 0  # threads for matrix products and fused kernels; 0 keeps the defaults (one per core)


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


def train(cfg: TrainConfig) -> dict:
    """Train from scratch with `glassgrad.train.fit`. Returns {'val_loss' (nats/char, the whole validation split),
    'train_seconds' (training steps only), 'eval_seconds' (the evaluations during and after training),
    'sample' (text generated from the trained model, empty if sample_chars is 0)}."""
    if cfg.threads:
        set_threads(cfg.threads)
    gg.manual_seed(cfg.seed)  # the initial weights and the sample
    train_set = TinyShakespeare(cfg.block_size, "train")
    val_data = TinyShakespeare(cfg.block_size, "val").data
    batches = TextBatches(train_set.data, cfg.block_size, cfg.batch_size, cfg.seed)  # (B, T) windows, by step

    model = CharRNN(train_set.vocab_size, cfg.embedding_dim, cfg.hidden_size, cfg.num_layers, cfg.cell,
                    cfg.dropout, chars=train_set.chars)  # fmt: skip
    print(f"number of parameters: {sum(p.numel() for p in model.parameters()) / 1e3:.1f}K")
    optimizer = gg.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    scheduler = gg.optim.lr_scheduler.LambdaLR(optimizer, lambda it: get_lr(it, cfg) / cfg.learning_rate)

    # Evaluations during training read eval_windows windows spread over the validation split; the last, all.
    evaluate = language_model_evaluation(val_data, cfg.block_size, estimate_windows=cfg.eval_windows)
    experiment = Experiment(model, optimizer, scheduler, batches, language_model_loss, evaluate, kind="text")
    loop = fit(experiment, cfg.max_iters, callbacks=[Progress(cfg.max_iters)], log_every=cfg.log_interval,
               eval_every=cfg.eval_interval, grad_clip=cfg.grad_clip)  # fmt: skip
    print(f"final: val loss {loop.last_eval['val_loss']:.4f} nats/char (whole split), training time "
          f"{loop.train_seconds:.1f}s, evaluation {loop.eval_seconds:.1f}s, {blas_threads()} BLAS threads")

    model.eval()
    gg.manual_seed(cfg.seed)
    sample = model.generate("\n", cfg.sample_chars, temperature=cfg.temperature) if cfg.sample_chars else ""
    print("sample:\n" + sample)
    return {"val_loss": loop.last_eval["val_loss"], "train_seconds": loop.train_seconds,
            "eval_seconds": loop.eval_seconds, "sample": sample}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    return train(parse_dataclass(TrainConfig, argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
