"""nn.InstanceNorm1d/2d (F.instance_norm) and nn.Bilinear (F.bilinear) against torch's: defaults, repr,
state_dict names, values, gradients, running statistics over several steps, eval mode, init, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F


def _copy_state(ours, theirs) -> None:
    ours.load_state_dict({key: gg.tensor(value.detach().numpy()) for key, value in theirs.state_dict().items()})


@pytest.mark.parametrize("name,options,shape", [
    ("InstanceNorm1d", {}, (2, 3, 5)),
    ("InstanceNorm1d", {"affine": True}, (3, 5)),  # unbatched
    ("InstanceNorm2d", {"affine": True, "track_running_stats": True}, (2, 3, 4, 5)),
    ("InstanceNorm2d", {"track_running_stats": True, "momentum": 0.3, "eps": 1e-3}, (2, 3, 4, 5)),
    ("InstanceNorm2d", {"affine": True, "bias": False}, (3, 4, 4)),
], ids=lambda v: str(v))
def test_instance_norm_matches_torch(name, options, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, **options), getattr(torch.nn, name)(3, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    if ours.affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.standard_normal(3)))
            if theirs.bias is not None:
                theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
        _copy_state(ours, theirs)
    for _ in range(2):  # two training steps: the running statistics follow torch's
        values = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        upstream = rng.standard_normal(shape).astype(np.float32)
        y_ours.backward(gg.tensor(upstream))
        y_theirs.backward(torch.tensor(upstream))
        np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].detach().numpy(), value.numpy(), rtol=1e-6,
                                       atol=1e-6, err_msg=key)
        for (key, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=key)
    ours.eval()
    theirs.eval()
    values = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(values)).detach().numpy(), theirs(torch.tensor(values)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_instance_norm_defaults_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.InstanceNorm2d(4), torch.nn.InstanceNorm2d(4)
    for attribute in ("eps", "momentum", "affine", "track_running_stats", "num_features"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.weight is None and ours.running_mean is None


def test_instance_norm_warns_on_a_channel_mismatch_without_affine_and_refuses_with_it() -> None:
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(gg.randn(2, 4, 5))
    with pytest.raises(ValueError, match="does not match num_features"):
        nn.InstanceNorm1d(3, affine=True)(gg.randn(2, 4, 5))
    with pytest.raises(ValueError, match="3-D .* shape \\(2, 3, 4, 5\\)"):
        nn.InstanceNorm1d(3)(gg.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(gg.randn(2, 3, 1))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.instance_norm(gg.randn(2, 3, 4), weight=gg.ones(2))


def test_bilinear_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for bias in (True, False):
        ours, theirs = nn.Bilinear(3, 4, 5, bias=bias), torch.nn.Bilinear(3, 4, 5, bias=bias)
        assert repr(ours) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        _copy_state(ours, theirs)
        rng = np.random.default_rng(1)
        x1, x2 = rng.standard_normal((2, 6, 3)).astype(np.float32), rng.standard_normal((2, 6, 4)).astype(np.float32)
        a1, a2 = gg.tensor(x1, requires_grad=True), gg.tensor(x2, requires_grad=True)
        b1, b2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
        y_ours, y_theirs = ours(a1, a2), theirs(b1, b2)
        (y_ours * y_ours).sum().backward()
        (y_theirs * y_theirs).sum().backward()
        np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
        for got, want in [(a1.grad, b1.grad), (a2.grad, b2.grad), (ours.weight.grad, theirs.weight.grad)]:
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


def test_bilinear_init_is_uniform_within_one_over_root_in1() -> None:
    gg.manual_seed(0)
    layer = nn.Bilinear(16, 3, 200)
    bound = 1 / np.sqrt(16)
    for tensor in (layer.weight, layer.bias):
        values = tensor.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
        assert abs(values.mean()) < 0.05 * bound


def test_bilinear_errors() -> None:
    with pytest.raises(ValueError, match=r"bilinear: expected input1 \(\*, in1\).*weight \(5, 3, 4\)"):
        F.bilinear(gg.randn(2, 4), gg.randn(2, 4), gg.randn(5, 3, 4))
    with pytest.raises(ValueError, match="same batch dims"):
        F.bilinear(gg.randn(2, 3), gg.randn(3, 4), gg.randn(5, 3, 4))
