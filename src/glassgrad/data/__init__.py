"""Datasets and batching, with the names of `torch.utils.data`.

from glassgrad.data import DataLoader, TensorDataset, random_split
"""

from glassgrad.data.collate import default_collate, default_convert
from glassgrad.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from glassgrad.data.loader import DataLoader

__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]
