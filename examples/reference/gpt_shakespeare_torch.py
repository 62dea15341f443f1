"""The PyTorch twin of examples/gpt_shakespeare.py: nanoGPT's model and training loop, for a side-by-side run.

The model is nanoGPT's model.py (karpathy/nanoGPT 3adf61e) restated compactly; the settings are its
`config/train_shakespeare_char.py` with the README's CPU overrides:

    python train.py config/train_shakespeare_char.py --device=cpu --compile=False --eval_iters=20
        --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000
        --lr_decay_iters=2000 --dropout=0.0

The settings (and flags) are the glassgrad script's `TrainConfig`, and so is nanoGPT's learning-rate schedule.
The glassgrad script trains with `glassgrad.train.fit`; this one keeps nanoGPT's plain loop, but takes each
step's windows from the same step-addressed `glassgrad.train.TextBatches` (as NumPy arrays) and evaluates at the
same steps on the same random batches, so both read the same windows in the same order; only the initial
weights (each framework's own RNG) and float rounding differ. `train(TrainConfig(...))` returns the final losses
and times as a dict, as the glassgrad script's does.

    python examples/reference/gpt_shakespeare_torch.py [--max-iters 2000] [--seed 1337]
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/, for the shared settings and schedule
from gpt_shakespeare import TrainConfig, get_lr  # noqa: E402

from glassgrad.datasets import TinyShakespeare  # noqa: E402
from glassgrad.train import TextBatches, parse_dataclass  # noqa: E402


@dataclass
class GPTConfig:
    block_size: int = 64
    vocab_size: int = 65
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True
        )
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))  # fmt: skip
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):  # GPT-2's scaled residual init
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    def configure_optimizers(self, weight_decay: float, learning_rate: float, betas: tuple) -> torch.optim.AdamW:
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size :]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def batch(data: np.ndarray, starts: np.ndarray, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    windows = torch.from_numpy(data[starts[:, None] + np.arange(block_size + 1)].astype(np.int64))  # (B, T+1)
    return windows[:, :-1].contiguous(), windows[:, 1:].contiguous()


@torch.no_grad()
def estimate_loss(model: GPT, data: np.ndarray, rng: np.random.Generator, cfg: TrainConfig) -> float:
    """nanoGPT's estimate: the mean loss of `eval_iters` random batches."""
    model.eval()
    losses = [
        model(*batch(data, rng.integers(0, len(data) - cfg.block_size, cfg.batch_size), cfg.block_size))[1].item()
        for _ in range(cfg.eval_iters)
    ]
    model.train()
    return float(np.mean(losses))


@torch.no_grad()
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


def train(cfg: TrainConfig) -> dict:
    """Train from scratch. Returns {'val_loss' (the whole validation split), 'val_loss_estimate' (nanoGPT's),
    'train_seconds' (training steps only), 'eval_seconds', 'iters', 'sample'}, as the glassgrad script's train."""
    if cfg.threads:  # 0 keeps torch's default (one per core)
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    train_set = TinyShakespeare(cfg.block_size, "train")
    train_data, val_data = train_set.data, TinyShakespeare(cfg.block_size, "val").data
    config = GPTConfig(block_size=cfg.block_size, vocab_size=train_set.vocab_size, n_layer=cfg.n_layer,
                       n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=cfg.dropout, bias=cfg.bias)  # fmt: skip
    model = GPT(config)
    optimizer = model.configure_optimizers(cfg.weight_decay, cfg.learning_rate, (cfg.beta1, cfg.beta2))
    parameters = list(model.parameters())
    batches = TextBatches(train_data, cfg.block_size, cfg.batch_size, cfg.seed)  # the glassgrad script's windows
    eval_rng = np.random.default_rng(cfg.seed + 1)  # and its estimate batches

    train_time = 0.0
    started = time.perf_counter()
    for it in range(cfg.max_iters):
        start = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it, cfg)
        x, y = (torch.from_numpy(a) for a in batches.arrays(it))  # (B, T) int64 each
        _, loss = model(x, y)
        loss.backward()
        if cfg.grad_clip != 0.0:
            torch.nn.utils.clip_grad_norm_(parameters, cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()  # as glassgrad's fit reads it (to stop on a non-finite loss)
        train_time += time.perf_counter() - start
        if (it + 1) % cfg.eval_interval == 0 or it + 1 == cfg.max_iters:  # where glassgrad's fit evaluates
            train_loss = estimate_loss(model, train_data, eval_rng, cfg)
            val_loss = estimate_loss(model, val_data, eval_rng, cfg)
            print(f"step {it + 1}: train loss {train_loss:.4f}, val loss {val_loss:.4f}, train time {train_time:.1f}s")
    whole = whole_split_loss(model, val_data, cfg.block_size)
    eval_seconds = time.perf_counter() - started - train_time
    print(f"final: val loss (whole split) {whole:.4f}, val loss (nanoGPT estimate) {val_loss:.4f}, training time "
          f"{train_time:.1f}s, evaluation {eval_seconds:.1f}s, {torch.get_num_threads()} torch threads")

    model.eval()
    ids = model.generate(torch.zeros((1, 1), dtype=torch.long), cfg.sample_tokens, temperature=0.8, top_k=200)
    sample = train_set.decode(ids[0].tolist()) if cfg.sample_tokens else ""
    print("sample:\n" + sample)
    return {"val_loss": whole, "val_loss_estimate": val_loss, "train_seconds": train_time,
            "eval_seconds": eval_seconds, "iters": cfg.max_iters, "sample": sample}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    return train(parse_dataclass(TrainConfig, argv, __doc__.splitlines()[0]))


if __name__ == "__main__":
    main()
