"""Train a small Vision Transformer on the bundled handwritten digits: ≥ 95% test accuracy on 2 cores.

The data is `glassgrad.datasets.digits`: 8,000 training and 2,000 test images of 28×28 pixels. 8,000 images are
few for a transformer, which has no convolution's built-in sense of locality, so the recipe leans on
augmentation and regularisation:
1. standardise the pixels (mean 0.1327, std 0.3107 of the training set);
2. `ViT`: 7×7 patches (16 tokens and a class token), 4 pre-norm encoder layers of width 64 with 4 heads and
   an MLP of 128 (Dosovitskiy et al. 2021);
3. random shifts of up to 2 pixels per image and step (`glassgrad.data.transforms.random_shift`);
4. AdamW (Loshchilov & Hutter 2019), a linear warmup then cosine decay, label smoothing (Szegedy et al. 2016).
The training loop is `glassgrad.train.fit`, the one behind `glassgrad train` (examples/xor.py writes a loop out).

    python examples/vit_digits.py                    # the defaults below
    python examples/vit_digits.py --epochs 5 --seed 1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import glassgrad as gg
from glassgrad.data.transforms import random_shift
from glassgrad.datasets import digits
from glassgrad.models.vit import ViT
from glassgrad.train import ArrayBatches, Progress, classifier_evaluation, classifier_experiment, fit, parse_dataclass


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


def train(config: Config) -> dict[str, float]:
    """Train from scratch and return {'test_accuracy', 'train_accuracy', 'seconds'} (seconds of training steps)."""
    gg.manual_seed(config.seed)  # the initial weights and dropout masks
    x_train, y_train = digits.load_arrays(train=True, normalize=True)  # (8000, 1, 28, 28) float32, (8000,)
    x_test, y_test = digits.load_arrays(train=False, normalize=True)  # (2000, 1, 28, 28), (2000,)
    shift = lambda images, rng: random_shift(images, config.max_shift, rng)  # (B, 1, 28, 28), new each step
    batches = ArrayBatches(x_train, y_train, config.batch_size, config.seed, transform=shift)  # by (seed, step)
    steps = config.epochs * batches.steps_per_epoch  # the last partial batch of each epoch is dropped

    model = ViT(28, config.patch_size, 1, 10, config.dim, config.depth, config.heads, config.mlp_dim,
                config.dropout)  # fmt: skip
    optimizer = gg.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    warmup = config.warmup_epochs * batches.steps_per_epoch
    scheduler = gg.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, warmup, steps))

    experiment = classifier_experiment(model, optimizer, scheduler, batches, x_test, y_test, config.label_smoothing)
    epoch = batches.steps_per_epoch  # log and evaluate once an epoch
    loop = fit(experiment, steps, callbacks=[Progress(steps)], log_every=epoch, eval_every=epoch)
    return {
        "test_accuracy": loop.last_eval["val_accuracy"],
        "train_accuracy": classifier_evaluation(x_train, y_train)(model)["val_accuracy"],  # the same measure
        "seconds": loop.train_seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    config = parse_dataclass(Config, argv, __doc__.splitlines()[0])
    result = train(config)
    print(f"test accuracy {result['test_accuracy']:.2%} on 2000 images (train {result['train_accuracy']:.2%}), "
          f"trained in {result['seconds']:.1f} s")  # fmt: skip
    return result


if __name__ == "__main__":
    main()
