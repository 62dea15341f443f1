"""Tests for DataLoader's sampler, batch_sampler and IterableDataset paths and its PyTorch argument rules.

Each test checks glassgrad against values worked out by hand and, where torch is installed, runs the same
arguments through torch.utils.data.DataLoader and checks that torch gives the same (or refuses the same).
"""

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
    """torch, or None without it: the glassgrad half of every test runs either way."""
    try:
        import torch
    except ImportError:
        return None
    return torch


FEATURES = np.arange(30, dtype=np.float32).reshape(10, 3)
LABELS = np.arange(10, dtype=np.int64)


def ours_dataset():
    return TensorDataset(gg.from_numpy(FEATURES), gg.from_numpy(LABELS))


def torch_dataset(torch):
    return torch.utils.data.TensorDataset(torch.from_numpy(FEATURES), torch.from_numpy(LABELS))


def as_lists(batches):
    """A loader's output as nested Python lists, comparable across frameworks."""

    def convert(item):
        if isinstance(item, (list, tuple)):
            return [convert(part) for part in item]
        if isinstance(item, dict):
            return {key: convert(value) for key, value in item.items()}
        return item.tolist() if hasattr(item, "tolist") else item

    return [convert(batch) for batch in batches]


def batches_at(key_batches):
    """What default_collate makes of the samples at each list of keys: [features, labels] per batch."""
    return [[FEATURES[keys].tolist(), LABELS[keys].tolist()] for keys in key_batches]


def check_loading(ours, expected, theirs=None):
    """`ours` yields `expected` and has its length; so does torch's loader, when given."""
    for loader in (ours, theirs) if theirs is not None else (ours,):
        assert as_lists(loader) == expected
        assert len(loader) == len(expected)


# ---- map-style datasets: the batches worked out by hand, and torch's ----


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (10, False), (20, True)])
def test_default_batching(torch, batch_size, drop_last):
    chunks = [list(range(start, min(start + batch_size, 10))) for start in range(0, 10, batch_size)]
    expected = batches_at([chunk for chunk in chunks if len(chunk) == batch_size or not drop_last])
    theirs = torch and torch.utils.data.DataLoader(torch_dataset(torch), batch_size=batch_size, drop_last=drop_last)
    check_loading(DataLoader(ours_dataset(), batch_size=batch_size, drop_last=drop_last), expected, theirs)


def test_batch_size_none_yields_single_samples(torch):
    expected = [[FEATURES[i].tolist(), int(LABELS[i])] for i in range(10)]
    theirs = torch and torch.utils.data.DataLoader(torch_dataset(torch), batch_size=None)
    check_loading(DataLoader(ours_dataset(), batch_size=None), expected, theirs)
    # Without batching, a custom collate_fn sees one sample at a time, in both.
    double_label = lambda sample: int(sample[1]) * 2  # noqa: E731
    assert as_lists(DataLoader(ours_dataset(), batch_size=None, collate_fn=double_label)) == list(range(0, 20, 2))
    if torch:
        assert list(torch.utils.data.DataLoader(torch_dataset(torch), None, collate_fn=double_label)) == list(
            range(0, 20, 2)
        )


def test_custom_sampler(torch):
    order = [3, 1, 4, 1, 5, 9, 2, 6]  # repeats allowed: a sampler is any iterable of keys
    for batch_size, key_batches in [(1, [[k] for k in order]), (3, [[3, 1, 4], [1, 5, 9], [2, 6]])]:
        theirs = torch and torch.utils.data.DataLoader(torch_dataset(torch), batch_size=batch_size, sampler=order)
        check_loading(DataLoader(ours_dataset(), batch_size=batch_size, sampler=order), batches_at(key_batches), theirs)
    ours = ours_dataset()
    theirs = torch and torch.utils.data.DataLoader(
        torch_dataset(torch), 4, sampler=torch.utils.data.SequentialSampler(range(10)), drop_last=True
    )
    check_loading(
        DataLoader(ours, 4, sampler=SequentialSampler(ours), drop_last=True), batches_at([[0, 1, 2, 3], [4, 5, 6, 7]]),
        theirs,
    )


def test_custom_batch_sampler(torch):
    batches = [[0, 2], [1], [3, 4, 5], [9, 8, 7, 6]]
    loader = DataLoader(ours_dataset(), batch_sampler=batches)
    check_loading(loader, batches_at(batches), torch and torch.utils.data.DataLoader(torch_dataset(torch),
                                                                                      batch_sampler=batches))
    assert loader.batch_size is None and loader.drop_last is False and loader.batch_sampler is batches
    theirs = torch and torch.utils.data.DataLoader(
        torch_dataset(torch), batch_sampler=torch.utils.data.BatchSampler(range(10), 4, True)
    )
    check_loading(
        DataLoader(ours_dataset(), batch_sampler=BatchSampler(range(10), 4, True)),
        batches_at([[0, 1, 2, 3], [4, 5, 6, 7]]),
        theirs,
    )


def test_the_fast_path_and_per_sample_collate_agree_for_any_batch_sampler():
    batches = [[0, 2], [9, 1, 1], np.array([4, 3]), gg.tensor([5, 6])]
    fast = list(DataLoader(ours_dataset(), batch_sampler=batches))
    # A collate_fn that is not default_collate itself turns the fast path off: one dataset[i] per sample.
    slow = list(
        DataLoader(ours_dataset(), batch_sampler=batches, collate_fn=lambda samples: gg.data.default_collate(samples))
    )
    assert as_lists(fast) == as_lists(slow) == batches_at([[0, 2], [9, 1, 1], [4, 3], [5, 6]])


def test_a_dataset_without_len_works_with_a_sampler_of_keys(torch):
    class ByName:  # map-style with string keys and no __len__: only a sampler can say what to visit
        def __getitem__(self, key):
            return {"name": key, "size": len(key)}

    keys = ["ab", "cde", "f", "ghij", "k"]
    expected = [
        {"name": ["ab", "cde"], "size": [2, 3]},
        {"name": ["f", "ghij"], "size": [1, 4]},
        {"name": ["k"], "size": [1]},
    ]
    theirs = torch and torch.utils.data.DataLoader(ByName(), batch_size=2, sampler=keys)
    check_loading(DataLoader(ByName(), batch_size=2, sampler=keys), expected, theirs)


def test_shuffled_epochs_have_torchs_structure_and_cover_the_dataset(torch):
    loader = DataLoader(ours_dataset(), batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(0))
    epochs = [as_lists(loader) for _ in range(3)]
    if torch:
        epochs.append(as_lists(torch.utils.data.DataLoader(torch_dataset(torch), batch_size=4, shuffle=True)))
    for epoch in epochs:
        assert [len(y) for _, y in epoch] == [4, 4, 2]
        assert sorted(sum((y for _, y in epoch), [])) == list(range(10))
        for x, y in epoch:  # features travel with their labels
            assert x == FEATURES[y].tolist()
    assert epochs[0] != epochs[1]


def test_weighted_sampler_in_a_loader(torch):
    weights = [0.0] * 5 + [1.0] * 5
    loaders = [DataLoader(ours_dataset(), batch_size=4, sampler=WeightedRandomSampler(weights, 14))]
    if torch:
        loaders.append(
            torch.utils.data.DataLoader(
                torch_dataset(torch), batch_size=4, sampler=torch.utils.data.WeightedRandomSampler(weights, 14)
            )
        )
    for loader in loaders:
        labels = [y.tolist() for _, y in loader]
        assert len(loader) == 4 and [len(y) for y in labels] == [4, 4, 4, 2]
        assert set(sum(labels, [])) <= {5, 6, 7, 8, 9}


# ---- the sampler attributes ----

DEFAULT_SAMPLERS = [
    ({}, "SequentialSampler", "BatchSampler", 1, False),
    ({"shuffle": True}, "RandomSampler", "BatchSampler", 1, False),
    ({"batch_size": None}, "SequentialSampler", "NoneType", None, False),
    ({"batch_size": 3, "drop_last": True}, "SequentialSampler", "BatchSampler", 3, True),
]


@pytest.mark.parametrize("kwargs, sampler, batch_sampler, batch_size, drop_last", DEFAULT_SAMPLERS)
def test_default_samplers_are_built_as_torch_builds_them(torch, kwargs, sampler, batch_sampler, batch_size, drop_last):
    ours = ours_dataset()
    loaders = [DataLoader(ours, **kwargs)]
    if torch:
        loaders.append(torch.utils.data.DataLoader(torch_dataset(torch), **kwargs))
    for loader in loaders:
        assert type(loader.sampler).__name__ == sampler and type(loader.batch_sampler).__name__ == batch_sampler
        assert (loader.batch_size, loader.drop_last) == (batch_size, drop_last)
        if loader.batch_sampler is not None:
            assert loader.batch_sampler.sampler is loader.sampler
            assert (loader.batch_sampler.batch_size, loader.batch_sampler.drop_last) == (batch_size, drop_last)
    assert loaders[0].dataset is ours


def test_shuffle_uses_the_loaders_generator():
    g = gg.Generator().manual_seed(1)
    loader = DataLoader(ours_dataset(), shuffle=True, generator=g)
    assert isinstance(loader.sampler, RandomSampler) and loader.sampler.generator is g and loader.generator is g
    via_shuffle = DataLoader(ours_dataset(), batch_size=3, shuffle=True, generator=gg.Generator().manual_seed(5))
    ds = ours_dataset()
    via_sampler = DataLoader(ds, batch_size=3, sampler=RandomSampler(ds, generator=gg.Generator().manual_seed(5)))
    assert as_lists(via_shuffle) == as_lists(via_sampler)
    gg.manual_seed(3)
    a = as_lists(DataLoader(ds, batch_size=3, shuffle=True))
    gg.manual_seed(3)
    assert a == as_lists(DataLoader(ds, batch_size=3, shuffle=True))


FIXED_ATTRIBUTES = ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"]


@pytest.mark.parametrize("name", FIXED_ATTRIBUTES)
def test_the_loaders_sampler_attributes_cannot_be_reassigned(torch, name):
    if torch:
        with pytest.raises(ValueError):
            setattr(torch.utils.data.DataLoader(torch_dataset(torch)), name, None)
    with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
        setattr(DataLoader(ours_dataset()), name, None)


def test_the_other_attributes_stay_assignable():
    loader = DataLoader(ours_dataset(), batch_size=5)
    loader.collate_fn = lambda samples: len(samples)  # as in torch
    loader.num_workers = 0
    assert list(loader) == [5, 5]


# ---- iterable-style datasets ----


def make_stream(base, worker_info):
    """A stream of n samples over `base` (glassgrad's or torch's IterableDataset), sharded by worker."""

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


OursStream = make_stream(IterableDataset, get_worker_info)


def torch_stream(torch):
    return make_stream(torch.utils.data.IterableDataset, torch.utils.data.get_worker_info)


@pytest.mark.parametrize(
    "batch_size, drop_last, key_batches",
    [
        (3, False, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
        (3, True, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
        (5, True, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]),
        (1, False, [[i] for i in range(10)]),
    ],
)
def test_iterable_dataset_batches(torch, batch_size, drop_last, key_batches):
    expected = [{"x": [[i, i] for i in keys], "i": keys} for keys in key_batches]
    theirs = torch and torch.utils.data.DataLoader(torch_stream(torch)(), batch_size=batch_size, drop_last=drop_last)
    check_loading(DataLoader(OursStream(), batch_size=batch_size, drop_last=drop_last), expected, theirs)


def test_iterable_dataset_without_batching(torch):
    expected = [{"x": [i, i], "i": i} for i in range(10)]
    theirs = torch and torch.utils.data.DataLoader(torch_stream(torch)(), batch_size=None)
    check_loading(DataLoader(OursStream(), batch_size=None), expected, theirs)


def test_iterable_dataset_loader_attributes_and_shuffle_false(torch):
    loaders = [DataLoader(OursStream(), batch_size=4, shuffle=False)]
    if torch:
        loaders.append(torch.utils.data.DataLoader(torch_stream(torch)(), batch_size=4, shuffle=False))
    for loader in loaders:
        assert type(loader.sampler).__name__ == "_InfiniteConstantSampler"
        assert type(loader.batch_sampler).__name__ == "BatchSampler"
        assert len(loader) == 3
        assert [b["i"].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_iterable_dataset_with_workers_still_yields_the_stream_once():
    assert get_worker_info() is None  # the caller is never a worker: loading happens in this process
    loader = DataLoader(OursStream(), batch_size=4, num_workers=2)
    assert sum((b["i"].tolist() for b in loader), []) == list(range(10))


def test_an_iterable_dataset_without_len_iterates_but_has_no_len():
    class Countdown(IterableDataset):
        def __iter__(self):
            return iter(range(5, 0, -1))

    loader = DataLoader(Countdown(), batch_size=2)
    assert [b.tolist() for b in loader] == [[5, 4], [3, 2], [1]]
    with pytest.raises(TypeError):
        len(loader)
    with pytest.raises(NotImplementedError, match="define __iter__"):
        iter(IterableDataset())


def test_chained_and_concatenated_iterable_datasets(torch):
    streams = [OursStream, torch_stream(torch)] if torch else [OursStream]
    for Stream in streams:
        chained = Stream(3) + Stream(2)
        assert type(chained).__name__ == "ChainDataset" and len(chained) == 5
        assert [s["i"] for s in chained] == [0, 1, 2, 0, 1]
    with pytest.raises(TypeError, match="ChainDataset"):
        gg.data.ConcatDataset([OursStream(3)])
    with pytest.raises(TypeError, match="not an IterableDataset"):
        list(gg.data.ChainDataset([OursStream(1), [1, 2]]))


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
    if torch:
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(torch_dataset(torch), **kwargs)
    with pytest.raises(ValueError, match=message):
        DataLoader(ours_dataset(), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_datasets_refuse_samplers_and_shuffle_as_torch_does(torch, kwargs):
    if torch:
        with pytest.raises(ValueError, match="IterableDataset"):
            torch.utils.data.DataLoader(torch_stream(torch)(), **kwargs)
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: expected unspecified {name}"):
        DataLoader(OursStream(), **kwargs)


def test_worker_options_that_torch_accepts_are_accepted(torch):
    kwargs = dict(
        batch_size=4, num_workers=2, prefetch_factor=4, persistent_workers=True, timeout=5.0,
        worker_init_fn=lambda worker_id: None, multiprocessing_context="spawn", pin_memory=True,
        pin_memory_device="", in_order=False,
    )
    loader = DataLoader(ours_dataset(), **kwargs)
    assert (loader.num_workers, loader.prefetch_factor, loader.timeout) == (2, 4, 5.0)
    assert loader.pin_memory is True and loader.persistent_workers is True
    assert as_lists(loader) == batches_at([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])  # the same as num_workers=0
    assert DataLoader(ours_dataset(), num_workers=2).prefetch_factor == 2
    assert DataLoader(ours_dataset()).prefetch_factor is None
    if torch:
        torch_loader = torch.utils.data.DataLoader(torch_dataset(torch), **kwargs)  # built, not iterated
        assert (torch_loader.prefetch_factor, torch.utils.data.DataLoader(torch_dataset(torch)).prefetch_factor) == (
            4, None
        )
        assert torch.utils.data.DataLoader(torch_dataset(torch), num_workers=2).prefetch_factor == 2


def test_a_plain_iterator_is_refused_with_the_way_out():
    with pytest.raises(TypeError, match="IterableDataset"):
        DataLoader(iter([1, 2, 3]))
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(object())
