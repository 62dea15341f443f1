"""Tensor.register_post_accumulate_grad_hook and engine.queue_callback (what DistributedDataParallel uses)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import engine


def test_post_accumulate_hook_sees_the_accumulated_grad_as_torch():
    torch = pytest.importorskip("torch")
    seen, torch_seen = [], []
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.numpy().copy()))
    tw.register_post_accumulate_grad_hook(lambda p: torch_seen.append(p.grad.numpy().copy()))
    for _ in range(2):
        (w * w * 3).sum().backward()
        (tw * tw * 3).sum().backward()
    np.testing.assert_allclose(np.stack(seen), np.stack(torch_seen))
    assert len(seen) == 2


def test_post_accumulate_hook_refuses_non_leaves_and_can_be_removed():
    w = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda p: calls.append(1))
    handle.remove()
    w.sum().backward()
    assert calls == []


def test_queued_callback_runs_once_after_every_leaf_has_its_grad():
    a = gg.ones(2, requires_grad=True)
    b = gg.ones(3, requires_grad=True)
    events = []

    def first_hook(p):
        events.append("hook")
        engine.queue_callback(lambda: events.append(("end", a.grad is not None, b.grad is not None)))

    a.register_post_accumulate_grad_hook(first_hook)
    (a.sum() + b.sum()).backward()
    assert events == ["hook", ("end", True, True)]


def test_queue_callback_outside_backward_is_an_error():
    with pytest.raises(RuntimeError, match="no backward is running"):
        engine.queue_callback(lambda: None)
