"""A character-level GRU on Tiny Shakespeare: `torch.roll` makes the targets, Categorical samples the text.

The text is cut into rows of `--seq-len` characters; row r's targets are row r rolled left by one, with the
wrapped-around last column dropped. The hidden state is carried (detached) across consecutive chunks.

    python char_rnn.py --data input.txt --steps 100
"""

import argparse
import lzma

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--max-chars", type=int, default=100000)
parser.add_argument("--cell", choices=["gru", "lstm"], default="gru")
parser.add_argument("--hidden", type=int, default=64)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--embed", type=int, default=16)
parser.add_argument("--seq-len", type=int, default=32)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--dropout", type=float, default=0.0)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--sample-len", type=int, default=80)
parser.add_argument("--temperature", type=float, default=0.8)
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=42)
args = parser.parse_args()

torch.manual_seed(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"

opener = lzma.open if args.data.endswith(".xz") else open
with opener(args.data, "rt", encoding="utf-8") as f:
    text = f.read()[: args.max_chars]
vocab = sorted(set(text))
char_to_id = {c: i for i, c in enumerate(vocab)}
ids = torch.tensor([char_to_id[c] for c in text], dtype=torch.long)
row = args.seq_len + 1
rows = ids[: len(ids) // row * row].view(-1, row)  # (N, T + 1)
n_chunks = rows.size(0) // args.batch_size


class CharModel(nn.Module):
    def __init__(self, vocab_size, embed, hidden, layers, cell, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        rnn_class = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_class(embed, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)  # (B, T, hidden)
        return self.head(out), state  # (B, T, vocab)


def detach(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


model = CharModel(len(vocab), args.embed, args.hidden, args.layers, args.cell, args.dropout)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model.to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

model.train()
state = None
for step in range(args.steps):
    chunk = step % n_chunks
    if chunk == 0:
        state = None  # a new pass over the text starts from a zero state
    batch = rows[chunk * args.batch_size : (chunk + 1) * args.batch_size].to(device)
    x = batch[:, :-1]
    y = torch.roll(batch, shifts=-1, dims=1)[:, :-1]  # the next character of each position
    logits, state = model(x, detach(state))
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

model.eval()
with torch.inference_mode():
    x = torch.tensor([[char_to_id["\n"]]], device=device)
    state = None
    out = []
    for _ in range(args.sample_len):
        logits, state = model(x, state)
        next_id = Categorical(logits=logits[0, -1] / args.temperature).sample()
        out.append(vocab[next_id.item()])
        x = next_id.view(1, 1)
print("sample:", repr("".join(out)))
