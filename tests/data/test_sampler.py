"""Tests for glassgrad/data/sampler.py, against torch.utils.data's samplers where torch is installed.

The deterministic samplers must give torch's index sequences exactly. The random ones draw from different
random streams than torch, so they are checked by the properties that hold for any stream: permutations are
permutations, counts are what num_samples implies, weighted frequencies lie within a few standard errors of
weight / sum, and the same seed gives the same order.
"""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


@pytest.fixture
def tud():
    """torch.utils.data, or None without torch: the glassgrad half of every test runs either way."""
    try:
        import torch
    except ImportError:
        return None
    return torch.utils.data


def seeded(seed):
    return gg.Generator().manual_seed(seed)


# ---- deterministic samplers: the same sequences as torch ----


@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential_sampler_matches_torch(tud, n):
    ours = SequentialSampler(range(n))
    assert list(ours) == list(range(n)) and len(ours) == n
    if tud:
        theirs = tud.SequentialSampler(range(n))
        assert list(theirs) == list(ours) and len(theirs) == n


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                                      (2, 5, True), (0, 4, False), (12, 1, False)])
def test_batch_sampler_matches_torch(tud, n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    chunks = [list(range(start, min(start + batch_size, n))) for start in range(0, n, batch_size)]
    expected = [chunk for chunk in chunks if len(chunk) == batch_size or not drop_last]
    assert list(ours) == expected and len(ours) == len(expected)
    if tud:
        theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
        assert list(theirs) == expected and len(theirs) == len(expected)


def test_batch_sampler_accepts_any_iterable_of_keys(tud):
    keys = [5, 3, 9, 0, 2, "a", "b"]  # keys are passed through untouched, whatever they are
    modules = [gg.data, tud] if tud else [gg.data]
    for m in modules:
        assert list(m.BatchSampler(keys, 3, False)) == [[5, 3, 9], [0, 2, "a"], ["b"]]
        assert list(m.BatchSampler(iter(keys), 2, True)) == [[5, 3], [9, 0], [2, "a"]]
        assert len(m.BatchSampler(keys, 2, True)) == 3


def test_batch_sampler_without_len_raises_like_torch(tud):
    for m in [gg.data, tud] if tud else [gg.data]:
        with pytest.raises(TypeError):
            len(m.BatchSampler(iter(range(4)), 2, False))


def test_batch_sampler_over_a_random_sampler_keeps_the_structure():
    batches = list(BatchSampler(RandomSampler(range(11), generator=seeded(0)), 4, False))
    assert [len(b) for b in batches] == [4, 4, 3]
    assert sorted(sum(batches, [])) == list(range(11))


def test_sampler_subclasses_written_as_in_torch():
    class Reversed(Sampler[int]):  # PyTorch scripts subscript the base class
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    assert list(BatchSampler(Reversed(5), 2, False)) == [[4, 3], [2, 1], [0]]
    with pytest.raises(NotImplementedError, match="define __iter__"):
        iter(Sampler())
    with pytest.raises(TypeError):  # no default __len__, as torch
        len(Sampler())


# ---- RandomSampler ----


def test_random_sampler_is_a_permutation_that_changes_every_epoch(tud):
    sampler = RandomSampler(range(50), generator=seeded(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second
    assert len(sampler) == 50 and (not tud or len(tud.RandomSampler(range(50))) == 50)
    assert all(type(i) is int for i in first)  # plain ints, as torch's .tolist()


@pytest.mark.parametrize("n, num_samples", [(5, 13), (5, 3), (5, 5), (4, 8)])
def test_random_sampler_with_num_samples_is_whole_permutations_then_part_of_one(tud, n, num_samples):
    order = list(RandomSampler(range(n), num_samples=num_samples, generator=seeded(1)))
    assert len(order) == len(RandomSampler(range(n), num_samples=num_samples)) == num_samples
    whole, rest = divmod(num_samples, n)
    for start in range(0, whole * n, n):
        assert sorted(order[start : start + n]) == list(range(n))
    tail = order[whole * n :]
    assert len(tail) == rest and len(set(tail)) == rest and set(tail) <= set(range(n))
    # Every index num_samples // n times, `rest` of them once more; torch's orders have the same counts.
    expected_counts = sorted([whole] * (n - rest) + [whole + 1] * rest)
    assert sorted(order.count(i) for i in range(n)) == expected_counts
    if tud:
        torch_order = list(tud.RandomSampler(range(n), num_samples=num_samples))
        assert sorted(torch_order.count(i) for i in range(n)) == expected_counts


def test_random_sampler_with_replacement_is_uniform(tud):
    n, draws = 8, 80_000
    order = list(RandomSampler(range(n), replacement=True, num_samples=draws, generator=seeded(2)))
    assert len(order) == draws
    assert not tud or len(tud.RandomSampler(range(n), replacement=True, num_samples=draws)) == draws
    counts = np.bincount(order, minlength=n)
    assert counts.size == n
    # Each count is Binomial(draws, 1/n): within 5 standard deviations (a false alarm has odds ~ 1e-5).
    std = math.sqrt(draws * (1 / n) * (1 - 1 / n))
    assert np.all(np.abs(counts - draws / n) < 5 * std), counts
    # Independent draws repeat indices: 8 draws from 8 form a permutation with odds 8!/8**8 = 0.24%, so
    # among 20 epochs some repeat one (a sampler that permuted instead would fail here).
    sampler = RandomSampler(range(n), replacement=True, generator=seeded(3))
    assert len(sampler) == n
    assert any(len(set(sampler)) < n for _ in range(20))


def test_random_sampler_is_reproducible_from_the_global_seed_and_from_a_generator():
    gg.manual_seed(123)
    a = list(RandomSampler(range(30)))
    gg.manual_seed(123)
    b = list(RandomSampler(range(30)))
    gg.manual_seed(124)
    c = list(RandomSampler(range(30)))
    assert a == b != c
    assert list(RandomSampler(range(30), generator=seeded(5))) == list(RandomSampler(range(30), generator=seeded(5)))
    assert list(RandomSampler(range(30), generator=seeded(5))) != list(RandomSampler(range(30), generator=seeded(6)))
    with_replacement = [list(RandomSampler(range(30), True, 40, generator=seeded(5))) for _ in range(2)]
    assert with_replacement[0] == with_replacement[1]


def test_random_sampler_rereads_the_length_every_epoch():
    data = list(range(4))
    sampler = RandomSampler(data, generator=seeded(0))
    data.extend([4, 5])
    assert len(sampler) == 6 and sorted(sampler) == list(range(6))


# ---- SubsetRandomSampler ----


def test_subset_random_sampler_permutes_the_indices(tud):
    indices = [10, 3, 7, 42, 8]
    sampler = SubsetRandomSampler(indices, generator=seeded(0))
    epochs = [list(sampler) for _ in range(20)]
    assert all(sorted(epoch) == sorted(indices) for epoch in epochs)
    assert len({tuple(epoch) for epoch in epochs}) > 1
    assert len(sampler) == 5 and (not tud or len(tud.SubsetRandomSampler(indices)) == 5)
    assert list(SubsetRandomSampler(indices, seeded(9))) == list(SubsetRandomSampler(indices, seeded(9)))
    gg.manual_seed(0)
    a = list(SubsetRandomSampler(indices))
    gg.manual_seed(0)
    assert a == list(SubsetRandomSampler(indices))


# ---- WeightedRandomSampler ----


def test_weighted_sampler_frequencies_follow_the_weights(tud):
    weights = [1.0, 2.0, 3.0, 4.0, 0.0]
    draws = 200_000
    sampler = WeightedRandomSampler(weights, draws, generator=seeded(0))
    order = list(sampler)
    assert len(order) == len(sampler) == draws
    assert not tud or len(tud.WeightedRandomSampler(weights, draws)) == draws
    frequencies = np.bincount(order, minlength=5) / draws
    p = np.array(weights) / sum(weights)
    standard_error = np.sqrt(p * (1 - p) / draws)
    assert frequencies[4] == 0  # a zero weight is never drawn
    assert np.all(np.abs(frequencies - p) <= 5 * standard_error + 1e-12), (frequencies, p)


def test_weighted_sampler_without_replacement_draws_distinct_indices():
    weights = np.array([0.5, 0.0, 2.0, 1.0, 1.5])
    order = list(WeightedRandomSampler(weights, 4, replacement=False, generator=seeded(0)))
    assert sorted(order) == [0, 2, 3, 4]  # every non-zero weight once, the zero one never
    # The first index drawn is index i with probability w_i / sum(w): 20k epochs, 5 standard errors.
    epochs = 20_000
    sampler = WeightedRandomSampler(weights, 1, replacement=False, generator=seeded(1))
    firsts = np.bincount([next(iter(sampler)) for _ in range(epochs)], minlength=5) / epochs
    p = weights / weights.sum()
    assert np.all(np.abs(firsts - p) <= 5 * np.sqrt(p * (1 - p) / epochs) + 1e-12), firsts
    # More draws than non-zero weights: torch's documentation forbids it (its CPU kernel then returns the
    # zero-weight indices last); gg.multinomial enforces the documented rule with a clear error.
    with pytest.raises(ValueError, match="without replacement"):
        list(WeightedRandomSampler(weights, 5, replacement=False))


def test_weighted_sampler_takes_lists_arrays_and_tensors_and_is_reproducible():
    for weights in ([1, 2, 3], np.array([1.0, 2.0, 3.0]), gg.tensor([1.0, 2.0, 3.0])):
        sampler = WeightedRandomSampler(weights, 50, generator=seeded(3))
        assert sampler.weights.dtype == gg.float64 and sampler.weights.tolist() == [1.0, 2.0, 3.0]
        assert list(sampler) == list(WeightedRandomSampler([1, 2, 3], 50, generator=seeded(3)))
    gg.manual_seed(4)
    a = list(WeightedRandomSampler([1, 2, 3], 50))
    gg.manual_seed(4)
    assert a == list(WeightedRandomSampler([1, 2, 3], 50))


def test_weighted_sampler_over_many_categories_stays_small():
    # 50k weights x 50k draws: comparing every draw with every cdf entry would need 2.5 GB; a binary search
    # per draw needs a few hundred kB.
    n = 50_000
    weights = np.ones(n)
    weights[: n // 2] = 3.0  # the first half is drawn three times as often: P(first half) = 3/4
    order = np.array(list(WeightedRandomSampler(weights, n, generator=seeded(0))))
    assert order.min() >= 0 and order.max() < n
    share = np.mean(order < n // 2)
    assert abs(share - 0.75) < 5 * math.sqrt(0.75 * 0.25 / n)


# ---- argument errors: refused where torch refuses them, with the same exception type ----

BAD_SAMPLER_ARGUMENTS = [
    ("RandomSampler", lambda m: m.RandomSampler(range(3), replacement=1), TypeError, "replacement=1"),
    ("RandomSampler", lambda m: m.RandomSampler(range(3), num_samples=0), ValueError, "num_samples=0"),
    ("RandomSampler", lambda m: m.RandomSampler(range(3), num_samples=-2), ValueError, "num_samples=-2"),
    ("RandomSampler", lambda m: m.RandomSampler(range(3), num_samples=2.5), ValueError, "num_samples=2.5"),
    ("RandomSampler", lambda m: m.RandomSampler([]), ValueError, "num_samples=0"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1, 2], 0), ValueError, "num_samples=0"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1, 2], True), ValueError, "num_samples=True"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1, 2], 3, replacement="yes"), ValueError,
     "replacement='yes'"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([[1, 2], [3, 4]], 3), ValueError, r"\(2, 2\)"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 0, False), ValueError, "batch_size=0"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 2.5, False), ValueError, "batch_size=2.5"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), True, False), ValueError, "batch_size=True"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 2, 1), ValueError, "drop_last=1"),
]


@pytest.mark.parametrize("name, build, error, message", BAD_SAMPLER_ARGUMENTS)
def test_bad_sampler_arguments_are_refused_as_torch_refuses_them(tud, name, build, error, message):
    if tud:
        with pytest.raises(error):
            build(tud)
    with pytest.raises(error, match=f"^{name}: .*{message}"):
        build(gg.data)


def test_a_wrong_generator_type_is_named_at_construction():
    for build in (
        lambda: RandomSampler(range(3), generator=7),
        lambda: SubsetRandomSampler([0, 1], generator="seed"),
        lambda: WeightedRandomSampler([1, 2], 2, generator=np.random.default_rng(0)),
    ):
        with pytest.raises(TypeError, match="gg.Generator"):
            build()


def test_an_empty_data_source_with_explicit_num_samples_says_so():
    with pytest.raises(ValueError, match="empty"):
        list(RandomSampler([], num_samples=3))
