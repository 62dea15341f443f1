"""An activation function is the bend a neuron applies to its weighted sum. Without it, stacking layers would gain
nothing (see the next experiment); with it, a network can build curves. Training needs each function's derivative
(its slope): the slope tells every weight which way to move. glassgrad computes slopes automatically (autograd),
by recording the forward computation and running it backwards; this experiment checks that machinery against the
formulas from a calculus book.

Each panel shows one function (solid) and its derivative: the formula (thick pale line) and autograd's answer
(thin dashed line on top). If autograd is right, the dashed line sits exactly on the pale one. ReLU is 0 or x, with
slope 0 or 1; GELU is a smooth ReLU; Sigmoid squashes into (0, 1) and Tanh into (-1, 1), and both have slopes that
fade to zero far from the middle (one reason deep networks prefer ReLU-like functions). Softmax turns a list of
scores into probabilities that sum to 1; the panel shows the first of two probabilities, softmax([x, 0])[0], as its
score x changes, and the check compares autograd's full table of slopes (the Jacobian) with the formula. The number
is the largest difference between autograd and the formula anywhere, in 64-bit floating point.
"""

import math

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as F

TITLE = "Activation functions and their derivatives"


def normal_cdf(x):
    return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name: (glassgrad's function, the closed-form derivative)
FUNCTIONS = {
    "ReLU": (F.relu, lambda x: (x > 0).astype(np.float64)),  # slope 0 at x = 0 exactly, as PyTorch chooses
    "GELU": (F.gelu, lambda x: normal_cdf(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)),  # Φ(x) + x·φ(x)
    "Sigmoid": (F.sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "Tanh": (F.tanh, lambda x: 1 - np.tanh(x) ** 2),
}


def autograd_derivative(function, x):
    """The slope of an elementwise function at every x: the gradient of sum(f(x)), one backward pass."""
    inputs = gg.tensor(x, dtype=gg.float64, requires_grad=True)
    outputs = function(inputs)
    outputs.sum().backward()
    return outputs.detach().numpy(), inputs.grad.numpy()


def softmax_jacobian_autograd(scores):
    """d softmax(s)_i / d s_j, one backward pass per output i."""
    rows = []
    for i in range(len(scores)):
        inputs = gg.tensor(scores, dtype=gg.float64, requires_grad=True)
        F.softmax(inputs, dim=0)[i].backward()
        rows.append(inputs.grad.numpy())
    return np.stack(rows)


def softmax_jacobian_formula(scores):
    p = np.exp(scores - scores.max())
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)  # d p_i / d s_j = p_i (δ_ij - p_j)


def run(bench):
    x = np.linspace(-5.0, 5.0, 2001 if bench.full else 401)
    figure, axes = plt.subplots(1, 5, figsize=(20, 3.8))
    for ax, (name, (function, formula)) in zip(axes, FUNCTIONS.items()):
        values, slopes = autograd_derivative(function, x)
        error = float(np.max(np.abs(slopes - formula(x))))
        bench.claim(f"{name}: autograd's derivative vs the formula", error, "<= 1e-6", error <= 1e-6)
        ax.plot(x, values, color="k", label=name)
        ax.plot(x, formula(x), color="#ff9896", linewidth=5, label="derivative (formula)")
        ax.plot(x, slopes, color="#1f77b4", linestyle="--", label="derivative (autograd)")
        ax.set_title(f"{name}: largest difference {error:.1e}", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)

    # Softmax takes a whole vector: draw softmax([x, 0])[0] and its slope d/dx, then check full Jacobians.
    pairs = np.stack([x, np.zeros_like(x)], axis=1)
    inputs = gg.tensor(pairs, dtype=gg.float64, requires_grad=True)
    first = F.softmax(inputs, dim=1)[:, 0]
    first.sum().backward()
    slope = inputs.grad.numpy()[:, 0]
    formula_slope = sigmoid(x) * (1 - sigmoid(x))  # softmax([x, 0])[0] is sigmoid(x)
    axes[4].plot(x, first.detach().numpy(), color="k", label="softmax([x, 0])[0]")
    axes[4].plot(x, formula_slope, color="#ff9896", linewidth=5, label="derivative (formula)")
    axes[4].plot(x, slope, color="#1f77b4", linestyle="--", label="derivative (autograd)")
    axes[4].legend(fontsize=7)
    axes[4].grid(alpha=0.3)
    jacobian_error = max(
        float(np.max(np.abs(softmax_jacobian_autograd(s) - softmax_jacobian_formula(s))))
        for s in bench.rng.normal(0.0, 3.0, size=(20 if bench.full else 5, 6))
    )
    jacobian_error = max(jacobian_error, float(np.max(np.abs(slope - formula_slope))))
    axes[4].set_title(f"Softmax: largest difference {jacobian_error:.1e}", fontsize=9)
    bench.figure(figure, "derivatives", "Each function (black), its derivative by formula (thick pink) and by "
                 "glassgrad's autograd (dashed blue), on x from -5 to 5 in float64")
    bench.claim("Softmax: autograd's Jacobian vs p_i(δ_ij - p_j)", jacobian_error, "<= 1e-6", jacobian_error <= 1e-6)
