"""F.batch_norm and F.group_norm: torch parity (outputs, gradients, running statistics) and gradcheck over a table,
and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

BN_SHAPES = [(4, 3), (4, 3, 5), (2, 3, 4, 5)]


def _bn_arrays(shape: tuple, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    C = shape[1]
    return dict(
        x=rng.standard_normal(shape) * 2 + 1,
        running_mean=rng.standard_normal(C),
        running_var=rng.random(C) + 0.5,
        weight=rng.standard_normal(C),
        bias=rng.standard_normal(C),
    )


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_torch(shape, training, affine) -> None:
    torch = pytest.importorskip("torch")
    a = _bn_arrays(shape)
    grads = ["x", "weight", "bias"] if affine else ["x"]
    ours = {k: gg.tensor(v, requires_grad=k in grads) for k, v in a.items()}
    theirs = {k: torch.tensor(v, requires_grad=k in grads) for k, v in a.items()}
    args = ("x", "running_mean", "running_var") + (("weight", "bias") if affine else ())
    y = F.batch_norm(*(ours[k] for k in args), training=training, momentum=0.3, eps=1e-4)
    y_ref = torch.nn.functional.batch_norm(*(theirs[k] for k in args), training=training, momentum=0.3, eps=1e-4)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(shape)
    y.backward(gg.tensor(g))
    y_ref.backward(torch.tensor(g))
    for k in grads:
        np.testing.assert_allclose(ours[k].grad.numpy(), theirs[k].grad.numpy(), rtol=1e-9, atol=1e-12)
    for k in ("running_mean", "running_var"):  # updated in place in training (unbiased variance), kept in eval
        np.testing.assert_allclose(ours[k].numpy(), theirs[k].numpy(), rtol=1e-12)


def test_batch_norm_running_stats_over_steps_float32() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    mean, var = gg.zeros(6), gg.ones(6)
    mean_ref, var_ref = torch.zeros(6), torch.ones(6)
    for step in range(5):
        x = (rng.standard_normal((8, 6, 3, 3)) * (step + 1) + step).astype(np.float32)
        F.batch_norm(gg.tensor(x), mean, var, training=True, momentum=0.2)
        torch.nn.functional.batch_norm(torch.tensor(x), mean_ref, var_ref, training=True, momentum=0.2)
    assert mean.dtype == gg.float32
    np.testing.assert_allclose(mean.numpy(), mean_ref.numpy(), rtol=1e-5)
    np.testing.assert_allclose(var.numpy(), var_ref.numpy(), rtol=1e-5)


def test_batch_norm_without_running_stats_uses_batch() -> None:
    x = gg.randn(16, 4) * 3 + 2
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(y.numpy().mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.numpy().std(axis=0), 1, atol=1e-3)


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(shape, training) -> None:
    a = _bn_arrays(shape)
    x, w, b = (gg.tensor(a[k], requires_grad=True) for k in ("x", "weight", "bias"))

    def fn(x, w, b):  # fresh running statistics per call: finite differences must not see them drift
        return F.batch_norm(x, gg.tensor(a["running_mean"]), gg.tensor(a["running_var"]), w, b, training)

    assert gradcheck(fn, [x, w, b])


GN_CASES = [((2, 6, 5), 3), ((3, 4, 2, 3), 2), ((2, 4), 4), ((2, 4, 3), 1)]


@pytest.mark.parametrize("shape, groups", GN_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(shape, groups, affine) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) * 2 + 1]
    if affine:
        arrays += [rng.standard_normal(shape[1]) for _ in range(2)]
    ours = [gg.tensor(v, requires_grad=True) for v in arrays]
    theirs = [torch.tensor(v, requires_grad=True) for v in arrays]
    y = F.group_norm(ours[0], groups, *ours[1:], eps=1e-4)
    y_ref = torch.nn.functional.group_norm(theirs[0], groups, *theirs[1:], eps=1e-4)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(shape)
    y.backward(gg.tensor(g))
    y_ref.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape, groups", GN_CASES)
def test_group_norm_gradcheck(shape, groups) -> None:
    rng = np.random.default_rng(4)
    inputs = [gg.tensor(rng.standard_normal(s), requires_grad=True) for s in (shape, shape[1:2], shape[1:2])]
    assert gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), inputs)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.batch_norm(gg.randn(1, 3), gg.zeros(3), gg.ones(3), training=True), ValueError,
         "more than 1 value per channel when training"),
        (lambda: F.batch_norm(gg.randn(4, 3), gg.zeros(4), gg.ones(4)), ValueError,
         r"running_mean of shape \(4,\) does not fit input of shape \(4, 3\); expected \(3,\)"),
        (lambda: F.batch_norm(gg.randn(4, 3), None, None), ValueError, "needed when training=False"),
        (lambda: F.batch_norm(gg.randn(4), None, None, training=True), ValueError, r"\(N, C\) or \(N, C, \*\)"),
        (lambda: F.batch_norm(gg.ones(4, 3, dtype=gg.int64), None, None, training=True), TypeError, "floating"),
        (lambda: F.group_norm(gg.randn(2, 6, 4), 4), ValueError, "6 channels .* must divide into num_groups=4"),
        (lambda: F.group_norm(gg.randn(2, 6, 4), 3, gg.ones(5)), ValueError, r"weight of shape \(5,\)"),
    ],
)  # fmt: skip
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
