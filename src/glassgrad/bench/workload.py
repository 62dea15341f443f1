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


def training_step(optimizer: Any, loss_of: Callable[[], Any]) -> Step:
    """The step most workloads time, written once for both frameworks (their APIs agree here): zero_grad,
    `loss = loss_of()` (the forward pass and the loss), backward, the optimizer's step; returns the loss."""

    def step() -> Any:
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        optimizer.step()
        return loss

    return step


def classifier_step(framework: Any, model: Any, inputs: dict[str, Any], lr: float) -> Step:
    """The step of an image classifier, one function for both twins: `framework` is the glassgrad or the torch
    module (the calls below are spelled alike in both). Loads `inputs["state"]` into `model`, makes AdamW(lr),
    and steps on cross-entropy of `model(inputs["x"])` against `inputs["y"]`."""
    model.load_state_dict({name: framework.from_numpy(value) for name, value in inputs["state"].items()})
    optimizer = framework.optim.AdamW(model.parameters(), lr=lr)
    x, y = framework.from_numpy(inputs["x"]), framework.from_numpy(inputs["y"])
    cross_entropy = framework.nn.functional.cross_entropy
    return training_step(optimizer, lambda: cross_entropy(model(x), y))
