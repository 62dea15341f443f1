"""What the digit experiments (convolution, vit, limits) share: the bundled handwritten digits as arrays, a short
training loop for a classifier, its test accuracy and its size. Plain code, read once, used by three experiments."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import optim
from glassgrad.data.transforms import random_shift
from glassgrad.datasets import digits


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bundled digits: 8,000 training and 2,000 test images (N, 1, 28, 28), standardised, and their labels."""
    train_images, train_labels = digits.load_arrays(train=True, normalize=True)
    test_images, test_labels = digits.load_arrays(train=False, normalize=True)
    return train_images, train_labels, test_images, test_labels


def train_classifier(
    model: gg.nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    steps: int,
    batch_size: int = 64,
    lr: float = 3e-3,
    shift: int = 0,
    seed: int = 0,
    weight_decay: float = 0.01,
) -> list[float]:
    """Train `model` with AdamW on random batches for `steps` steps; returns the loss of every step.

    The learning rate falls linearly to zero (a short run then ends on small, careful steps). `shift` moves each
    training image by up to that many pixels, so the model learns that a digit moved a little is the same digit.
    """
    gg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimizer = optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    model.train()
    losses = []
    for _ in range(steps):
        batch = rng.integers(0, len(images), batch_size)
        inputs = random_shift(images[batch], shift, rng) if shift else images[batch]
        loss = F.cross_entropy(model(gg.tensor(inputs)), gg.tensor(labels[batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return losses


def probabilities(model: gg.nn.Module, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The model's softmax over the classes for each image (N, classes), computed in eval mode without gradients."""
    model.eval()
    with gg.no_grad():
        chunks = [F.softmax(model(gg.tensor(images[i : i + batch_size])), dim=-1).numpy()
                  for i in range(0, len(images), batch_size)]  # fmt: skip
    return np.concatenate(chunks)


def accuracy(model: gg.nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of `images` whose most probable class is the label."""
    return float((probabilities(model, images).argmax(axis=1) == labels).mean())


def count_parameters(model: gg.nn.Module) -> int:
    """How many numbers the model learns."""
    return sum(p.numel() for p in model.parameters())
