"""Tests for glassgrad/data/dataset.py: Dataset, TensorDataset, Subset, ConcatDataset, random_split."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split


def make_tensor_dataset(n=10):
    return TensorDataset(gg.arange(n * 2, dtype=gg.float32).reshape(n, 2), gg.arange(n))


def test_tensor_dataset_items_and_len():
    ds = make_tensor_dataset()
    x, y = ds[3]
    assert len(ds) == 10
    assert x.tolist() == [6.0, 7.0]
    assert y.item() == 3
    assert isinstance(ds[3], tuple)


def test_tensor_dataset_fetch_batch_matches_per_item_collate():
    ds = make_tensor_dataset()
    indices = np.array([7, 2, 2, 9])
    fast = ds.fetch_batch(indices)
    # The base class: one __getitem__ per sample, then default_collate.
    slow = Dataset.fetch_batch(ds, indices)
    assert isinstance(fast, list)
    for a, b in zip(fast, slow):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"\(3, 2\), \(4,\)"):
        TensorDataset(gg.zeros(3, 2), gg.zeros(4))
    with pytest.raises(TypeError, match="gg.from_numpy"):
        TensorDataset(np.zeros(3))
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(gg.tensor(1.0))


def test_base_dataset_without_getitem_says_what_to_define():
    with pytest.raises(TypeError, match="__getitem__"):
        Dataset()[0]


def test_subset_maps_indices_and_uses_the_fast_path():
    ds = make_tensor_dataset()
    sub = Subset(ds, [9, 0, 4])
    assert len(sub) == 3
    assert sub[0][1].item() == 9
    x, y = sub.fetch_batch(np.array([2, 0]))
    assert y.tolist() == [4, 9]
    assert x.tolist() == [[8.0, 9.0], [18.0, 19.0]]


def test_subset_of_a_plain_sequence():
    sub = Subset(list("abcdef"), [5, 1])
    assert sub[0] == "f"
    assert sub.fetch_batch(np.array([0, 1])) == ["f", "b"]


def test_concat_dataset_and_add():
    a = make_tensor_dataset(3)
    b = make_tensor_dataset(4)
    both = a + b
    assert isinstance(both, ConcatDataset)
    assert len(both) == 7
    assert both[3][1].item() == 0
    assert both[-1][1].item() == 3
    with pytest.raises(IndexError):
        both[7]


def test_random_split_integer_lengths_partition_the_dataset():
    parts = random_split(range(10), [3, 7], generator=gg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))


def test_random_split_fractions_follow_pytorch_rounding():
    # floor(10 * 0.33) = 3 three times leaves 1, handed out round-robin from the first split.
    parts = random_split(range(10), [0.33, 0.33, 0.34], generator=gg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [4, 3, 3]
    parts = random_split(range(11), [0.5, 0.5], generator=gg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [6, 5]


def test_random_split_matches_pytorch_lengths():
    torch = pytest.importorskip("torch")
    for n, fractions in [(10, [0.33, 0.33, 0.34]), (101, [0.8, 0.1, 0.1]), (7, [0.5, 0.5])]:
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


def test_random_split_is_reproducible_with_generator_and_global_seed():
    a = random_split(range(20), [10, 10], generator=gg.Generator().manual_seed(3))
    b = random_split(range(20), [10, 10], generator=gg.Generator().manual_seed(3))
    assert a[0].indices == b[0].indices
    gg.manual_seed(5)
    c = random_split(range(20), [10, 10])
    gg.manual_seed(5)
    d = random_split(range(20), [10, 10])
    assert c[0].indices == d[0].indices
    assert c[0].indices != list(range(10))


def test_random_split_errors():
    with pytest.raises(ValueError, match="sum to 9 but the dataset has 10"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="must sum to 1"):
        random_split(range(10), [0.5, 0.6])
    with pytest.raises(ValueError, match="not be negative"):
        random_split(range(10), [-1, 11])
    with pytest.raises(TypeError, match="length at index 1"):
        random_split(range(10), [5, "5"])
    with pytest.raises(TypeError, match="gg.Generator"):
        random_split(range(10), [5, 5], generator=42)


def test_random_split_zero_length_fraction_warns():
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(range(2), [1.0, 0.0])
