"""Train a small Vision Transformer on the bundled handwritten digits: ≥ 95% test accuracy on 2 cores.

The data is `glassgrad.datasets.digits`: 8,000 training and 2,000 test images of 28×28 pixels. 8,000 images are
few for a transformer, which has no convolution's built-in sense of locality, so the recipe leans on
augmentation and regularisation:
1. standardise the pixels (mean 0.1327, std 0.3107 of the training set);
2. `ViT`: 7×7 patches (16 tokens and a class token), 4 pre-norm encoder layers of width 64 with 4 heads and
   an MLP of 128 (Dosovitskiy et al. 2021);
3. random shifts of up to 2 pixels per image and step (`glassgrad.data.transforms.random_shift`);
4. AdamW (Loshchilov & Hutter 2019), a linear warmup then cosine decay, label smoothing (Szegedy et al. 2016).

    python examples/vit_digits.py                    # the defaults below
    python examples/vit_digits.py --epochs 5 --seed 1
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.data.transforms import random_shift
from glassgrad.datasets import digits
from glassgrad.models.vit import ViT
from glassgrad.train import parse_dataclass


@dataclass
class Config:
    patch_size: int = 7  # 28 / 7 = 4 patches a side, 16 tokens
    dim: int = 64  # token width D
    depth: int = 4  # encoder layers
    heads: int = 4  # attention heads (D / heads = 16 features each)
    mlp_dim: int = 128  # hidden width of each layer's MLP
    dropout: float = 0.0
    epochs: int = 25  # passes over the 8,000 training images
    batch_size: int = 128
    lr: float = 2e-3  # the peak, reached after warmup_epochs, then cosine decay to 0
    warmup_epochs: int = 2  # transformers train badly from a cold start at full learning rate
    weight_decay: float = 0.05  # AdamW's decoupled decay (on every parameter, for simplicity)
    label_smoothing: float = 0.1  # targets 0.9 on the true class, the rest spread evenly
    max_shift: int = 2  # pixels, in each direction, drawn per image and step
    seed: int = 0


def lr_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """1) linear warmup from 0 to 1 over warmup_steps, 2) cosine decay from 1 to 0 over the rest."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def evaluate(model: ViT, images: np.ndarray, labels: np.ndarray, batch_size: int = 500) -> float:
    """Accuracy in [0, 1], in eval mode and without a graph."""
    model.eval()
    correct = 0
    with gg.no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(gg.from_numpy(images[start : start + batch_size]))  # (B, 10)
            correct += int((logits.argmax(dim=1).numpy() == labels[start : start + batch_size]).sum())
    model.train()
    return correct / len(images)


def train(config: Config) -> dict[str, float]:
    """Train from scratch and return {'test_accuracy', 'train_accuracy', 'seconds'}."""
    gg.manual_seed(config.seed)  # the initial weights and dropout masks
    rng = np.random.default_rng(config.seed)  # the batch order and the shifts
    x_train, y_train = digits.load_arrays(train=True, normalize=True)  # (8000, 1, 28, 28) float32, (8000,)
    x_test, y_test = digits.load_arrays(train=False, normalize=True)  # (2000, 1, 28, 28), (2000,)

    model = ViT(28, config.patch_size, 1, 10, config.dim, config.depth, config.heads, config.mlp_dim,
                config.dropout)  # fmt: skip
    optimizer = gg.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = len(x_train) // config.batch_size  # the last partial batch is dropped
    total_steps = config.epochs * steps_per_epoch
    warmup_steps = config.warmup_epochs * steps_per_epoch
    scheduler = gg.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, warmup_steps, total_steps))

    start = time.perf_counter()
    for epoch in range(config.epochs):
        order = rng.permutation(len(x_train))
        total_loss = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * config.batch_size : (step + 1) * config.batch_size]
            images = random_shift(x_train[batch], config.max_shift, rng)  # (B, 1, 28, 28)
            logits = model(gg.from_numpy(images))  # (B, 10)
            loss = F.cross_entropy(logits, gg.from_numpy(y_train[batch]), label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item()
        accuracy = evaluate(model, x_test, y_test)
        print(f"epoch {epoch + 1:3d}  loss {total_loss / steps_per_epoch:.4f}  test accuracy {accuracy:.2%}  "
              f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
    seconds = time.perf_counter() - start
    return {
        "test_accuracy": evaluate(model, x_test, y_test),
        "train_accuracy": evaluate(model, x_train, y_train),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    config = parse_dataclass(Config, argv, __doc__.splitlines()[0])
    result = train(config)
    print(f"test accuracy {result['test_accuracy']:.2%} on 2000 images (train {result['train_accuracy']:.2%}), "
          f"trained in {result['seconds']:.1f} s")  # fmt: skip
    return result


if __name__ == "__main__":
    main()
