"""nn/loss.py: every loss layer against torch's (values, gradients, repr), weights as buffers, legacy args."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, -100])
CLASS_WEIGHT = RNG.random(4) + 0.5
LOG_PROBS = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
TARGET = RNG.standard_normal((6, 4))
SOFT = RNG.random((6, 4))
PROBS = np.clip(RNG.random((6, 4)), 0.05, 0.95)

# (class name, constructor kwargs with numpy arrays for tensors, input, target)
LOSSES = [
    ("CrossEntropyLoss", {}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"weight": CLASS_WEIGHT, "reduction": "sum", "label_smoothing": 0.1}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"ignore_index": 1, "reduction": "none"}, LOGITS, np.abs(LABELS) % 4),
    ("CrossEntropyLoss", {"weight": CLASS_WEIGHT}, LOGITS, SOFT),
    ("NLLLoss", {}, LOG_PROBS, LABELS),
    ("NLLLoss", {"weight": CLASS_WEIGHT, "reduction": "none"}, LOG_PROBS, LABELS),
    ("MSELoss", {}, LOGITS, TARGET),
    ("MSELoss", {"reduction": "sum"}, LOGITS, TARGET),
    ("L1Loss", {"reduction": "none"}, LOGITS, TARGET),
    ("HuberLoss", {"delta": 0.5}, LOGITS, TARGET),
    ("SmoothL1Loss", {"beta": 2.0, "reduction": "sum"}, LOGITS, TARGET),
    ("BCELoss", {}, PROBS, SOFT),
    ("BCELoss", {"weight": CLASS_WEIGHT, "reduction": "none"}, PROBS, SOFT),
    ("BCEWithLogitsLoss", {}, LOGITS, SOFT),
    ("BCEWithLogitsLoss", {"weight": CLASS_WEIGHT, "pos_weight": CLASS_WEIGHT[::-1].copy()}, LOGITS, SOFT),
    ("KLDivLoss", {"reduction": "batchmean"}, LOG_PROBS, np.exp(LOG_PROBS[::-1])),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, LOG_PROBS, LOG_PROBS[::-1].copy()),
]


def loss_id(case: tuple) -> str:
    name, kwargs = case[0], case[1]
    return name + "".join(f"-{k}" + (f"={v}" if isinstance(v, (str, float)) else "") for k, v in kwargs.items())


def build(library, name: str, kwargs: dict):
    converted = {k: library.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(library.nn, name)(**converted)


@pytest.mark.parametrize("case", LOSSES, ids=loss_id)
def test_loss_layer_matches_torch(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    name, kwargs, inputs, target = case
    ours, theirs = build(gg, name, kwargs), build(torch, name, kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    x_ours, x_theirs = gg.tensor(inputs, requires_grad=True), torch.tensor(inputs, requires_grad=True)
    loss_ours = ours(x_ours, gg.tensor(target))
    loss_theirs = theirs(x_theirs, torch.tensor(target))
    upstream = np.random.default_rng(1).standard_normal(tuple(loss_theirs.shape))
    loss_ours.backward(gg.tensor(upstream))
    loss_theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(loss_ours.detach().numpy(), loss_theirs.detach().numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"])
def test_weights_are_buffers_like_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    kwargs = {"weight": CLASS_WEIGHT.astype(np.float32)}
    if name == "BCEWithLogitsLoss":
        kwargs["pos_weight"] = CLASS_WEIGHT.astype(np.float32)
    ours, theirs = build(gg, name, kwargs), build(torch, name, kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.parameters()) == []
    assert ours.double().weight.dtype == gg.float64  # buffers follow the module's dtype casts
    empty_ours, empty_theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    assert empty_ours.weight is None and list(empty_ours.state_dict()) == list(empty_theirs.state_dict()) == []


def test_legacy_size_average_and_reduce_set_reduction_like_torch() -> None:
    torch = pytest.importorskip("torch")
    for size_average, reduce in [(False, None), (None, False), (True, True), (False, True)]:
        with pytest.warns(UserWarning):
            ours = nn.MSELoss(size_average=size_average, reduce=reduce)
        with pytest.warns(UserWarning):
            theirs = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
        assert ours.reduction == theirs.reduction


def test_invalid_reduction_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction must be 'none', 'mean' or 'sum', got 'avg'"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be"):
        nn.KLDivLoss(reduction="batch")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"


def test_cross_entropy_loss_trains_a_linear_classifier() -> None:
    gg.manual_seed(0)
    x = gg.randn(64, 2)
    y = (x[:, 0] > x[:, 1]).long()
    model = nn.Linear(2, 2)
    criterion = nn.CrossEntropyLoss()
    first = None
    for _ in range(100):
        loss = criterion(model(x), y)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        with gg.no_grad():
            for p in model.parameters():
                p.array -= 0.5 * p.grad.array
    assert loss.item() < 0.3 * first
