"""functional/losses/ (multiclass.py, pointwise.py, binary.py) and encoding.py: parity with torch over a table of
configurations (values and gradients, float32 and float64), gradcheck, the fused cross_entropy against the
composed log_softmax + nll_loss, numerical stability at ±100 logits, and one test per class of bad input."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.autograd import gradcheck

# ---- helpers -------------------------------------------------------------------------------------------------


def run_both(fn, arrays: list, differentiable: list[int], dtype: str, tolerance: float | None = None) -> None:
    """fn(F, *tensors) in glassgrad and torch on the same arrays; compare the loss and each gradient."""
    torch = pytest.importorskip("torch")
    results = []
    for functional, make in ((F, gg.tensor), (torch.nn.functional, torch.tensor)):
        tensors = [
            None if a is None else make(a.astype(dtype) if a.dtype.kind == "f" else a,
                                        requires_grad=i in differentiable)
            for i, a in enumerate(arrays)
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's broadcast warning, and ours
            loss = fn(functional, *tensors)
        upstream = np.random.default_rng(1).standard_normal(tuple(loss.shape)).astype(dtype)
        loss.backward(make(upstream))
        results.append((loss, [tensors[i].grad for i in differentiable]))
    (ours, our_grads), (theirs, their_grads) = results
    tolerance = tolerance or (1e-5 if dtype == "float32" else 1e-11)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype == getattr(gg, dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    for index, ours_grad, theirs_grad in zip(differentiable, our_grads, their_grads):
        assert ours_grad.dtype == getattr(gg, dtype), f"gradient of input {index}"
        np.testing.assert_allclose(ours_grad.numpy(), theirs_grad.numpy(), rtol=tolerance, atol=tolerance,
                                   err_msg=f"gradient of input {index}")


RNG = np.random.default_rng(0)
SHAPES = {"batch": (5, 4), "unbatched": (4,), "k_dim": (3, 4, 2, 3)}


def class_problem(layout: str, ignore: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = SHAPES[layout]
    logits = RNG.standard_normal(shape) * 3
    target_shape = () if layout == "unbatched" else (shape[0],) + shape[2:]
    target = RNG.integers(0, 4, target_shape)
    if ignore and layout != "unbatched":
        target.reshape(-1)[:2] = 1  # ignore_index=1 below: some ignored targets, some kept
    return logits, target, RNG.random(4) + 0.2


CE_CASES = list(itertools.product(SHAPES, ["none", "mean", "sum"], [False, True], [False, True], [0.0, 0.3]))


def case_id(case: tuple) -> str:
    layout, reduction, weighted, ignore, smoothing = case
    return f"{layout}-{reduction}-{'w' if weighted else 'nw'}-{'ign' if ignore else 'all'}-ls{smoothing}"


# ---- cross_entropy and nll_loss: parity ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CE_CASES, ids=case_id)
def test_cross_entropy_class_indices_matches_torch(case: tuple, dtype: str) -> None:
    layout, reduction, weighted, ignore, smoothing = case
    logits, target, weight = class_problem(layout, ignore)
    run_both(
        lambda f, x, y, w: f.cross_entropy(x, y, weight=w, ignore_index=1 if ignore else -100,
                                           reduction=reduction, label_smoothing=smoothing),
        [logits, target, weight if weighted else None], [0], dtype,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", [c for c in CE_CASES if not c[3]], ids=case_id)
def test_cross_entropy_probability_targets_matches_torch(case: tuple, dtype: str) -> None:
    layout, reduction, weighted, _, smoothing = case
    logits, _, weight = class_problem(layout, False)
    axis = 0 if logits.ndim == 1 else 1
    probabilities = RNG.random(logits.shape)
    probabilities /= probabilities.sum(axis=axis, keepdims=True)
    run_both(
        lambda f, x, q, w: f.cross_entropy(x, q, weight=w, reduction=reduction, label_smoothing=smoothing),
        [logits, probabilities, weight if weighted else None], [0, 1], dtype,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", [c for c in CE_CASES if c[4] == 0.0], ids=case_id)
def test_nll_loss_matches_torch(case: tuple, dtype: str) -> None:
    layout, reduction, weighted, ignore, _ = case
    logits, target, weight = class_problem(layout, ignore)
    log_probs = logits - np.log(np.exp(logits).sum(axis=0 if logits.ndim == 1 else 1, keepdims=True))
    run_both(
        lambda f, x, y, w: f.nll_loss(x, y, weight=w, ignore_index=1 if ignore else -100, reduction=reduction),
        [log_probs, target, weight if weighted else None], [0], dtype,
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_is_stable_at_extreme_logits(smoothing: float) -> None:
    logits = np.array([[100.0, -100.0, 0.0], [-100.0, 100.0, -100.0], [100.0, 100.0, -100.0]])
    target = np.array([1, 1, 2])
    run_both(lambda f, x, y: f.cross_entropy(x, y, label_smoothing=smoothing), [logits, target], [0], "float32")
    loss = F.cross_entropy(gg.tensor(logits, dtype=gg.float32), gg.tensor(target), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [200.0, 0.0, 200.0 + np.log(2)], rtol=1e-6)


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient_like_torch() -> None:
    x = gg.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, gg.tensor([-100, -100, -100]))
    loss.backward()
    assert np.isnan(loss.item()) and not x.grad.numpy().any()


# ---- cross_entropy: fused against composed --------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(SHAPES))
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_fused_cross_entropy_equals_log_softmax_then_nll(layout: str, reduction: str) -> None:
    logits, target, weight = class_problem(layout, True)
    axis = 0 if logits.ndim == 1 else 1
    fused_x = gg.tensor(logits, requires_grad=True)
    composed_x = gg.tensor(logits, requires_grad=True)
    options = dict(weight=gg.tensor(weight), ignore_index=1, reduction=reduction)
    fused = F.cross_entropy(fused_x, gg.tensor(target), **options)
    composed = F.nll_loss(F.log_softmax(composed_x, axis), gg.tensor(target), **options)
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = gg.tensor(np.random.default_rng(2).standard_normal(fused.shape))
    fused.backward(upstream)
    composed.backward(upstream)
    np.testing.assert_allclose(fused_x.grad.numpy(), composed_x.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert fused.grad_fn.name() == "CrossEntropyBackward"  # one node, not a log-softmax graph


# ---- pointwise and binary losses: parity ----------------------------------------------------------------------

X = RNG.standard_normal((4, 5)) * 2
T = RNG.standard_normal((4, 5)) * 2
W = RNG.random((4, 5))
PROBS = np.clip(RNG.random((4, 5)), 0.01, 0.99)
SOFT = RNG.random((4, 5))
LOGITS = np.concatenate([[[100.0, -100.0, 0.0, 30.0, -30.0]], RNG.standard_normal((3, 5)) * 3])
LOG_P = np.log(RNG.dirichlet(np.ones(5), 4))
Q = RNG.dirichlet(np.ones(5), 4)
Q[0, 0] = 0.0  # 0·log 0 = 0

# name -> (call on (F, *tensors), arrays, indices of the arrays that get gradients)
POINTWISE = {
    "mse": (lambda f, x, t, r: f.mse_loss(x, t, reduction=r), [X, T], [0, 1]),
    "mse_broadcast": (lambda f, x, t, r: f.mse_loss(x, t, reduction=r), [X, T[:1]], [0, 1]),
    "mse_weight": (lambda f, x, t, w, r: f.mse_loss(x, t, reduction=r, weight=w), [X, T, W], [0, 1, 2]),
    "l1": (lambda f, x, t, r: f.l1_loss(x, t, reduction=r), [X, T], [0, 1]),
    "l1_weight": (lambda f, x, t, w, r: f.l1_loss(x, t, reduction=r, weight=w), [X, T, W], [0, 1, 2]),
    "huber": (lambda f, x, t, r: f.huber_loss(x, t, reduction=r), [X, T], [0, 1]),
    "huber_delta0.5": (lambda f, x, t, r: f.huber_loss(x, t, reduction=r, delta=0.5), [X, T], [0, 1]),
    "huber_weight": (lambda f, x, t, w, r: f.huber_loss(x, t, r, 2.0, w), [X, T, W], [0, 1, 2]),
    "smooth_l1": (lambda f, x, t, r: f.smooth_l1_loss(x, t, reduction=r), [X, T], [0, 1]),
    "smooth_l1_beta2": (lambda f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=2.0), [X, T], [0, 1]),
    "smooth_l1_beta0": (lambda f, x, t, r: f.smooth_l1_loss(x, t, reduction=r, beta=0.0), [X, T], [0, 1]),
    "kl_div": (lambda f, x, t, r: f.kl_div(x, t, reduction=r), [LOG_P, Q], [0]),
    "kl_div_target_grad": (lambda f, x, t, r: f.kl_div(x, t, reduction=r), [LOG_P, Q + 0.1], [0, 1]),
    "kl_div_log_target": (lambda f, x, t, r: f.kl_div(x, t, reduction=r, log_target=True), [LOG_P, LOG_P[::-1]],
                          [0, 1]),
    "bce": (lambda f, p, t, r: f.binary_cross_entropy(p, t, reduction=r), [PROBS, SOFT], [0, 1]),
    "bce_weight": (lambda f, p, t, w, r: f.binary_cross_entropy(p, t, w, reduction=r), [PROBS, SOFT, W[0]], [0, 1]),
    "bce_logits": (lambda f, x, t, r: f.binary_cross_entropy_with_logits(x, t, reduction=r), [LOGITS, SOFT],
                   [0, 1]),
    "bce_logits_weights": (
        lambda f, x, t, w, pw, r: f.binary_cross_entropy_with_logits(x, t, w, reduction=r, pos_weight=pw),
        [LOGITS, SOFT, W[0], RNG.random(5) * 3], [0, 1],
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_pointwise_loss_matches_torch(name: str, reduction: str, dtype: str) -> None:
    fn, arrays, differentiable = POINTWISE[name]
    run_both(lambda f, *tensors: fn(f, *tensors, reduction), arrays, differentiable, dtype)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_batchmean_matches_torch(log_target: bool) -> None:
    target = LOG_P[::-1] if log_target else Q
    run_both(lambda f, x, t: f.kl_div(x, t, reduction="batchmean", log_target=log_target), [LOG_P, target], [0],
             "float64")


def test_binary_cross_entropy_at_0_and_1_is_clamped_like_torch() -> None:
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    # The gradient there is ±t·1e12; PyTorch's 1e-12 floor is a float32 constant, hence the tolerance.
    run_both(lambda f, x, y: f.binary_cross_entropy(x, y, reduction="none"), [p, t], [0], "float64", 1e-8)
    assert F.binary_cross_entropy(gg.tensor(p), gg.tensor(t), reduction="none").tolist() == [100, 100, 0, 0]


def test_binary_cross_entropy_with_logits_weight_gradients_match_the_composed_formula() -> None:
    # PyTorch refuses gradients for weight and pos_weight here; we give them, checked against tensor ops.
    x, t = gg.tensor(LOGITS[1:]), gg.tensor(SOFT[1:])
    pos_weight = np.random.default_rng(4).random(5) + 0.5
    fused_w, fused_pw = gg.tensor(W[0], requires_grad=True), gg.tensor(pos_weight, requires_grad=True)
    composed_w, composed_pw = gg.tensor(W[0], requires_grad=True), gg.tensor(pos_weight, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, t, fused_w, pos_weight=fused_pw).backward()
    log_sigmoid = -F.softplus(-x)
    log_weight = (composed_pw - 1) * t + 1
    (((1 - t) * x - log_weight * log_sigmoid) * composed_w).mean().backward()
    np.testing.assert_allclose(fused_w.grad.numpy(), composed_w.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(fused_pw.grad.numpy(), composed_pw.grad.numpy(), rtol=1e-5)


# ---- gradcheck ----------------------------------------------------------------------------------------------------

GRADCHECK = {
    "cross_entropy": lambda x, q: F.cross_entropy(x, gg.tensor([0, 2, 1]), weight=gg.tensor([0.5, 1.0, 2.0],
                                                  dtype=gg.float64), label_smoothing=0.1),
    "cross_entropy_probabilities": lambda x, q: F.cross_entropy(x, q, reduction="sum", label_smoothing=0.2),
    "nll_loss": lambda x, q: F.nll_loss(x, gg.tensor([2, -100, 0]), reduction="sum"),
    "mse_loss": lambda x, q: F.mse_loss(x, q),
    "l1_loss": lambda x, q: F.l1_loss(x, q, reduction="sum"),
    "huber_loss": lambda x, q: F.huber_loss(x, q * 4, reduction="none"),
    "smooth_l1_loss": lambda x, q: F.smooth_l1_loss(x, q * 4, beta=0.5),
    "kl_div": lambda x, q: F.kl_div(x, q, reduction="batchmean"),
    "binary_cross_entropy": lambda x, q: F.binary_cross_entropy(F.sigmoid(x), q),
    "binary_cross_entropy_with_logits": lambda x, q: F.binary_cross_entropy_with_logits(
        x, q, pos_weight=gg.tensor([2.0, 0.5, 1.0], dtype=gg.float64)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name: str) -> None:
    rng = np.random.default_rng(3)
    x = gg.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    q = gg.tensor(rng.dirichlet(np.ones(3), 3), requires_grad=True)
    assert gradcheck(GRADCHECK[name], (x, q))


# ---- one_hot ------------------------------------------------------------------------------------------------------


def test_one_hot_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 1]])
    for classes in (-1, 5):
        ours = F.one_hot(gg.tensor(labels), classes)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), classes)
        assert ours.dtype == gg.int64 and ours.tolist() == theirs.tolist()


# ---- legacy arguments -----------------------------------------------------------------------------------------


def test_size_average_and_reduce_override_reduction_with_a_warning() -> None:
    x, t = gg.tensor(X), gg.tensor(T)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        summed = F.mse_loss(x, t, size_average=False)
    with pytest.warns(UserWarning, match="reduction='none'"):
        unreduced = F.l1_loss(x, t, reduce=False)
    np.testing.assert_allclose(summed.item(), ((X - T) ** 2).sum(), rtol=1e-6)
    assert unreduced.shape == X.shape


# ---- errors -------------------------------------------------------------------------------------------------------


def test_class_target_out_of_range_names_the_value_and_the_class_count() -> None:
    with pytest.raises(ValueError, match=r"target class 4 is out of range for 4 classes.*\[0, 3\]"):
        F.cross_entropy(gg.randn(3, 4), gg.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="target class -1 is out of range for 4 classes"):
        F.nll_loss(gg.randn(3, 4), gg.tensor([0, -1, 1]))


def test_target_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"target of shape \(4,\) does not match input of shape \(3, 4\)"):
        F.cross_entropy(gg.randn(3, 4), gg.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"target of shape \(3, 2\) must have the same shape as input of shape "
                                         r"\(3, 4\)"):
        F.binary_cross_entropy_with_logits(gg.randn(3, 4), gg.rand(3, 2))
    with pytest.raises(ValueError, match=r"target of shape \(3, 2\) cannot be broadcast to input of shape \(3, 4\)"):
        F.mse_loss(gg.randn(3, 4), gg.rand(3, 2))
    with pytest.warns(UserWarning, match=r"target size \(1, 4\) that is different to the input size \(3, 4\)"):
        F.mse_loss(gg.randn(3, 4), gg.rand(1, 4))


def test_float_class_targets_are_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match=r"class-index target must have an integer dtype, got .*float32.*\.long\(\)"):
        F.cross_entropy(gg.randn(3, 4), gg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="class probabilities and must be floating point"):
        F.cross_entropy(gg.randn(3, 4), gg.zeros(3, 4, dtype=gg.int64))


def test_invalid_reduction_is_refused() -> None:
    for call in (lambda: F.cross_entropy(gg.randn(2, 3), gg.tensor([0, 1]), reduction="avg"),
                 lambda: F.mse_loss(gg.randn(2), gg.randn(2), reduction="avg"),
                 lambda: F.binary_cross_entropy_with_logits(gg.randn(2), gg.rand(2), reduction="avg")):
        with pytest.raises(ValueError, match="reduction must be 'none', 'mean' or 'sum', got 'avg'"):
            call()


def test_other_bad_arguments_are_refused_with_a_message() -> None:
    x, y = gg.randn(3, 4), gg.tensor([0, 1, 2])
    with pytest.raises(ValueError, match=r"weight must be a tensor of shape \(4,\).*got \(3,\)"):
        F.cross_entropy(x, y, weight=gg.ones(3))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(x, y, label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index .* not supported for class-probability targets"):
        F.cross_entropy(x, gg.rand(3, 4), ignore_index=0)
    with pytest.raises(ValueError, match="weight cannot require grad"):
        F.cross_entropy(x, y, weight=gg.ones(4, requires_grad=True))
    with pytest.raises(ValueError, match="input should be between 0 and 1.*found 1.5"):
        F.binary_cross_entropy(gg.tensor([0.5, 1.5]), gg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) does not broadcast to input's shape \(3, 4\)"):
        F.binary_cross_entropy_with_logits(x, gg.rand(3, 4), pos_weight=gg.ones(3))
    with pytest.raises(ValueError, match="delta must be positive, got 0"):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(TypeError, match="one_hot: expected an integer tensor"):
        F.one_hot(gg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="class values must be smaller than num_classes=2, got 2"):
        F.one_hot(gg.tensor([0, 2]), 2)
    with pytest.raises(ValueError, match="class values must be non-negative, got -1"):
        F.one_hot(gg.tensor([0, -1]))
