"""create_graph=True through in-place writes: CopySlices (a write through a view) and Copy (copy_/fill_/zero_)
are differentiated twice, and both derivatives match PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

# Each program writes into h = x * 1 (or through a view of it) and returns h; the loss below is cubic, so the
# second derivative is not zero anywhere.
PROGRAMS = {
    "row_mul_": lambda x, h: h[0].mul_(2),
    "transposed_row_add_": lambda x, h: h.t()[1].add_(x[:, 0] * x[:, 2]),
    "column_copy_": lambda x, h: h[:, 1].copy_(x[:, 0] ** 2),
    "flat_slice_mul_": lambda x, h: h.view(-1)[1:4].mul_(x.reshape(-1)[2:5]),
    "fill_": lambda x, h: h[1, 1:].fill_(0.5),
    "zero_": lambda x, h: h[:, 0].zero_(),
    "index_assignment": lambda x, h: h.__setitem__((0, slice(0, 2)), x[1, 1:] * 3),
    "masked_fill_on_view": lambda x, h: h[1].masked_fill_(x[1] > 4, 2.0),
    "whole_tensor_copy_": lambda x, h: h.copy_(x[[1, 0]] * x),
}


def _run(lib, name):
    x = lib.tensor(np.arange(1.0, 7.0).reshape(2, 3) / 3, dtype=lib.float64, requires_grad=True)
    h = x * 1
    PROGRAMS[name](x, h)
    loss = (h ** 3 * x).sum()
    (first,) = lib.autograd.grad(loss, x, create_graph=True)
    (second,) = lib.autograd.grad((first * first).sum(), x)
    return first.detach().numpy(), second.numpy()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_double_backward_through_an_in_place_write_matches_torch(name):
    ours = _run(gg, name)
    theirs = _run(torch, name)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)
