"""autograd/grad_checks.py: `.grad` assignment and hook return values checked where they enter, as PyTorch does;
and engine.py's order of retain_grad after the user's hooks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad as gg


def raises_like_torch(ours, theirs, error, match):
    """Both frameworks raise `error` with `match` in the message (PyTorch's words, which ours keep)."""
    with pytest.raises(error, match=match):
        theirs()
    with pytest.raises(error, match=match):
        ours()


# ---- .grad assignment ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, torch_value, match",
    [
        (lambda: gg.ones(1), lambda: torch.ones(1), "attempting to assign a gradient"),
        (lambda: gg.ones(3, 1), lambda: torch.ones(3, 1), "attempting to assign a gradient"),
        (lambda: gg.ones(3, dtype=gg.float64), lambda: torch.ones(3, dtype=torch.float64), "attempting to assign"),
        (lambda: gg.ones(3, dtype=gg.int64), lambda: torch.ones(3, dtype=torch.int64), "attempting to assign"),
    ],
    ids=["smaller", "more-dims", "float64", "int64"],
)
def test_a_grad_that_does_not_fit_is_refused_and_the_old_one_kept(value, torch_value, match):
    w = gg.ones(3, requires_grad=True)
    tw = torch.ones(3, requires_grad=True)

    def ours():
        w.grad = value()

    def theirs():
        tw.grad = torch_value()

    raises_like_torch(ours, theirs, RuntimeError, match)
    assert w.grad is None and tw.grad is None  # nothing was stored


def test_the_grad_error_names_both_shapes_dtypes_devices_and_the_fix():
    w = gg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        w.grad = gg.ones(1, dtype=gg.float64)
    message = str(info.value)
    assert "shape (1,), float64, cpu" in message and "shape (3,), float32, cpu" in message
    assert "t.grad = None" in message


def test_grad_must_be_a_tensor_or_none_and_not_the_tensor_itself():
    w = gg.ones(3, requires_grad=True)
    tw = torch.ones(3, requires_grad=True)

    def ours_array():
        w.grad = np.ones(3, dtype=np.float32)

    def theirs_array():
        tw.grad = np.ones(3, dtype=np.float32)

    raises_like_torch(ours_array, theirs_array, TypeError, "expected to be a Tensor or None")

    def ours_self():
        w.grad = w

    def theirs_self():
        tw.grad = tw

    raises_like_torch(ours_self, theirs_self, RuntimeError, "can't assign Variable as its own grad")


def test_a_fitting_grad_is_stored_as_given_and_none_or_del_clears_it():
    w = gg.ones(2, 3, requires_grad=True)
    g = gg.full((2, 3), 0.5)
    w.grad = g
    assert w.grad is g  # the same object, as torch keeps it
    w.grad = None
    assert w.grad is None
    w.grad = g
    del w.grad
    assert w.grad is None
    plain = gg.ones(2)  # a tensor that does not require grad may hold one too (as in torch)
    plain.grad = gg.zeros(2)
    assert plain.grad.tolist() == [0.0, 0.0]


def test_backward_refuses_to_broadcast_into_a_grad_left_from_before_a_resize():
    # torch adds the (1,) gradient into the stale (3,) .grad by broadcasting: p.grad becomes [3, 3, 3], silently.
    p = gg.ones(3, requires_grad=True)
    p.grad = gg.ones(3)
    p.data = gg.zeros(1)
    with pytest.raises(RuntimeError, match=r"\.grad has shape \(3,\) but its new gradient has shape \(1,\)"):
        (p * 2).sum().backward()
    p.grad = None
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0]


# ---- hooks' return values --------------------------------------------------------------------------------------
def shrink(grad):
    return grad.sum().reshape(1)


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
@pytest.mark.parametrize(
    "hook, torch_hook, error, match",
    [
        (shrink, shrink, RuntimeError, "hook 'shrink' has changed the size of value"),
        (lambda g: g.double(), lambda g: g.double(), RuntimeError, "hook '.*<lambda>' has changed the type"),
        (lambda g: 3.0, lambda g: 3.0, TypeError, "hook"),
    ],
    ids=["shape", "dtype", "not-a-tensor"],
)
def test_a_hook_returning_a_misfit_raises_naming_the_hook(leaf, hook, torch_hook, error, match):
    def ours():
        w = gg.ones(3, requires_grad=True)
        target = w if leaf else w * 1
        target.register_hook(hook)
        (target * 2).sum().backward()

    def theirs():
        w = torch.ones(3, requires_grad=True)
        target = w if leaf else w * 1
        target.register_hook(torch_hook)
        (target * 2).sum().backward()

    raises_like_torch(ours, theirs, error, match)


def test_the_hook_error_gives_both_shapes():
    w = gg.ones(3, requires_grad=True)
    w.register_hook(shrink)
    with pytest.raises(RuntimeError, match=r"shape \(1,\), float32, cpu for a tensor of shape \(3,\)"):
        (w * 2).sum().backward()
    assert w.grad is None  # the leaf's .grad is never left at the hook's shape


def test_a_fitting_hook_replacement_flows_on_as_in_torch():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * x
        h.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        h.sum().backward()
        return x.grad.tolist()

    assert run(gg) == pytest.approx(run(torch))


def test_autograd_grad_checks_a_leaf_hook_too():
    w = gg.ones(3, requires_grad=True)
    w.register_hook(shrink)
    with pytest.raises(RuntimeError, match="hook 'shrink' has changed the size"):
        gg.autograd.grad((w * 2).sum(), w)


def test_a_module_full_backward_hook_returning_a_misfit_raises():
    weight = np.arange(6, dtype=np.float32).reshape(2, 3) / 6

    def run(lib, hook):
        layer = lib.nn.Linear(3, 2)
        layer.weight.data = lib.tensor(weight)
        layer.register_full_backward_hook(hook)
        x = lib.ones(4, 3, requires_grad=True)
        layer(x).sum().backward()
        return x.grad

    def wrong_shape(module, grad_input, grad_output):
        return (grad_input[0][:1],)

    with pytest.raises(RuntimeError, match="has changed the size of value"):
        run(torch, wrong_shape)
    with pytest.raises(RuntimeError, match=r"Linear: grad_input\[0\]: hook '.*wrong_shape' has changed the size"):
        run(gg, wrong_shape)

    def wrong_dtype(module, grad_input, grad_output):
        return (grad_input[0].double(),)

    with pytest.raises(RuntimeError, match="has changed the type"):
        run(gg, wrong_dtype)

    def doubles(module, grad_input, grad_output):
        return (grad_input[0] * 2,)

    np.testing.assert_allclose(run(gg, doubles).numpy(), run(torch, doubles).numpy(), rtol=1e-6)
    np.testing.assert_allclose(run(gg, doubles).numpy(), np.tile(2 * weight.sum(0), (4, 1)), rtol=1e-6)


# ---- retain_grad after the user's hooks ------------------------------------------------------------------------
@pytest.mark.parametrize("retain_first", [True, False])
def test_retain_grad_keeps_the_gradient_after_every_hook_whatever_the_order(retain_first):
    def run(lib):
        x = lib.tensor([0.1], requires_grad=True)
        y = x * 3
        if retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 2)
        if not retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 3)
        (y * 0.1).sum().backward()
        return y.grad.tolist(), x.grad.tolist()

    ours, theirs = run(gg), run(torch)
    assert ours[0] == pytest.approx(theirs[0])
    assert ours[0] == pytest.approx([0.6])  # 0.1 · 2 · 3: both hooks applied
    assert ours[1] == pytest.approx(theirs[1])


def test_retain_grad_accumulates_over_two_backwards_as_torch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward(retain_graph=True)
        (y * y).sum().backward()
        return y.grad.tolist()

    assert run(gg) == pytest.approx(run(torch))
