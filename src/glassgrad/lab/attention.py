"""Attention: in a Transformer every position looks at the other positions and decides how much of each to read.
For each position it scores every earlier position (a query compared with a key), turns the scores into shares
that sum to one (a softmax), and takes that mix of their values. A model has several such "heads" side by side,
each free to look for something different.

The first picture shows the attention of a small GPT (trained here for a few seconds on Tiny Shakespeare) while
it reads one line: one square per head, row = the character reading, column = the character read, dark = a large
share. Only the lower triangle is used, because a language model may not look ahead. We never change the model:
a hook catches each block's input and we recompute the shares from the block's own query and key projections,
then check that shares times values gives exactly the block's output. How differently the heads look is measured
as the average Jensen-Shannon divergence between two heads' rows (0: they look at the same places, 1: at
completely different ones), trained against untrained.

The second picture is a one-layer attention model that reverses 16 tokens: position i must read position 15 - i,
which no fixed local window can do. Its attention is the anti-diagonal, a line from top right to bottom left.
"""

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.optim as optim
from glassgrad.datasets import TinyShakespeare
from glassgrad.lab import sequences
from glassgrad.models.gpt import GPT, GPTConfig

TITLE = "Attention: what each head looks at"

LINE = "First Citizen:\nBefore we proceed any further, hear me speak."
LENGTH, VOCABULARY = 16, 10  # the reversal task


def train_gpt(steps):
    gg.manual_seed(0)
    data = TinyShakespeare(block_size=64)
    model = GPT(GPTConfig(block_size=64, vocab_size=data.vocab_size, n_layer=2, n_head=4, n_embd=64))
    untrained = GPT(model.config)
    untrained.load_state_dict(model.state_dict())  # a copy, kept to compare with
    optimizer = optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(steps):
        inputs, targets = data.get_batch(16)
        _, loss = model(inputs, targets=targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return data, model, untrained, loss.item()


def attention_weights(model, ids):
    """Every block's shares (heads, T, T), recomputed from the block's input, and the largest difference between
    (shares @ values, projected) and the block's own attention output."""
    caught = []
    hooks = [block.attn.register_forward_hook(lambda m, args, out: caught.append((m, args[0], out)))
             for block in model.transformer.h]
    model.eval()
    with gg.no_grad():
        model(gg.tensor(ids[None]))
        weights, error = [], 0.0
        for attn, x, output in caught:
            _, length, width = x.shape
            heads, size = attn.n_head, width // attn.n_head
            q, k, v = (t.numpy()[0].reshape(length, heads, size).transpose(1, 0, 2)  # (heads, T, size)
                       for t in attn.c_attn(x).split(width, dim=2))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
            scores[:, np.triu(np.ones((length, length), bool), 1)] = -np.inf  # no looking ahead
            shares = np.exp(scores - scores.max(-1, keepdims=True))
            shares /= shares.sum(-1, keepdims=True)
            mixed = (shares @ v).transpose(1, 0, 2).reshape(1, length, width)
            rebuilt = attn.c_proj(gg.tensor(mixed.astype(np.float32))).numpy()
            error = max(error, float(np.abs(rebuilt - output.numpy()).max()))
            weights.append(shares)
    for hook in hooks:
        hook.remove()
    return weights, error


def head_divergence(weights, skip=8):
    """Mean Jensen-Shannon divergence (base 2) between every two heads' rows, rows from `skip` on (the first
    rows have only a few positions to choose from, so every head looks alike there)."""
    def kl(p, q):  # Kullback-Leibler divergence of each row, with 0 * log(0) = 0 (the masked future)
        return np.sum(p * np.log2(np.maximum(p, 1e-30) / np.maximum(q, 1e-30)), -1)

    values = []
    for shares in weights:
        rows = shares[:, skip:]  # (heads, rows, T)
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                middle = (rows[a] + rows[b]) / 2
                values.append(np.mean((kl(rows[a], middle) + kl(rows[b], middle)) / 2))
    return float(np.mean(values))


class Reverser(nn.Module):
    """Token plus position embeddings, one attention layer, a Linear that names the token read."""

    def __init__(self, width=32):
        super().__init__()
        self.token, self.position = nn.Embedding(VOCABULARY, width), nn.Embedding(LENGTH, width)
        self.attention = nn.MultiheadAttention(width, 1, batch_first=True)
        self.head = nn.Linear(width, VOCABULARY)

    def forward(self, ids, weights=False):
        x = self.token(ids) + self.position(gg.arange(LENGTH))  # the position is what says where to look
        mixed, shares = self.attention(x, x, x)
        return (self.head(mixed), shares) if weights else self.head(mixed)


def run(bench):
    data, gpt, untrained, loss = train_gpt(2000 if bench.full else 400)
    ids = np.array(data.encode(LINE))
    weights, error = attention_weights(gpt, ids)
    untrained_weights, _ = attention_weights(untrained, ids)
    divergence, untrained_divergence = head_divergence(weights), head_divergence(untrained_weights)

    figure, axes = plt.subplots(len(weights), len(weights[0]), figsize=(4 * len(weights[0]), 4 * len(weights)))
    labels = [c if c != "\n" else "\\n" for c in LINE]
    for layer, shares in enumerate(weights):
        for head, ax in enumerate(axes[layer]):
            ax.imshow(shares[head], cmap="Greys", vmin=0, vmax=1)
            ax.set_title(f"layer {layer}, head {head}", fontsize=9)
            ax.set_xticks(range(len(LINE)), labels, fontsize=5)
            ax.set_yticks(range(len(LINE)), labels, fontsize=5)
    bench.figure(figure, "gpt_heads", f"Each head's attention on one line (last training batch's loss: {loss:.2f} "
                 "nats per character); row = the character reading, column = the character read, dark = a large share")

    gg.manual_seed(0)
    reverser = Reverser()
    test_ids, test_reversed = sequences.reverse_batch(bench.rng, 512, LENGTH, VOCABULARY)
    history = sequences.train(
        reverser, optim.Adam(reverser.parameters(), lr=0.01),
        lambda: sequences.reverse_batch(bench.rng, 64, LENGTH, VOCABULARY),
        600 if bench.full else 300, lambda m: sequences.accuracy(m, test_ids, test_reversed), every=10,
    )  # fmt: skip
    with gg.no_grad():
        _, shares = reverser(gg.tensor(test_ids[:1]), weights=True)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.imshow(shares.numpy()[0], cmap="Greys", vmin=0, vmax=1)
    left.set_xlabel("position read")
    left.set_ylabel("position writing")
    right.plot(*zip(*history))
    right.set_xlabel("training step")
    right.axhline(1 / VOCABULARY, color="grey", linestyle=":", label="chance (a guess)")
    right.set_ylim(0, 1.05)
    right.legend()
    right.set_ylabel("token accuracy reversing 16 tokens")
    bench.figure(figure, "reversal", "Left: the reversing model's attention (the anti-diagonal: position i reads "
                 "position 15 - i). Right: its token accuracy during training")

    accuracy = history[-1][1]
    bench.number("reversal_accuracy_during_training", history)
    bench.number("gpt_training_loss", loss)
    bench.claim("recomputed shares @ values reproduce the attention output (max difference)", error, "<= 1e-5",
                error <= 1e-5)
    bench.claim("trained heads' mean Jensen-Shannon divergence", divergence,
                f">= 0.1 and >= 2x untrained ({untrained_divergence:.3g})",
                divergence >= 0.1 and divergence >= 2 * untrained_divergence)
    bench.claim("token accuracy reversing 16 tokens with one attention layer", accuracy, ">= 0.95", accuracy >= 0.95)
