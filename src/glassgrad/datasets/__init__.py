"""Datasets: bundled ones that need no download (`digits`, `TinyShakespeare`), and loaders for the standard
files (`MNIST`, `FashionMNIST`, `CIFAR10`) with torchvision's arguments, folders and checksums.

    from glassgrad.datasets import digits, TinyShakespeare, CharDataset, MNIST, CIFAR10
"""

from glassgrad.datasets.cifar import CIFAR10
from glassgrad.datasets.digits import Digits, digits
from glassgrad.datasets.mnist import MNIST, FashionMNIST, read_idx
from glassgrad.datasets.text import CharDataset, TinyShakespeare, get_batch, tiny_shakespeare_text

__all__ = [
    "CIFAR10",
    "CharDataset",
    "Digits",
    "FashionMNIST",
    "MNIST",
    "TinyShakespeare",
    "digits",
    "get_batch",
    "read_idx",
    "tiny_shakespeare_text",
]
