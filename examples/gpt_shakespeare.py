"""Train a character-level GPT on Tiny Shakespeare with nanoGPT's CPU settings, then sample from it.

nanoGPT's README runs `config/train_shakespeare_char.py` on a CPU with:

    --device=cpu --compile=False --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12
    --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0

and reports a validation loss of about 1.88 (its estimate on 20 random batches). The same script in PyTorch is
examples/reference/gpt_shakespeare_torch.py; both draw batches from one NumPy generator with the same seed,
so they read the same windows in the same order. Besides nanoGPT's estimate, the loss on the WHOLE validation
split (every character, read as non-overlapping windows of block_size) is printed at the end: it has no
sampling noise, so the two frameworks can be compared closely.

    python examples/gpt_shakespeare.py                    # about a minute on 2 cores
    python examples/gpt_shakespeare.py --max-iters 200    # a quick look
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

import glassgrad as gg
from glassgrad.bench.threads import set_blas_threads
from glassgrad.datasets import TinyShakespeare
from glassgrad.models.gpt import GPT, GPTConfig
from glassgrad.nn.utils import clip_grad_norm_
from glassgrad.train import parse_dataclass


@dataclass
class TrainConfig:
    # data and model (nanoGPT's shakespeare_char config with the CPU overrides)
    block_size: int = 64  # context of up to 64 previous characters
    batch_size: int = 12
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False  # nanoGPT's train.py default
    # optimizer: AdamW, the lr warms up for warmup_iters, then follows a cosine down to min_lr at lr_decay_iters
    learning_rate: float = 1e-3  # with baby networks can afford to go a bit higher
    max_iters: int = 2000
    lr_decay_iters: int = 2000  # make equal to max_iters usually
    min_lr: float = 1e-4  # learning_rate / 10 usually
    warmup_iters: int = 100  # not super necessary potentially
    beta1: float = 0.9
    beta2: float = 0.99  # make a bit bigger because number of tokens per iter is small
    weight_decay: float = 0.1
    grad_clip: float = 1.0  # clip gradients at this norm, or disable if == 0.0
    # evaluation and sampling
    eval_interval: int = 250
    eval_iters: int = 20
    sample_tokens: int = 300
    seed: int = 1337
    threads: int = 0  # BLAS threads for matrix products; 0 keeps NumPy's default (one per core)


def get_lr(it: int, cfg: TrainConfig) -> float:
    """nanoGPT's learning-rate schedule at iteration `it`."""
    # 1) linear warmup for warmup_iters steps
    if it < cfg.warmup_iters:
        return cfg.learning_rate * (it + 1) / (cfg.warmup_iters + 1)
    # 2) if it > lr_decay_iters, return min learning rate
    if it > cfg.lr_decay_iters:
        return cfg.min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - cfg.warmup_iters) / (cfg.lr_decay_iters - cfg.warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
    return cfg.min_lr + coeff * (cfg.learning_rate - cfg.min_lr)


def batch(data: np.ndarray, starts: np.ndarray, block_size: int) -> tuple[gg.Tensor, gg.Tensor]:
    """Inputs x and next-character targets y, int64 (B, T), for the windows starting at `starts`."""
    windows = data[starts[:, None] + np.arange(block_size + 1)].astype(np.int64)  # (B, 1) + (T+1,) -> (B, T+1)
    return gg.from_numpy(np.ascontiguousarray(windows[:, :-1])), gg.from_numpy(np.ascontiguousarray(windows[:, 1:]))


def random_starts(data: np.ndarray, rng: np.random.Generator, cfg: TrainConfig) -> np.ndarray:
    return rng.integers(0, len(data) - cfg.block_size, cfg.batch_size)


@gg.no_grad()
def estimate_loss(model: GPT, data: np.ndarray, rng: np.random.Generator, cfg: TrainConfig) -> float:
    """nanoGPT's estimate: the mean loss over `eval_iters` random batches."""
    model.eval()
    losses = [model(*batch(data, random_starts(data, rng, cfg), cfg.block_size))[1].item()
              for _ in range(cfg.eval_iters)]  # fmt: skip
    model.train()
    return float(np.mean(losses))


@gg.no_grad()
def whole_split_loss(model: GPT, data: np.ndarray, block_size: int, batch_size: int = 256) -> float:
    """The mean loss over every character of a split, read as non-overlapping windows of block_size."""
    model.eval()
    starts = np.arange(0, len(data) - block_size, block_size)
    total = 0.0
    for i in range(0, len(starts), batch_size):
        chunk = starts[i : i + batch_size]
        total += model(*batch(data, chunk, block_size))[1].item() * len(chunk)
    model.train()
    return total / len(starts)


def train_step(model: GPT, optimizer: gg.optim.Optimizer, x: gg.Tensor, y: gg.Tensor, grad_clip: float) -> gg.Tensor:
    """One optimisation step: forward, backward, clip, update; returns the loss (a 0-d tensor)."""
    _, loss = model(x, y)
    loss.backward()
    if grad_clip != 0.0:
        clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss


def main() -> None:
    cfg = parse_dataclass(TrainConfig, description=__doc__.splitlines()[0])
    if cfg.threads:
        set_blas_threads(cfg.threads)
    gg.manual_seed(cfg.seed)
    train_set = TinyShakespeare(cfg.block_size, "train")
    train_data, val_data = train_set.data, TinyShakespeare(cfg.block_size, "val").data
    model_config = GPTConfig(block_size=cfg.block_size, vocab_size=train_set.vocab_size, n_layer=cfg.n_layer,
                             n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=cfg.dropout, bias=cfg.bias)  # fmt: skip
    model = GPT(model_config)
    print(f"number of parameters: {model.get_num_params() / 1e6:.2f}M")
    optimizer = model.configure_optimizers(cfg.weight_decay, cfg.learning_rate, (cfg.beta1, cfg.beta2))
    batch_rng = np.random.default_rng(cfg.seed)  # the same stream of training windows as the PyTorch twin
    eval_rng = np.random.default_rng(cfg.seed + 1)

    train_time = 0.0
    val_loss = float("nan")
    for it in range(cfg.max_iters + 1):
        # evaluate the loss on train/val sets (not timed)
        if it % cfg.eval_interval == 0 or it == cfg.max_iters:
            train_loss = estimate_loss(model, train_data, eval_rng, cfg)
            val_loss = estimate_loss(model, val_data, eval_rng, cfg)
            print(f"step {it}: train loss {train_loss:.4f}, val loss {val_loss:.4f}, train time {train_time:.1f}s")
        if it == cfg.max_iters:
            break
        lr = get_lr(it, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = batch(train_data, random_starts(train_data, batch_rng, cfg), cfg.block_size)
        start = time.perf_counter()
        train_step(model, optimizer, x, y, cfg.grad_clip)
        train_time += time.perf_counter() - start

    whole = whole_split_loss(model, val_data, cfg.block_size)
    print(f"final: val loss (whole split) {whole:.4f}, val loss (nanoGPT estimate) {val_loss:.4f}, "
          f"training time {train_time:.1f}s for {cfg.max_iters} iterations, glassgrad {gg.__version__}")  # fmt: skip
    model.eval()
    start = gg.zeros((1, 1), dtype=gg.int64)  # id 0 is "\n", as nanoGPT's sample.py starts
    sample = model.generate(start, cfg.sample_tokens, temperature=0.8, top_k=200)
    print("sample:\n" + train_set.decode(sample[0]))


if __name__ == "__main__":
    main()
