"""Small training setups, healthy and broken, for calibrating the findings."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.diagnostics import Monitor


def data(n: int = 256, d: int = 16, classes: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((d, classes)).astype(np.float32)
    y = (x @ w).argmax(axis=1)
    return gg.tensor(x), gg.tensor(y)


def mlp(act=nn.ReLU, depth: int = 2, width: int = 32, d: int = 16, classes: int = 4) -> nn.Module:
    layers, fan_in = [], d
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), act()]
        fan_in = width
    layers.append(nn.Linear(fan_in, classes))
    return nn.Sequential(*layers)


def train(model, lr: float = 0.1, steps: int = 60, every: int = 10, opt="sgd") -> Monitor:
    gg.manual_seed(0)
    x, y = data()
    if opt == "adam":
        optimizer = gg.optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = gg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    with Monitor(model, optimizer, every=every) as monitor:
        for i in range(steps):
            idx = slice((i * 32) % 256, (i * 32) % 256 + 32)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            monitor.step(loss)
    return monitor
