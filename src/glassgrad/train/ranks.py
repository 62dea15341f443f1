"""The ranks of `glassgrad train RECIPE --nproc N`: which one this is, its shard of each batch, and agreement.

Each of the N processes (started by `glassgrad launch`, see _rank_train.py) builds the same experiment, wraps
its model in DistributedDataParallel and trains on its shard of every global batch:

    global batch of `step` (batches.py: a function of seed and step, the same on every rank)
    rank r takes rows r, r + N, r + 2N, ...   (DistributedSampler's rule: positions r, r + R, ... of the order)

so N ranks with B/N rows each see exactly the examples (and the augmentation) one process sees with B rows,
and DDP's averaged gradient is the gradient of the mean over the B rows. The global batch is a function of
the step alone, so a checkpoint (which holds the global step) resumes on any number of ranks.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..creation import tensor
from .errors import SettingError


@dataclass(frozen=True)
class Ranks:
    """This process's place among the ranks of one training, and the two small collectives the loop needs."""

    rank: int
    world_size: int

    @property
    def is_main(self) -> bool:
        """Rank 0 writes the run directory, the checkpoints, the progress bar and the metrics."""
        return self.rank == 0

    def any(self, flag: bool) -> bool:
        """True on every rank when `flag` is true on any of them (a Ctrl-C seen by one rank stops all at the same
        step)."""
        return bool(self._all_reduce(np.array([float(flag)]), "MAX")[0])

    def sum(self, values: list[float]) -> list[float]:
        return self._all_reduce(np.array(values, dtype=np.float64), "SUM").tolist()

    def max(self, values: list[float]) -> list[float]:
        return self._all_reduce(np.array(values, dtype=np.float64), "MAX").tolist()

    @staticmethod
    def _all_reduce(values: np.ndarray, op: str) -> np.ndarray:
        from .. import distributed as dist

        shared = tensor(values)
        dist.all_reduce(shared, op=getattr(dist.ReduceOp, op))
        return shared.numpy()


def current_ranks() -> Ranks | None:
    """The ranks of the initialized process group (more than one), or None for a training in one process."""
    from .. import distributed as dist

    if not dist.is_available() or not dist.is_initialized() or dist.get_world_size() == 1:
        return None
    return Ranks(dist.get_rank(), dist.get_world_size())


def check_global_batch(batch_size: int, world_size: int) -> None:
    """Every rank takes the same number of rows, so the average of the ranks' means is the global mean."""
    if batch_size % world_size:
        lower = batch_size - batch_size % world_size
        raise SettingError(
            f"--batch-size {batch_size} is the global batch, shared by --nproc {world_size} processes, so it must "
            f"be a multiple of {world_size}: use --batch-size {lower or world_size} or {lower + world_size}"
        )


class ShardedBatches:
    """This rank's rows of each global batch of `batches` (an ArrayBatches or TextBatches)."""

    def __init__(self, batches: Any, ranks: Ranks) -> None:
        check_global_batch(batches.batch_size, ranks.world_size)
        self.batches = batches
        self.ranks = ranks
        self.batch_size = batches.batch_size // ranks.world_size  # rows per rank
        self.steps_per_epoch = batches.steps_per_epoch

    def batch(self, step: int) -> tuple[Any, Any]:
        inputs, targets = self.arrays(step)
        return tensor(inputs), tensor(targets)

    def arrays(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        inputs, targets = self.batches.arrays(step)
        shard = slice(self.ranks.rank, None, self.ranks.world_size)
        return inputs[shard], targets[shard]


@contextlib.contextmanager
def trained_on_ranks(experiment: Any, ranks: Ranks | None) -> Iterator[Any]:
    """The experiment as one rank trains it: its loss computed through DistributedDataParallel (so backward
    averages the gradients across the ranks) on its shard of each batch; without ranks, the experiment itself.

    The model itself stays unwrapped, so evaluation, checkpoints (no `module.` prefix) and reports see the plain
    model; DDP's gradient hooks come off at the end, so a later backward on rank 0 alone (the explain page's)
    does not wait for the other ranks in an all-reduce.
    """
    if ranks is None:
        yield experiment
        return
    from ..nn.parallel import DistributedDataParallel

    wrapped = DistributedDataParallel(experiment.model)  # rank 0's parameters and buffers copied to every rank
    loss_fn = experiment.loss_fn

    def loss_through_ddp(model: Any, inputs: Any, targets: Any) -> tuple[Any, int | None]:
        return loss_fn(wrapped, inputs, targets)

    try:
        sharded = ShardedBatches(experiment.batches, ranks)
        yield dataclasses.replace(experiment, loss_fn=loss_through_ddp, batches=sharded)
    finally:
        wrapped.reducer.remove_hooks()
