"""ops/select.py: maximum/minimum tie rule, where and masked_fill, tril/triu."""

from __future__ import annotations

import pytest

import glassgrad as gg


def test_maximum_and_minimum_split_ties_in_half() -> None:
    for function in (gg.maximum, gg.minimum):
        x = gg.tensor([1.0, 2.0, 0.0], requires_grad=True)
        y = gg.tensor([1.0, 1.0, 1.0], requires_grad=True)
        function(x, y).sum().backward()
        x_share = [0.5, 1.0, 0.0] if function is gg.maximum else [0.5, 0.0, 1.0]
        assert x.grad.tolist() == x_share
        assert y.grad.tolist() == [1.0 - s for s in x_share]


def test_maximum_tie_rule_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (gg, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 3.0]], requires_grad=True)
        y = lib.tensor([3.0, 2.0], requires_grad=True)
        lib.maximum(x, y).sum().backward()
        grads.append((x.grad.tolist(), y.grad.tolist()))
    assert grads[0] == grads[1]


def test_where_with_two_numbers_builds_no_graph_and_keeps_torch_dtype() -> None:
    condition = gg.tensor([True, False])
    assert gg.where(condition, 1, 0).dtype == gg.int64
    assert gg.where(condition, 1.0, 0).dtype == gg.float32
    assert gg.where(condition, 1.0, 0).tolist() == [1.0, 0.0]


def test_where_needs_a_bool_condition() -> None:
    with pytest.raises(TypeError, match="where: condition must be a bool tensor, got int64"):
        gg.where(gg.tensor([1, 0]), gg.ones(2), gg.zeros(2))


def test_where_gradient_goes_to_the_chosen_side() -> None:
    x = gg.ones(3, requires_grad=True)
    y = gg.ones(3, requires_grad=True)
    gg.where(gg.tensor([True, False, True]), x, y).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    assert y.grad.tolist() == [0.0, 1.0, 0.0]


def test_masked_fill_blocks_the_gradient_under_the_mask() -> None:
    x = gg.ones(2, 3, requires_grad=True)
    y = x.masked_fill(gg.tensor([[True, False, False]]), float("-inf"))  # the mask broadcasts over rows
    assert y.tolist() == [[float("-inf"), 1.0, 1.0], [float("-inf"), 1.0, 1.0]]
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [[0.0, 3.0, 3.0], [0.0, 3.0, 3.0]]


def test_masked_fill_refuses_float_value_for_int_tensor() -> None:
    with pytest.raises(TypeError, match="masked_fill"):
        gg.tensor([1, 2]).masked_fill(gg.tensor([True, False]), 0.5)


def test_tril_triu_need_two_dims() -> None:
    with pytest.raises(ValueError, match="tril: input must have at least 2 dimensions, got shape \\(3,\\)"):
        gg.ones(3).tril()
    assert gg.ones(3, 3).triu(1).sum().item() == 3.0
    assert gg.ones(3, 3).tril(-1).sum().item() == 3.0
