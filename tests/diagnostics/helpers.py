"""Small training setups, healthy and broken, for calibrating the findings."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.diagnostics import Monitor
from glassgrad.nn.utils import clip_grad_norm_


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


def train(model, lr: float = 0.1, steps: int = 60, every: int = 10, opt="sgd", loss_scale: float = 1.0,
          clip: float | None = None) -> Monitor:
    """Train on 32-example batches with a Monitor; `loss_scale` multiplies the loss (as a sum over a large batch
    instead of a mean would), `clip` clips the total gradient norm and tells the Monitor the pre-clip norm."""
    gg.manual_seed(0)
    x, y = data()
    if opt == "adam":
        optimizer = gg.optim.Adam(model.parameters(), lr=lr)
    elif opt == "adamw":  # strong weight decay keeps the weights small, so a too-large step stays large relative
        optimizer = gg.optim.AdamW(model.parameters(), lr=lr, weight_decay=1.0)
    else:
        optimizer = gg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    with Monitor(model, optimizer, every=every, clip_norm=clip) as monitor:
        for i in range(steps):
            idx = slice((i * 32) % 256, (i * 32) % 256 + 32)
            loss = F.cross_entropy(model(x[idx]), y[idx]) * loss_scale
            optimizer.zero_grad()
            loss.backward()
            norm = clip_grad_norm_(model.parameters(), clip).item() if clip else None
            optimizer.step()
            monitor.step(loss, grad_norm=norm)
    return monitor
