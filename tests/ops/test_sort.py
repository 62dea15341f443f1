"""sort, argsort and topk (ops/sort.py): what the op table cannot see — ties, NaN, integer and bool dtypes,
0-d inputs, the named tuple, and the errors. Gradients and torch parity on tie-free inputs are in the table."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg

NAN = math.nan
TIES = [[3.0, 1.0, 3.0, 2.0, 1.0, 3.0], [0.0, 0.0, -1.0, 5.0, 5.0, 0.0]]


def test_sort_returns_a_named_tuple_like_torch_return_types() -> None:
    result = gg.sort(gg.tensor([2.0, 0.5, 1.0]))
    values, indices = result
    assert values is result.values and indices is result.indices and isinstance(result, tuple)
    assert values.tolist() == [0.5, 1.0, 2.0] and indices.tolist() == [1, 2, 0]
    assert indices.dtype == gg.int64


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ties_keep_their_order_as_torch_stable_sort(descending: bool, dim: int) -> None:
    torch = pytest.importorskip("torch")
    ours = gg.tensor(TIES).sort(dim=dim, descending=descending)
    theirs = torch.tensor(TIES).sort(dim=dim, descending=descending, stable=True)
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert ours.values.tolist() == theirs.values.tolist()
    assert gg.argsort(gg.tensor(TIES), dim, descending).tolist() == theirs.indices.tolist()


def test_nan_sorts_above_every_number_as_torch() -> None:
    torch = pytest.importorskip("torch")
    data = [1.0, NAN, -math.inf, 0.0, NAN, math.inf]
    for descending in (False, True):
        ours = gg.sort(gg.tensor(data), descending=descending)
        theirs = torch.sort(torch.tensor(data), descending=descending, stable=True)
        assert ours.indices.tolist() == theirs.indices.tolist()
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    top = gg.topk(gg.tensor(data), 3)
    assert top.indices.tolist() == [1, 4, 5]  # both NaNs first (larger than inf), then inf


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_and_bool_sort_as_torch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[3, 0, 1, 1], [0, 2, 2, 0]]).astype(dtype)
    for descending in (False, True):
        ours = gg.tensor(data).sort(descending=descending)
        theirs = torch.tensor(data).sort(descending=descending, stable=True)
        assert ours.values.dtype == gg.tensor(data).dtype
        assert ours.values.tolist() == theirs.values.tolist()
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_topk_of_ties_takes_the_first_ones() -> None:
    values, indices = gg.tensor([1.0, 3.0, 3.0, 2.0, 3.0]).topk(2)
    assert values.tolist() == [3.0, 3.0] and indices.tolist() == [1, 2]
    assert gg.topk(gg.tensor([2, 1, 1, 5]), 3, largest=False).indices.tolist() == [1, 2, 0]


def test_topk_unsorted_is_still_sorted() -> None:
    # PyTorch leaves the order of sorted=False unspecified; glassgrad gives the sorted one.
    values, indices = gg.tensor([0.1, 0.9, 0.5, 0.7]).topk(3, sorted=False)
    assert values.tolist() == pytest.approx([0.9, 0.7, 0.5]) and indices.tolist() == [1, 3, 2]


def test_topk_gradient_lands_on_the_chosen_positions() -> None:
    x = gg.tensor([[0.2, 0.9, 0.4], [0.8, 0.1, 0.3]], requires_grad=True)
    values, _ = x.topk(2, dim=1)
    (values * gg.tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 10.0], [100.0, 0.0, 1000.0]]


def test_zero_d_and_empty_inputs_as_torch() -> None:
    torch = pytest.importorskip("torch")
    for fn in (lambda m, t: m.sort(t), lambda m, t: m.topk(t, 1), lambda m, t: m.topk(t, 0, dim=0)):
        ours, theirs = fn(gg, gg.tensor(3.0)), fn(torch, torch.tensor(3.0))
        for a, b in zip(ours, theirs):
            assert tuple(a.shape) == tuple(b.shape) and a.tolist() == b.tolist()
    values, indices = gg.topk(gg.zeros(2, 3), 0)
    assert values.shape == (2, 0) and indices.shape == (2, 0)
    assert gg.argsort(gg.tensor(5.0)).tolist() == 0


def test_sort_and_topk_errors_name_the_op_and_the_fix() -> None:
    x = gg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"topk: selected index k out of range.*0 <= k <= 3"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="out of range"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        x.topk(1.0)
    with pytest.raises(IndexError, match="sort: dimension out of range"):
        x.sort(dim=2)
    with pytest.raises(TypeError, match="argsort: descending must be a bool"):
        x.argsort(descending="yes")
