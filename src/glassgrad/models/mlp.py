"""MLP: the multilayer perceptron, the first network a reader meets (Rumelhart, Hinton & Williams, 1986).

    x ──flatten──> Linear ─> activation ─> Dropout ─> ... ─> Linear ──> logits

Each hidden layer computes h = φ(h_prev Wᵀ + b), with φ a nonlinearity; without φ the stack would collapse
into one linear map. The last layer has no activation: it outputs raw scores (logits) for a loss such as
cross-entropy, which applies log-softmax itself.

    from glassgrad.models import MLP
    model = MLP(784, [256, 128], 10, activation="relu", dropout=0.1)
    logits = model(images)         # images (B, 1, 28, 28) or (B, 784) -> logits (B, 10)
"""

from __future__ import annotations

from typing import Callable, Sequence

from .. import nn
from ..tensor import Tensor

# Activation names accepted by MLP(activation=...), and the nn module each one builds.
ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "gelu": "GELU",
    "silu": "SiLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
}


class MLP(nn.Module):
    """A stack of fully connected layers with a nonlinearity (and optional dropout) between them.

    Args:
        in_features: size of each input sample (inputs with more dims are flattened from dim 1 on).
        hidden_sizes: width of each hidden layer, e.g. [256, 128]; empty gives a linear model.
        out_features: size of each output (the number of classes for a classifier).
        activation: "relu", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", or a callable returning a Module.
        dropout: probability of zeroing each hidden activation while training (0 adds no Dropout layers).

    Shape:
        - Input: (B, in_features) or (B, *) with ∏* = in_features (e.g. images (B, 1, 28, 28)).
        - Output: (B, out_features).

    Attributes:
        layers: an `nn.Sequential` of [Linear, activation, (Dropout)] per hidden layer, then the output
            Linear. Each Linear keeps PyTorch's default init U(−1/√fan_in, 1/√fan_in); the same model written
            in PyTorch has the same parameter names ("layers.0.weight", ...), so state_dicts load both ways.

    Example:
        >>> import glassgrad as gg
        >>> model = MLP(784, [128, 64], 10)
        >>> model(gg.randn(32, 1, 28, 28)).shape
        (32, 10)
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int,
        activation: str | Callable[[], nn.Module] = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        make_activation = _activation_factory(activation)
        self.in_features = in_features
        self.out_features = out_features
        layers: list[nn.Module] = []
        width = in_features
        for hidden in hidden_sizes:
            layers.append(nn.Linear(width, hidden))
            layers.append(make_activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, out_features))  # the output layer: logits, no activation
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim > 2:
            x = x.flatten(1)  # (B, C, H, W) -> (B, C·H·W)
        return self.layers(x)


def _activation_factory(activation: str | Callable[[], nn.Module]) -> Callable[[], nn.Module]:
    """A zero-argument callable that builds one activation module."""
    if callable(activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"MLP: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} or pass a callable "
            "that returns a Module (e.g. nn.ReLU)"
        )
    return getattr(nn, ACTIVATIONS[activation])
