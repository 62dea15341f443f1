"""A GPT language model in one file, after Karpathy's nanoGPT (model.py, 3adf61e), in glassgrad.

The architecture is GPT-2's (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners"):
token and position embeddings, n_layer pre-norm blocks of causal multi-head self-attention and a GELU MLP,
a final layer norm, and an output head that shares its weight with the token embedding (Press & Wolf 2017,
"Using the Output Embedding to Improve Language Models", arXiv:1608.05859).

The parameter names are nanoGPT's (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, ...), so a
nanoGPT checkpoint saved as safetensors loads with `model.load_state_dict(gg.load(path))`.

Shape letters: B batch, T time (sequence length), C channels (n_embd), H heads (n_head), D head size (C / H),
V vocabulary size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import creation, nn
from .. import functional as F
from ..autograd.grad_mode import no_grad
from ..backend import namespace_of
from ..optim import AdamW
from ..tensor import Tensor
from ..torch_functions import cat, multinomial, where


@dataclass
class GPTConfig:
    block_size: int = 1024  # the longest context the model reads (the size of the position embedding)
    vocab_size: int = 50304  # GPT-2's 50257 tokens padded up to a multiple of 64, for faster matrix products
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0  # 0 for pretraining, as nanoGPT; try 0.1+ when finetuning a large model on little data
    bias: bool = True  # biases in the Linears and LayerNorms, as GPT-2; False is a bit better and faster


class CausalSelfAttention(nn.Module):
    """H heads of masked self-attention: each position attends to itself and the positions before it.

    One Linear (c_attn) makes queries, keys and values for every head at once; the fused
    F.scaled_dot_product_attention with is_causal=True computes softmax(Q Kᵀ/√D + M) V, where M is −inf above
    the diagonal (the readable path it replaces is in functional/attention.py's docstring).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(
                f"GPT: n_embd ({config.n_embd}) must be divisible by n_head ({config.n_head}); each head "
                "takes n_embd / n_head channels"
            )
        # key, query, value projections for all heads, in one batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        # output projection
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        # regularization: attn_dropout on the attention weights, which the fused op applies itself (its
        # dropout_p, as nanoGPT's flash path), and resid_dropout on the output projection
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x: Tensor) -> Tensor:
        B, T, C = x.shape  # batch size, sequence length, embedding dimensionality (n_embd)
        H = self.n_head

        # calculate query, key, values for all heads in batch and move head forward to be the batch dim
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, T, H, C // H).transpose(1, 2)  # (B, T, C) -> (B, T, H, D) -> (B, H, T, D)
        k = k.view(B, T, H, C // H).transpose(1, 2)  # (B, H, T, D)
        v = v.view(B, T, H, C // H).transpose(1, 2)  # (B, H, T, D)

        # causal self-attention: (B, H, T, D) x (B, H, D, T) -> (B, H, T, T) -> (B, H, T, D), in one fused op
        p = self.attn_dropout.p if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, H, T, D) -> (B, T, H, D) -> (B, T, C): heads side by side

        # output projection
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network: Linear(C, 4C), GELU, Linear(4C, C), dropout."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()  # the exact erf form, as nanoGPT (GPT-2 itself used the tanh approximation)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.c_fc(x)  # (B, T, 4C)
        x = self.gelu(x)
        x = self.c_proj(x)  # (B, T, C)
        return self.dropout(x)


class Block(nn.Module):
    """A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) (GPT-2, §2.3)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    """The language model: ids (B, T) -> logits (B, T, V) for the next token at every position.

    Example:
        >>> import glassgrad as gg
        >>> model = GPT(GPTConfig(block_size=16, vocab_size=65, n_layer=2, n_head=2, n_embd=32))
        >>> idx = gg.randint(0, 65, (4, 16))
        >>> logits, loss = model(idx, targets=idx)
        >>> logits.shape
        (4, 16, 65)
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.vocab_size < 1 or config.block_size < 1:
            raise ValueError(
                f"GPT: vocab_size and block_size must be positive, got vocab_size={config.vocab_size} and "
                f"block_size={config.block_size}"
            )
        self.config = config

        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying: the output head reads the token embedding matrix (Press & Wolf 2017). One Parameter,
        # listed once by parameters() and under both names by state_dict(), as in PyTorch.
        self.transformer.wte.weight = self.lm_head.weight

        # init all weights
        self.apply(self._init_weights)
        # apply special scaled init to the residual projections, per GPT-2 paper: each block adds two residual
        # branches, so scaling their last layer by 1/√(2·n_layer) keeps the residual stream's variance flat
        for name, parameter in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def get_num_params(self, non_embedding: bool = True) -> int:
        """The number of parameters; by default without the position embedding (as nanoGPT: the token
        embedding is counted, because weight tying makes it the output head too)."""
        n_params = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n_params -= self.transformer.wpe.weight.numel()
        return n_params

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits for the next token, and the cross-entropy loss against `targets` (B, T) when given.

        Without targets only the last position is projected (logits (B, 1, V)): all that generation needs.
        Targets equal to −1 are ignored in the loss (nanoGPT's ignore_index).
        """
        b, t = self._check_ids(idx)
        pos = creation.arange(0, t, dtype=idx.dtype)  # shape (t)

        # forward the GPT model itself
        tok_emb = self.transformer.wte(idx)  # token embeddings of shape (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)

        if targets is not None:
            # if we are given some desired targets also calculate the loss
            logits = self.lm_head(x)  # (b, t, V)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1)
        else:
            # inference-time mini-optimization: only forward the lm_head on the very last position
            logits = self.lm_head(x[:, -1:, :])  # (b, 1, V): the slice keeps the time dim
            loss = None
        return logits, loss

    def _check_ids(self, idx: Tensor) -> tuple[int, int]:
        if not isinstance(idx, Tensor) or idx.ndim != 2 or idx.array.dtype.kind not in "iu":
            shape = idx.shape if isinstance(idx, Tensor) else type(idx).__name__
            raise ValueError(f"GPT: expected token ids as an integer tensor (B, T), got {shape}")
        b, t = idx.shape
        if t > self.config.block_size:
            raise ValueError(
                f"GPT: cannot forward a sequence of length {t}, block size is only {self.config.block_size}; "
                f"crop the context to its last {self.config.block_size} tokens"
            )
        if idx.array.size and (int(idx.array.min()) < 0 or int(idx.array.max()) >= self.config.vocab_size):
            bad = int(idx.array.min()) if int(idx.array.min()) < 0 else int(idx.array.max())
            raise ValueError(
                f"GPT: token id {bad} is outside the vocabulary 0..{self.config.vocab_size - 1} "
                f"(vocab_size={self.config.vocab_size})"
            )
        return b, t

    def crop_block_size(self, block_size: int) -> None:
        """Shrink the context length (e.g. a pretrained 1024 down to something smaller), keeping the first
        block_size position embeddings."""
        if not 0 < block_size <= self.config.block_size:
            raise ValueError(f"GPT: can only crop block_size to 1..{self.config.block_size}, got {block_size}")
        self.config.block_size = block_size
        wpe = self.transformer.wpe
        wpe.weight = nn.Parameter(Tensor(wpe.weight.array[:block_size].copy()))
        wpe.num_embeddings = block_size

    def configure_optimizers(
        self,
        weight_decay: float,
        learning_rate: float,
        betas: tuple[float, float],
        device_type: str | None = None,
    ) -> AdamW:
        """AdamW with two groups: every parameter with ≥ 2 dims (matmul weights and embeddings) decays, the
        biases and LayerNorm weights (1-D) do not. `device_type` is accepted for nanoGPT's signature."""
        params = [p for p in self.parameters() if p.requires_grad]
        decay_params = [p for p in params if p.ndim >= 2]
        nodecay_params = [p for p in params if p.ndim < 2]
        optim_groups = [
            {"params": decay_params, "weight_decay": weight_decay},
            {"params": nodecay_params, "weight_decay": 0.0},
        ]
        return AdamW(optim_groups, lr=learning_rate, betas=betas)

    @no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None) -> Tensor:
        """Append `max_new_tokens` sampled tokens to the ids `idx` (B, T) and return (B, T + max_new_tokens).

        Each step feeds the last block_size tokens, divides the last logits by `temperature` (lower: more
        conservative), optionally keeps only the `top_k` largest, and samples from the softmax with
        gg.multinomial (reproducible under gg.manual_seed). Call model.eval() first when dropout > 0.
        """
        if temperature <= 0:
            raise ValueError(f"GPT.generate: temperature must be positive, got {temperature}")
        for _ in range(max_new_tokens):
            # if the sequence context is growing too long we must crop it at block_size
            idx_cond = idx if idx.shape[1] <= self.config.block_size else idx[:, -self.config.block_size :]
            # forward the model to get the logits for the index in the sequence
            logits, _ = self(idx_cond)
            # pluck the logits at the final step and scale by desired temperature
            logits = logits[:, -1, :] / temperature  # (B, V)
            # optionally crop the logits to only the top k options
            if top_k is not None:
                k = min(top_k, logits.shape[-1])
                kth_largest = namespace_of(logits.array).sort(logits.array, axis=-1)[:, [-k]]  # (B, 1)
                logits = where(logits < Tensor(kth_largest), -math.inf, logits)
            # apply softmax to convert logits to (normalized) probabilities
            probs = F.softmax(logits, dim=-1)
            # sample from the distribution
            idx_next = multinomial(probs, num_samples=1)  # (B, 1)
            # append sampled index to the running sequence and continue
            idx = cat((idx, idx_next.to(idx.dtype)), dim=1)
        return idx
