"""Training batches addressed by step number, so a resumed run sees exactly the batches it would have seen.

A batch is a pure function of (seed, step): the shuffle order of an epoch comes from a generator seeded with
(seed, epoch), and random augmentation or random text windows from one seeded with (seed, step). Resuming at
step k needs no loader state — only k.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..creation import tensor


class ArrayBatches:
    """Shuffled minibatches of in-memory arrays; each epoch is a fresh permutation, the last partial batch dropped.

    `transform(images, rng)` may augment a batch of inputs (e.g. random shifts) with the given generator.
    """

    def __init__(
        self,
        inputs: np.ndarray,
        targets: np.ndarray,
        batch_size: int,
        seed: int,
        transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if batch_size > len(inputs):
            raise ValueError(f"batch_size {batch_size} is larger than the {len(inputs)} training examples")
        self.inputs = inputs
        self.targets = targets
        self.batch_size = batch_size
        self.seed = seed
        self.transform = transform
        self.steps_per_epoch = len(inputs) // batch_size
        self._epoch = -1
        self._order = np.arange(0)

    def batch(self, step: int) -> tuple[Any, Any]:
        """The batch of `step` as tensors (inputs, targets)."""
        inputs, targets = self.arrays(step)
        return tensor(inputs), tensor(targets)

    def arrays(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The batch of `step` as NumPy arrays, for code outside glassgrad (the PyTorch twins of the examples)."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            self._order = np.random.default_rng([self.seed, epoch]).permutation(len(self.inputs))
            self._epoch = epoch
        chosen = self._order[position * self.batch_size : (position + 1) * self.batch_size]
        inputs = self.inputs[chosen]
        if self.transform is not None:
            inputs = self.transform(inputs, np.random.default_rng([self.seed, 1_000_003, step]))
        return inputs, self.targets[chosen]


class TextBatches:
    """Random windows of a token sequence (as nanoGPT's get_batch): inputs x and next-token targets y."""

    def __init__(self, ids: np.ndarray, block_size: int, batch_size: int, seed: int) -> None:
        if len(ids) <= block_size + 1:
            raise ValueError(f"the text has {len(ids)} tokens, too few for windows of block_size {block_size}")
        self.ids = ids.astype(np.int64)
        self.block_size = block_size
        self.batch_size = batch_size
        self.seed = seed
        self.steps_per_epoch = max(1, len(ids) // (block_size * batch_size))

    def batch(self, step: int) -> tuple[Any, Any]:
        """The batch of `step` as tensors (x, y), each int64 (B, T)."""
        x, y = self.arrays(step)
        return tensor(x), tensor(y)

    def arrays(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The batch of `step` as NumPy arrays, for code outside glassgrad (the PyTorch twins of the examples)."""
        starts = np.random.default_rng([self.seed, step]).integers(
            0, len(self.ids) - self.block_size - 1, self.batch_size
        )
        window = starts[:, None] + np.arange(self.block_size)  # (B, T) positions
        return self.ids[window], self.ids[window + 1]
