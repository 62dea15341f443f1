"""gpt: one AdamW step of nanoGPT's CPU Shakespeare model: 4 layers, 4 heads, n_embd 128, no biases, batch
12 × 64 characters of a 65-character vocabulary, gradient clipping at 1.0.

The step of examples/gpt_shakespeare.py: embeddings, pre-norm blocks of causal self-attention and a GELU MLP,
a tied output head and cross-entropy over 768 positions; then backward, clip_grad_norm_ and AdamW(lr 1e-3,
betas (0.9, 0.99), weight decay 0.1 on matrices). Four matrix products per block (768×128 by 128×384, 128×128,
128×512, 512×128) dominate; the fused attention, layer norm, GELU and the optimizer's elementwise passes
make the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workload import Step, Workload

BATCH = 12
BLOCK_SIZE = 64
VOCAB = 65
CONFIG = dict(block_size=BLOCK_SIZE, vocab_size=VOCAB, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False)
LR = 1e-3
BETAS = (0.9, 0.99)
WEIGHT_DECAY = 0.1
GRAD_CLIP = 1.0


def make_inputs(seed: int) -> dict[str, Any]:
    """A batch of random token windows and the initial weights of glassgrad's GPT (nanoGPT's init)."""
    import glassgrad as gg
    from glassgrad.models.gpt import GPT, GPTConfig

    rng = np.random.default_rng(seed)
    gg.manual_seed(seed)
    model = GPT(GPTConfig(**CONFIG))
    # lm_head.weight is transformer.wte.weight (tied); the state_dict lists it under both names, as PyTorch's
    state = {name: value.numpy().copy() for name, value in model.state_dict().items()}
    tokens = rng.integers(0, VOCAB, (BATCH, BLOCK_SIZE + 1))
    return {"x": tokens[:, :-1].copy(), "y": tokens[:, 1:].copy(), "state": state}


def glassgrad_step(inputs: dict[str, Any]) -> Step:
    import glassgrad as gg
    from glassgrad.models.gpt import GPT, GPTConfig
    from glassgrad.nn.utils import clip_grad_norm_

    model = GPT(GPTConfig(**CONFIG))
    model.load_state_dict(inputs["state"])
    optimizer = model.configure_optimizers(WEIGHT_DECAY, LR, BETAS)
    params = list(model.parameters())  # listed once, as the torch twin does
    x = gg.from_numpy(inputs["x"])
    y = gg.from_numpy(inputs["y"])

    def step() -> Any:
        _, loss = model(x, y)
        loss.backward()
        clip_grad_norm_(params, GRAD_CLIP)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    return step


def torch_step(inputs: dict[str, Any]) -> Step:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        """nanoGPT's Block (CausalSelfAttention with the fused kernel, MLP), biases off."""

        def __init__(self) -> None:
            super().__init__()
            C = CONFIG["n_embd"]
            self.ln_1 = nn.LayerNorm(C, bias=False)
            self.attn = nn.Module()
            self.attn.c_attn = nn.Linear(C, 3 * C, bias=False)
            self.attn.c_proj = nn.Linear(C, C, bias=False)
            self.ln_2 = nn.LayerNorm(C, bias=False)
            self.mlp = nn.Module()
            self.mlp.c_fc = nn.Linear(C, 4 * C, bias=False)
            self.mlp.c_proj = nn.Linear(4 * C, C, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            B, T, C = x.shape
            H = CONFIG["n_head"]
            q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.attn.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
            return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))

    class TorchGPT(nn.Module):
        """nanoGPT's GPT with the same parameter names (and weight tying)."""

        def __init__(self) -> None:
            super().__init__()
            C = CONFIG["n_embd"]
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(VOCAB, C),
                wpe=nn.Embedding(BLOCK_SIZE, C),
                h=nn.ModuleList([Block() for _ in range(CONFIG["n_layer"])]),
                ln_f=nn.LayerNorm(C, bias=False),
            ))  # fmt: skip
            self.lm_head = nn.Linear(C, VOCAB, bias=False)
            self.transformer.wte.weight = self.lm_head.weight

        def forward(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
            pos = torch.arange(idx.shape[1])
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1), ignore_index=-1)

    model = TorchGPT()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in inputs["state"].items()})
    params = list(model.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": WEIGHT_DECAY},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=LR, betas=BETAS,
    )  # fmt: skip
    x = torch.from_numpy(inputs["x"])
    y = torch.from_numpy(inputs["y"])

    def step() -> Any:
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    return step


WORKLOAD = Workload(
    name="gpt",
    description="nanoGPT Shakespeare-char CPU config (4 layers, 4 heads, n_embd 128, no bias), batch 12 x 64 "
    "tokens, vocab 65, AdamW(lr=1e-3, betas=(0.9, 0.99), wd=0.1), clip 1.0",
    make_inputs=make_inputs,
    glassgrad_step=glassgrad_step,
    torch_step=torch_step,
    steps_per_round=20,
)
