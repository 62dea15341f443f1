"""Tests for glassgrad/data/loader.py: batching, shuffling, seeding, the fast path and errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader, Dataset, TensorDataset


def labels_of(loader):
    return [y.tolist() for _, y in loader]


def make_dataset(n=10):
    return TensorDataset(gg.arange(n * 3, dtype=gg.float32).reshape(n, 3), gg.arange(n))


def test_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(make_dataset(), batch_size=4)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, _ = next(iter(loader))
    assert x.shape == (4, 3) and x.dtype == gg.float32


def test_drop_last():
    loader = DataLoader(make_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(make_dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_covers_every_sample_once_and_changes_each_epoch():
    loader = DataLoader(make_dataset(), batch_size=3, shuffle=True, generator=gg.Generator().manual_seed(0))
    first = sum(labels_of(loader), [])
    second = sum(labels_of(loader), [])
    assert sorted(first) == list(range(10)) == sorted(second)
    assert first != second


def test_shuffle_is_reproducible_from_a_generator():
    def epochs(seed):
        loader = DataLoader(
            make_dataset(), batch_size=3, shuffle=True, generator=gg.Generator().manual_seed(seed)
        )
        return labels_of(loader) + labels_of(loader)

    assert epochs(1) == epochs(1)
    assert epochs(1) != epochs(2)


def test_shuffle_is_reproducible_from_the_global_seed():
    loader = DataLoader(make_dataset(), batch_size=5, shuffle=True)
    gg.manual_seed(7)
    a = labels_of(loader)
    gg.manual_seed(7)
    b = labels_of(loader)
    assert a == b and sum(a, []) != list(range(10))


def test_fast_path_equals_per_sample_collate():
    ds = make_dataset(9)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(0)))
    slow = list(
        DataLoader(
            ds,
            batch_size=4,
            shuffle=True,
            generator=gg.Generator().manual_seed(0),
            collate_fn=lambda samples: [gg.stack([s[0] for s in samples]), gg.stack([s[1] for s in samples])],
        )
    )
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_fast_path_is_one_fetch_per_batch():
    class Counting(TensorDataset):
        fetches = 0
        items = 0

        def fetch_batch(self, indices):
            Counting.fetches += 1
            return super().fetch_batch(indices)

        def __getitem__(self, index):
            Counting.items += 1
            return super().__getitem__(index)

    ds = Counting(gg.zeros(100, 2), gg.arange(100))
    assert len(list(DataLoader(ds, batch_size=10))) == 10
    assert (Counting.fetches, Counting.items) == (10, 0)


def test_plain_list_dataset_and_custom_collate():
    samples = [{"x": np.full(2, i, dtype=np.float32), "name": f"s{i}"} for i in range(5)]
    batch = next(iter(DataLoader(samples, batch_size=5)))
    assert batch["x"].shape == (5, 2) and batch["name"] == ["s0", "s1", "s2", "s3", "s4"]
    loader = DataLoader(samples, batch_size=2, collate_fn=lambda items: [s["name"] for s in items])
    assert list(loader) == [["s0", "s1"], ["s2", "s3"], ["s4"]]


def test_tuple_samples_from_a_dataset_become_lists():
    class Pairs(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return np.float32(index), index * 1.5

    x, y = next(iter(DataLoader(Pairs(), batch_size=4)))
    assert x.dtype == gg.float32 and y.dtype == gg.float64
    assert y.tolist() == [0.0, 1.5, 3.0, 4.5]


def test_batch_size_none_yields_converted_samples():
    loader = DataLoader([np.zeros(2), np.ones(2)], batch_size=None)
    assert len(loader) == 2
    items = list(loader)
    assert all(isinstance(item, gg.Tensor) and item.shape == (2,) for item in items)


def test_empty_dataset_yields_nothing():
    assert list(DataLoader([], batch_size=3)) == []
    assert len(DataLoader([], batch_size=3)) == 0


def test_batch_count_matches_pytorch():
    torch = pytest.importorskip("torch")
    for n, batch_size, drop_last in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 5, False)]:
        ours = DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
        theirs = torch.utils.data.DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
        assert len(ours) == len(theirs)
        assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]


@pytest.mark.parametrize("batch_size", [0, -2, 2.5, True, "4"])
def test_bad_batch_size_names_the_value(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size!r}"):
        DataLoader([1, 2], batch_size=batch_size)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="shuffle=1"):
        DataLoader([1], shuffle=1)
    with pytest.raises(ValueError, match="drop_last='yes'"):
        DataLoader([1], drop_last="yes")
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader([1], batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader([1], num_workers=-1)
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader([1], collate_fn=3)
    with pytest.raises(TypeError, match="gg.Generator"):
        DataLoader([1], generator=0)
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(iter([1, 2]))


def test_pytorch_compatible_keywords_are_accepted():
    loader = DataLoader(make_dataset(), batch_size=5, shuffle=None, num_workers=4, pin_memory=True)
    assert labels_of(loader)[0] == [0, 1, 2, 3, 4]
