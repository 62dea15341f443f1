"""Train a small character-level GPT on Tiny Shakespeare, checkpoint it, resume it and sample from it.

A PyTorch script in the usual shape: settings at the top, a model in the order it is composed, a train loop with
warmup + cosine learning rate, gradient clipping, an autocast context, a checkpoint dict, and top-k sampling.

    python gpt_train.py --data input.txt --steps 200
"""

import argparse
import lzma
import math
import os
from contextlib import nullcontext

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="the Tiny Shakespeare text (.txt, or .txt.xz)")
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--batch-size", type=int, default=8)
parser.add_argument("--block-size", type=int, default=32)
parser.add_argument("--n-layer", type=int, default=2)
parser.add_argument("--n-head", type=int, default=2)
parser.add_argument("--n-embd", type=int, default=32)
parser.add_argument("--dropout", type=float, default=0.0)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--min-lr", type=float, default=3e-4)
parser.add_argument("--warmup-steps", type=int, default=5)
parser.add_argument("--weight-decay", type=float, default=0.1)
parser.add_argument("--grad-clip", type=float, default=1.0)
parser.add_argument("--flash", action="store_true", help="F.scaled_dot_product_attention instead of the masked softmax")
parser.add_argument("--compile", action="store_true")
parser.add_argument("--fixed-batches", action="store_true", help="batch offsets from the step number, not randint")
parser.add_argument("--out-dir", default=None, help="write checkpoints to out_dir/ckpt.pt")
parser.add_argument("--ckpt-interval", type=int, default=0, help="checkpoint every N steps (0: once, at the end)")
parser.add_argument("--resume", action="store_true", help="continue from out_dir/ckpt.pt")
parser.add_argument("--sample-tokens", type=int, default=0)
parser.add_argument("--top-k", type=int, default=5)
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=1337)
args = parser.parse_args()

torch.manual_seed(args.seed)
torch.backends.cuda.matmul.allow_tf32 = True  # allow tf32 on matmul
torch.backends.cudnn.allow_tf32 = True  # allow tf32 on cudnn
device = "cuda" if torch.cuda.is_available() else "cpu"
device_type = "cuda" if "cuda" in device else "cpu"
ptdtype = torch.bfloat16 if device_type == "cuda" else torch.float32
ctx = nullcontext() if device_type == "cpu" else torch.amp.autocast(device_type=device_type, dtype=ptdtype)

# ---- data: characters to integers, 90% train / 10% val
opener = lzma.open if args.data.endswith(".xz") else open
with opener(args.data, "rt", encoding="utf-8") as f:
    text = f.read()
chars = sorted(set(text))
vocab_size = len(chars)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for i, ch in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split, it):
    source = train_data if split == "train" else val_data
    if args.fixed_batches:  # the same windows in every framework: offsets from the step number
        ix = (torch.arange(args.batch_size) * 7919 + it * 104729) % (len(source) - args.block_size)
    else:
        ix = torch.randint(len(source) - args.block_size, (args.batch_size,))
    x = torch.stack([source[i : i + args.block_size] for i in ix])
    y = torch.stack([source[i + 1 : i + 1 + args.block_size] for i in ix])
    return x.to(device), y.to(device)


# ---- model
class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        assert n_embd % n_head == 0, "n_embd must be a multiple of n_head"
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)  # query, key, value for all heads at once
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head = n_head
        self.dropout = dropout
        mask = torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)
        self.register_buffer("mask", mask)

    def forward(self, x):
        B, T, C = x.size()  # batch, time, channels
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if args.flash:
            dropout_p = self.dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=dropout_p, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, T)
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                drop=nn.Dropout(dropout),
                h=nn.ModuleList([Block(n_embd, n_head, block_size, dropout) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            )
        )
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        B, T = idx.size()
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        params = {name: p for name, p in self.named_parameters() if p.requires_grad}
        decay = [p for p in params.values() if p.dim() >= 2]  # matmul weights and embeddings
        no_decay = [p for p in params.values() if p.dim() < 2]  # biases and layer-norm gains
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size :]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def get_lr(it):
    # 1) linear warmup, 2) past the last step: min_lr, 3) in between: cosine decay down to min_lr
    if it < args.warmup_steps:
        return args.lr * (it + 1) / (args.warmup_steps + 1)
    if it > args.steps:
        return args.min_lr
    decay_ratio = (it - args.warmup_steps) / (args.steps - args.warmup_steps)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return args.min_lr + coeff * (args.lr - args.min_lr)


model = GPT(vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model.to(device)
optimizer = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.95))
# a no-op unless training in float16: then the loss is scaled up so small gradients survive, and unscaled to clip
scaler = torch.amp.GradScaler(device_type, enabled=(ptdtype == torch.float16))
iter_num = 0
if args.resume:
    checkpoint = torch.load(os.path.join(args.out_dir, "ckpt.pt"), map_location=device)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    iter_num = checkpoint["iter_num"]
    print(f"resuming from step {iter_num} (config n_embd={checkpoint['config']['n_embd']})")
raw_model = model
if args.compile:
    model = torch.compile(model)


def save_checkpoint():
    os.makedirs(args.out_dir, exist_ok=True)
    checkpoint = {
        "model": raw_model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "iter_num": iter_num,
        "config": vars(args),
    }
    torch.save(checkpoint, os.path.join(args.out_dir, "ckpt.pt"))


start_iter = iter_num
model.train()
while iter_num < args.steps:
    if args.out_dir and args.ckpt_interval and iter_num % args.ckpt_interval == 0 and iter_num > start_iter:
        save_checkpoint()  # the state after iter_num steps: a resumed run starts with step iter_num
    lr = get_lr(iter_num)
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    X, Y = get_batch("train", iter_num)
    with ctx:
        logits, loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    if args.grad_clip != 0.0:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
    scaler.step(optimizer)
    scaler.update()
    print(f"step {iter_num} loss {loss.item():.6f}")
    iter_num += 1

model.eval()
with torch.no_grad():
    X, Y = get_batch("val", 0)
    with ctx:
        _, val_loss = model(X, Y)
print(f"val loss {val_loss.item():.6f}")

if args.out_dir and not args.ckpt_interval:
    save_checkpoint()

if args.sample_tokens:
    context = torch.zeros((1, 1), dtype=torch.long, device=device)
    out = raw_model.generate(context, args.sample_tokens, top_k=args.top_k)[0].tolist()
    print("sample:", repr("".join(itos[i] for i in out)))
