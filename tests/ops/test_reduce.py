"""ops/reduce.py: tie rules of max/min, prod with zeros, var/std correction, dims and dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg


def test_full_max_and_min_split_the_gradient_evenly_over_ties() -> None:
    x = gg.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == pytest.approx([0.0, 1 / 3, 1 / 3, 0.0, 1 / 3])
    x = gg.tensor([[0.0, 5.0], [0.0, 1.0]], requires_grad=True)
    (x.min() * 4).backward()
    assert x.grad.tolist() == [[2.0, 0.0], [2.0, 0.0]]


def test_max_along_a_dim_sends_the_gradient_to_one_index_like_torch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (gg, torch):
        x = lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
        values, indices = x.max(dim=1)
        values.sum().backward()
        results.append((values.tolist(), indices.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


def test_max_with_dim_returns_named_values_and_indices() -> None:
    result = gg.tensor([[1.0, 3.0], [4.0, 0.0]]).min(dim=0, keepdim=True)
    assert result.values.tolist() == [[1.0, 0.0]]
    assert result.indices.tolist() == [[0, 1]]
    assert result.indices.dtype == gg.int64
    values, indices = result
    assert values is result.values


def test_max_of_an_empty_tensor_says_to_give_a_dim() -> None:
    with pytest.raises(RuntimeError, match="specify dim"):
        gg.zeros(0).max()


def test_prod_gradient_with_zeros_is_exact() -> None:
    x = gg.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 24.0, 0.0, 0.0]  # no 0/0: products of the other elements
    x = gg.tensor([[2.0, 0.0, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]


@pytest.mark.parametrize(
    "call",
    [
        "x.var()",
        "x.var(1)",
        "x.var(1, correction=0)",
        "x.var(1, correction=2)",
        "x.var(dim=(0, 1), keepdim=True)",
        "x.var(0, unbiased=False)",
        "x.var(0, True)",
        "x.var(0, False)",
        "x.std()",
        "x.std(1, correction=0)",
        "x.std(dim=0, keepdim=True)",
        "x.std(unbiased=True)",
    ],
)
def test_var_and_std_correction_match_torch(call: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 2.0, 4.0, 7.0], [0.5, -1.0, 3.0, 2.0]])
    ours = eval(call, {"x": gg.tensor(data)})
    theirs = eval(call, {"x": torch.tensor(data)})
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_var_default_correction_is_bessel() -> None:
    assert gg.tensor([1.0, 2.0, 3.0, 4.0]).var().item() == pytest.approx(5 / 3)
    assert gg.tensor([1.0, 2.0, 3.0, 4.0]).var(correction=0).item() == pytest.approx(5 / 4)


def test_var_of_one_element_is_nan_as_torch() -> None:
    assert math.isnan(gg.tensor([1.0]).var().item())
    assert gg.tensor([1.0]).var(correction=0).item() == 0.0


def test_integer_reductions() -> None:
    x = gg.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.sum().dtype == gg.int64
    assert x.sum(0).tolist() == [5, 7, 9]
    assert x.prod().item() == 720
    with pytest.raises(TypeError, match="mean: input dtype must be floating point, got int64"):
        x.mean()
    assert x.mean(dtype=gg.float32).item() == 3.5


def test_argmax_argmin_all_any_match_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[3, 1, 3], [0, 5, 5]])
    for call in ["x.argmax()", "x.argmax(1)", "x.argmin(dim=0, keepdim=True)", "x.argmax(1, keepdim=True)",
                 "(x > 0).all(1)", "(x > 0).any()", "x.all()", "(x > 2).any(dim=0, keepdim=True)"]:
        ours = eval(call, {"x": gg.tensor(data)})
        theirs = eval(call, {"x": torch.tensor(data)})
        assert ours.tolist() == theirs.tolist(), call
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], call


def test_dim_out_of_range_is_an_index_error() -> None:
    with pytest.raises(IndexError, match="sum: dimension out of range"):
        gg.ones(2, 3).sum(2)
    assert gg.ones(2, 3).sum(-2).shape == (3,)
