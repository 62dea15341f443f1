"""Leaves get their gradient as soon as it is final (after the last node that contributes to it), as PyTorch's
AccumulateGrad: so a parameter's post-accumulate hook runs while backward still walks the layers below it."""

import numpy as np
import pytest

import glassgrad as gg


def _probe_class(library, events):
    """An identity Function that records when its backward runs (glassgrad's or torch's)."""

    class Probe(library.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            events.append("probe backward")
            return grad

    return Probe


def _two_layers(library, events, w1_data, w2_data, x_data):
    """x -> probe -> @w1 -> tanh -> @w2 -> sum, with post-accumulate hooks on w1 and w2 recording events."""
    w1 = library.tensor(w1_data, requires_grad=True)
    w2 = library.tensor(w2_data, requires_grad=True)
    x = library.tensor(x_data, requires_grad=True)
    w2.register_post_accumulate_grad_hook(lambda p: events.append(("w2 accumulated", p.grad.numpy().copy())))
    w1.register_post_accumulate_grad_hook(lambda p: events.append(("w1 accumulated", p.grad.numpy().copy())))
    hidden = (_probe_class(library, events).apply(x) @ w1).tanh()
    return (hidden @ w2).sum(), (w1, w2, x)


def test_the_last_layers_hook_fires_before_the_nodes_closer_to_the_input_run_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w1_data, w2_data, x_data = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((5, 3))
    events, torch_events = [], []
    loss, _ = _two_layers(gg, events, w1_data, w2_data, x_data)
    torch_loss, _ = _two_layers(torch, torch_events, w1_data, w2_data, x_data)
    loss.backward()
    torch_loss.backward()
    names = [e if isinstance(e, str) else e[0] for e in events]
    assert names == ["w2 accumulated", "w1 accumulated", "probe backward"]
    assert names == [e if isinstance(e, str) else e[0] for e in torch_events]
    for ours, theirs in zip(events, torch_events):
        if not isinstance(ours, str):
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_a_leaf_used_near_the_output_and_near_the_input_is_delivered_once_with_its_total_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w_data, x_data = rng.standard_normal((3, 3)), rng.standard_normal((2, 3))

    def run(library):
        events = []
        w = library.tensor(w_data, requires_grad=True)
        x = library.tensor(x_data, requires_grad=True)
        w.register_hook(lambda g: events.append(("pre-hook", g.numpy().copy())))
        w.register_post_accumulate_grad_hook(lambda p: events.append(("accumulated", p.grad.numpy().copy())))
        hidden = _probe_class(library, events).apply(x) @ w  # w near the input...
        loss = ((hidden.sin() @ w) * 2).sum()  # ...and near the output
        for _ in range(2):  # a second backward accumulates onto the first
            loss.backward(retain_graph=True)
        return events, w.grad.numpy(), x.grad.numpy()

    events, w_grad, x_grad = run(gg)
    torch_events, torch_w_grad, torch_x_grad = run(torch)
    names = [e if isinstance(e, str) else e[0] for e in events]
    assert names == ["pre-hook", "accumulated", "probe backward"] * 2  # the probe is below w's last use
    assert names == [e if isinstance(e, str) else e[0] for e in torch_events]
    for ours, theirs in zip(events, torch_events):
        if not isinstance(ours, str):
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    np.testing.assert_allclose(w_grad, torch_w_grad, rtol=1e-12)
    np.testing.assert_allclose(x_grad, torch_x_grad, rtol=1e-12)


class _AddSharingItsGradient(gg.autograd.Function):
    """x + y whose backward makes one fresh array and returns it for both inputs."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        shared = grad * 1.0
        return shared, shared


def test_an_early_grad_does_not_share_memory_with_a_gradient_still_on_its_way():
    # One array goes to leaf a and to h's node: a is handed it before h's node runs, so a hook that writes into
    # a.grad must not change what b receives.
    a = gg.ones(3, requires_grad=True)
    b = gg.ones(3, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda p: p.grad.mul_(0))
    _AddSharingItsGradient.apply(a, b * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(3, 2, np.float32))


def test_an_optimizer_step_in_a_post_accumulate_hook_passes_the_version_checks_below_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    datas = [rng.standard_normal((4, 4)) for _ in range(3)]
    x_data = rng.standard_normal((2, 4))

    def run(library):
        def step(p):  # PyTorch's optimizer-in-backward pattern: update a parameter in place once its grad is final
            with library.no_grad():
                p.sub_(0.1 * p.grad)  # bumps p's version: a node still to run that saved p would refuse
            p.grad = None

        weights = [library.tensor(d, requires_grad=True) for d in datas]
        for w in weights:
            w.register_post_accumulate_grad_hook(step)
        h = library.tensor(x_data)
        for w in weights:
            h = (h @ w).tanh()
        h.sum().backward()
        return [w.detach().numpy() for w in weights]

    for ours, theirs in zip(run(gg), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_create_graph_leaf_grads_delivered_early_are_still_differentiable_as_torch():
    torch = pytest.importorskip("torch")
    data = np.array([0.5, -1.0, 2.0])

    def run(library):
        w = library.tensor(data, requires_grad=True)
        x = library.tensor(data * 3, requires_grad=True)
        ((w * x).sin() * w).sum().backward(create_graph=True)
        w_grad = w.grad.detach().numpy().copy()
        second = library.autograd.grad(w.grad.sum(), [w, x])
        return w_grad, [g.detach().numpy() for g in second]

    ours, theirs = run(gg), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
