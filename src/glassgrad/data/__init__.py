"""Datasets, samplers and batching, with the names of `torch.utils.data`.

from glassgrad.data import DataLoader, TensorDataset, random_split

`glassgrad.utils.data` is this same package (PyTorch's import path), and the submodules answer to PyTorch's
names too: `dataloader` is `loader`; `dataset` and `sampler` are themselves.
"""

from glassgrad.data import loader as dataloader  # PyTorch's name for the module: torch.utils.data.dataloader
from glassgrad.data.collate import default_collate, default_convert
from glassgrad.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from glassgrad.data.distributed import DistributedSampler
from glassgrad.data.loader import DataLoader
from glassgrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from glassgrad.data.worker import get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.utils.data")  # "glassgrad does not implement torch.utils.data.X"
