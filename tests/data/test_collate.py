"""Tests for glassgrad/data/collate.py: default_collate and default_convert follow PyTorch's rules."""

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def test_tensors_are_stacked():
    batch = default_collate([gg.zeros(2, 3), gg.ones(2, 3)])
    assert batch.shape == (2, 2, 3)
    assert batch.dtype == gg.float32


def test_stacking_keeps_the_graph():
    a = gg.ones(3, requires_grad=True)
    default_collate([a * 2, a * 3]).sum().backward()
    assert a.grad.tolist() == [5.0, 5.0, 5.0]


def test_numpy_arrays_keep_their_dtype():
    batch = default_collate([np.zeros(2, dtype=np.float64), np.ones(2, dtype=np.float64)])
    assert batch.dtype == gg.float64 and batch.shape == (2, 2)
    assert default_collate([np.uint8(3), np.uint8(4)]).dtype == gg.uint8


def test_python_numbers_follow_pytorch():
    assert default_collate([1.5, 2.0]).dtype == gg.float64  # PyTorch: Python floats become double
    ints = default_collate([1, 2, 3])
    assert ints.dtype == gg.int64 and ints.tolist() == [1, 2, 3]
    assert default_collate([True, False]).dtype == gg.bool


def test_strings_stay_a_list():
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_tuples_become_lists_and_dicts_keep_keys():
    x, y = default_collate([(gg.zeros(2), 0), (gg.ones(2), 1)])
    assert x.shape == (2, 2) and y.tolist() == [0, 1]
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)
    batch = default_collate([{"image": np.zeros(3), "label": 1}, {"image": np.ones(3), "label": 2}])
    assert set(batch) == {"image", "label"}
    assert batch["image"].shape == (2, 3) and batch["label"].tolist() == [1, 2]
    ordered = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert isinstance(ordered, OrderedDict)


def test_namedtuple_keeps_its_type():
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point)
    assert batch.x.tolist() == [1, 3] and batch.y.dtype == gg.float64


def test_same_structure_as_pytorch():
    torch = pytest.importorskip("torch")
    samples = [
        ({"a": np.ones(2, dtype=np.float32), "b": 1.0}, [1, True]),
        ({"a": np.zeros(2, dtype=np.float32), "b": 2.0}, [2, False]),
    ]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) and type(ours[1]) is type(theirs[1])
    np.testing.assert_array_equal(ours[0]["a"].numpy(), theirs[0]["a"].numpy())
    assert str(ours[0]["b"].dtype).split(".")[-1] == str(theirs[0]["b"].dtype).split(".")[-1]
    assert [str(t.dtype).split(".")[-1] for t in ours[1]] == [str(t.dtype).split(".")[-1] for t in theirs[1]]


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"sample 1 has a tensor of shape \(3,\) but sample 0 has \(2,\)"):
        default_collate([gg.zeros(2), gg.zeros(3)])
    with pytest.raises(ValueError, match="NumPy array of shape"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="different lengths"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])


def test_default_convert():
    converted = default_convert({"a": np.arange(3), "b": (np.float32(1.5), "s", 2)})
    assert isinstance(converted["a"], gg.Tensor) and converted["a"].dtype == gg.int64
    assert isinstance(converted["b"], list)
    assert converted["b"][0].dtype == gg.float32
    assert converted["b"][1:] == ["s", 2]
