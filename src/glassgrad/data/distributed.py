"""DistributedSampler: each rank's share of a data set's indices, with torch.utils.data.DistributedSampler's rules.

For N = len(dataset) and R replicas, each rank takes S = ceil(N / R) indices (drop_last=False: the list is
padded by repeating its start until it has R*S) or S = floor(N / R) (drop_last=True: the tail is dropped);
rank r takes positions r, r + R, r + 2R, ... of the (shuffled) list. With shuffle, the order is a permutation
drawn from seed + epoch, the same on every rank, so the ranks' shares partition each epoch's list; `set_epoch`
reshuffles. With shuffle=False the indices equal PyTorch's exactly; with shuffle, the permutation comes from
NumPy's generator (PyTorch's own RNG differs), with the same partition rules.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler[int]):
    """Yields this rank's indices of `dataset` for the current epoch (call `set_epoch(e)` before each epoch)."""

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:  # fmt: skip
        if num_replicas is None or rank is None:
            from .. import distributed as dist  # late: only needed when the ranks come from the process group

            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: num_replicas and rank default to the process group's, but "
                                   "init_process_group() has not been called; call it first, or pass both")  # fmt: skip
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        size = len(dataset)
        if drop_last and size % num_replicas:
            self.num_samples = size // num_replicas  # the tail that would not give every rank one more is dropped
        else:
            self.num_samples = math.ceil(size / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        size = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(size).tolist()
        else:
            order = list(range(size))
        if self.drop_last:
            order = order[: self.total_size]
        else:  # pad by repeating the list from its start (more than once when it is shorter than the padding)
            padding = self.total_size - len(order)
            order += (order * math.ceil(padding / len(order)))[:padding] if padding and order else []
        return iter(order[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use epoch `epoch`'s order next (with shuffle, a new permutation, the same on every rank)."""
        self.epoch = epoch
