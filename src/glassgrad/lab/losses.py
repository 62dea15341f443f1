"""A loss is one number that says how wrong the network is; training follows its gradient downhill. Which loss you
pick decides how hard a wrong answer pushes back.

For a yes/no question the network outputs a score z, and a sigmoid turns it into a probability p. Suppose the true
answer is "yes" but the network is confidently wrong: z = -8, so p is almost 0. Cross-entropy, -log p, is huge
there, and its gradient with respect to z is p - 1, close to -1: a full-strength push. The squared error (p - 1)^2
looks reasonable too, but its gradient passes through the sigmoid's slope p (1 - p), which is almost 0 when the
sigmoid is saturated: the most wrong answers get the weakest push. The left picture draws both gradients against z;
the middle one trains the same network from the same start with each loss.

Next-token prediction is the same cross-entropy over a vocabulary: the network gives a probability to every
possible next character. Before training it knows nothing, so every character gets 1/V and the loss is ln V. A
table that looks only at the previous character (a bigram model) can do no better than the uncertainty left
when you know that character: the conditional entropy of the text's character pairs, which we compute exactly
from the counts. The right picture shows the bigram's loss falling from ln V to that floor.
"""

import math

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
import glassgrad.optim as optim
from glassgrad.datasets import tiny_shakespeare_text
from glassgrad.lab import toy_data

TITLE = "Losses: how hard a wrong answer pushes back"


def gradient_at(z_value, loss_name):
    """d loss / d z for a true label 1 at the score z, by glassgrad's autograd."""
    z = gg.tensor([z_value], dtype=gg.float64, requires_grad=True)
    target = gg.tensor([1.0], dtype=gg.float64)
    if loss_name == "cross-entropy":
        loss = F.binary_cross_entropy_with_logits(z, target)
    else:  # squared error on the probability
        loss = ((F.sigmoid(z) - target) ** 2).sum()
    loss.backward()
    return float(z.grad.numpy()[0])


def train_classifier(x, y, loss_name, steps):
    """A small network started with a too-confident, wrong output layer; returns accuracy after each step."""
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    with gg.no_grad():
        model[2].bias.fill_(-8.0)  # every answer starts as a confident "no": the saturated start
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    inputs, targets = gg.tensor(x), gg.tensor(y.astype(np.float32)).reshape(-1, 1)
    accuracies = []
    for _ in range(steps):
        z = model(inputs)
        if loss_name == "cross-entropy":
            loss = F.binary_cross_entropy_with_logits(z, targets)
        else:
            loss = F.mse_loss(F.sigmoid(z), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracies.append(float(((z.detach().numpy() > 0) == (y[:, None] == 1)).mean()))
    return accuracies


def bigram_floor(ids, vocabulary):
    """The conditional entropy H(next | previous) of the character pairs, in nats: the best any bigram can do."""
    counts = np.zeros((vocabulary, vocabulary))
    np.add.at(counts, (ids[:-1], ids[1:]), 1)
    rows = counts.sum(axis=1, keepdims=True)
    p_next = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    with np.errstate(divide="ignore"):
        log_p = np.where(counts > 0, np.log(p_next), 0.0)
    return float(-(counts * log_p).sum() / counts.sum())


def train_bigram(ids, vocabulary, steps, rng):
    """A V x V table of scores (one row per previous character), trained by next-character cross-entropy."""
    gg.manual_seed(0)
    table = nn.Embedding(vocabulary, vocabulary)
    with gg.no_grad():
        table.weight.zero_()  # all scores equal: every next character gets 1/V, the loss starts at ln V
    optimizer = optim.Adam(table.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        at = rng.integers(0, len(ids) - 1, size=4096)
        previous, following = gg.tensor(ids[at]), gg.tensor(ids[at + 1])
        loss = F.cross_entropy(table(previous), following)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def run(bench):
    # 1. The gradient at a confidently wrong answer (true label 1, score z = -8: p = 0.0003).
    ce_wrong, mse_wrong = gradient_at(-8.0, "cross-entropy"), gradient_at(-8.0, "squared error")
    scores = np.linspace(-10, 10, 201)
    ce_curve = [gradient_at(z, "cross-entropy") for z in scores]
    mse_curve = [gradient_at(z, "squared error") for z in scores]
    bench.claim("|d loss/dz| of cross-entropy at z = -8 (label 1)", abs(ce_wrong), ">= 0.99 (a full push)",
                abs(ce_wrong) >= 0.99)
    bench.claim("|d loss/dz| of squared error through the sigmoid at z = -8", abs(mse_wrong),
                "<= 1e-3 (the push vanishes)", abs(mse_wrong) <= 1e-3)

    # 2. Training from the saturated start with each loss.
    x, y = toy_data.circle(400, noise=0.05, rng=bench.rng)
    steps = 2000 if bench.full else 800
    ce_acc, mse_acc = train_classifier(x, y, "cross-entropy", steps), train_classifier(x, y, "squared error", steps)
    bench.claim(f"accuracy after {steps} steps, cross-entropy", ce_acc[-1], ">= 0.9", ce_acc[-1] >= 0.9)
    bench.claim(f"accuracy after {steps} steps, squared error (same start)", mse_acc[-1],
                "below cross-entropy's", mse_acc[-1] < ce_acc[-1])

    # 3. Next-character prediction with a bigram table on Tiny Shakespeare.
    text = tiny_shakespeare_text()
    characters = sorted(set(text))
    lookup = {c: i for i, c in enumerate(characters)}
    ids = np.fromiter((lookup[c] for c in text), dtype=np.int64, count=len(text))
    vocabulary = len(characters)
    floor = bigram_floor(ids, vocabulary)
    bigram_losses = train_bigram(ids, vocabulary, 400 if bench.full else 150, bench.rng)
    start, end = bigram_losses[0], float(np.mean(bigram_losses[-10:]))
    bench.claim(f"bigram loss at the start vs ln V = ln {vocabulary} = {math.log(vocabulary):.3f}",
                abs(start - math.log(vocabulary)), "<= 0.1", abs(start - math.log(vocabulary)) <= 0.1, "nats")
    bench.claim(f"bigram loss after training minus the exact floor ({floor:.3f} nats)", end - floor,
                "<= 0.05", end - floor <= 0.05, "nats")
    bench.number("bigram_floor_nats", floor)
    bench.number("bigram_losses", bigram_losses)

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4))
    left.plot(scores, ce_curve, label="cross-entropy: p - 1")
    left.plot(scores, mse_curve, label="squared error: 2 (p - 1) p (1 - p)")
    left.axvline(-8, color="grey", linestyle=":", label="z = -8: confidently wrong")
    left.set(xlabel="score z (the true label is 1)", ylabel="d loss / d z", title="the push on a wrong answer")
    left.legend(fontsize=8)
    middle.plot(ce_acc, label="cross-entropy")
    middle.plot(mse_acc, label="squared error")
    middle.set(xlabel="step", ylabel="training accuracy", title="training from a saturated start")
    middle.legend()
    right.plot(bigram_losses, label="bigram table")
    right.axhline(math.log(vocabulary), color="grey", linestyle="--", label=f"ln V (V = {vocabulary})")
    right.axhline(floor, color="black", linestyle=":", label=f"floor: H(next | previous) = {floor:.2f}")
    right.set(xlabel="step", ylabel="cross-entropy (nats)", title="next-character prediction")
    right.legend()
    bench.figure(figure, "losses", "Gradients at a wrong answer, training with each loss, and a bigram on Shakespeare")
