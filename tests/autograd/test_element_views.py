"""x[i] of a single element is a 0-d view, as in PyTorch: writes through it reach x and its graph.

NumPy answers `a[0]` on a 1-d array with a scalar copy, so without care a write to `h[0]` of a 1-d tensor
would be lost silently (and `x[0].mul_(2)` on a leaf would be accepted instead of refused)."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

WRITES = {
    "mul_": lambda v: v.mul_(4),
    "iadd": lambda v: v.__iadd__(5),
    "fill_": lambda v: v.fill_(7),
    "zero_": lambda v: v.zero_(),
    "copy_": lambda v: v.copy_(v * 3),
}


def _run(lib, write, index):
    x = lib.tensor(np.arange(1.0, 7.0).reshape(2, 3) if len(index) == 2 else np.arange(1.0, 4.0),
                   dtype=lib.float64, requires_grad=True)
    h = x * 1
    WRITES[write](h[index])
    (h * h).sum().backward()
    return h.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("index", [(1,), (1, 2), (-1, 0)], ids=["1d", "2d", "negative"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_through_one_element_reaches_the_tensor_and_its_gradient(write, index):
    ours, theirs = _run(gg, write, index), _run(torch, write, index)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


def test_an_element_of_a_leaf_that_requires_grad_refuses_an_in_place_write_as_torch_does():
    with pytest.raises(RuntimeError):
        torch.ones(3, requires_grad=True)[0].mul_(2)
    with pytest.raises(RuntimeError, match=r"mul_: a view \(shape \(\)\) of a leaf tensor that requires grad"):
        gg.ones(3, requires_grad=True)[0].mul_(2)


def test_an_element_read_is_still_its_value():
    x = gg.tensor([1.5, 2.5])
    assert x[1].shape == () and x[1].item() == 2.5
    x[1].fill_(9)
    assert x.tolist() == [1.5, 9.0]
