"""`get_worker_info`: which data-loading worker the caller runs in, as `torch.utils.data.get_worker_info`.

glassgrad's `DataLoader` loads every batch in the calling process (see loader.py for why), so there is never a
worker and the answer is always None, PyTorch's answer in the main process. Code written for PyTorch workers,
such as an `IterableDataset` that shards its stream with `info.id` and `info.num_workers`, takes its
single-process branch and yields the whole stream once.
"""

from __future__ import annotations


def get_worker_info() -> None:
    """None: the caller is not a data-loading worker (glassgrad has none)."""
    return None
