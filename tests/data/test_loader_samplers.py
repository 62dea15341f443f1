"""Tests for DataLoader's sampler, batch_sampler and IterableDataset paths and its PyTorch argument rules, run
side by side with torch.utils.data.DataLoader where torch is installed."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    BatchSampler,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


FEATURES = np.arange(30, dtype=np.float32).reshape(10, 3)
LABELS = np.arange(10, dtype=np.int64)


def both_datasets(torch):
    return (
        TensorDataset(gg.from_numpy(FEATURES), gg.from_numpy(LABELS)),
        torch.utils.data.TensorDataset(torch.from_numpy(FEATURES), torch.from_numpy(LABELS)),
    )


def as_lists(batches):
    """A loader's output as nested Python lists, comparable across frameworks."""
    def convert(item):
        if isinstance(item, (list, tuple)):
            return [convert(part) for part in item]
        if isinstance(item, dict):
            return {key: convert(value) for key, value in item.items()}
        return item.tolist() if hasattr(item, "tolist") else item

    return [convert(batch) for batch in batches]


def assert_same_loading(ours, theirs):
    assert len(ours) == len(theirs)
    assert as_lists(ours) == as_lists(theirs)


# ---- map-style datasets: same batches as torch ----


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (10, False), (20, True)])
def test_default_batching_matches_torch(torch, batch_size, drop_last):
    ours, theirs = both_datasets(torch)
    assert_same_loading(
        DataLoader(ours, batch_size=batch_size, drop_last=drop_last),
        torch.utils.data.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last),
    )


def test_batch_size_none_matches_torch(torch):
    ours, theirs = both_datasets(torch)
    assert_same_loading(DataLoader(ours, batch_size=None), torch.utils.data.DataLoader(theirs, batch_size=None))
    # Without batching, a custom collate_fn sees one sample at a time, in both.
    assert as_lists(DataLoader(ours, batch_size=None, collate_fn=lambda s: int(s[1]) * 2)) == [
        int(s[1]) * 2 for s in theirs
    ]


def test_custom_sampler_matches_torch(torch):
    ours, theirs = both_datasets(torch)
    order = [3, 1, 4, 1, 5, 9, 2, 6]  # repeats allowed: a sampler is any iterable of keys
    for batch_size in (1, 3, None):
        assert_same_loading(
            DataLoader(ours, batch_size=batch_size, sampler=order),
            torch.utils.data.DataLoader(theirs, batch_size=batch_size, sampler=order),
        )
    assert_same_loading(
        DataLoader(ours, batch_size=3, sampler=SequentialSampler(ours), drop_last=True),
        torch.utils.data.DataLoader(theirs, 3, sampler=torch.utils.data.SequentialSampler(theirs), drop_last=True),
    )


def test_custom_batch_sampler_matches_torch(torch):
    ours, theirs = both_datasets(torch)
    batches = [[0, 2], [1], [3, 4, 5], [9, 8, 7, 6]]
    loader = DataLoader(ours, batch_sampler=batches)
    assert_same_loading(loader, torch.utils.data.DataLoader(theirs, batch_sampler=batches))
    assert loader.batch_size is None and loader.drop_last is False and loader.batch_sampler is batches
    assert_same_loading(
        DataLoader(ours, batch_sampler=BatchSampler(range(10), 4, True)),
        torch.utils.data.DataLoader(theirs, batch_sampler=torch.utils.data.BatchSampler(range(10), 4, True)),
    )


def test_the_fast_path_and_per_sample_collate_agree_for_any_batch_sampler():
    ds = TensorDataset(gg.from_numpy(FEATURES), gg.from_numpy(LABELS))
    batches = [[0, 2], [9, 1, 1], np.array([4, 3]), gg.tensor([5, 6])]
    fast = list(DataLoader(ds, batch_sampler=batches))
    # A collate_fn that is not default_collate itself turns the fast path off: one dataset[i] per sample.
    slow = list(DataLoader(ds, batch_sampler=batches, collate_fn=lambda samples: gg.data.default_collate(samples)))
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())
    assert [y.tolist() for _, y in fast] == [[0, 2], [9, 1, 1], [4, 3], [5, 6]]


def test_a_dataset_without_len_works_with_a_sampler_of_keys(torch):
    class ByName:  # map-style with string keys and no __len__: only a sampler can say what to visit
        def __getitem__(self, key):
            return {"name": key, "size": len(key)}

    keys = ["ab", "cde", "f", "ghij", "k"]
    ours = DataLoader(ByName(), batch_size=2, sampler=keys)
    theirs = torch.utils.data.DataLoader(ByName(), batch_size=2, sampler=keys)
    assert_same_loading(ours, theirs)
    assert as_lists(ours)[0] == {"name": ["ab", "cde"], "size": [2, 3]}


def test_shuffled_epochs_have_torchs_structure_and_cover_the_dataset(torch):
    ours, theirs = both_datasets(torch)
    loader = DataLoader(ours, batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(0))
    torch_loader = torch.utils.data.DataLoader(theirs, batch_size=4, shuffle=True)
    epochs = [as_lists(loader) for _ in range(3)]
    torch_epoch = as_lists(torch_loader)
    for epoch in epochs:
        assert [len(y) for _, y in epoch] == [len(y) for _, y in torch_epoch] == [4, 4, 2]
        assert sorted(sum((y for _, y in epoch), [])) == list(range(10))
        for x, y in epoch:  # features travel with their labels
            assert x == FEATURES[y].tolist()
    assert epochs[0] != epochs[1]


def test_weighted_sampler_in_a_loader(torch):
    ours, theirs = both_datasets(torch)
    weights = [0.0] * 5 + [1.0] * 5
    loader = DataLoader(ours, batch_size=4, sampler=WeightedRandomSampler(weights, 14))
    torch_loader = torch.utils.data.DataLoader(
        theirs, batch_size=4, sampler=torch.utils.data.WeightedRandomSampler(weights, 14)
    )
    assert len(loader) == len(torch_loader) == 4
    labels = [y.tolist() for _, y in loader]
    assert [len(y) for y in labels] == [len(y) for _, y in torch_loader] == [4, 4, 4, 2]
    assert set(sum(labels, [])) <= {5, 6, 7, 8, 9}


# ---- the sampler attributes ----


def test_default_samplers_are_built_as_torch_builds_them(torch):
    ours, theirs = both_datasets(torch)
    for kwargs in ({}, {"shuffle": True}, {"batch_size": None}, {"batch_size": 3, "drop_last": True}):
        mine = DataLoader(ours, **kwargs)
        torchs = torch.utils.data.DataLoader(theirs, **kwargs)
        assert type(mine.sampler).__name__ == type(torchs.sampler).__name__
        assert type(mine.batch_sampler).__name__ == type(torchs.batch_sampler).__name__
        assert mine.batch_size == torchs.batch_size and mine.drop_last == torchs.drop_last
        if mine.batch_sampler is not None:
            assert mine.batch_sampler.sampler is mine.sampler
            assert (mine.batch_sampler.batch_size, mine.batch_sampler.drop_last) == (
                torchs.batch_sampler.batch_size, torchs.batch_sampler.drop_last
            )
        assert mine.dataset is ours
    g = gg.Generator().manual_seed(1)
    loader = DataLoader(ours, shuffle=True, generator=g)
    assert isinstance(loader.sampler, RandomSampler) and loader.sampler.generator is g and loader.generator is g


def test_the_loaders_sampler_attributes_cannot_be_reassigned(torch):
    ours, theirs = both_datasets(torch)
    for name in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError):
            setattr(torch.utils.data.DataLoader(theirs), name, None)
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(DataLoader(ours), name, None)
    loader = DataLoader(ours)
    loader.collate_fn = gg.data.default_collate  # the others stay assignable, as in torch
    loader.num_workers = 0


def test_shuffle_through_a_generator_is_reproducible_and_the_same_as_a_random_sampler():
    ds = TensorDataset(gg.from_numpy(FEATURES), gg.from_numpy(LABELS))
    via_shuffle = DataLoader(ds, batch_size=3, shuffle=True, generator=gg.Generator().manual_seed(5))
    via_sampler = DataLoader(ds, batch_size=3, sampler=RandomSampler(ds, generator=gg.Generator().manual_seed(5)))
    assert as_lists(via_shuffle) == as_lists(via_sampler)
    gg.manual_seed(3)
    a = as_lists(DataLoader(ds, batch_size=3, shuffle=True))
    gg.manual_seed(3)
    assert a == as_lists(DataLoader(ds, batch_size=3, shuffle=True))


# ---- iterable-style datasets ----


def stream_classes(torch):
    """The same stream of 10 samples as a glassgrad and as a torch IterableDataset, with a __len__."""

    def make(base, worker_info):
        class Stream(base):
            def __init__(self, n=10):
                self.n = n

            def __iter__(self):
                info = worker_info()
                start, step = (0, 1) if info is None else (info.id, info.num_workers)
                for i in range(start, self.n, step):
                    yield {"x": np.full(2, i, dtype=np.float32), "i": i}

            def __len__(self):
                return self.n

        return Stream

    return make(IterableDataset, get_worker_info), make(torch.utils.data.IterableDataset,
                                                        torch.utils.data.get_worker_info)


@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (5, True), (1, False), (None, False)])
def test_iterable_dataset_batches_match_torch(torch, batch_size, drop_last):
    Ours, Theirs = stream_classes(torch)
    assert_same_loading(
        DataLoader(Ours(), batch_size=batch_size, drop_last=drop_last),
        torch.utils.data.DataLoader(Theirs(), batch_size=batch_size, drop_last=drop_last),
    )


def test_iterable_dataset_loader_attributes_and_shuffle_false(torch):
    Ours, Theirs = stream_classes(torch)
    mine, torchs = DataLoader(Ours(), batch_size=4, shuffle=False), torch.utils.data.DataLoader(Theirs(), 4)
    assert type(mine.sampler).__name__ == type(torchs.sampler).__name__ == "_InfiniteConstantSampler"
    assert type(mine.batch_sampler).__name__ == "BatchSampler"
    assert len(mine) == len(torchs) == 3
    assert [b["i"].tolist() for b in mine] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_iterable_dataset_with_workers_still_yields_the_stream_once():
    Ours = stream_classes(pytest.importorskip("torch"))[0]
    assert get_worker_info() is None
    loader = DataLoader(Ours(), batch_size=4, num_workers=2)
    assert sum((b["i"].tolist() for b in loader), []) == list(range(10))


def test_an_iterable_dataset_without_len_iterates_but_has_no_len():
    class Countdown(IterableDataset):
        def __iter__(self):
            return iter(range(5, 0, -1))

    loader = DataLoader(Countdown(), batch_size=2)
    assert [b.tolist() for b in loader] == [[5, 4], [3, 2], [1]]
    with pytest.raises(TypeError):
        len(loader)


def test_chained_and_concatenated_iterable_datasets(torch):
    Ours, Theirs = stream_classes(torch)
    chained = Ours(3) + Ours(2)
    torch_chained = Theirs(3) + Theirs(2)
    assert type(chained).__name__ == type(torch_chained).__name__ == "ChainDataset"
    assert len(chained) == len(torch_chained) == 5
    assert [s["i"] for s in chained] == [s["i"] for s in torch_chained] == [0, 1, 2, 0, 1]
    with pytest.raises(TypeError, match="ChainDataset"):
        gg.data.ConcatDataset([Ours(3)])
    with pytest.raises(TypeError, match="not an IterableDataset"):
        list(gg.data.ChainDataset([Ours(1), [1, 2]]))


# ---- argument errors: refused where torch refuses them ----

BAD_LOADER_ARGUMENTS = [
    (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], batch_size=None), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(batch_size=0), "batch_size=0"),
    (dict(num_workers=-1), "num_workers"),
    (dict(timeout=-1), "timeout=-1"),
    (dict(prefetch_factor=2), "prefetch_factor=2"),
    (dict(num_workers=2, prefetch_factor=-1), "prefetch_factor=-1"),
    (dict(persistent_workers=True), "persistent_workers"),
    (dict(multiprocessing_context="spawn"), "num_workers > 0"),
    (dict(num_workers=2, multiprocessing_context="teleport"), "start method"),
]


@pytest.mark.parametrize("kwargs, message", BAD_LOADER_ARGUMENTS)
def test_bad_loader_arguments_are_refused_as_torch_refuses_them(torch, kwargs, message):
    ours, theirs = both_datasets(torch)
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(theirs, **kwargs)
    with pytest.raises(ValueError, match=message):
        DataLoader(ours, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_datasets_refuse_samplers_and_shuffle_as_torch_does(torch, kwargs):
    Ours, Theirs = stream_classes(torch)
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match="IterableDataset"):
        torch.utils.data.DataLoader(Theirs(), **kwargs)
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: expected unspecified {name}"):
        DataLoader(Ours(), **kwargs)


def test_worker_options_that_torch_accepts_are_accepted(torch):
    ours, theirs = both_datasets(torch)
    kwargs = dict(batch_size=4, num_workers=2, prefetch_factor=4, persistent_workers=True, timeout=5.0,
                  worker_init_fn=lambda worker_id: None, multiprocessing_context="spawn", pin_memory=True,
                  pin_memory_device="", in_order=False)
    loader = DataLoader(ours, **kwargs)
    assert (loader.num_workers, loader.prefetch_factor, loader.timeout) == (2, 4, 5.0)
    assert loader.pin_memory is True and loader.persistent_workers is True
    assert as_lists(loader) == as_lists(torch.utils.data.DataLoader(theirs, batch_size=4))
    assert DataLoader(ours, num_workers=2).prefetch_factor == torch.utils.data.DataLoader(
        theirs, num_workers=2).prefetch_factor == 2
    assert DataLoader(ours).prefetch_factor is None


def test_a_plain_iterator_is_refused_with_the_way_out():
    with pytest.raises(TypeError, match="IterableDataset"):
        DataLoader(iter([1, 2, 3]))
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(object())
