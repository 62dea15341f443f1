"""One neuron draws one line. A layer is many neurons side by side, each drawing its own line, and a second layer
combines their answers: where the first layer sees "which side of my line is this point on", the second sees
shapes built from several lines (a corner, a band, a curve), and each further layer bends those shapes again.
These intermediate answers are called features; the network finds them itself while it learns.

The task here is two interleaved spirals: no line, and no simple curve, separates them. The picture shows what each
hidden unit (each neuron inside the network) responds to over the whole plane, layer by layer: bright where the
unit is strongly active, dark where it is silent. The first layer's units are simple half-planes cut by a line; the
second layer's are curved regions made from them. The second picture is the network's final answer (its decision
regions) with the data on top, beside the same training with no hidden layer at all (a single neuron, which can
only draw one line and so gets right only the points that line happens to cut off).
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

TITLE = "Hidden layers extract features"
UNITS_SHOWN = 8  # hidden units drawn per layer


def train(model, x, y, steps):
    """Full-batch Adam on binary cross-entropy; returns the final training accuracy."""
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    inputs, targets = gg.tensor(x), gg.tensor(y.astype(np.float32)).reshape(-1, 1)
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return accuracy(model, x, y)


def probability(model, points):
    with gg.no_grad():
        return F.sigmoid(model(gg.tensor(points))).numpy()[:, 0]


def accuracy(model, x, y):
    return float(np.mean((probability(model, x) > 0.5) == (y == 1)))


def run(bench):
    gg.manual_seed(0)
    steps = 3000 if bench.full else 800
    x, y = toy_data.spirals(400, noise=0.04, rng=bench.rng)

    deep = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    shallow = nn.Sequential(nn.Linear(2, 1))  # no hidden layer: one neuron, one line
    deep_accuracy = train(deep, x, y, steps)
    shallow_accuracy = train(shallow, x, y, steps)

    # Each hidden layer's output over the plane: the model up to and including that layer's activation.
    hidden_layers = {"layer 1": deep[:2], "layer 2": deep[:4]}
    figure, axes = plt.subplots(2, UNITS_SHOWN, figsize=(2 * UNITS_SHOWN, 4.4))
    for row, (layer_name, up_to_layer) in enumerate(hidden_layers.items()):
        for unit in range(UNITS_SHOWN):
            def unit_response(points, up_to_layer=up_to_layer, unit=unit):
                with gg.no_grad():
                    return up_to_layer(gg.tensor(points)).numpy()[:, unit]

            plane.response_map(axes[row, unit], unit_response, x, title=f"{layer_name}, unit {unit}")
    bench.figure(figure, "hidden_units", f"What {UNITS_SHOWN} hidden units of each layer respond to over the "
                 "plane (top: layer 1, bottom: layer 2; yellow is active, dark is silent)")

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    plane.decision_regions(left, lambda p: probability(deep, p), x, y,
                           title=f"two hidden layers: {deep_accuracy:.1%}")
    plane.decision_regions(right, lambda p: probability(shallow, p), x, y,
                           title=f"no hidden layer: {shallow_accuracy:.1%}")
    bench.figure(figure, "decision_regions", "The final answer over the plane (shaded by the probability of red) "
                 "with two hidden layers and with none; the black curve is the boundary")

    # The issue predicted a line would stay near chance (<= 60%); measured, it catches about 70% of these spirals,
    # so the claim is kept as predicted and a second claim states the gap that does hold.
    bench.claim("accuracy on spirals with two hidden layers", deep_accuracy, ">= 0.98", deep_accuracy >= 0.98)
    bench.claim("accuracy on spirals with no hidden layer", shallow_accuracy, "<= 0.60", shallow_accuracy <= 0.60)
    gap = deep_accuracy - shallow_accuracy
    bench.claim("two hidden layers beat no hidden layer by", gap, ">= 0.25", gap >= 0.25)
