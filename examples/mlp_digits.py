"""Train an MLP on the bundled handwritten digits: ≥ 97% test accuracy in well under a minute on a laptop CPU.

The data is `glassgrad.datasets.digits`: 8,000 training and 2,000 test images of 28×28 pixels, shipped with
glassgrad. The recipe, each piece a classic:
1. standardise the pixels, flatten each image to 784 numbers;
2. an MLP 784 → 512 → 512 → 10 with ReLU and dropout (Srivastava et al. 2014);
3. random shifts of up to 2 pixels per image and step (cheap data augmentation: a digit moved is still itself);
4. AdamW (Loshchilov & Hutter 2019) under a one-cycle learning-rate schedule (Smith & Topin 2017),
   cross-entropy with a little label smoothing (Szegedy et al. 2016).
The training loop is `glassgrad.train.fit`, the one behind `glassgrad train` (examples/xor.py writes a loop out).

    python examples/mlp_digits.py                      # the defaults below
    python examples/mlp_digits.py --epochs 10 --seed 1

`examples/reference/mlp_digits_torch.py` is the same script in PyTorch, with its own plain loop over the very
same batches (it asks `training_batches` below for them), so only the initial weights, the dropout masks and
float rounding differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import glassgrad as gg
from glassgrad.data.transforms import random_shift
from glassgrad.datasets import digits
from glassgrad.models import MLP
from glassgrad.train import ArrayBatches, Progress, classifier_evaluation, classifier_experiment, fit, parse_dataclass


@dataclass
class Config:
    hidden_sizes: tuple[int, ...] = (512, 512)  # two hidden layers: wider helps less than augmentation here
    dropout: float = 0.2  # on every hidden activation, while training
    epochs: int = 20  # passes over the 8,000 training images
    batch_size: int = 128
    max_lr: float = 2e-3  # the one-cycle peak; it starts at max_lr / 25 and ends near 0
    weight_decay: float = 0.05  # AdamW's decoupled decay
    label_smoothing: float = 0.1  # targets 0.9 on the true class, the rest spread evenly
    max_shift: int = 2  # pixels, in each direction, drawn per image and step
    seed: int = 0


def training_batches(config: Config, images: np.ndarray, labels: np.ndarray) -> ArrayBatches:
    """Shuffled batches, every image shifted at random. Batch k depends only on (seed, k), so the PyTorch twin
    reads the very same batches by asking this object for them."""
    return ArrayBatches(images, labels, config.batch_size, config.seed,
                        transform=lambda batch, rng: random_shift(batch, config.max_shift, rng))  # fmt: skip


def train(config: Config) -> dict[str, float]:
    """Train from scratch and return {'test_accuracy', 'train_accuracy', 'seconds'} (seconds of training steps)."""
    gg.manual_seed(config.seed)  # the initial weights and dropout masks
    x_train, y_train = digits.load_arrays(train=True, normalize=True)  # (8000, 1, 28, 28) float32, (8000,)
    x_test, y_test = digits.load_arrays(train=False, normalize=True)  # (2000, 1, 28, 28), (2000,)
    batches = training_batches(config, x_train, y_train)  # 62 steps an epoch, the last partial batch dropped
    steps = config.epochs * batches.steps_per_epoch

    model = MLP(28 * 28, config.hidden_sizes, 10, activation="relu", dropout=config.dropout)
    optimizer = gg.optim.AdamW(model.parameters(), lr=config.max_lr, weight_decay=config.weight_decay)
    scheduler = gg.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.max_lr, total_steps=steps)

    experiment = classifier_experiment(model, optimizer, scheduler, batches, x_test, y_test, config.label_smoothing)
    epoch = batches.steps_per_epoch
    loop = fit(experiment, steps, callbacks=[Progress(steps)], log_every=epoch, eval_every=5 * epoch)
    return {
        "test_accuracy": loop.last_eval["val_accuracy"],
        "train_accuracy": classifier_evaluation(x_train, y_train)(model)["val_accuracy"],  # the same measure
        "seconds": loop.train_seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    config = parse_dataclass(Config, argv, __doc__.splitlines()[0])
    result = train(config)
    print(f"test accuracy {result['test_accuracy']:.2%} on {2000} images (train {result['train_accuracy']:.2%}), "
          f"trained in {result['seconds']:.1f} s")
    return result


if __name__ == "__main__":
    main()
