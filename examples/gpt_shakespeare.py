"""Train a character-level GPT on Tiny Shakespeare with nanoGPT's CPU settings, then sample from it.

nanoGPT's README runs `config/train_shakespeare_char.py` on a CPU with:

    --device=cpu --compile=False --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12
    --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0

and reports a validation loss of about 1.88 (its estimate on 20 random batches). Here the training loop is
`glassgrad.train.fit`, the one behind `glassgrad train`. The same script in PyTorch is
examples/reference/gpt_shakespeare_torch.py, with its own plain loop: it takes each step's windows from the same
`glassgrad.train.TextBatches` (batch k is a function of the seed and k) and its estimates from the same random
generator, so both read the same windows in the same order. Besides nanoGPT's estimate, the loss on the WHOLE
validation split (every character, read as non-overlapping windows of block_size) is printed at the end: it has
no sampling noise, so the two frameworks can be compared closely. Training time is reported apart from the time
spent evaluating.

    python examples/gpt_shakespeare.py                    # about a minute on 2 cores
    python examples/gpt_shakespeare.py --max-iters 200    # a quick look

`train(TrainConfig(...))` runs it from Python and returns the final losses and times as a dict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import glassgrad as gg
from glassgrad.bench.threads import set_threads
from glassgrad.datasets import TinyShakespeare
from glassgrad.models.gpt import GPT, GPTConfig
from glassgrad.train import Experiment, Progress, TextBatches, fit, language_model_evaluation, parse_dataclass


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
    log_interval: int = 50  # steps between progress lines
    eval_interval: int = 250
    eval_iters: int = 20
    sample_tokens: int = 300
    seed: int = 1337
    threads: int = 0  # threads for matrix products and fused kernels; 0 keeps the defaults (one per core)


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


def gpt_loss(model: GPT, x: gg.Tensor, y: gg.Tensor) -> tuple[gg.Tensor, None]:
    """fit's loss function: the GPT computes its cross-entropy itself when given targets (None: no accuracy)."""
    _, loss = model(x, y)
    return loss, None


def nanogpt_evaluation(train_data: np.ndarray, val_data: np.ndarray, cfg: TrainConfig) -> Callable:
    """fit's `evaluate(model, final)`: nanoGPT's estimates of the train and val losses at every evaluation, and
    at the end (final) also the loss over the whole validation split."""
    eval_rng = np.random.default_rng(cfg.seed + 1)  # the PyTorch twin draws the same estimate batches
    whole_split = language_model_evaluation(val_data, cfg.block_size, gpt_loss)

    def evaluate(model: GPT, final: bool = False) -> dict:
        metrics = {
            "train_loss": estimate_loss(model, train_data, eval_rng, cfg),
            "val_loss": estimate_loss(model, val_data, eval_rng, cfg),
        }
        if final:
            metrics["val_loss_whole_split"] = whole_split(model)["val_loss"]
        return metrics

    return evaluate


def train(cfg: TrainConfig) -> dict:
    """Train from scratch with `glassgrad.train.fit`. Returns {'val_loss' (the whole validation split),
    'val_loss_estimate' (nanoGPT's), 'train_seconds' (training steps only), 'eval_seconds' (every evaluation),
    'iters', 'sample' (generated text, empty if sample_tokens is 0)}."""
    if cfg.threads:
        set_threads(cfg.threads)
    gg.manual_seed(cfg.seed)  # the initial weights and the sample
    train_set = TinyShakespeare(cfg.block_size, "train")
    val_data = TinyShakespeare(cfg.block_size, "val").data
    batches = TextBatches(train_set.data, cfg.block_size, cfg.batch_size, cfg.seed)  # (B, T) windows, by step

    model_config = GPTConfig(block_size=cfg.block_size, vocab_size=train_set.vocab_size, n_layer=cfg.n_layer,
                             n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=cfg.dropout, bias=cfg.bias)  # fmt: skip
    model = GPT(model_config)
    print(f"number of parameters: {model.get_num_params() / 1e6:.2f}M")
    optimizer = model.configure_optimizers(cfg.weight_decay, cfg.learning_rate, (cfg.beta1, cfg.beta2))
    scheduler = gg.optim.lr_scheduler.LambdaLR(optimizer, lambda it: get_lr(it, cfg) / cfg.learning_rate)

    evaluate = nanogpt_evaluation(train_set.data, val_data, cfg)
    experiment = Experiment(model, optimizer, scheduler, batches, gpt_loss, evaluate, kind="text")
    loop = fit(experiment, cfg.max_iters, callbacks=[Progress(cfg.max_iters)], log_every=cfg.log_interval,
               eval_every=cfg.eval_interval, grad_clip=cfg.grad_clip)  # fmt: skip
    final = loop.last_eval  # the estimates, and the loss over the whole validation split
    print(f"final: val loss (whole split) {final['val_loss_whole_split']:.4f}, val loss (nanoGPT estimate) "
          f"{final['val_loss']:.4f}, training time {loop.train_seconds:.1f}s, evaluation {loop.eval_seconds:.1f}s")

    model.eval()
    start = gg.zeros((1, 1), dtype=gg.int64)  # id 0 is "\n", as nanoGPT's sample.py starts
    ids = model.generate(start, cfg.sample_tokens, temperature=0.8, top_k=200) if cfg.sample_tokens else None
    sample = train_set.decode(ids[0]) if ids is not None else ""
    print("sample:\n" + sample)
    return {"val_loss": final["val_loss_whole_split"], "val_loss_estimate": final["val_loss"],
            "train_seconds": loop.train_seconds, "eval_seconds": loop.eval_seconds, "iters": cfg.max_iters,
            "sample": sample}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    return train(parse_dataclass(TrainConfig, argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
