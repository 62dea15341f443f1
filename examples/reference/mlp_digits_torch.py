"""The PyTorch twin of examples/mlp_digits.py: the same MLP, data, augmentation, optimizer and schedule.

The glassgrad script trains with `glassgrad.train.fit`; this one keeps a plain PyTorch loop, but takes each
step's batch from the same step-addressed glassgrad object (`training_batches` of examples/mlp_digits.py, as
NumPy arrays), so both see the same shifted images in the same order; only the initial weights and dropout
masks (each framework's own RNG) and float rounding differ.

    python examples/reference/mlp_digits_torch.py [--epochs 20] [--seed 0]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/, for the shared Config and batches
from mlp_digits import Config, training_batches  # noqa: E402

from glassgrad.datasets import digits  # noqa: E402
from glassgrad.train import parse_dataclass  # noqa: E402


class MLP(nn.Module):
    """glassgrad.models.MLP in PyTorch: [Linear, ReLU, Dropout] per hidden layer, then Linear."""

    def __init__(self, in_features: int, hidden_sizes: tuple[int, ...], out_features: int, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for hidden in hidden_sizes:
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.flatten(1))


def evaluate(model: nn.Module, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(torch.from_numpy(images[start : start + batch_size]))
            correct += int((logits.argmax(dim=1).numpy() == labels[start : start + batch_size]).sum())
    model.train()
    return correct / len(images)


def train(config: Config) -> dict[str, float]:
    torch.manual_seed(config.seed)
    x_train, y_train = digits.load_arrays(train=True, normalize=True)
    x_test, y_test = digits.load_arrays(train=False, normalize=True)
    batches = training_batches(config, x_train, y_train)  # the glassgrad example's batches, step by step
    steps_per_epoch = batches.steps_per_epoch

    model = MLP(28 * 28, config.hidden_sizes, 10, config.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.max_lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.max_lr, epochs=config.epochs, steps_per_epoch=steps_per_epoch
    )

    seconds = 0.0  # training steps only, as glassgrad's fit counts them: evaluations are not timed
    for epoch in range(config.epochs):
        total_loss = 0.0
        for step in range(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch):
            start = time.perf_counter()
            images, labels = batches.arrays(step)
            logits = model(torch.from_numpy(images))
            loss = F.cross_entropy(logits, torch.from_numpy(labels), label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item()
            seconds += time.perf_counter() - start
        if epoch % 5 == 4 or epoch == config.epochs - 1:
            print(f"epoch {epoch + 1:3d}  loss {total_loss / steps_per_epoch:.4f}  "
                  f"test accuracy {evaluate(model, x_test, y_test):.2%}  ({seconds:.1f} s)")
    return {
        "test_accuracy": evaluate(model, x_test, y_test),
        "train_accuracy": evaluate(model, x_train, y_train),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    config = parse_dataclass(Config, argv, __doc__.splitlines()[0])
    result = train(config)
    print(f"test accuracy {result['test_accuracy']:.2%} on 2000 images (train {result['train_accuracy']:.2%}), "
          f"trained in {result['seconds']:.1f} s (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    return result


if __name__ == "__main__":
    main()
