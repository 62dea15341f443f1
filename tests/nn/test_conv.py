"""nn.Conv1d / nn.Conv2d: torch parity through a loaded state_dict, parameter names and shapes, default init,
unbatched input, repr, and the layer's errors for bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

LAYERS = [
    ("Conv2d", (3, 8, 3), dict(padding=1), (2, 3, 9, 7)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding="valid", dilation=(1, 2), groups=2, bias=False), (2, 4, 9, 9)),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=4), (3, 4, 6, 5)),
    ("Conv2d", (3, 5, 3), dict(stride=(2, 1), padding=(1, 0)), (3, 7, 8)),  # unbatched (C, H, W)
    ("Conv1d", (3, 5, 4), dict(stride=2, padding=1), (2, 3, 10)),
    ("Conv1d", (4, 4, 3), dict(padding="same", dilation=2, groups=2, bias=False), (4, 9)),  # unbatched (C, L)
]


@pytest.mark.parametrize("name, args, kwargs, x_shape", LAYERS)
def test_matches_torch_with_loaded_weights(name, args, kwargs, x_shape) -> None:
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(x_shape).astype(np.float32)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xg), theirs(xt)
    assert y.shape == tuple(yt.shape) and y.dtype == gg.float32
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    y.backward(gg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (key, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=key)


def test_unbatched_equals_batch_of_one() -> None:
    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = gg.randn(3, 6, 6)
    np.testing.assert_allclose(conv(x).detach().numpy(), conv(x.unsqueeze(0)).detach().numpy()[0], rtol=1e-6)


def test_parameters_and_default_init() -> None:
    gg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3, groups=2)
    assert conv.weight.shape == (32, 8, 3, 3) and conv.bias.shape == (32,)
    bound = 1 / math.sqrt(8 * 9)  # PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in/groups * kh * kw
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # the standard deviation of U(-a, a) is a/sqrt(3)
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert nn.Conv1d(2, 3, 5, bias=False).bias is None


def test_repr_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for name, args, kwargs, _ in LAYERS:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.parametrize(
    "make, x_shape, message",
    [
        (lambda: nn.Conv2d(3, 8, 3), (2, 5, 8, 8), r"Conv2d\(3, 8, .*\): expected input with 3 channels .* got input "
                                                   r"of shape \(2, 5, 8, 8\) with 5 channels"),
        (lambda: nn.Conv2d(3, 8, 3), (5, 8, 8), r"Conv2d\(3, 8.*\): expected input with 3 channels .*\(5, 8, 8\)"),
        (lambda: nn.Conv2d(3, 8, 5), (1, 3, 4, 4), r"Conv2d: the kernel .* is larger than the padded input \(4, 4\)"),
        (lambda: nn.Conv2d(3, 8, 3), (8, 8), r"Conv2d\(3, 8.*\): expected a 4-D input .* got input of shape \(8, 8\)"),
        (lambda: nn.Conv1d(3, 8, 3), (2, 3, 4, 4), r"Conv1d\(3, 8.*\): expected a 3-D input"),
    ],
)  # fmt: skip
def test_input_errors_name_the_layer(make, x_shape, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()(gg.randn(*x_shape))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(3, 8, 3, groups=2), "in_channels=3 must be divisible by groups=2"),
        (lambda: nn.Conv2d(4, 6, 3, groups=4), "out_channels=6 must be divisible by groups=4"),
        (lambda: nn.Conv2d(4, 6, 3, padding="full"), "invalid padding string 'full'"),
        (lambda: nn.Conv2d(4, 6, 3, stride=2, padding="same"), "not supported for strided"),
        (lambda: nn.Conv2d(4, 6, 3, padding_mode="reflect"), "padding_mode='reflect' is not implemented"),
    ],
)
def test_construction_errors(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()
