"""Second-order gradients of whole models against PyTorch 2.13, in float64, on the same weights and inputs.

The cases issue #13 names: a WGAN-GP gradient penalty (on the norm of dD/dx, then backward to the weights) for
an MLP critic and a conv critic, an MLP's Hessian-vector product, and a double backward through attention
(F.scaled_dot_product_attention and nn.MultiheadAttention) and through an LSTM. Each runs the fused ops'
`reference` compositions under create_graph=True (tests/functional/test_reference.py pins each reference to
its fused op). Skipped, with the reason, while the engine cannot build a graph of the backward.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

torch = pytest.importorskip("torch")


def _create_graph_error() -> str | None:
    """Why create_graph=True cannot run here, or None when it can (a wrong answer fails the tests below)."""
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    try:
        (grad,) = gg.autograd.grad((x * x * x).sum(), x, create_graph=True)
        gg.autograd.grad(grad.sum(), x)
    except (ValueError, RuntimeError, TypeError, NotImplementedError, AttributeError) as error:
        return f"create_graph=True is not supported by this engine yet ({type(error).__name__}: {error})"
    return None


pytestmark = pytest.mark.skipif(_create_graph_error() is not None, reason=str(_create_graph_error()))

RNG = np.random.default_rng(13)
TOLERANCE = {"rtol": 1e-9, "atol": 1e-11}


# ---- helpers ------------------------------------------------------------------------------------------------


def _twins(make_ours: Callable[[], nn.Module], make_theirs: Callable[[], Any]) -> tuple[nn.Module, Any]:
    """A glassgrad module and a torch module with the same float64 parameters (glassgrad's, copied by name)."""
    gg.manual_seed(0)
    ours = make_ours().double()
    theirs = make_theirs().double()
    state = {name: torch.tensor(p.detach().numpy()) for name, p in ours.named_parameters()}
    missing, unexpected = theirs.load_state_dict(state, strict=False)
    assert not unexpected and all("running" in name or "num_batches" in name for name in missing)
    return ours, theirs


def _assert_grads_match(ours: nn.Module, theirs: Any) -> None:
    their_grads = dict(theirs.named_parameters())
    checked = 0
    for name, p in ours.named_parameters():
        assert p.grad is not None, f"{name}: no gradient reached this parameter"
        np.testing.assert_allclose(p.grad.numpy(), their_grads[name].grad.numpy(), err_msg=name, **TOLERANCE)
        checked += 1
    assert checked == len(their_grads)


def _gradient_penalty(library: Any, critic: Callable, real: np.ndarray, fake: np.ndarray, mix: np.ndarray) -> Any:
    """WGAN-GP (Gulrajani et al. 2017, eq. 3): λ·E[(‖∇ₓ D(x̂)‖₂ − 1)²] at x̂ = ε·real + (1 − ε)·fake, λ = 10,
    written once for both libraries (`library` is gg or torch)."""
    x_hat = library.tensor(mix * real + (1 - mix) * fake, requires_grad=True)
    scores = critic(x_hat)
    (grad,) = library.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = (grad * grad).reshape(grad.shape[0], -1).sum(1).sqrt()  # ‖∇ₓ D(x̂)‖ per sample
    return 10 * ((norms - 1) ** 2).mean() - scores.mean()  # the critic's loss: penalty − E[D(x̂)]


def _penalty_parity(ours: nn.Module, theirs: Any, shape: tuple) -> None:
    real, fake = RNG.standard_normal(shape), RNG.standard_normal(shape)
    mix = RNG.random((shape[0],) + (1,) * (len(shape) - 1))
    loss_ours = _gradient_penalty(gg, ours, real, fake, mix)
    loss_theirs = _gradient_penalty(torch, theirs, real, fake, mix)
    np.testing.assert_allclose(loss_ours.item(), loss_theirs.item(), **TOLERANCE)
    loss_ours.backward()
    loss_theirs.backward()
    _assert_grads_match(ours, theirs)


# ---- gradient penalty -----------------------------------------------------------------------------------------


def test_gradient_penalty_of_an_mlp_critic() -> None:
    def make(library: Any) -> Callable[[], Any]:
        n = library.nn
        return lambda: n.Sequential(n.Linear(6, 16), n.LayerNorm(16), n.LeakyReLU(0.2), n.Linear(16, 16),
                                    n.GELU(), n.Linear(16, 8), n.SiLU(), n.Linear(8, 1))

    ours, theirs = _twins(make(gg), make(torch))
    _penalty_parity(ours, theirs, (5, 6))


def test_gradient_penalty_of_a_conv_critic() -> None:
    def make(library: Any) -> Callable[[], Any]:
        n = library.nn
        return lambda: n.Sequential(n.Conv2d(2, 4, 3, padding=1), n.LeakyReLU(0.2), n.MaxPool2d(2),
                                    n.Conv2d(4, 6, 3, stride=2, padding=1), n.GroupNorm(2, 6), n.Tanh(),
                                    n.AvgPool2d(2), n.Flatten(), n.Linear(6, 1))

    ours, theirs = _twins(make(gg), make(torch))
    _penalty_parity(ours, theirs, (3, 2, 8, 8))


# ---- Hessian-vector product -----------------------------------------------------------------------------------


def _mlp_loss(library: Any, x: Any, target: Any) -> Callable:
    functional = library.nn.functional

    def loss(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        hidden = functional.gelu(functional.layer_norm(functional.linear(x, w1, b1), (w1.shape[0],)))
        return functional.cross_entropy(functional.linear(hidden, w2, b2), target)

    return loss


def _mlp_problem() -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    shapes = [(12, 5), (12,), (4, 12), (4,)]
    params = [RNG.standard_normal(s) * 0.5 for s in shapes]
    vectors = [RNG.standard_normal(s) for s in shapes]
    return params, vectors, RNG.standard_normal((7, 5)), RNG.integers(0, 4, 7)


def test_mlp_hessian_vector_product_by_double_backward() -> None:
    params, vectors, x, target = _mlp_problem()
    results = []
    for library in (gg, torch):
        tensors = [library.tensor(p, requires_grad=True) for p in params]
        loss = _mlp_loss(library, library.tensor(x), library.tensor(target))(*tensors)
        grads = library.autograd.grad(loss, tensors, create_graph=True)
        dot = sum((g * library.tensor(v)).sum() for g, v in zip(grads, vectors))  # ∇L · v
        results.append([h.detach().numpy() for h in library.autograd.grad(dot, tensors)])  # H v
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def test_mlp_hessian_vector_product_by_hvp() -> None:
    functional = pytest.importorskip("glassgrad.autograd.functional")
    params, vectors, x, target = _mlp_problem()
    ours = functional.hvp(_mlp_loss(gg, gg.tensor(x), gg.tensor(target)),
                          tuple(gg.tensor(p) for p in params), tuple(gg.tensor(v) for v in vectors))
    theirs = torch.autograd.functional.hvp(_mlp_loss(torch, torch.tensor(x), torch.tensor(target)),
                                           tuple(torch.tensor(p) for p in params),
                                           tuple(torch.tensor(v) for v in vectors))
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), **TOLERANCE)  # the loss
    for h_ours, h_theirs in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(h_ours.numpy(), h_theirs.numpy(), **TOLERANCE)


# ---- attention and LSTM ---------------------------------------------------------------------------------------


def _input_gradient_penalty(library: Any, model: Callable, x: np.ndarray, weights: np.ndarray) -> Any:
    """Σ (dL/dx)² + L for L = Σ w ⊙ model(x): a double backward reaches every weight through dL/dx."""
    inputs = library.tensor(x, requires_grad=True)
    loss = (model(inputs) * library.tensor(weights)).sum()
    (grad,) = library.autograd.grad(loss, inputs, create_graph=True)
    return (grad * grad).sum() + loss


def _double_backward_parity(ours: Any, theirs: Any, x: np.ndarray, out_shape: tuple) -> None:
    weights = RNG.standard_normal(out_shape)
    total_ours = _input_gradient_penalty(gg, ours, x, weights)
    total_theirs = _input_gradient_penalty(torch, theirs, x, weights)
    np.testing.assert_allclose(total_ours.item(), total_theirs.item(), **TOLERANCE)
    total_ours.backward()
    total_theirs.backward()


def test_double_backward_through_scaled_dot_product_attention() -> None:
    # q, k, v projected from one input, causal and with a float mask: every path into the scores is exercised.
    B, H, T, D = 2, 2, 5, 3
    projections = [RNG.standard_normal((H * D, 4)) * 0.5 for _ in range(3)]
    bias = RNG.standard_normal((T, T))
    x = RNG.standard_normal((B, T, 4))

    def attention(library: Any, params: list) -> Callable:
        functional = library.nn.functional

        def run(inputs: Any) -> Any:
            q, k, v = (functional.linear(inputs, w).reshape(B, T, H, D).transpose(1, 2) for w in params)
            causal = functional.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, D)
            masked = functional.scaled_dot_product_attention(q, k, v, attn_mask=library.tensor(bias))
            return (causal * masked).transpose(1, 2).reshape(B, T, H * D)

        return run

    params_ours = [gg.tensor(w, requires_grad=True) for w in projections]
    params_theirs = [torch.tensor(w, requires_grad=True) for w in projections]
    _double_backward_parity(attention(gg, params_ours), attention(torch, params_theirs), x, (B, T, H * D))
    for ours, theirs in zip(params_ours, params_theirs):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **TOLERANCE)


def test_double_backward_through_multihead_attention() -> None:
    ours, theirs = _twins(lambda: nn.MultiheadAttention(6, 2, batch_first=True),
                          lambda: torch.nn.MultiheadAttention(6, 2, batch_first=True))
    x = RNG.standard_normal((2, 4, 6))
    _double_backward_parity(lambda t: ours(t, t, t)[0], lambda t: theirs(t, t, t)[0], x, (2, 4, 6))
    _assert_grads_match(ours, theirs)


def test_double_backward_through_an_lstm() -> None:
    ours, theirs = _twins(lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True),
                          lambda: torch.nn.LSTM(3, 4, num_layers=2, batch_first=True))
    x = RNG.standard_normal((2, 5, 3))
    _double_backward_parity(lambda t: ours(t)[0], lambda t: theirs(t)[0], x, (2, 5, 4))
    _assert_grads_match(ours, theirs)


def test_double_backward_through_lstm_and_gru_cells() -> None:
    def make(library: Any) -> Callable[[], Any]:
        return lambda: library.nn.ModuleList([library.nn.LSTMCell(3, 4), library.nn.GRUCell(4, 3)])

    ours, theirs = _twins(make(gg), make(torch))
    x = RNG.standard_normal((2, 3))
    state = [RNG.standard_normal((2, 4)) for _ in range(2)]

    def cells(modules: Any, library: Any) -> Callable:
        def run(inputs: Any) -> Any:
            h, _ = modules[0](inputs, tuple(library.tensor(s) for s in state))
            return modules[1](h, inputs)  # the input doubles as the GRU's hidden state

        return run

    _double_backward_parity(cells(ours, gg), cells(theirs, torch), x, (2, 3))
    _assert_grads_match(ours, theirs)
