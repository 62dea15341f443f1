"""The playground's network, built from a `PlaygroundConfig` in glassgrad: features, an MLP, its optimizer,
learning-rate schedule and loss.

    points (N, 2) ─> features (N, F) ─> [Linear ─> activation] × hidden layers ─> Linear ─> output (N, 1)

The output is one logit for classification (probability = sigmoid; loss = binary cross-entropy with logits)
and one value for regression (loss = mean squared error). L1 and L2 penalties add λ₁·Σ|w| and λ₂·Σw² over the
weights (not the biases), as Playground does.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.nn import functional as F
from glassgrad.optim import lr_scheduler

from .datasets import task_of
from .validate import PlaygroundConfig

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
# calculate_gain's name for each activation, for Xavier/Kaiming (GELU is close enough to ReLU for a gain)
_GAINS = {"relu": "relu", "gelu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "linear"}
SCHEDULE_STEPS = 2000  # the step and cosine schedules are laid out over this many steps


def featurize(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """(N, 2) points -> (N, F) float32 inputs, one column per chosen feature in `features`' order."""
    x1, x2 = points[:, 0], points[:, 1]
    columns = {
        "x1": x1, "x2": x2, "x1sq": x1 * x1, "x2sq": x2 * x2, "x1x2": x1 * x2, "sin1": np.sin(x1), "sin2": np.sin(x2),
    }  # fmt: skip
    return np.stack([columns[name] for name in features], axis=1).astype(np.float32)


@dataclass
class Network:
    """The model and what trains it. `linears[k]` is the k-th Linear (the last is the output layer)."""

    config: PlaygroundConfig
    model: nn.Sequential
    linears: list[nn.Linear]
    optimizer: optim.Optimizer
    scheduler: lr_scheduler.LRScheduler | None
    task: str

    def inputs(self, points: np.ndarray) -> gg.Tensor:
        return gg.tensor(featurize(points, self.config.features))

    def layer_outputs(self, x: gg.Tensor) -> list[gg.Tensor]:
        """The output of every layer: each hidden layer after its activation, then the network's output (N, 1)."""
        outputs = []
        modules = list(self.model.children())
        for index in range(0, len(modules) - 1, 2):
            x = modules[index + 1](modules[index](x))
            outputs.append(x)
        outputs.append(modules[-1](x))
        return outputs

    def prediction(self, output: gg.Tensor) -> np.ndarray:
        """What the page colours: P(label 1) for classification, the value for regression; (N,)."""
        values = output.detach().numpy()[:, 0].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-values)) if self.task == "classification" else values

    def data_loss(self, output: gg.Tensor, targets: np.ndarray) -> gg.Tensor:
        y = gg.tensor(targets.reshape(-1, 1).astype(np.float32))
        if self.task == "classification":
            return F.binary_cross_entropy_with_logits(output, y)
        return F.mse_loss(output, y)

    def penalty(self) -> gg.Tensor | None:
        """λ₁·Σ|w| + λ₂·Σw² over the weights, or None when both λ are 0."""
        terms = []
        for linear in self.linears:
            w = linear.weight
            if self.config.l1 > 0:
                terms.append(w.abs().sum() * self.config.l1)
            if self.config.l2 > 0:
                terms.append((w * w).sum() * self.config.l2)
        if not terms:
            return None
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def loss_value(self, points: np.ndarray, targets: np.ndarray) -> float:
        """The data loss on a set of points, without a graph (the train and test curves)."""
        with gg.no_grad():
            return float(self.data_loss(self.model(self.inputs(points)), targets).item())


def build(config: PlaygroundConfig) -> Network:
    """A fresh network for `config`, initialised from `config.seed` alone (the same settings, the same weights)."""
    widths = [len(config.features), *config.layers, 1]
    generator = gg.Generator().manual_seed(config.seed)
    # Named children ("linear1", "layer1", ..., "output") so the Monitor's findings name "layer2", not "3".
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    linears = []
    for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(fan_in, fan_out)
        last = index == len(widths) - 2
        _initialise(linear, config, generator, last=last)
        linears.append(linear)
        if last:
            layers["output"] = linear
        else:
            layers[f"linear{index + 1}"] = linear
            layers[f"layer{index + 1}"] = _ACTIVATIONS[config.activation]()
    model = nn.Sequential(layers)
    optimizer = make_optimizer(config, model)
    return Network(config, model, linears, optimizer, make_scheduler(config, optimizer), task_of(config.dataset))


def _initialise(linear: nn.Linear, config: PlaygroundConfig, generator: gg.Generator, last: bool) -> None:
    # Every scheme draws from the session's own generator, so a session's weights do not depend on the others.
    gain_name = "linear" if last else _GAINS[config.activation]
    if config.init == "default":  # PyTorch's Linear: U(-1/√fan_in, 1/√fan_in) for weights and bias
        nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
        bound = 1.0 / math.sqrt(linear.in_features)
        nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
        return
    if config.init == "xavier":
        nn.init.xavier_uniform_(linear.weight, gain=nn.init.calculate_gain(gain_name), generator=generator)
    elif config.init == "kaiming":
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=generator)
    else:  # "small": N(0, 0.1²), a scale that starts every activation near its linear part
        nn.init.normal_(linear.weight, 0.0, 0.1, generator=generator)
    nn.init.zeros_(linear.bias)


def make_optimizer(config: PlaygroundConfig, model: nn.Module) -> optim.Optimizer:
    lr = config.learning_rate
    if config.optimizer == "sgd":
        return optim.SGD(model.parameters(), lr=lr)
    if config.optimizer == "momentum":
        return optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    if config.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=lr)
    return optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)


def make_scheduler(config: PlaygroundConfig, optimizer: optim.Optimizer) -> lr_scheduler.LRScheduler | None:
    """constant: none; step: halve every 500 steps; cosine: to 1 % over SCHEDULE_STEPS, then flat; exponential:
    ×0.999 a step."""
    if config.schedule == "constant":
        return None
    if config.schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=500, gamma=0.5)
    if config.schedule == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.999)

    def cosine(step: int) -> float:
        # CosineAnnealingLR would climb back up after T_max; this one stays at the floor
        progress = min(step, SCHEDULE_STEPS) / SCHEDULE_STEPS
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))

    return lr_scheduler.LambdaLR(optimizer, cosine)
