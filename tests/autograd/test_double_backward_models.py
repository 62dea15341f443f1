"""Second-order gradients of whole models against PyTorch 2.13, in float64, on the same weights and inputs.

The cases issue #13 names: a WGAN-GP gradient penalty (on the norm of dD/dx, then backward to the weights) for
an MLP critic and a conv critic, an MLP's Hessian-vector product, and a double backward through attention
(F.scaled_dot_product_attention and nn.MultiheadAttention) and through an LSTM (and the LSTM and GRU cells).

Two checks per case:
- with create_graph=True, glassgrad's loss and weight gradients equal torch's. This runs the fused ops'
  `reference` compositions (tests/functional/test_reference.py pins each to its fused op), and is skipped,
  with the reason, while the engine cannot build a graph of the backward;
- without it (runs today): the directional derivative of glassgrad's loss, by central finite differences of
  the loss built from glassgrad's *first-order* gradients, equals torch's weight gradient along the same
  direction. This pins the math each second-order test relies on, independently of the engine.
Then, per fused op (one configuration each, through the public functional API, which mirrors torch's), the
double backward d/dx⟨∇ₓ⟨u, f(x)⟩, v⟩ against torch's; and module full backward hooks, which fire in a double
backward as in PyTorch.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

from ._create_graph import needs_create_graph

torch = pytest.importorskip("torch")
torch_attention = pytest.importorskip("torch.nn.attention")


TOLERANCE = {"rtol": 1e-9, "atol": 1e-11}


# ---- the two losses: a gradient penalty on the critic's input, and a penalty on the input gradient ------------


def _gradient_penalty(library: Any, critic: Callable, data: dict, create_graph: bool) -> Any:
    """WGAN-GP (Gulrajani et al. 2017, eq. 3): λ·E[(‖∇ₓ D(x̂)‖₂ − 1)²] − E[D(x̂)] at x̂ = ε·real + (1 − ε)·fake,
    λ = 10; written once for both libraries (`library` is gg or torch)."""
    x_hat = library.tensor(data["mix"] * data["real"] + (1 - data["mix"]) * data["fake"], requires_grad=True)
    scores = critic(x_hat)
    (grad,) = library.autograd.grad(scores.sum(), x_hat, create_graph=create_graph)
    norms = (grad * grad).reshape(grad.shape[0], -1).sum(1).sqrt()  # ‖∇ₓ D(x̂)‖ per sample
    return 10 * ((norms - 1) ** 2).mean() - scores.mean()


def _penalty_data(shape: tuple) -> dict:
    rng = np.random.default_rng(7)
    return {"real": rng.standard_normal(shape), "fake": rng.standard_normal(shape),
            "mix": rng.random((shape[0],) + (1,) * (len(shape) - 1))}


def _input_gradient_penalty(library: Any, model: Callable, data: dict, create_graph: bool) -> Any:
    """Σ (dL/dx)² + L for L = Σ w ⊙ model(x): a double backward reaches every weight through dL/dx."""
    inputs = library.tensor(data["x"], requires_grad=True)
    loss = (model(inputs) * library.tensor(data["w"])).sum()
    (grad,) = library.autograd.grad(loss, inputs, create_graph=create_graph)
    return (grad * grad).sum() + loss


def _input_data(in_shape: tuple, out_shape: tuple) -> dict:
    rng = np.random.default_rng(8)
    return {"x": rng.standard_normal(in_shape), "w": rng.standard_normal(out_shape)}


# ---- the models ------------------------------------------------------------------------------------------------


def _mlp_critic(library: Any) -> Any:
    n = library.nn
    return n.Sequential(n.Linear(6, 16), n.LayerNorm(16), n.LeakyReLU(0.2), n.Linear(16, 16), n.GELU(),
                        n.Linear(16, 8), n.SiLU(), n.Linear(8, 1))


def _conv_critic(library: Any) -> Any:
    n = library.nn
    return n.Sequential(n.Conv2d(2, 4, 3, padding=1), n.LeakyReLU(0.2), n.MaxPool2d(2),
                        n.Conv2d(4, 6, 3, stride=2, padding=1), n.GroupNorm(2, 6), n.Tanh(), n.AvgPool2d(2),
                        n.Flatten(), n.Linear(6, 1))


_HEADS, _HEAD_SIZE, _STEPS = 2, 3, 5
_SCORE_BIAS = np.random.default_rng(9).standard_normal((_STEPS, _STEPS))


def _two_attentions(library: Any) -> Any:
    """q, k, v projected from one input, then causal attention times attention under a float mask: every path
    into the scores is exercised."""
    functional = library.nn.functional
    H, D = _HEADS, _HEAD_SIZE

    class TwoAttentions(library.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = library.nn.Linear(4, 3 * H * D)

        def forward(self, x: Any) -> Any:
            B, T, _ = x.shape
            q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in self.qkv(x).split(H * D, -1))  # (B, H, T, D)
            causal = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            masked = functional.scaled_dot_product_attention(q, k, v, attn_mask=library.tensor(_SCORE_BIAS))
            return (causal * masked).transpose(1, 2).reshape(B, T, H * D)  # (B, T, H·D)

    return TwoAttentions()


def _cells(library: Any) -> Any:
    """An LSTM cell feeding a GRU cell whose hidden state is the input itself."""
    state = [library.tensor(s) for s in np.random.default_rng(10).standard_normal((2, 2, 4))]

    class Cells(library.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = library.nn.LSTMCell(3, 4)
            self.gru = library.nn.GRUCell(4, 3)

        def forward(self, x: Any) -> Any:
            h, _ = self.lstm(x, (state[0], state[1]))
            return self.gru(h, x)

    return Cells()


class _ModelCase:
    def __init__(self, make: Callable[[Any], Any], objective: Callable, data: dict, call: Callable = None) -> None:
        self.make = make  # make(library) -> a module of that library
        self.objective = objective  # objective(library, model, data, create_graph) -> the scalar loss
        self.data = data
        self.call = call or (lambda module: module)  # how the objective calls the module


MODELS = {
    "gradient_penalty_mlp_critic": _ModelCase(_mlp_critic, _gradient_penalty, _penalty_data((5, 6))),
    "gradient_penalty_conv_critic": _ModelCase(_conv_critic, _gradient_penalty, _penalty_data((3, 2, 8, 8))),
    "scaled_dot_product_attention": _ModelCase(_two_attentions, _input_gradient_penalty,
                                               _input_data((2, _STEPS, 4), (2, _STEPS, _HEADS * _HEAD_SIZE))),
    "multihead_attention": _ModelCase(lambda library: library.nn.MultiheadAttention(6, 2, batch_first=True),
                                      _input_gradient_penalty, _input_data((2, 4, 6), (2, 4, 6)),
                                      call=lambda module: lambda t: module(t, t, t)[0]),
    "lstm": _ModelCase(lambda library: library.nn.LSTM(3, 4, num_layers=2, batch_first=True),
                       _input_gradient_penalty, _input_data((2, 5, 3), (2, 5, 4)),
                       call=lambda module: lambda t: module(t)[0]),
    "lstm_and_gru_cells": _ModelCase(_cells, _input_gradient_penalty, _input_data((2, 3), (2, 3))),
}


def _twins(case: _ModelCase) -> tuple[Any, Any]:
    """The case's glassgrad module and torch module, float64, with glassgrad's parameters copied by name."""
    gg.manual_seed(0)
    ours = case.make(gg).double()
    theirs = case.make(torch).double()
    state = {name: torch.tensor(p.detach().numpy()) for name, p in ours.named_parameters()}
    assert set(state) == {name for name, _ in theirs.named_parameters()}
    theirs.load_state_dict(state, strict=False)
    return ours, theirs


def _differentiable_attention(library: Any) -> Any:
    """torch's CPU flash-attention kernel has no double backward ("derivative for
    aten::_scaled_dot_product_flash_attention_for_cpu_backward is not implemented"); its math backend computes
    the same attention from differentiable ops. (glassgrad differentiates its fused attention twice.)"""
    if library is torch:
        return torch_attention.sdpa_kernel(torch_attention.SDPBackend.MATH)
    return contextlib.nullcontext()


def _loss(library: Any, case: _ModelCase, module: Any, create_graph: bool) -> Any:
    with _differentiable_attention(library):
        return case.objective(library, case.call(module), case.data, create_graph)


@needs_create_graph
@pytest.mark.parametrize("name", sorted(MODELS))
def test_double_backward_matches_torch(name: str) -> None:
    case = MODELS[name]
    ours, theirs = _twins(case)
    loss_ours = _loss(gg, case, ours, create_graph=True)
    loss_theirs = _loss(torch, case, theirs, create_graph=True)
    np.testing.assert_allclose(loss_ours.item(), loss_theirs.item(), **TOLERANCE)
    loss_ours.backward()
    loss_theirs.backward()
    their_params = dict(theirs.named_parameters())
    for param_name, p in ours.named_parameters():
        assert p.grad is not None, f"{name}: no gradient reached {param_name}"
        np.testing.assert_allclose(p.grad.numpy(), their_params[param_name].grad.numpy(), err_msg=param_name,
                                   **TOLERANCE)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_directional_derivative_of_the_first_order_loss_matches_torch(name: str) -> None:
    case = MODELS[name]
    ours, theirs = _twins(case)
    _loss(torch, case, theirs, create_graph=True).backward()
    params = [p for _, p in ours.named_parameters()]
    their_params = dict(theirs.named_parameters())
    directions = [np.random.default_rng(11 + k).standard_normal(p.shape) for k, p in enumerate(params)]
    expected = sum(float((their_params[n].grad.numpy() * u).sum())
                   for (n, _), u in zip(ours.named_parameters(), directions))
    originals = [p.detach().numpy().copy() for p in params]

    def loss_at(step: float) -> float:
        with gg.no_grad():
            for p, base, u in zip(params, originals, directions):
                p.copy_(gg.tensor(base + step * u))
        return _loss(gg, case, ours, create_graph=False).item()

    step = 1e-5
    measured = (loss_at(step) - loss_at(-step)) / (2 * step)  # O(step²) ≈ 1e-10 truncation, 1e-11 round-off
    np.testing.assert_allclose(measured, expected, rtol=1e-6, atol=1e-8)


# ---- module backward hooks -----------------------------------------------------------------------------------


@needs_create_graph
def test_full_backward_hooks_fire_in_a_double_backward_and_their_replacement_counts() -> None:
    case = MODELS["gradient_penalty_mlp_critic"]
    ours, theirs = _twins(case)
    calls = {"ours": 0, "theirs": 0}

    def doubling(who: str) -> Callable:
        def hook(module: Any, grad_input: tuple, grad_output: tuple) -> tuple:
            calls[who] += 1
            return tuple(None if g is None else g * 2 for g in grad_input)  # replaces dL/dx of the layer
        return hook

    ours[2].register_full_backward_hook(doubling("ours"))  # the LeakyReLU after the LayerNorm
    theirs[2].register_full_backward_hook(doubling("theirs"))
    loss_ours = _loss(gg, case, ours, create_graph=True)
    loss_theirs = _loss(torch, case, theirs, create_graph=True)
    np.testing.assert_allclose(loss_ours.item(), loss_theirs.item(), **TOLERANCE)
    loss_ours.backward()
    loss_theirs.backward()
    assert calls["ours"] == calls["theirs"] > 1
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), err_msg=name, **TOLERANCE)


# ---- Hessian-vector product ------------------------------------------------------------------------------------


def _mlp_loss(library: Any, x: np.ndarray, target: np.ndarray) -> Callable:
    functional = library.nn.functional
    inputs, classes = library.tensor(x), library.tensor(target)

    def loss(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        hidden = functional.gelu(functional.layer_norm(functional.linear(inputs, w1, b1), (w1.shape[0],)))
        return functional.cross_entropy(functional.linear(hidden, w2, b2), classes)

    return loss


def _mlp_problem() -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    shapes = [(12, 5), (12,), (4, 12), (4,)]
    params = [rng.standard_normal(s) * 0.5 for s in shapes]
    vectors = [rng.standard_normal(s) for s in shapes]
    return params, vectors, rng.standard_normal((7, 5)), rng.integers(0, 4, 7)


def _torch_hvp() -> tuple:
    params, vectors, x, target = _mlp_problem()
    return torch.autograd.functional.hvp(_mlp_loss(torch, x, target), tuple(torch.tensor(p) for p in params),
                                         tuple(torch.tensor(v) for v in vectors))


@needs_create_graph
def test_mlp_hessian_vector_product_by_double_backward() -> None:
    params, vectors, x, target = _mlp_problem()
    tensors = [gg.tensor(p, requires_grad=True) for p in params]
    grads = gg.autograd.grad(_mlp_loss(gg, x, target)(*tensors), tensors, create_graph=True)
    dot = sum((g * gg.tensor(v)).sum() for g, v in zip(grads, vectors))  # ∇L · v
    hessian_vector = gg.autograd.grad(dot, tensors)  # H v
    for ours, theirs in zip(hessian_vector, _torch_hvp()[1]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), **TOLERANCE)


@needs_create_graph
def test_mlp_hessian_vector_product_by_hvp() -> None:
    functional = pytest.importorskip("glassgrad.autograd.functional")
    params, vectors, x, target = _mlp_problem()
    loss, hessian_vector = functional.hvp(_mlp_loss(gg, x, target), tuple(gg.tensor(p) for p in params),
                                          tuple(gg.tensor(v) for v in vectors))
    their_loss, their_hessian_vector = _torch_hvp()
    np.testing.assert_allclose(loss.detach().numpy(), their_loss.numpy(), **TOLERANCE)
    for ours, theirs in zip(hessian_vector, their_hessian_vector):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), **TOLERANCE)


def test_mlp_hessian_vector_product_by_finite_differences_of_the_gradient() -> None:
    # H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε from glassgrad's first-order gradients, against torch's hvp.
    params, vectors, x, target = _mlp_problem()
    loss = _mlp_loss(gg, x, target)
    step = 1e-5

    def gradient(sign: float) -> tuple:
        tensors = [gg.tensor(p + sign * step * v, requires_grad=True) for p, v in zip(params, vectors)]
        return gg.autograd.grad(loss(*tensors), tensors)

    for plus, minus, theirs in zip(gradient(1.0), gradient(-1.0), _torch_hvp()[1]):
        np.testing.assert_allclose((plus.numpy() - minus.numpy()) / (2 * step), theirs.numpy(), rtol=1e-6,
                                   atol=1e-8)


# ---- per fused op: double backward against torch's --------------------------------------------------------------

_OP_RNG = np.random.default_rng(14)


def _arrays(*shapes: tuple) -> list[np.ndarray]:
    return [_OP_RNG.standard_normal(shape) for shape in shapes]


_POS_WEIGHT = np.array([0.5, 1.0, 2.0, 3.0])


# name -> (fn(functional, library, *tensors), arrays); float arrays require grad, integer arrays are data.
# glassgrad.nn.functional has torch.nn.functional's signatures, so one lambda serves both libraries.
OPS = {
    "gelu": (lambda f, lib, x: f.gelu(x), _arrays((3, 5))),
    "gelu_tanh": (lambda f, lib, x: f.gelu(x, approximate="tanh"), _arrays((3, 5))),
    "silu": (lambda f, lib, x: f.silu(x), _arrays((3, 5))),
    "softplus": (lambda f, lib, x: f.softplus(x * 3, beta=2.0, threshold=4.0), _arrays((3, 5))),
    "elu": (lambda f, lib, x: f.elu(x, alpha=0.7), _arrays((3, 5))),
    "leaky_relu": (lambda f, lib, x: f.leaky_relu(x, 0.1) ** 2, _arrays((3, 5))),
    "hardtanh": (lambda f, lib, x: f.hardtanh(x * 2, -1.0, 1.5) ** 2, _arrays((3, 5))),
    "linear": (lambda f, lib, x, w, b: f.linear(x, w, b) ** 2, _arrays((2, 3, 4), (5, 4), (5,))),
    "layer_norm": (lambda f, lib, x, w, b: f.layer_norm(x, (4,), w, b), _arrays((3, 4), (4,), (4,))),
    "rms_norm": (lambda f, lib, x, w: f.rms_norm(x, (2, 4), w, eps=1e-5), _arrays((3, 2, 4), (2, 4))),
    "group_norm": (lambda f, lib, x, w, b: f.group_norm(x, 2, w, b), _arrays((2, 4, 3), (4,), (4,))),
    "batch_norm": (lambda f, lib, x, w, b: f.batch_norm(x, None, None, w, b, training=True),
                   _arrays((4, 3, 2), (3,), (3,))),
    "conv2d": (lambda f, lib, x, w, b: f.conv2d(x, w, b, stride=2, padding=1) ** 2,
               _arrays((2, 3, 5, 6), (4, 3, 3, 3), (4,))),
    "conv1d_groups": (lambda f, lib, x, w: f.conv1d(x, w, padding=1, dilation=2, groups=2) ** 2,
                      _arrays((2, 4, 7), (6, 2, 2))),
    "max_pool2d": (lambda f, lib, x: f.max_pool2d(x, 2, padding=1) ** 2, _arrays((2, 3, 5, 5))),
    "avg_pool2d": (lambda f, lib, x: f.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False) ** 2,
                   _arrays((2, 3, 6, 5))),
    "adaptive_avg_pool2d": (lambda f, lib, x: f.adaptive_avg_pool2d(x, (2, 3)) ** 2, _arrays((2, 3, 5, 7))),
    "scaled_dot_product_attention": (
        lambda f, lib, q, k, v, m: f.scaled_dot_product_attention(q, k, v, attn_mask=m),
        _arrays((2, 4, 3), (2, 5, 3), (2, 5, 2), (4, 5))),
    "embedding": (lambda f, lib, w: f.embedding(lib.tensor(np.array([[0, 2, 2], [3, 1, 2]])), w, padding_idx=1) ** 2,
                  _arrays((4, 3))),
    "pad_reflect": (lambda f, lib, x: f.pad(x, (2, 1, 1, 0), mode="reflect") ** 2, _arrays((2, 3, 4))),
    "mse_loss": (lambda f, lib, x, t: f.mse_loss(x, t), _arrays((3, 4), (3, 4))),
    "l1_loss": (lambda f, lib, x, t: f.l1_loss(x * x, t), _arrays((3, 4), (3, 4))),
    "huber_loss": (lambda f, lib, x, t: f.huber_loss(x, t, delta=0.7), _arrays((3, 4), (3, 4))),
    "smooth_l1_loss": (lambda f, lib, x, t: f.smooth_l1_loss(x, t, beta=0.6, reduction="sum"),
                       _arrays((3, 4), (3, 4))),
    "kl_div": (lambda f, lib, x, t: f.kl_div(f.log_softmax(x, 1), t.softmax(1), reduction="batchmean"),
               _arrays((3, 4), (3, 4))),
    "binary_cross_entropy": (lambda f, lib, x, t: f.binary_cross_entropy(x.sigmoid(), t.sigmoid()),
                             _arrays((3, 4), (3, 4))),
    "binary_cross_entropy_with_logits": (  # torch takes no gradient for pos_weight: a constant here
        lambda f, lib, x, t: f.binary_cross_entropy_with_logits(x, t.sigmoid(), pos_weight=lib.tensor(_POS_WEIGHT)),
        _arrays((3, 4), (3, 4))),
    "cross_entropy": (lambda f, lib, x: f.cross_entropy(x, lib.tensor(np.array([0, 2, 1, 2])),
                                                        weight=lib.tensor(np.array([0.5, 1.0, 2.0])),
                                                        label_smoothing=0.2), _arrays((4, 3))),
    "cross_entropy_probabilities": (lambda f, lib, x, t: f.cross_entropy(x, t.softmax(1), label_smoothing=0.1),
                                    _arrays((4, 3), (4, 3))),
    "nll_loss": (lambda f, lib, x: f.nll_loss(f.log_softmax(x, 1), lib.tensor(np.array([0, 2, 1, 2]))),
                 _arrays((4, 3))),
}


def _second_order(library: Any, name: str) -> list:
    """d/dx of ⟨∇ₓ⟨u, f(x)⟩, v⟩ for each float input x: a double backward with fixed u and v."""
    fn, arrays = OPS[name]
    tensors = [library.tensor(a, requires_grad=True) for a in arrays]
    with _differentiable_attention(library):
        out = fn(library.nn.functional, library, *tensors)
        upstream = library.tensor(np.random.default_rng(15).standard_normal(tuple(out.shape)))
        grads = library.autograd.grad(out, tensors, upstream, create_graph=True, allow_unused=True)
        projected = sum((g * library.tensor(np.random.default_rng(16 + k).standard_normal(g.shape))).sum()
                        for k, g in enumerate(grads) if g is not None)
        second = library.autograd.grad(projected, tensors, allow_unused=True)
    return [np.zeros(a.shape) if g is None else g.detach().numpy() for g, a in zip(second, arrays)]


@needs_create_graph
@pytest.mark.parametrize("name", sorted(OPS))
def test_fused_op_double_backward_matches_torch(name: str) -> None:
    for ours, theirs in zip(_second_order(gg, name), _second_order(torch, name)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)
