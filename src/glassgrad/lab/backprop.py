"""Backpropagation is how a network finds out which way to turn each of its weights. The forward pass computes
the loss from the inputs, one small operation at a time, and glassgrad records each operation in a graph. The
backward pass walks that graph from the loss back to the weights and applies the chain rule at every step: the
derivative of the loss with respect to a weight is the product of the local derivatives along the path from the
weight to the loss (summed over the paths when there are several).

The first drawing is the graph glassgrad recorded for a tiny network, two inputs, two hidden tanh neurons and one
sigmoid output, with the size of each weight's gradient on its edge. The second zooms into one hidden neuron:
each weight times its input, the sum, the bias and the tanh, with the value in each box and the local
derivative on each edge. The table then does the chain rule by hand for all nine weights and biases, multiplying
the local derivatives along each path, and sets it beside autograd's answer and beside a finite difference
(nudge the weight a little each way and watch the loss move). All three agree.
"""

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.viz import draw_graph

TITLE = "Backpropagation: the chain rule, step by step"


def tiny_network():
    gg.manual_seed(0)
    network = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1), nn.Sigmoid())
    return network.double()  # float64: the finite differences below need the digits


def loss_of(network, x, target):
    return F.binary_cross_entropy(network(x), target)


def chain_rule_by_hand(network, x, target):
    """d loss / d (every weight and bias), written out with the local derivative of each step.

    Forward:  z1 = W1 x + b1,  h = tanh(z1),  z2 = W2 h + b2,  p = sigmoid(z2),  L = -(t log p + (1-t) log(1-p)).
    Local derivatives:  dL/dp = (p - t) / (p (1 - p)),  dp/dz2 = p (1 - p),  dz2/dW2 = h,  dz2/dh = W2,
                        dh/dz1 = 1 - h^2,  dz1/dW1 = x,  and each bias's derivative is 1."""
    w1, b1 = network[0].weight.detach().numpy(), network[0].bias.detach().numpy()
    w2, b2 = network[2].weight.detach().numpy(), network[2].bias.detach().numpy()
    x, t = x.numpy()[0], float(target.numpy()[0, 0])
    z1 = w1 @ x + b1
    h = np.tanh(z1)
    p = 1 / (1 + np.exp(-(w2 @ h + b2)[0]))
    dl_dp = (p - t) / (p * (1 - p))
    dl_dz2 = dl_dp * p * (1 - p)                 # the sigmoid's local derivative
    dl_dh = dl_dz2 * w2[0]                       # through W2
    dl_dz1 = dl_dh * (1 - h * h)                 # through tanh
    return {
        "0.weight": np.outer(dl_dz1, x), "0.bias": dl_dz1,
        "2.weight": (dl_dz2 * h)[None, :], "2.bias": np.array([dl_dz2]),
    }


def finite_difference(network, x, target, parameter, index, eps=1e-6):
    """(L(w + eps) - L(w - eps)) / 2 eps for one entry of one parameter, the weight put back afterwards."""
    values = parameter.detach().numpy()  # the parameter's own array: nudging it nudges the network
    original = values[index]
    with gg.no_grad():
        values[index] = original + eps
        up = loss_of(network, x, target).item()
        values[index] = original - eps
        down = loss_of(network, x, target).item()
        values[index] = original
    return (up - down) / (2 * eps)


def run(bench):
    network = tiny_network()
    x = gg.tensor([[0.5, -1.0]], dtype=gg.float64)
    target = gg.tensor([[1.0]], dtype=gg.float64)
    loss = loss_of(network, x, target)
    loss.backward()

    graph = draw_graph(loss, params=dict(network.named_parameters()))
    bench.drawing(graph.svg(), "graph", "The graph glassgrad recorded: each box an operation, each ellipse a weight, "
                  "its gradient's size on its edge")
    neuron = draw_graph(network, input=x, zoom=(network[0], (0, 1)))
    bench.drawing(neuron.svg(), "neuron_zoom", "Hidden neuron 2 as scalars: w·x terms, the sum, the bias and tanh, "
                  "with values and local derivatives")

    by_hand = chain_rule_by_hand(network, x, target)
    rows, worst_autograd, worst_difference = [], 0.0, 0.0
    for name, parameter in network.named_parameters():
        autograd = parameter.grad.numpy()
        for index in np.ndindex(autograd.shape):
            hand = float(by_hand[name][index])
            numeric = finite_difference(network, x, target, parameter, index)
            worst_autograd = max(worst_autograd, abs(hand - float(autograd[index])))
            worst_difference = max(worst_difference, abs(hand - numeric))
            rows.append([f"{name}{list(index)}", f"{hand:+.8f}", f"{float(autograd[index]):+.8f}", f"{numeric:+.8f}"])
    bench.claim("largest |chain rule by hand - autograd| over the 9 parameters", worst_autograd, "<= 1e-6",
                worst_autograd <= 1e-6)
    bench.claim("largest |chain rule by hand - finite difference| (float64, eps 1e-6)", worst_difference, "<= 1e-6",
                worst_difference <= 1e-6)
    bench.number("gradients", rows)

    figure, ax = plt.subplots(figsize=(9, 0.4 * len(rows) + 1))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=["parameter", "chain rule by hand", "autograd", "finite difference"],
                     loc="center", cellLoc="right")
    table.scale(1, 1.4)
    ax.set_title(f"d loss / d parameter, three ways (loss = {loss.item():.6f})")
    bench.figure(figure, "chain_rule", "The chain rule by hand, autograd and finite differences, parameter by "
                 "parameter")
