"""mlp: Linear(784,512)-ReLU-Linear(512,512)-ReLU-Linear(512,10), batch 128, float32, cross-entropy, AdamW.

The shape of an MNIST classifier: three matrix products forward and five backward dominate, so this workload
measures how close glassgrad's per-op overhead (graph nodes, Python dispatch, the optimizer loop) gets to
PyTorch's when BLAS does the heavy lifting in both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workload import Step, Workload, classifier_step

BATCH = 128
IN_FEATURES = 784
HIDDEN = [512, 512]
CLASSES = 10
LR = 1e-3


def make_inputs(seed: int) -> dict[str, Any]:
    """A random batch (standard-normal images, uniform labels) and the initial weights of glassgrad's MLP."""
    import glassgrad as gg
    from glassgrad.models import MLP

    rng = np.random.default_rng(seed)
    gg.manual_seed(seed)
    state = {name: value.numpy().copy() for name, value in MLP(IN_FEATURES, HIDDEN, CLASSES).state_dict().items()}
    return {
        "x": rng.standard_normal((BATCH, IN_FEATURES), dtype=np.float32),
        "y": rng.integers(0, CLASSES, BATCH),
        "state": state,
    }


def glassgrad_step(inputs: dict[str, Any]) -> Step:
    import glassgrad as gg
    from glassgrad.models import MLP

    return classifier_step(gg, MLP(IN_FEATURES, HIDDEN, CLASSES), inputs, LR)


def torch_step(inputs: dict[str, Any]) -> Step:
    import torch

    class TorchMLP(torch.nn.Module):
        """The same network as glassgrad.models.MLP(784, [512, 512], 10), with the same parameter names."""

        def __init__(self) -> None:
            super().__init__()
            widths = [IN_FEATURES, *HIDDEN]
            layers: list[torch.nn.Module] = []
            for width_in, width_out in zip(widths[:-1], widths[1:]):
                layers += [torch.nn.Linear(width_in, width_out), torch.nn.ReLU()]
            layers.append(torch.nn.Linear(widths[-1], CLASSES))
            self.layers = torch.nn.Sequential(*layers)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.layers(x)

    return classifier_step(torch, TorchMLP(), inputs, LR)


WORKLOAD = Workload(
    name="mlp",
    description="Linear(784,512)-ReLU-Linear(512,512)-ReLU-Linear(512,10), batch 128, float32, cross-entropy, "
    "AdamW(lr=1e-3)",
    make_inputs=make_inputs,
    glassgrad_step=glassgrad_step,
    torch_step=torch_step,
    steps_per_round=50,
)
