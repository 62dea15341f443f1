"""Fixtures: small dataset files in tmp_path (no network, no real datasets)."""

import pytest

from .format_writers import mnist_arrays, write_idx


@pytest.fixture
def mnist_root(tmp_path):
    """root/MNIST/raw with gzipped train (12 images) and test (5 images) files, laid out as torchvision."""
    raw = tmp_path / "MNIST" / "raw"
    for prefix, n, seed in (("train", 12, 0), ("t10k", 5, 1)):
        images, labels = mnist_arrays(n, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return tmp_path
