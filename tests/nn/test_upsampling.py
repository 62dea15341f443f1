"""nn.Upsample (+ UpsamplingNearest2d/Bilinear2d), nn.PixelShuffle/PixelUnshuffle and F.interpolate against
torch: reprs, attributes, values and gradients in float32 and float64 over every mode, size or scale_factor,
align_corners, recompute_scale_factor, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

INTERPOLATIONS = [
    ((2, 3, 5), dict(scale_factor=2)),
    ((2, 3, 5), dict(size=7)),
    ((2, 3, 5), dict(size=3)),
    ((2, 3, 5), dict(scale_factor=1.7, mode="linear")),
    ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=(2, 3), mode="bilinear")),
    ((1, 2, 4, 5), dict(size=(3, 7), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(size=(3, 7), mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=0.6)),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(scale_factor=1.5, mode="trilinear")),
    ((1, 2, 4, 5), dict(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 9, 5), dict(size=(1, 1), mode="bilinear", align_corners=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,options", INTERPOLATIONS, ids=lambda v: str(v))
def test_interpolate_matches_torch(shape, options, dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape).astype(dtype)
    x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours = F.interpolate(x_ours, **options)
    y_theirs = torch.nn.functional.interpolate(x_theirs, **options)
    assert y_ours.shape == tuple(y_theirs.shape) and y_ours.dtype == x_ours.dtype
    upstream = rng.standard_normal(tuple(y_theirs.shape)).astype(dtype)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    tolerance = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Upsample", (), {"scale_factor": 2}, (1, 2, 3, 4)),
    ("Upsample", ((5, 6),), {"mode": "bilinear", "align_corners": True}, (1, 2, 3, 4)),
    ("Upsample", (), {"scale_factor": (1.5, 2.0), "mode": "bilinear"}, (2, 1, 3, 4)),
    ("Upsample", (7,), {"mode": "linear"}, (2, 3, 4)),
    ("UpsamplingNearest2d", (), {"scale_factor": 3}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", ((4, 9),), {}, (1, 2, 3, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelShuffle", (3,), {}, (18, 2, 3)),
    ("PixelUnshuffle", (2,), {}, (2, 3, 4, 6)),
], ids=lambda v: str(v))
def test_layer_matches_torch(name, args, kwargs, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for attribute in ("size", "scale_factor", "mode", "align_corners", "upscale_factor", "downscale_factor"):
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    values = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    upstream = np.random.default_rng(2).standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_pixel_unshuffle_inverts_pixel_shuffle() -> None:
    x = gg.randn(2, 12, 3, 5)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.interpolate(gg.zeros(1, 1, 4), size=3, scale_factor=2), ValueError, "only one of size"),
    (lambda: F.interpolate(gg.zeros(1, 1, 4)), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(gg.zeros(1, 1, 4), scale_factor=2, align_corners=True), ValueError, "align_corners"),
    (lambda: F.interpolate(gg.zeros(1, 1, 4), scale_factor=2, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D"),
    (lambda: F.interpolate(gg.zeros(1, 1, 4), size=(2, 3)), ValueError, r"output size of \(2, 3\)"),
    (lambda: F.interpolate(gg.zeros(1, 1, 4), scale_factor=2, mode="bicubic"), NotImplementedError, "bicubic"),
    (lambda: F.interpolate(gg.zeros(4), scale_factor=2), NotImplementedError, r"shape \(4,\)"),
    (lambda: F.pixel_shuffle(gg.zeros(2, 5, 3, 3), 2), RuntimeError, "input.size\\(-3\\)=5 is not divisible by 4"),
    (lambda: F.pixel_shuffle(gg.zeros(4, 3), 2), RuntimeError, "at least 3 dimensions"),
    (lambda: F.pixel_unshuffle(gg.zeros(1, 2, 3, 4), 2), RuntimeError, "divisible by downscale_factor 2"),
])
def test_resampling_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_upsample_alias_warns() -> None:
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.upsample(gg.zeros(1, 1, 2), scale_factor=2).shape == (1, 1, 4)
