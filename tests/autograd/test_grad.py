"""glassgrad.autograd.grad: gradients as return values, with .grad left untouched."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def test_grad_of_a_scalar_leaves_dot_grad_untouched() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    w = gg.tensor([3.0, 4.0], requires_grad=True)
    (gx,) = gg.autograd.grad((x * w).sum(), [x])
    assert gx.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad is None


def test_grad_with_a_single_tensor_input_returns_a_tuple() -> None:
    x = gg.tensor(2.0, requires_grad=True)
    result = gg.autograd.grad(x * x, x)
    assert isinstance(result, tuple) and result[0].item() == 4.0


def test_grad_with_respect_to_a_non_leaf() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    gh, gx = gg.autograd.grad(y, [h, x])
    assert gh.tolist() == [4.0, 8.0]
    assert gx.tolist() == [8.0, 16.0]
    assert x.grad is None and h.grad is None


def test_grad_with_respect_to_only_a_non_leaf_does_not_touch_leaves() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (gh,) = gg.autograd.grad((h * h).sum(), [h])
    assert gh.tolist() == [4.0, 8.0]
    assert x.grad is None


def test_grad_outputs_give_the_vector_of_a_vector_jacobian_product() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = gg.autograd.grad(x * x, [x], grad_outputs=gg.tensor([1.0, 10.0]))
    assert gx.tolist() == [2.0, 40.0]
    (gx,) = gg.autograd.grad([x * x, x * 3], [x], grad_outputs=[gg.ones(2), gg.ones(2)])
    assert gx.tolist() == [5.0, 7.0]


def test_grad_of_a_non_scalar_without_grad_outputs_says_what_to_do() -> None:
    x = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs.*call .sum\\(\\) first or pass gradient="):
        gg.autograd.grad(x * 2, [x])


def test_allow_unused() -> None:
    x = gg.ones(2, requires_grad=True)
    unused = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="was not used.*allow_unused=True"):
        gg.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = gg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gu is None


def test_grad_frees_the_graph_unless_retained() -> None:
    x = gg.tensor([1.0], requires_grad=True)
    y = (x.exp() * x).sum()
    gg.autograd.grad(y, [x], retain_graph=True)
    gg.autograd.grad(y, [x])
    with pytest.raises(RuntimeError, match="second time"):
        gg.autograd.grad(y, [x])


def test_grad_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (gg, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        h = (x @ w).tanh()
        out = h.softmax(0)
        grads = lib.autograd.grad(out, [x, w, h], grad_outputs=lib.tensor([1.0, -2.0], dtype=lib.float64))
        results.append([g.numpy() for g in grads])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)


def test_grad_refuses_inputs_that_do_not_require_grad() -> None:
    x = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        gg.autograd.grad((x * 2).sum(), [gg.ones(2)])


def test_backward_with_inputs_accumulates_only_into_those() -> None:
    x = gg.ones(2, requires_grad=True)
    w = gg.ones(2, requires_grad=True)
    (x * w * 3).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 3.0]
    assert w.grad is None
