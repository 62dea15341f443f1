"""cnn: Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-Linear(3136,128)-ReLU-
Linear(128,10), batch 64 of 1×28×28, float32, cross-entropy, AdamW(lr=1e-3).

A small MNIST CNN. Most of the arithmetic is the second convolution (forward, dW and dX are each a
(64 × 288) · (288 × 12,544) product, ~0.46 GFLOP); the rest is memory traffic: im2col/col2im copies, pooling,
ReLU, and AdamW over 0.42 M parameters (mostly the 3136×128 Linear). It measures how well glassgrad turns
convolutions into large BLAS products and keeps the copies around them cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workload import Step, Workload, classifier_step

BATCH = 64
CLASSES = 10
LR = 1e-3


def _glassgrad_model() -> Any:
    import glassgrad.nn as nn

    # Sequential indices give the parameter names 0.*, 3.*, 7.*, 9.*, the same in the torch twin.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, CLASSES),
    )  # fmt: skip


def make_inputs(seed: int) -> dict[str, Any]:
    """A random batch (standard-normal images, uniform labels) and glassgrad's initial weights."""
    import glassgrad as gg

    rng = np.random.default_rng(seed)
    gg.manual_seed(seed)
    state = {name: value.numpy().copy() for name, value in _glassgrad_model().state_dict().items()}
    return {
        "x": rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32),
        "y": rng.integers(0, CLASSES, BATCH),
        "state": state,
    }


def glassgrad_step(inputs: dict[str, Any]) -> Step:
    import glassgrad as gg

    return classifier_step(gg, _glassgrad_model(), inputs, LR)


def torch_step(inputs: dict[str, Any]) -> Step:
    import torch
    from torch import nn

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, CLASSES),
    )  # fmt: skip
    return classifier_step(torch, model, inputs, LR)


WORKLOAD = Workload(
    name="cnn",
    description="Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-"
    "Linear(3136,128)-ReLU-Linear(128,10), batch 64 of 1x28x28, float32, cross-entropy, AdamW(lr=1e-3)",
    make_inputs=make_inputs,
    glassgrad_step=glassgrad_step,
    torch_step=torch_step,
    steps_per_round=20,
)
