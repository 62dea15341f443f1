"""ops/shape.py: split/chunk/cat/stack/unbind sizes and gradients, reshape/expand/repeat rules."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

CALLS = [
    "m.split(x, 2)",
    "x.split(3, dim=1)",
    "x.split([1, 2], 0)",
    "x.split(5, 1)",
    "x.chunk(2)",
    "x.chunk(3, dim=1)",
    "x.chunk(4, dim=1)",  # 5 columns in chunks of ceil(5/4) = 2: only 3 chunks, as torch
    "m.chunk(x, 5, 1)",
    "x.unbind(1)",
    "m.unbind(x)",
]


@pytest.mark.parametrize("call", CALLS)
def test_split_family_matches_torch_and_unused_pieces_get_zero_gradient(call: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(15.0).reshape(3, 5)
    results = []
    for lib in (gg, torch):
        x = lib.tensor(data, requires_grad=True)
        pieces = eval(call, {"m": lib, "x": x})
        (pieces[0] * 2).sum().backward()  # only the first piece is used
        results.append(([p.tolist() for p in pieces], x.grad.tolist()))
    assert results[0] == results[1]


def test_cat_and_stack_match_torch_with_type_promotion() -> None:
    torch = pytest.importorskip("torch")
    for call in ["m.cat([m.tensor([[1]]), m.tensor([[1.5]])], 1)", "m.stack([m.tensor([1]), m.tensor([True])], -1)",
                 "m.cat((m.ones(1, 2), m.zeros(2, 2)))", "m.stack([m.ones(2), m.zeros(2)], dim=1)"]:
        ours, theirs = eval(call, {"m": gg}), eval(call, {"m": torch})
        assert ours.tolist() == theirs.tolist(), call
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], call


def test_cat_and_stack_gradients_slice_back() -> None:
    a = gg.ones(2, 1, requires_grad=True)
    b = gg.ones(2, 3, requires_grad=True)
    (gg.cat([a, b], dim=1) * gg.arange(4.0)).sum().backward()
    assert a.grad.tolist() == [[0.0], [0.0]]
    assert b.grad.tolist() == [[1.0, 2.0, 3.0]] * 2
    c = gg.ones(3, requires_grad=True)
    d = gg.ones(3, requires_grad=True)
    (gg.stack([c, d]) * gg.tensor([[1.0], [2.0]])).sum().backward()
    assert (c.grad.tolist(), d.grad.tolist()) == ([1.0] * 3, [2.0] * 3)


def test_reshape_view_flatten_squeeze_unsqueeze() -> None:
    x = gg.arange(24).reshape(2, 3, 4)
    assert x.view(-1, 4).shape == (6, 4)
    assert x.reshape((4, -1)).shape == (4, 6)
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.unsqueeze(0).squeeze(0).shape == (2, 3, 4)
    assert gg.zeros(2, 1, 3, 1).squeeze().shape == (2, 3)
    assert gg.zeros(2, 1, 3, 1).squeeze(1).shape == (2, 3, 1)
    assert gg.zeros(2, 1, 3).squeeze(0).shape == (2, 1, 3)  # not size 1: unchanged, as torch
    assert gg.tensor(5.0).flatten().shape == (1,)


def test_expand_and_repeat_match_torch() -> None:
    torch = pytest.importorskip("torch")
    calls = ["x.expand(2, 3, 2)", "x.expand(-1, 4)", "x.repeat(2, 3)", "x.repeat(2, 1, 1)", "x.expand_as(m.ones(3, 5))",
             "x.T", "x.t()", "x.permute(1, 0)", "x.transpose(-1, 0)", "x.mT"]
    for call in calls:
        results = []
        for lib in (gg, torch):
            x = lib.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
            y = eval(call, {"m": lib, "x": x})
            (y * y).sum().backward()
            results.append((y.tolist(), x.grad.tolist()))
        assert results[0] == results[1], call


def test_permute_refuses_a_non_permutation() -> None:
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\) are not a permutation"):
        gg.ones(2, 3).permute(0, 0)


def test_expand_refuses_a_size_change_of_a_non_singleton_dim() -> None:
    with pytest.raises(ValueError, match="expand: the size of dim 0 \\(3\\) must match the expanded size \\(4\\)"):
        gg.ones(3, 1).expand(4, 2)


def test_t_refuses_more_than_two_dims() -> None:
    with pytest.raises(ValueError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        gg.ones(2, 2, 2).t()
