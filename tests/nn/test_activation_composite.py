"""The layers of issue 18 (nn/activation.py's composed activations, nn/distance.py) against torch's: repr,
attributes, values and gradients (float32, same inputs), PReLU's parameter and state_dict, in-place forms,
PyTorch's subgradients at the kinks, and the bad-argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F

# (class name, positional args, keyword args), built the same way in both libraries.
LAYERS = [
    ("Mish", (), {}),
    ("Mish", (True,), {}),
    ("SELU", (), {}),
    ("SELU", (), {"inplace": True}),
    ("CELU", (), {}),
    ("CELU", (0.7, True), {}),
    ("LogSigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Hardswish", (True,), {}),
    ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (), {"inplace": True}),
    ("Softmin", (), {"dim": 1}),
    ("Softmin", (0,), {}),
    ("Softsign", (), {}),
    ("GLU", (), {}),
    ("GLU", (0,), {}),
    ("Tanhshrink", (), {}),
    ("Hardshrink", (), {}),
    ("Hardshrink", (1.0,), {}),
    ("Softshrink", (), {}),
    ("Softshrink", (), {"lambd": 1.5}),
    ("PReLU", (), {}),
    ("PReLU", (6, 0.1), {}),
]

# Kinks (±3 for hardswish/hardsigmoid, ±0.5 and ±1 for the shrinks, 0), saturation and ordinary values.
VALUES = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32) * 3
VALUES[0] = [-3.0, 3.0, 0.0, 0.5, -0.5, 1.0]
VALUES[1, :3] = [-1.0, 30.0, -30.0]


def layer_id(case: tuple) -> str:
    name, args, kwargs = case
    return name + "".join(f"-{a}" for a in args) + "".join(f"-{k}={v}" for k, v in kwargs.items())


def run_both(ours, theirs, values, *extra):
    """Forward and backward (with a fixed upstream gradient) of both layers on computed copies of `values`."""
    torch = pytest.importorskip("torch")
    x_ours = gg.tensor(values, requires_grad=True)
    x_theirs = torch.tensor(values, requires_grad=True)
    # An in-place layer may not overwrite a leaf that requires grad: feed it a computed tensor, as in a model.
    y_ours = ours(x_ours * 1.0, *[gg.tensor(e) for e in extra])
    y_theirs = theirs(x_theirs * 1.0, *[torch.tensor(e) for e in extra])
    upstream = np.random.default_rng(1).standard_normal(tuple(y_theirs.shape)).astype(values.dtype)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    return (y_ours, x_ours), (y_theirs, x_theirs)


@pytest.mark.parametrize("case", LAYERS, ids=layer_id)
def test_layer_matches_torch(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attribute in ("inplace", "alpha", "dim", "lambd", "num_parameters", "init"):
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    (y_ours, x_ours), (y_theirs, x_theirs) = run_both(ours, theirs, VALUES)
    assert y_ours.shape == tuple(y_theirs.shape) and y_ours.dtype == gg.float32
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (key, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "hardshrink", "softshrink", "celu", "selu"])
def test_subgradients_at_the_kinks_are_torchs(name: str) -> None:
    """Exactly at the kinks: PyTorch's chosen slope, which finite differences cannot check."""
    torch = pytest.importorskip("torch")
    kinks = np.array([-3.0, 3.0, -0.5, 0.5, 0.0], dtype=np.float32)
    x_ours, x_theirs = gg.tensor(kinks, requires_grad=True), torch.tensor(kinks, requires_grad=True)
    getattr(F, name)(x_ours).sum().backward()
    getattr(torch.nn.functional, name)(x_theirs).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-6)


def test_prelu_parameter_init_and_state_dict_load_from_torch() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.PReLU(3, init=0.2)
    ours = nn.PReLU(3, init=0.2)
    assert ours.weight.shape == (3,) and ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.detach().numpy(), np.full(3, 0.2, np.float32))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, -0.3, 0.7]))
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    values = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32)
    (y_ours, x_ours), (y_theirs, x_theirs) = run_both(ours, theirs, values)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("case", [("CosineSimilarity", (), {}), ("CosineSimilarity", (0, 1e-3), {}),
                                  ("PairwiseDistance", (), {}), ("PairwiseDistance", (1.0, 1e-3, True), {}),
                                  ("PairwiseDistance", (3.0,), {}), ("PairwiseDistance", (float("inf"),), {}),
                                  ("PairwiseDistance", (0.5,), {})], ids=layer_id)
def test_distance_layers_match_torch(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    name, args, kwargs = case
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for attribute in ("dim", "eps", "norm", "keepdim"):
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    other = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    other[2] = VALUES[2]  # equal rows: a zero difference (pairwise_distance's eps keeps it differentiable)
    (y_ours, x_ours), (y_theirs, x_theirs) = run_both(ours, theirs, VALUES, other)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_zero_vectors_get_torchs_gradients() -> None:
    """normalize and cosine_similarity of a zero vector: the norm's subgradient 0, and the clamp's eps."""
    torch = pytest.importorskip("torch")
    values = np.zeros((2, 3))
    values[1] = [1.0, -2.0, 0.5]
    for function in (lambda f, x: f.normalize(x), lambda f, x: f.cosine_similarity(x, x * 0.0 + 1.0),
                     lambda f, x: f.pairwise_distance(x, x * 1.0, eps=0.0)):
        x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        y_ours, y_theirs = function(F, x_ours), function(torch.nn.functional, x_theirs)
        y_ours.sum().backward()
        y_theirs.sum().backward()
        np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-12)
        assert np.isfinite(x_ours.grad.numpy()).all()


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.1,)),
                                       ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 2.0)), ("selu_", ()),
                                       ("celu_", (0.5,))])
def test_in_place_functions_write_into_the_input(name: str, args: tuple) -> None:
    torch = pytest.importorskip("torch")
    x_ours, x_theirs = gg.tensor(VALUES, requires_grad=True), torch.tensor(VALUES, requires_grad=True)
    h_ours, h_theirs = x_ours * 1.0, x_theirs * 1.0
    result = getattr(F, name)(h_ours, *args)
    getattr(torch.nn.functional, name)(h_theirs, *args)
    assert result is h_ours
    np.testing.assert_allclose(h_ours.detach().numpy(), h_theirs.detach().numpy(), rtol=1e-6, atol=1e-7)
    (h_ours * h_ours).sum().backward()
    (h_theirs * h_theirs).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_in_place_function_refuses_a_leaf_that_requires_grad() -> None:
    with pytest.raises(RuntimeError, match="leaf"):
        F.selu_(gg.tensor(VALUES, requires_grad=True))


def test_softmin_without_dim_warns_and_picks_torchs_dim() -> None:
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning, match="softmin"):
        ours = F.softmin(gg.tensor(VALUES))
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmin(torch.tensor(VALUES))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_softmin_dtype_casts_first() -> None:
    out = F.softmin(gg.tensor(VALUES), dim=1, dtype=gg.float64)
    assert out.dtype == gg.float64
    np.testing.assert_allclose(out.numpy().sum(1), np.ones(4), rtol=1e-12)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.glu(gg.randn(3, 5), 1), RuntimeError, "dimension 1 is size 5"),
    (lambda: F.glu(gg.tensor(1.0)), RuntimeError, "scalars"),
    (lambda: F.glu(gg.randn(3, 4), 2), IndexError, "glu: dim 2"),
    (lambda: F.prelu(gg.randn(2, 3), gg.ones(2)), RuntimeError, r"prelu: the number of weights \(2\)"),
    (lambda: F.softshrink(gg.randn(3), -1.0), ValueError, "lambd"),
    (lambda: F.celu(gg.randn(3), 0.0), ValueError, "celu: alpha"),
    (lambda: F.mish(gg.tensor([1, 2])), TypeError, "mish: expected a floating point"),
    (lambda: F.normalize(gg.randn(3), dim=1), IndexError, r"normalize: dim 1 .* shape \(3,\)"),
    (lambda: F.normalize(gg.randn(3, 2), p="max"), NotImplementedError, "p='max'"),
    (lambda: F.cosine_similarity(gg.randn(3, 4), gg.randn(2, 4)), ValueError, r"\(3, 4\) and x2 \(2, 4\)"),
    (lambda: F.pairwise_distance(gg.randn(3, 4), gg.randn(3, 5)), ValueError, "do not broadcast"),
    (lambda: nn.PReLU(0), ValueError, "num_parameters"),
])
def test_bad_arguments_name_the_op_and_the_fix(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_glu_halves_the_dim_and_prelu_trains() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.GLU(), nn.PReLU(4), nn.Linear(4, 2), nn.LogSigmoid())
    out = model(gg.randn(5, 4))
    assert out.shape == (5, 2)
    out.sum().backward()
    assert model[2].weight.grad.shape == (4,)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "3.weight",
                                                              "3.bias"]
