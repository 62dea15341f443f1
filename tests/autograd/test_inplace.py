"""In-place ops and autograd (Tensor._write_in_place, version counters in autograd/node.py)."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def assert_same(ours: tuple, theirs: tuple) -> None:
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_modifying_a_saved_tensor_raises_at_backward() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1, expected version 0"):
        z.backward()


def test_modifying_a_saved_output_raises_at_backward() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_writing_through_a_view_of_a_saved_tensor_raises() -> None:
    x = gg.ones(2, 2, requires_grad=True)
    h = x * 1
    z = (h * h).sum()
    h[0].mul_(2)  # h[0] is a view: it shares h's memory and version counter
    with pytest.raises(RuntimeError, match="inplace"):
        z.backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused() -> None:
    x = gg.ones(3, requires_grad=True)
    for write in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(1.0),
                  lambda: x.copy_(gg.zeros(3)), lambda: x.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place.*no_grad"):
            write()


def test_in_place_on_a_leaf_under_no_grad_updates_it_and_bumps_the_version() -> None:
    x = gg.ones(3, requires_grad=True)
    with gg.no_grad():
        x.add_(gg.ones(3), alpha=2)
        x *= 2
    assert x.tolist() == [6.0, 6.0, 6.0]
    assert x._version == 2
    assert x.is_leaf and x.requires_grad


def test_in_place_on_a_non_leaf_flows_gradients() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    assert y.tolist() == [3.0, 5.0]
    assert y.grad_fn.name() == "AddBackward"
    (y * y).sum().backward()
    assert x.grad.tolist() == [12.0, 20.0]  # d/dx (2x + 1)² = 4(2x + 1)


@pytest.mark.parametrize(
    "step",
    [
        lambda y, w: y.mul_(w),  # mul_ saves the original y for w's gradient
        lambda y, w: y.clamp_(0.5, 3.0),  # clamp_ saves the original y for its mask
        lambda y, w: y.div_(w),
        lambda y, w: y.sub_(w, alpha=0.5),
        lambda y, w: y.masked_fill_(w > 1.2, 0.0),
        lambda y, w: y.copy_(w * 3),
        lambda y, w: y.zero_(),
        lambda y, w: y.__setitem__(0, w[1] * 5),
    ],
)
def test_in_place_ops_on_non_leaves_match_torch(step) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (gg, torch):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        w = lib.tensor([1.5, 1.0, 0.8], requires_grad=True)
        y = x * 2
        step(y, w)
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        results.append((y.tolist(), x.grad.tolist(), None if w.grad is None else w.grad.tolist()))
    assert_same(results[0], results[1])


def test_plain_tensor_becomes_part_of_the_graph_after_an_in_place_op() -> None:
    acc = gg.zeros(2)
    w = gg.ones(2, requires_grad=True)
    acc += w * 3
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_augmented_assignment_writes_in_place() -> None:
    x = gg.ones(2)
    alias = x
    x += 1
    x -= 0.5
    x *= 4
    x /= 2
    assert x is alias
    assert alias.tolist() == [3.0, 3.0]


def test_in_place_result_must_keep_dtype_and_shape() -> None:
    with pytest.raises(RuntimeError, match="add_: result type glassgrad.float32 can't be cast to .*int64"):
        gg.tensor([1, 2]).add_(0.5)
    with pytest.raises(ValueError, match=r"add_: the result has shape \(2, 2\)"):
        gg.ones(2).add_(gg.ones(2, 1))


def test_detach_shares_memory_and_version_counter() -> None:
    x = gg.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    z = (y * y).sum()
    d.add_(1)  # the write through the detached twin is seen
    assert y.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="inplace"):
        z.backward()
