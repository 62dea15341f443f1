"""autograd/engine.py: accumulation, broadcasting, deep graphs, retain_graph, graph inspection, and the same
expression computed by glassgrad and by PyTorch (micrograd's test)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassgrad as gg


def test_gradients_accumulate_into_leaves_over_two_backward_calls() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert x.grad is first  # accumulated in place, as PyTorch


def test_a_leaf_used_twice_gets_the_sum() -> None:
    x = gg.tensor(3.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 7.0


def test_add_of_two_leaves_gives_each_its_own_gradient_array() -> None:
    a = gg.ones(3, requires_grad=True)
    b = gg.ones(3, requires_grad=True)
    (a + b).sum().backward()  # Add's backward hands the same array to both inputs
    a.grad.array[0] = 5.0
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_broadcast_gradients_are_summed_back_to_each_input_shape() -> None:
    x = gg.ones(3, 1, requires_grad=True)
    y = gg.ones(4, requires_grad=True)
    s = gg.tensor(2.0, requires_grad=True)
    (x * y * s).sum().backward()
    assert x.grad.shape == (3, 1) and x.grad.tolist() == [[8.0]] * 3
    assert y.grad.shape == (4,) and y.grad.tolist() == [6.0] * 4
    assert s.grad.shape == () and s.grad.item() == 12.0


def test_gradient_dtype_follows_the_input_through_a_cast() -> None:
    x = gg.ones(2, dtype=gg.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == gg.float64


def test_a_10000_step_recurrence_backpropagates_within_the_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    w = gg.tensor([0.5], requires_grad=True)
    h = gg.tensor([0.1])
    nodes = 0
    for _ in range(10_000):
        # 10 ops per step: 100,000 graph nodes in all
        h = ((h * w + 0.1).tanh() * 0.9 + h * 0.1 - 0.01).sigmoid() * 1.0 - 0.4
        nodes += 10
    assert nodes == 100_000
    h.sum().backward()
    assert w.grad is not None and np.isfinite(w.grad.item())
    assert sys.getrecursionlimit() == limit
    del h  # freeing a 100,000-deep chain must not overflow the C stack either


def test_second_backward_without_retain_graph_raises_a_clear_error() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_of_a_non_scalar_with_a_gradient() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(gg.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 40.0]


def test_unused_output_of_a_multi_output_op_gets_zeros() -> None:
    x = gg.arange(6.0).reshape(2, 3).requires_grad_()
    first, _, third = x.split(1, dim=1)
    (third * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 2.0], [0.0, 0.0, 2.0]]


def test_integer_outputs_stop_the_gradient() -> None:
    x = gg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    values, indices = x.max(dim=0)
    assert not indices.requires_grad
    (values * 2 + x[indices] * 0).backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_the_graph_is_inspectable() -> None:
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    b = gg.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = c.exp() + a
    assert d.grad_fn.name() == "AddBackward"
    assert d.grad_fn.op is gg.ops.arithmetic.AddOp
    exp_out, a_in = d.grad_fn.inputs
    assert a_in is a
    assert exp_out.grad_fn.name() == "ExpBackward"
    assert exp_out.grad_fn.inputs[0] is c
    assert c.grad_fn.inputs == (a, b)
    # next_functions: (producer node, output index) per input; None marks a leaf
    assert d.grad_fn.next_functions == ((exp_out.grad_fn, 0), (None, 0))
    assert c.grad_fn.next_functions == ((None, 0), (None, 0))
    assert a.is_leaf and a.grad_fn is None and not c.is_leaf
    order = gg.autograd.topological_order([d.grad_fn])
    assert [node.name() for node in order] == ["AddBackward", "ExpBackward", "MulBackward"]
    assert "grad_fn=<AddBackward>" in repr(d)


def micrograd_expression(lib):
    """micrograd's test_more_ops, written once for both frameworks (the `+=` lines write in place)."""
    a = lib.tensor(-4.0, dtype=lib.float64, requires_grad=True)
    b = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.item(), a.grad.item(), b.grad.item()


def test_same_expression_in_glassgrad_and_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = micrograd_expression(gg)
    theirs = micrograd_expression(torch)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours[0] == pytest.approx(24.70408163265306)


def test_mlp_step_in_glassgrad_and_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = {name: rng.standard_normal(shape) for name, shape in
              [("x", (8, 5)), ("w1", (5, 16)), ("b1", (16,)), ("w2", (16, 3))]}
    target = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    results = []
    for lib in (gg, torch):
        p = {k: lib.tensor(v, requires_grad=k != "x") for k, v in arrays.items()}
        hidden = (p["x"] @ p["w1"] + p["b1"]).relu()
        logits = hidden @ p["w2"]
        logp = logits.log_softmax(dim=1)
        loss = -logp[lib.arange(8), lib.tensor(target)].mean()
        loss.backward()
        results.append([loss.item()] + [p[k].grad.numpy() for k in ("w1", "b1", "w2")])
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    for ours, theirs in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_backward_is_silent_where_a_derivative_is_infinite_as_pytorch_is():
    import warnings

    x = gg.tensor([0.0, 4.0], requires_grad=True)
    settings = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning would fail the test
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.25
    assert np.geterr() == settings  # the caller's own NumPy settings are left as they were
