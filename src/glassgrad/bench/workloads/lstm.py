"""lstm, gru and rnn: Embedding(65,64)-LSTM(64,256, batch_first)-Linear(256,65), batch 32 × 64 steps, float32,
cross-entropy over all positions, AdamW(lr=1e-3): the character-level language model of examples/char_lstm.py;
`gru` and `rnn` are the same shape with nn.GRU and the Elman nn.RNN (tanh) in place of the LSTM.

The recurrence is sequential: 64 steps of a (32, 256) × (256, 1024) matrix product forward and again backward,
each followed by the gates' elementwise update (3H and H columns for the GRU and RNN). glassgrad runs each
layer as one fused Op (functional/recurrent_fused.py); PyTorch eager runs its native CPU layer (oneDNN's fused
LSTM and GRU) and records its backward through autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workload import Step, Workload, training_step

VOCAB = 65
EMBED = 64
HIDDEN = 256
BATCH = 32
STEPS = 64
LR = 1e-3


# CharRNN's cell name → PyTorch's layer class name (CharRNN's "rnn" is the Elman RNN with tanh, as nn.RNN's default)
TORCH_LAYERS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


def make_inputs(seed: int, cell: str = "lstm") -> dict[str, Any]:
    """A random batch of character ids and targets, and the initial weights of glassgrad's CharRNN."""
    import glassgrad as gg
    from glassgrad.models import CharRNN

    rng = np.random.default_rng(seed)
    gg.manual_seed(seed)
    model = CharRNN(VOCAB, EMBED, HIDDEN, cell=cell)
    state = {name: value.numpy().copy() for name, value in model.state_dict().items()}
    return {
        "x": rng.integers(0, VOCAB, (BATCH, STEPS)),
        "y": rng.integers(0, VOCAB, (BATCH, STEPS)),
        "state": state,
        "cell": cell,
    }


def glassgrad_step(inputs: dict[str, Any]) -> Step:
    import glassgrad as gg
    import glassgrad.functional as F
    from glassgrad.models import CharRNN

    model = CharRNN(VOCAB, EMBED, HIDDEN, cell=inputs["cell"])
    model.load_state_dict(inputs["state"])
    optimizer = gg.optim.AdamW(model.parameters(), lr=LR)
    x = gg.from_numpy(inputs["x"])
    y = gg.from_numpy(inputs["y"]).reshape(-1)
    return training_step(optimizer, lambda: F.cross_entropy(model(x)[0].reshape(-1, VOCAB), y))  # logits (B, T, V)


def torch_step(inputs: dict[str, Any]) -> Step:
    import torch

    layer = getattr(torch.nn, TORCH_LAYERS[inputs["cell"]])

    class TorchCharRNN(torch.nn.Module):
        """glassgrad.models.CharRNN(65, 64, 256, cell=…) in PyTorch, with the same parameter names."""

        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCAB, EMBED)
            self.rnn = layer(EMBED, HIDDEN, batch_first=True)
            self.head = torch.nn.Linear(HIDDEN, VOCAB)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.rnn(self.embedding(x))
            return self.head(out)

    model = TorchCharRNN()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in inputs["state"].items()})
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    x = torch.from_numpy(inputs["x"])
    y = torch.from_numpy(inputs["y"]).reshape(-1)
    return training_step(optimizer, lambda: torch.nn.functional.cross_entropy(model(x).reshape(-1, VOCAB), y))


def char_rnn_workload(cell: str) -> Workload:
    """The workload of CharRNN(65, 64, 256, cell=`cell`) against the same model in PyTorch."""
    return Workload(
        name=cell,
        description=f"Embedding(65,64)-{TORCH_LAYERS[cell]}(64,256,batch_first)-Linear(256,65), batch 32x64, "
        "float32, cross-entropy, AdamW(lr=1e-3)",
        make_inputs=lambda seed: make_inputs(seed, cell),
        glassgrad_step=glassgrad_step,
        torch_step=torch_step,
        steps_per_round=10,
    )


WORKLOAD = char_rnn_workload("lstm")
GRU_WORKLOAD = char_rnn_workload("gru")
RNN_WORKLOAD = char_rnn_workload("rnn")
