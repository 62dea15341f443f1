"""ops/index.py: x[key] with every kind of key (and its gradient), x[key] = v, and gather."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

KEYS = {
    "int": lambda m: (1,),
    "negative_int": lambda m: (-1,),
    "ints": lambda m: (1, -2),
    "slice": lambda m: (slice(1, None),),
    "slice_step": lambda m: (slice(None), slice(None, None, 2)),
    "none": lambda m: (None, 0),
    "ellipsis": lambda m: (Ellipsis, 1),
    "ellipsis_none": lambda m: (0, Ellipsis, None),
    "list": lambda m: ([0, 2, 0],),
    "int_tensor": lambda m: (m.tensor([2, 0]),),
    "int_tensor_2d": lambda m: (m.tensor([[0, 1], [1, 1]]),),
    "zero_dim_int_tensor": lambda m: (m.tensor(1), 2),
    "two_lists": lambda m: ([0, 0, 2], [1, 3, 1]),
    "slice_then_list": lambda m: (slice(1, None), [0, 3]),
    "int_then_list": lambda m: (1, [0, 2]),
    "ellipsis_then_tensor": lambda m: (Ellipsis, m.tensor([3, 3, 0])),
    "bool_mask_rows": lambda m: (m.tensor([True, False, True]),),
    "bool_mask_full": lambda m: (m.tensor(np.arange(12).reshape(3, 4) % 3 == 0),),
    "bool_mask_dim1": lambda m: (slice(None), m.tensor([False, True, True, False])),
    "tensor_slice_bound": lambda m: (slice(m.tensor(1), None),),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_indexing_values_and_gradients_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(12.0).reshape(3, 4)
    results = []
    for lib in (gg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x[KEYS[name](lib)]
        (y * lib.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))).sum().backward()
        results.append((tuple(y.shape), y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


def test_repeated_indices_accumulate_their_gradients() -> None:
    x = gg.zeros(4, requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 0.0]
    x = gg.zeros(2, 2, requires_grad=True)
    x[gg.tensor([1, 1]), gg.tensor([0, 0])].sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [2.0, 0.0]]


def test_a_float_tensor_is_not_an_index() -> None:
    with pytest.raises(TypeError, match="index: tensors used as indices must be long, int, byte or bool tensors, "
                                        "got float32"):
        gg.ones(3)[gg.tensor([1.0])]


def test_out_of_range_index_names_the_shape() -> None:
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        gg.ones(3)[5]


def test_a_zero_step_is_refused() -> None:
    with pytest.raises(ValueError, match="step must be greater than zero"):
        gg.ones(3)[::0]


def test_setitem_on_a_graph_tensor_routes_gradients() -> None:
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = gg.tensor(5.0, requires_grad=True)
    y = x * 1
    y[1] = v * 2
    assert y.tolist() == [1.0, 10.0, 3.0]
    (y * gg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0]
    assert v.grad.item() == 4.0


def test_setitem_on_a_plain_tensor_makes_it_require_grad_when_the_value_does() -> None:
    out = gg.zeros(2, 3)
    row = gg.ones(3, requires_grad=True)
    out[0] = row * 3
    assert out.requires_grad and not out.is_leaf
    out.sum().backward()
    assert row.grad.tolist() == [3.0, 3.0, 3.0]


def test_setitem_with_a_mask_and_a_number() -> None:
    x = gg.arange(6.0)
    x[x > 2] = 0.0
    assert x.tolist() == [0.0, 1.0, 2.0, 0.0, 0.0, 0.0]


def test_gather_matches_torch_including_a_smaller_index() -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(12.0).reshape(3, 4)
    index = np.array([[0, 0], [3, 1]])  # fewer rows and columns than the input: gather reads that block
    results = []
    for lib in (gg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x.gather(1, lib.tensor(index))
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        results.append((y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


def test_gather_errors_name_the_shapes() -> None:
    x = gg.ones(3, 4)
    with pytest.raises(TypeError, match="gather: index must be an integer"):
        x.gather(1, gg.tensor([[0.0]]))
    with pytest.raises(ValueError, match=r"gather: index \(2,\) and input \(3, 4\) must have the same number"):
        x.gather(1, gg.tensor([0, 1]))
    with pytest.raises(ValueError, match="gather: index size 5 exceeds input size 3 in dim 0"):
        x.gather(1, gg.zeros(5, 1, dtype=gg.int64))
