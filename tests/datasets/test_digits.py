"""Tests for glassgrad/datasets/digits.py: the bundled data, the pinned stratified split and normalisation."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader
from glassgrad.datasets import Digits, digits
from glassgrad.datasets.digits import MEAN, STD, _bundled, _test_counts, split_indices

ALL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # the MNIST test set, digits 0..9
TEST_COUNTS = [196, 227, 206, 202, 196, 178, 192, 206, 195, 202]


def test_sizes_shapes_and_dtypes():
    train, test = digits(train=True), digits(train=False)
    assert (len(train), len(test)) == (8000, 2000)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == gg.float32
    assert isinstance(label, int) and label == 7
    assert 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    assert train.data.shape == (8000, 28, 28) and train.data.dtype == gg.uint8
    assert train.targets.dtype == gg.int64
    assert digits is Digits


def test_split_is_stratified_and_pinned():
    _, labels = _bundled()
    assert np.bincount(labels).tolist() == ALL_COUNTS
    train, test = split_indices(True), split_indices(False)
    assert np.bincount(labels[test]).tolist() == TEST_COUNTS
    assert (np.bincount(labels[train]) + np.bincount(labels[test])).tolist() == ALL_COUNTS
    for count, in_test in zip(ALL_COUNTS, TEST_COUNTS):
        assert abs(in_test - count / 5) < 1  # each class keeps 20% to within one image
    assert len(np.intersect1d(train, test)) == 0 and len(np.union1d(train, test)) == 10000
    # Pinned: the exact images. If NumPy's PCG64 stream ever changed, this is where it shows.
    assert test[:10].tolist() == [2, 3, 11, 13, 15, 20, 21, 32, 48, 53]
    assert int(test.sum()) == 9961715 and int(train.sum()) == 40033285


def test_largest_remainder_test_counts():
    assert _test_counts(np.array(ALL_COUNTS), 2000).tolist() == TEST_COUNTS
    assert _test_counts(np.array([3, 3, 4]), 2).tolist() == [1, 0, 1]  # ties: smaller class first


def test_load_arrays_matches_the_dataset():
    X, y = digits.load_arrays(train=False)
    assert X.shape == (2000, 1, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    test = digits(train=False)
    np.testing.assert_array_equal(X[17], test[17][0].numpy())
    assert y[17] == test[17][1]
    X[:] = 0  # fresh arrays: changing them leaves the cache alone
    assert digits.load_arrays(train=False)[0].max() == 1.0


def test_normalisation_constants_are_the_train_split_statistics():
    X, _ = digits.load_arrays(train=True)
    assert X.mean(dtype=np.float64) == pytest.approx(MEAN, abs=5e-5)
    assert X.std(dtype=np.float64) == pytest.approx(STD, abs=5e-5)
    Xn, _ = digits.load_arrays(train=True, normalize=True)
    assert abs(Xn.mean()) < 1e-3 and abs(Xn.std() - 1) < 1e-3
    image, _ = digits(train=True, normalize=True)[0]
    np.testing.assert_allclose(image.numpy(), Xn[0], rtol=1e-6)


def test_flatten():
    image, _ = digits(flatten=True)[0]
    assert image.shape == (784,)
    assert digits.load_arrays(flatten=True, train=False)[0].shape == (2000, 784)


def test_loader_batches_equal_samples_and_transforms_apply():
    ds = digits(train=False, normalize=True)
    x, y = next(iter(DataLoader(ds, batch_size=32, shuffle=True, generator=gg.Generator().manual_seed(0))))
    assert x.shape == (32, 1, 28, 28) and y.shape == (32,) and y.dtype == gg.int64
    order = np.random.default_rng(0).permutation(2000)[:32]  # a Generator seeded 0 draws this permutation
    np.testing.assert_array_equal(x.numpy()[3], ds[int(order[3])][0].numpy())
    shifted = digits(train=False, transform=lambda image: image + 1, target_transform=str)
    image, label = shifted[0]
    assert image.numpy().min() >= 1 and isinstance(label, str)
    xs, ys = next(iter(DataLoader(shifted, batch_size=4)))
    assert xs.numpy().min() >= 1 and ys == [shifted[i][1] for i in range(4)]


def test_index_errors():
    ds = digits(train=False)
    assert ds[-1][1] == ds[1999][1]
    with pytest.raises(IndexError, match="2000 samples"):
        ds[2000]
