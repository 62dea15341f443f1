"""Workload: one training step defined twice, in glassgrad and in PyTorch, on the same data and weights.

A workload file (bench/workloads/<name>.py) builds a `Workload` and the registry in bench/workloads/__init__.py
names it. The harness then calls, in one process:

    inputs = workload.make_inputs(seed)          # NumPy arrays: the batch and the initial weights
    step = workload.glassgrad_step(inputs)       # builds model + optimizer, returns a no-argument step function
    step = workload.torch_step(inputs)           # the PyTorch twin, loaded with the same weights
    loss = step()                                # zero_grad, forward, loss, backward, optimizer step; the loss

Both twins start from the same weights and see the same batch, so their losses must agree (a check that the
timing compares the same computation, and a parity test for free).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Step = Callable[[], Any]  # runs one training step, returns the loss (a 0-d tensor of either framework)


@dataclass(frozen=True)
class Workload:
    """A benchmark: how to make its inputs and build each framework's step.

    Attributes:
        name: the registry key ("mlp").
        description: one line for reports, e.g. "Linear(784,512)-ReLU-... batch 128, AdamW".
        make_inputs: seed -> dict of NumPy arrays (batch and an initial state_dict under "state").
        glassgrad_step: inputs -> step function (glassgrad, CPU).
        torch_step: inputs -> step function (PyTorch eager, CPU); it may import torch.
        steps_per_round: how many steps one timed round runs (so a round takes about a second).
        loss_rtol: how far apart the two losses after warmup may be, relatively (float32 round-off).
    """

    name: str
    description: str
    make_inputs: Callable[[int], dict[str, Any]]
    glassgrad_step: Callable[[dict[str, Any]], Step]
    torch_step: Callable[[dict[str, Any]], Step]
    steps_per_round: int = 20
    loss_rtol: float = 1e-3
