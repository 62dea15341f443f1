"""PyTorch's legacy constructors (gg.LongTensor & co, tensor_types.py), Tensor.new_* and the device flags,
against torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"]
DTYPES = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16", "LongTensor": "int64",
          "IntTensor": "int32", "ByteTensor": "uint8", "BoolTensor": "bool"}


@pytest.mark.parametrize("name", TYPES)
def test_typed_constructor_from_data_as_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    for data in ([1.7, 0.0, 2.0], [[1, 0], [3, 4]], np.array([2.5, 0.0])):
        ours, theirs = getattr(gg, name)(data), getattr(torch, name)(data)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] == DTYPES[name]
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", TYPES)
def test_typed_constructor_from_sizes(name: str) -> None:
    made = getattr(gg, name)(2, 3)
    assert made.shape == (2, 3) and made.dtype == getattr(gg, DTYPES[name].replace("bool", "bool_"))
    assert not made.numpy().any()  # "uninitialised" in PyTorch: zeros here
    empty = getattr(gg, name)()
    assert empty.shape == (0,) and empty.dtype == made.dtype


def test_isinstance_checks_the_dtype() -> None:
    assert isinstance(gg.tensor([1, 2]), gg.LongTensor) and not isinstance(gg.tensor([1, 2]), gg.FloatTensor)
    assert isinstance(gg.zeros(2), gg.FloatTensor) and isinstance(gg.zeros(2), gg.Tensor)
    assert isinstance(gg.tensor([True]), gg.BoolTensor) and not isinstance([1, 2], gg.LongTensor)
    assert isinstance(gg.zeros(1, dtype=gg.float64), gg.DoubleTensor)
    assert gg.zeros(3).type(gg.LongTensor).dtype == gg.int64  # x.type(torch.LongTensor) casts, as in PyTorch


def test_typed_constructor_refuses_mixed_arguments() -> None:
    with pytest.raises(TypeError, match=r"LongTensor\(\): pass sizes as ints"):
        gg.LongTensor([1], 2)


@pytest.mark.parametrize("dtype", ["float64", "int64", "float16"])
def test_new_factories_keep_dtype_and_device_as_torch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    base_ours, base_theirs = gg.zeros(1, dtype=getattr(gg, dtype)), torch.zeros(1, dtype=getattr(torch, dtype))
    calls = [
        lambda b: b.new_zeros(2, 3), lambda b: b.new_zeros((2,)), lambda b: b.new_ones(3), lambda b: b.new_ones([1, 2]),
        lambda b: b.new_full((2, 2), 7), lambda b: b.new_full([3], 2.5), lambda b: b.new_empty(4).zero_(),
        lambda b: b.new_tensor([1, 2]), lambda b: b.new_tensor([[0.5], [1.5]]),
    ]
    for call in calls:
        ours, theirs = call(base_ours), call(base_theirs)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
        assert ours.device == base_ours.device


def test_new_factories_take_dtype_device_and_requires_grad() -> None:
    x = gg.zeros(1, dtype=gg.int64)
    made = x.new_ones(2, dtype=gg.float32, device="cpu", requires_grad=True)
    assert made.dtype == gg.float32 and made.requires_grad and made.is_leaf
    assert x.new_tensor([1.5, 2.5], dtype=gg.float64).tolist() == [1.5, 2.5]
    assert x.new_full((2,), 3, requires_grad=False).dtype == gg.int64
    with pytest.raises(ValueError, match="new_zeros: sizes must be non-negative integers"):
        x.new_zeros(-1)
    with pytest.raises(RuntimeError, match="floating point"):
        x.new_zeros(2, requires_grad=True)


def test_new_tensor_copies() -> None:
    source = np.zeros(2, dtype=np.float32)
    made = gg.zeros(1).new_tensor(source)
    made[0] = 1.0
    assert source[0] == 0.0


FLAGS = ["is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_quantized", "is_sparse", "is_mkldnn", "is_nested"]


def test_device_flags_as_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = gg.zeros(2), torch.zeros(2)
    assert {f: getattr(ours, f) for f in FLAGS} == {f: getattr(theirs, f) for f in FLAGS}


def test_device_flags_follow_the_device() -> None:
    x = gg.zeros(2)
    assert x.is_cpu and not x.is_cuda and not any(getattr(x, f) for f in FLAGS[2:])
    if cuda_is_available():
        y = x.to("cuda")
        assert y.is_cuda and not y.is_cpu and not isinstance(y, gg.FloatTensor)
