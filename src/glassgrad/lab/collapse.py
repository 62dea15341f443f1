"""Why a network needs its bends. A layer without an activation function is a linear map: it multiplies its input
by a matrix and adds a vector. Two such layers in a row are again one matrix and one vector (multiply the matrices),
and so are ten. However deep, a network made only of linear layers collapses to a single linear layer, and a single
linear layer can only draw one straight line between classes, so it cannot learn XOR.

The left picture compares the outputs of a 10-layer linear network with those of the one matrix (and one vector)
obtained by multiplying its layers together, on random inputs: every point lies on the diagonal, because they are
the same function. The other two pictures show the network trained on XOR without and with a ReLU between the
layers: without, its answer is split by one straight line (about half the points wrong); with the ReLU bends it
carves the plane into the four corners and gets every point right.
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

TITLE = "Without nonlinearities, depth collapses"
DEPTH, WIDTH = 10, 16


def deep_network(with_relu):
    """DEPTH linear layers, 2 -> WIDTH -> ... -> WIDTH -> 1, with or without a ReLU after each hidden layer."""
    sizes = [2] + [WIDTH] * (DEPTH - 1) + [1]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(n_in, n_out))
        if with_relu and n_out != 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def collapse_to_one_layer(network):
    """Multiply the layers together: y = W_k(...(W_1 x + b_1)...) + b_k is y = W x + b with this W and b."""
    weight, bias = np.eye(2), np.zeros(2)
    for layer in network:
        w, b = layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy().astype(np.float64)
        weight, bias = w @ weight, w @ bias + b
    return weight, bias


def train(network, x, y, steps):
    optimizer = optim.Adam(network.parameters(), lr=0.01)
    inputs, targets = gg.tensor(x), gg.tensor(y.astype(np.float32)).reshape(-1, 1)
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(network(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(np.mean((predict(network, x) > 0.5) == (y == 1)))


def predict(network, points):
    with gg.no_grad():
        return F.sigmoid(network(gg.tensor(points))).numpy()[:, 0]


def run(bench):
    gg.manual_seed(0)
    steps = 1500 if bench.full else 400
    linear = deep_network(with_relu=False)

    # 1. XOR, without and with the bends.
    x, y = toy_data.xor(200, noise=0.15, rng=bench.rng)
    linear_accuracy = train(linear, x, y, steps)
    relu_network = deep_network(with_relu=True)
    relu_accuracy = train(relu_network, x, y, steps)


    # 2. The collapse: the trained deep linear network and its one-layer product give the same outputs.
    probe = bench.rng.normal(0.0, 2.0, size=(500, 2)).astype(np.float32)
    with gg.no_grad():
        deep_outputs = linear(gg.tensor(probe)).numpy()[:, 0]
    weight, bias = collapse_to_one_layer(linear)
    product_outputs = (probe @ weight.T + bias)[:, 0]
    difference = float(np.max(np.abs(deep_outputs - product_outputs)))

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 5))
    left.scatter(product_outputs, deep_outputs, s=6)
    left.plot(product_outputs, product_outputs, color="k", linewidth=0.6)
    left.locator_params(nbins=5)
    left.set_xlabel("one matrix W = W10 ... W1 (and one bias)")
    left.set_ylabel("10 linear layers")
    left.set_title(f"the same function: largest difference {difference:.1e}", fontsize=9)
    plane.decision_regions(middle, lambda p: predict(linear, p), x, y,
                           title=f"10 linear layers on XOR: {linear_accuracy:.0%}")
    plane.decision_regions(right, lambda p: predict(relu_network, p), x, y,
                           title=f"10 layers with ReLU on XOR: {relu_accuracy:.0%}")
    bench.figure(figure, "collapse", "Left: a 10-layer linear network against the product of its matrices, on 500 "
                 "random inputs, after training. Middle and right: the network trained on XOR without and with ReLU")

    bench.claim("10 linear layers vs the product of their matrices (largest output difference)", difference,
                "<= 1e-5", difference <= 1e-5)
    bench.claim("10 linear layers on XOR (accuracy)", linear_accuracy, "<= 0.75", linear_accuracy <= 0.75)
    bench.claim("10 layers with ReLU on XOR (accuracy)", relu_accuracy, "1.0 (100%)", relu_accuracy == 1.0)
