"""The margin, embedding and likelihood losses of issue 18 (nn/loss.py, functional/losses/margin.py and
likelihood.py) and F.gumbel_softmax: each layer against torch's (repr, attributes, values and gradients for
every reduction), the legacy size_average/reduce flags, the shape rules and errors; gumbel_softmax's seeding,
hard one-hots, straight-through gradient and sampling frequencies."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

RNG = np.random.default_rng(0)
X1, X2, X3 = (RNG.standard_normal((5, 4)).astype(np.float32) for _ in range(3))
SIGNS = RNG.choice([-1.0, 1.0], 5).astype(np.float32)
SIGNS_5x4 = RNG.choice([-1.0, 1.0], (5, 4)).astype(np.float32)
LABELS = RNG.integers(0, 2, (5, 4)).astype(np.float32)
COUNTS = RNG.poisson(3, (5, 4)).astype(np.float32)
VAR = RNG.uniform(0.1, 2.0, (5, 4)).astype(np.float32)

# (class, constructor kwargs, the inputs that get gradients, the constant extra inputs after them)
LOSSES = [
    ("MarginRankingLoss", {"margin": 0.3}, lambda: (X1[:, 0], X2[:, 0]), lambda: (SIGNS,)),
    ("HingeEmbeddingLoss", {}, lambda: (X1,), lambda: (SIGNS_5x4,)),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, lambda: (X1,), lambda: (SIGNS_5x4,)),
    ("SoftMarginLoss", {}, lambda: (X1,), lambda: (SIGNS_5x4,)),
    ("SoftMarginLoss", {"reduction": "none"}, lambda: (X1,), lambda: (SIGNS_5x4,)),
    ("MultiLabelSoftMarginLoss", {}, lambda: (X1,), lambda: (LABELS,)),
    ("MultiLabelSoftMarginLoss", {"reduction": "none"}, lambda: (X1,), lambda: (LABELS,)),
    ("CosineEmbeddingLoss", {"margin": 0.2}, lambda: (X1, X2), lambda: (SIGNS,)),
    ("TripletMarginLoss", {}, lambda: (X1, X2, X3), lambda: ()),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True, "reduction": "none"}, lambda: (X1, X2, X3),
     lambda: ()),
    ("GaussianNLLLoss", {}, lambda: (X1, X2, VAR), lambda: ()),
    ("GaussianNLLLoss", {"full": True, "eps": 0.5, "reduction": "sum"}, lambda: (X1, X2, VAR[:, 0]), lambda: ()),
    ("PoissonNLLLoss", {}, lambda: (X1,), lambda: (COUNTS,)),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, lambda: (np.abs(X1) + 0.1,), lambda: (COUNTS,)),
]


def loss_id(case) -> str:
    return case[0] + "".join(f"-{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("case", LOSSES, ids=loss_id)
def test_loss_matches_torch(case) -> None:
    torch = pytest.importorskip("torch")
    name, options, differentiable, constants = case
    ours, theirs = getattr(nn, name)(**options), getattr(torch.nn, name)(**options)
    assert repr(ours) == repr(theirs)
    for attribute in ("reduction", "margin", "p", "eps", "swap", "full", "log_input"):
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    ours_in = [gg.tensor(v, requires_grad=True) for v in differentiable()]
    theirs_in = [torch.tensor(v, requires_grad=True) for v in differentiable()]
    y_ours = ours(*ours_in, *[gg.tensor(c) for c in constants()])
    y_theirs = theirs(*theirs_in, *[torch.tensor(c) for c in constants()])
    assert y_ours.shape == tuple(y_theirs.shape) and y_ours.dtype == gg.float32
    upstream = np.random.default_rng(1).standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    for got, want in zip(ours_in, theirs_in):
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_multilabel_soft_margin_weight_is_a_buffer() -> None:
    torch = pytest.importorskip("torch")
    weight = np.array([0.5, 1.0, 2.0, 1.5], dtype=np.float32)
    ours = nn.MultiLabelSoftMarginLoss(weight=gg.tensor(weight))
    theirs = torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(weight))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    got = ours(gg.tensor(X1), gg.tensor(LABELS)).item()
    assert got == pytest.approx(theirs(torch.tensor(X1), torch.tensor(LABELS)).item(), rel=1e-6)


def test_legacy_flags_pick_the_reduction() -> None:
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss = nn.SoftMarginLoss(size_average=False)
    assert loss.reduction == "sum"


def test_gaussian_nll_clamps_the_variance_value_but_not_its_gradient() -> None:
    torch = pytest.importorskip("torch")
    var = np.array([1e-9, 0.5, 2.0])
    v_ours, v_theirs = gg.tensor(var, requires_grad=True), torch.tensor(var, requires_grad=True)
    mean, target = np.array([0.1, 0.2, 0.3]), np.array([0.0, 1.0, -1.0])
    F.gaussian_nll_loss(gg.tensor(mean), gg.tensor(target), v_ours).backward()
    torch.nn.functional.gaussian_nll_loss(torch.tensor(mean), torch.tensor(target), v_theirs).backward()
    np.testing.assert_allclose(v_ours.grad.numpy(), v_theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.gaussian_nll_loss(gg.zeros(3, 4), gg.zeros(3, 4), gg.ones(4)), ValueError, "var is of incorrect size"),
    (lambda: F.gaussian_nll_loss(gg.zeros(3), gg.zeros(3), -1.0), ValueError, "negative"),
    (lambda: F.gaussian_nll_loss(gg.zeros(3), gg.zeros(3), gg.tensor([1.0, -1.0, 1.0])), ValueError, "negative"),
    (lambda: F.gaussian_nll_loss(gg.zeros(3), gg.zeros(3), 1.0, reduction="avg"), ValueError, "avg is not valid"),
    (lambda: F.cosine_embedding_loss(gg.zeros(3, 4), gg.zeros(3, 4), gg.ones(3, 1)), RuntimeError, "0D or 1D target"),
    (lambda: F.cosine_embedding_loss(gg.zeros(4), gg.zeros(4), gg.ones(3)), RuntimeError,
     "1D target tensor expects 2D"),
    (lambda: F.margin_ranking_loss(gg.zeros(3), gg.zeros(3, 1), gg.ones(3)), RuntimeError, "same dimension"),
    (lambda: F.triplet_margin_loss(gg.zeros(3, 4), gg.zeros(3, 4), gg.zeros(4)), RuntimeError, "negative 1D"),
    (lambda: nn.TripletMarginLoss(margin=0.0), ValueError, "margin to be greater than 0"),
    (lambda: F.soft_margin_loss(gg.zeros(3), gg.ones(3), reduction="all"), ValueError, "reduction must be"),
])
def test_loss_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_gumbel_softmax_is_seeded_and_hard_is_a_one_hot_with_the_soft_gradient() -> None:
    logits = gg.tensor(RNG.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    gg.manual_seed(7)
    soft = F.gumbel_softmax(logits, tau=0.5)
    gg.manual_seed(7)
    again = F.gumbel_softmax(logits, tau=0.5)
    gg.manual_seed(7)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    np.testing.assert_array_equal(soft.detach().numpy(), again.detach().numpy())
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), np.ones(6), rtol=1e-6)
    hard_values = hard.detach().numpy()
    assert set(np.unique(hard_values)) == {0.0, 1.0} and (hard_values.sum(-1) == 1).all()
    np.testing.assert_array_equal(hard_values.argmax(-1), soft.detach().numpy().argmax(-1))
    weights = gg.arange(5).float()
    (hard * weights).sum().backward()
    hard_grad = logits.grad.numpy().copy()
    logits.grad = None
    (soft * weights).sum().backward()
    np.testing.assert_allclose(hard_grad, logits.grad.numpy(), rtol=1e-6)  # straight-through


def test_gumbel_softmax_samples_the_softmax_of_the_logits() -> None:
    gg.manual_seed(3)
    logits = gg.tensor([[1.0, 0.0, -1.0]]).expand(20000, 3)
    frequencies = F.gumbel_softmax(logits, hard=True, dim=1).numpy().mean(0)
    expected = np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum()
    np.testing.assert_allclose(frequencies, expected, atol=0.015)  # ~4 standard errors of a 20000-sample mean


def test_gumbel_softmax_dim_and_deprecated_eps() -> None:
    gg.manual_seed(0)
    out = F.gumbel_softmax(gg.zeros(3, 4), dim=0, hard=True)
    assert (out.numpy().sum(0) == 1).all()
    with pytest.warns(UserWarning, match="eps"):
        F.gumbel_softmax(gg.zeros(3), eps=1e-5)
    with pytest.raises(IndexError, match="dim 2"):
        F.gumbel_softmax(gg.zeros(3, 4), dim=2)
