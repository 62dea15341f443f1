"""nn.BatchNorm1d/2d and nn.GroupNorm: torch parity over several training steps (outputs, gradients, running
statistics, num_batches_tracked), momentum=None, eval mode, track_running_stats=False, state_dict and repr."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

BATCH_NORMS = [
    ("BatchNorm2d", dict(), (4, 3, 5, 6)),
    ("BatchNorm2d", dict(momentum=None), (4, 3, 5, 6)),
    ("BatchNorm2d", dict(affine=False, eps=1e-3), (4, 3, 2, 2)),
    ("BatchNorm2d", dict(bias=False), (4, 3, 2, 2)),
    ("BatchNorm1d", dict(momentum=0.3), (8, 3)),
    ("BatchNorm1d", dict(), (4, 3, 7)),
    ("BatchNorm1d", dict(track_running_stats=False), (8, 3)),
]


def _pair(name: str, kwargs: dict):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, **kwargs), getattr(torch.nn, name)(3, **kwargs)
    rng = np.random.default_rng(5)
    with torch.no_grad():  # non-trivial affine parameters, the same in both
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(p.shape).astype(np.float32)))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return torch, ours, theirs


def _step(torch, ours, theirs, x: np.ndarray) -> None:
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xg), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(int(x.sum() * 1000) % 100).standard_normal(x.shape).astype(np.float32)
    y.backward(gg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, kwargs, shape", BATCH_NORMS)
def test_batch_norm_matches_torch_over_steps_then_eval(name, kwargs, shape) -> None:
    torch, ours, theirs = _pair(name, kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for step in range(4):  # changing scale and shift, so the running statistics really move
        _step(torch, ours, theirs, (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32))
    for (key, value), (_, ref) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(value.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    for (key, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=key)
    ours.eval()
    theirs.eval()
    _step(torch, ours, theirs, rng.standard_normal(shape).astype(np.float32) + 2)
    if ours.num_batches_tracked is not None:
        assert ours.num_batches_tracked.item() == 4 and ours.num_batches_tracked.dtype == gg.int64


def test_eval_mode_leaves_running_stats_alone() -> None:
    bn = nn.BatchNorm2d(3).eval()
    bn(gg.randn(2, 3, 4, 4) + 5)
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("kwargs", [dict(), dict(affine=False), dict(bias=False)])
def test_group_norm_matches_torch(kwargs) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.GroupNorm(2, 6, **kwargs), torch.nn.GroupNorm(2, 6, **kwargs)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 6, 4, 5)).astype(np.float32)
    _step(torch, ours, theirs, x)
    for (key, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=key)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: nn.BatchNorm2d(3)(gg.randn(4, 3, 5)), r"BatchNorm2d\(3, .*\): expected 4-D input, got input of shape"),
        (lambda: nn.BatchNorm2d(3)(gg.randn(4, 5, 2, 2)), r"expected input with 3 channels .* with 5 channels"),
        (lambda: nn.BatchNorm1d(3)(gg.randn(4, 3, 2, 2)), r"BatchNorm1d\(3, .*\): expected 2-D or 3-D input"),
        (lambda: nn.BatchNorm1d(3)(gg.randn(1, 3)), "more than 1 value per channel when training"),
        (lambda: nn.GroupNorm(4, 6), "num_channels=6 must be divisible by num_groups=4"),
        (lambda: nn.GroupNorm(2, 6)(gg.randn(2, 4, 3)), r"GroupNorm\(2, 6.*\): expected input \(N, 6, \*\)"),
    ],
)  # fmt: skip
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
