"""Tensor hooks (register_hook, handle.remove) and retain_grad."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def assert_same(ours: tuple, theirs: tuple) -> None:
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_retain_grad_keeps_a_non_leaf_gradient() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_without_retain_grad_a_non_leaf_has_no_grad() -> None:
    x = gg.tensor([1.0], requires_grad=True)
    h = x * 3
    h.sum().backward()
    assert h.grad is None


def test_hook_on_a_leaf_can_replace_the_gradient_and_sees_the_total_once() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(grad):
        seen.append(grad.tolist())
        return grad * 10

    x.register_hook(hook)
    (x * 2 + x * 3).sum().backward()  # x is used twice: the hook sees the summed gradient, once
    assert seen == [[5.0, 5.0]]
    assert x.grad.tolist() == [50.0, 50.0]


def test_hook_on_a_non_leaf_modifies_what_flows_on() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    handle = h.register_hook(lambda grad: grad * 0.5)
    (h * h).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]  # 2 · (2h · ½)
    handle.remove()
    x.grad = None
    h2 = x * 2
    (h2 * h2).sum().backward()
    assert x.grad.tolist() == [8.0, 16.0]


def test_hook_returning_none_observes_only() -> None:
    x = gg.tensor([3.0], requires_grad=True)
    log = []
    x.register_hook(lambda grad: log.append(grad.item()))
    (x * x).sum().backward()
    assert log == [6.0]
    assert x.grad.item() == 6.0


def test_handle_remove_on_a_leaf_hook() -> None:
    x = gg.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda grad: calls.append(1))
    (x * 1).sum().backward()
    handle.remove()
    (x * 1).sum().backward()
    assert calls == [1]


def test_hooks_match_torch_on_the_same_graph() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (gg, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x.tanh() * x
        h.register_hook(lambda grad: grad.clamp(-0.5, 0.5))
        x.register_hook(lambda grad: grad * 2)
        h.retain_grad()
        (h * h * 3).sum().backward()
        results.append((x.grad.tolist(), h.grad.tolist()))
    assert_same(results[0], results[1])


def test_register_hook_needs_requires_grad() -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        gg.ones(2).register_hook(lambda grad: grad)
    with pytest.raises(RuntimeError, match="retain_grad on a Tensor that has requires_grad=False"):
        gg.ones(2).retain_grad()
