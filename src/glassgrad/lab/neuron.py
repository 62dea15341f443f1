"""A neuron is the smallest piece of a network: it multiplies each input by a weight, adds the products and a bias,
and squashes the sum through a sigmoid into a number between 0 and 1, read as "how sure am I that this is class 1".
With two inputs, the points where the sum is exactly zero form a straight line in the plane: the neuron answers
"class 1" on one side of that line and "class 0" on the other. Training moves the line.

The left picture shows the line after several moments of training on two clouds of points, from pale (early) to
dark (late), with its weights w and bias b: the weights turn the line, the bias shifts it. On two clouds that a line
can separate, the neuron gets (almost) every point right. The right picture shows the same neuron trained on XOR,
where opposite corners share a class: no straight line can split them, so one neuron cannot do better than about
three points in four, whatever the training. That limit is why networks have more than one neuron.
"""

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
import glassgrad.optim as optim
from glassgrad.lab import plane, toy_data

TITLE = "A neuron draws a straight line"


def train_neuron(x, y, steps, snapshots=()):
    """Train sigmoid(w . x + b) with gradient descent; return the neuron and its (step, w, b) along the way."""
    neuron = nn.Linear(2, 1)  # the weighted sum: w1 * x1 + w2 * x2 + b
    optimizer = optim.SGD(neuron.parameters(), lr=0.5)
    inputs, targets = gg.tensor(x), gg.tensor(y.astype(np.float32)).reshape(-1, 1)
    history = []
    for step in range(steps + 1):
        if step in snapshots:
            history.append((step, neuron.weight.detach().numpy()[0].copy(), float(neuron.bias.detach().numpy()[0])))
        # The loss compares the sigmoid of the sum with the labels (binary cross-entropy).
        loss = F.binary_cross_entropy_with_logits(neuron(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return neuron, history


def accuracy(neuron, x, y):
    with gg.no_grad():
        probability = F.sigmoid(neuron(gg.tensor(x))).numpy()[:, 0]
    return float(np.mean((probability > 0.5) == (y == 1)))


def draw_line(ax, w, b, low, high, colour, label):
    """The line w1 * x1 + w2 * x2 + b = 0, drawn across the box [low, high]."""
    xs = np.linspace(low, high, 2)
    if abs(w[1]) > 1e-8:
        ax.plot(xs, -(w[0] * xs + b) / w[1], color=colour, label=label, linewidth=1.2)
    else:  # a vertical line
        ax.axvline(-b / w[0], color=colour, label=label, linewidth=1.2)


def run(bench):
    gg.manual_seed(0)
    steps = 400 if bench.full else 150
    separable_x, separable_y = toy_data.blobs(200, noise=0.35, rng=bench.rng)
    xor_x, xor_y = toy_data.xor(200, noise=0.15, rng=bench.rng)

    neuron, history = train_neuron(separable_x, separable_y, steps, snapshots=(0, 3, 10, 30, steps))
    xor_neuron, _ = train_neuron(xor_x, xor_y, steps)
    separable_accuracy = accuracy(neuron, separable_x, separable_y)
    xor_accuracy = accuracy(xor_neuron, xor_x, xor_y)

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    plane.scatter(left, separable_x, separable_y)
    shades = plt.cm.Greys(np.linspace(0.3, 1.0, len(history)))
    for (step, w, b), shade in zip(history, shades):
        draw_line(left, w, b, -2.5, 2.5, shade, f"step {step}: w=({w[0]:.2f}, {w[1]:.2f}) b={b:.2f}")
    left.set_xlim(-2.5, 2.5)
    left.set_ylim(-2.5, 2.5)
    left.set_aspect("equal")
    left.legend(fontsize=7, loc="lower right")
    left.set_title(f"separable clouds: accuracy {separable_accuracy:.1%}")
    plane.decision_regions(right, lambda p: F.sigmoid(xor_neuron(gg.tensor(p))).detach().numpy()[:, 0], xor_x, xor_y)
    right.set_title(f"XOR: the trained neuron gets only {xor_accuracy:.1%}")
    bench.figure(figure, "decision_line", "The neuron's line during training (pale: early, dark: late) with its "
                 "weights w and bias b; right: the same neuron on XOR, shaded by its answer")

    bench.number("line_during_training", [{"step": s, "w": w, "b": b} for s, w, b in history])
    bench.claim("accuracy on two separable clouds", separable_accuracy, ">= 0.99", separable_accuracy >= 0.99)
    bench.claim("accuracy on XOR (no line separates it)", xor_accuracy, "<= 0.75", xor_accuracy <= 0.75)
