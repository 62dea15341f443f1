"""Higher-order gradients: create_graph in backward and autograd.grad, hooks on graph gradients, the reference
path of fused ops, tensor-level Functions, autograd.grad's pruning, and autograd.functional.hvp/vhp — each
compared with PyTorch on the same inputs. (Every primitive's double backward is in tests/ops/test_gradgradcheck.py.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradgradcheck
from glassgrad.ops import tensor_namespace

torch = pytest.importorskip("torch")
# torch warns that backward(create_graph=True) makes a parameter/gradient reference cycle; the tests reset them.
pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 2))


def pair(array: np.ndarray) -> tuple[Any, Any]:
    """The same float64 leaf in glassgrad and in torch."""
    return gg.tensor(array, dtype=gg.float64, requires_grad=True), torch.tensor(array, requires_grad=True)


def close(ours: Any, theirs: Any, rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol)


# ---- create_graph in backward and autograd.grad --------------------------------------------------------------


def test_backward_create_graph_stores_grads_with_a_graph_and_accumulates() -> None:
    def f(x: Any, w: Any) -> Any:
        return ((x @ w).tanh() * (x @ w).sigmoid()).sum()

    (x, xt), (w, wt) = pair(A), pair(B)
    f(x, w).backward(create_graph=True)
    f(xt, wt).backward(create_graph=True)
    assert x.grad.grad_fn is not None and x.grad.requires_grad
    close(x.grad, xt.grad)
    # Differentiating the stored gradient adds d(Σ ∂f/∂x)/dx to x.grad, out of place, as in torch.
    x.grad.sum().backward()
    xt.grad.sum().backward()
    close(x.grad, xt.grad)
    close(w.grad, wt.grad)


def test_gradient_penalty_of_a_small_network_matches_torch() -> None:
    # loss = cross-entropy(net(x)) + ‖∂cross-entropy/∂x‖²: the parameters' gradients need double backward
    # through matmul, broadcast add, tanh, log_softmax, gather, mean and pow.
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape) for shape in ((5, 4), (4, 6), (6,), (6, 3))]
    targets = np.array([[0], [2], [1], [2], [0]])
    grads = []
    for lib, make in ((gg, lambda a: gg.tensor(a, dtype=gg.float64, requires_grad=True)),
                      (torch, lambda a: torch.tensor(a, requires_grad=True))):
        x, w1, b1, w2 = (make(a) for a in arrays)
        logits = (x @ w1 + b1).tanh() @ w2
        cross_entropy = -logits.log_softmax(-1).gather(1, lib.tensor(targets)).mean()
        (grad_x,) = lib.autograd.grad(cross_entropy, x, create_graph=True)
        (cross_entropy + (grad_x**2).sum()).backward()
        grads.append([t.grad for t in (x, w1, b1, w2)])
    for ours, theirs in zip(*grads):
        close(ours, theirs)


def test_retain_graph_defaults_to_create_graph() -> None:
    x, _ = pair(A)
    y = (x.exp() * x).sum()
    y.backward(create_graph=True)
    y.backward()  # the graph was kept: a second backward works
    (g,) = gg.autograd.grad((x * x).sum(), x, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z = (x.exp()).sum()
        z.backward(create_graph=True, retain_graph=False)
        x.grad.sum().backward()


def test_third_derivative_of_tanh_matches_torch() -> None:
    (x, xt) = pair(np.array([-1.3, 0.2, 0.9]))
    results = []
    for lib, t in ((gg, x), (torch, xt)):
        (g1,) = lib.autograd.grad(t.tanh().sum(), t, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), t, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), t)
        results.append(g3)
    close(*results)


def test_grad_outputs_with_a_graph_are_differentiated_through() -> None:
    (x, xt), (u, ut) = pair(A), pair(RNG.standard_normal((3, 4)))
    seconds = []
    for lib, t, v in ((gg, x, u), (torch, xt, ut)):
        (g,) = lib.autograd.grad(t.sin() * t, t, v * v, create_graph=True)
        seconds.append(lib.autograd.grad(g.sum(), [t, v]))
    for ours, theirs in zip(*seconds):
        close(ours, theirs)


def test_backward_with_inputs_and_create_graph() -> None:
    (x, xt), (w, wt) = pair(A), pair(B)
    for t, v in ((x, w), (xt, wt)):
        (t @ v).exp().sum().backward(inputs=[t], create_graph=True)
    assert w.grad is None and x.grad.grad_fn is not None
    close(x.grad, xt.grad)
    x.grad.sum().backward(inputs=[w])
    xt.grad.sum().backward(inputs=[wt])
    close(w.grad, wt.grad)


def test_double_backward_through_an_in_place_write() -> None:
    # mul_ saves a copy of what it overwrites: on the graph, that copy stands where the input was.
    (a, at), (b, bt) = pair(A), pair(RNG.standard_normal((3, 4)))
    seconds = []
    for lib, p, q in ((gg, a, b), (torch, at, bt)):
        z = p * 1.0
        z.mul_(q)
        (g,) = lib.autograd.grad((z * z).sum(), q, create_graph=True)
        seconds.append(lib.autograd.grad(g.sum(), [p, q]))
    for ours, theirs in zip(*seconds):
        close(ours, theirs)


def test_float32_first_derivatives_are_the_same_with_and_without_create_graph() -> None:
    # The same backward runs in both modes (relu's Numba kernel on arrays, the Tensor namespace on tensors).
    x = gg.tensor(A.astype(np.float32), requires_grad=True)
    w = gg.tensor(B.astype(np.float32), requires_grad=True)

    def loss() -> Any:
        return ((x @ w).relu().log_softmax(-1) * (x @ w).softmax(0)).mean()

    plain = gg.autograd.grad(loss(), [x, w])
    on_graph = gg.autograd.grad(loss(), [x, w], create_graph=True)
    for p, g in zip(plain, on_graph):
        assert p.grad_fn is None and g.grad_fn is not None and g.dtype == gg.float32
        np.testing.assert_allclose(g.detach().numpy(), p.numpy(), rtol=1e-6, atol=1e-7)


def test_namespace_of_a_tensor_is_the_tensor_namespace() -> None:
    x, _ = pair(A)
    gg.autograd.grad((x * x).sum(), x, create_graph=True)
    assert gg.backend.namespace_of(x) is tensor_namespace
    assert gg.backend.namespace_of(x.detach().numpy()) is np


# ---- hooks ----------------------------------------------------------------------------------------------------


def test_tensor_hooks_receive_and_return_gradients_with_a_graph() -> None:
    seen = []

    def first_and_second(lib: Any, t: Any) -> tuple:
        h = t.exp()

        def scale_by_h(grad: Any) -> Any:
            seen.append(grad.requires_grad)
            return grad * h  # a replacement that depends on x: the second derivative sees it

        h.register_hook(scale_by_h)
        t.register_hook(lambda grad: grad * 2.0)  # a leaf hook
        (g,) = lib.autograd.grad((h * t).sum(), t, create_graph=True)
        return g, lib.autograd.grad(g.sum(), t)[0]

    ours = first_and_second(gg, pair(A)[0])
    theirs = first_and_second(torch, pair(A)[1])
    assert seen == [True, False] * 2  # on the graph in the first grad; the second one's is a constant, in both
    close(ours[0], theirs[0])
    close(ours[1], theirs[1])


def test_retain_grad_with_create_graph_keeps_the_graph() -> None:
    (x, xt) = pair(A)
    retained = []
    for t in (x, xt):
        h = t.sin()
        h.retain_grad()
        (h * h).sum().backward(create_graph=True)
        retained.append(h.grad)
    assert retained[0].requires_grad == retained[1].requires_grad is True
    close(retained[0], retained[1])


# ---- fused ops: the reference path ----------------------------------------------------------------------------


class SquaredDistance(gg.autograd.Op):
    """d = scale · Σ_last (x − y)².   ∂d/∂x = 2 scale (x − y), ∂d/∂y = −∂d/∂x

    A fused op in the style of functional/: its backward works on NumPy arrays only (`out=`), so double
    backward goes through `reference`.
    """

    @staticmethod
    def forward(ctx, x, y, scale):
        ctx.scale = scale
        difference = x - y
        ctx.save_for_backward(difference)
        return scale * np.einsum("...i,...i->...", difference, difference)

    @staticmethod
    def backward(ctx, grad):
        (difference,) = ctx.saved_tensors
        grad_x = np.multiply(difference, (2 * ctx.scale) * grad[..., None], out=np.empty_like(difference))
        return grad_x, -grad_x, None

    @staticmethod
    def reference(ctx, x, y, scale):
        difference = x - y
        return (difference * difference).sum(-1) * ctx.scale


class SquaredDistanceWithoutReference(SquaredDistance):
    reference = None


def squared_distance(lib: Any, x: Any, y: Any, op: type = SquaredDistance) -> Any:
    return op.apply(x, y, 1.5) if lib is gg else 1.5 * ((x - y) ** 2).sum(-1)


def test_fused_op_double_backward_through_its_reference() -> None:
    (x, xt), (y, yt) = pair(A), pair(RNG.standard_normal((3, 4)))
    assert gradgradcheck(lambda p, q: squared_distance(gg, p, q), (x, y))
    seconds = []
    for lib, p, q in ((gg, x, y), (torch, xt, yt)):
        d = squared_distance(lib, p.tanh(), q)  # an input computed by another op: the walk continues below
        (g,) = lib.autograd.grad((d * d).sum(), p, create_graph=True)
        seconds.append(lib.autograd.grad((g * g).sum(), [p, q]))
    for ours, theirs in zip(*seconds):
        close(ours, theirs)


def test_fused_op_with_an_input_computed_from_the_other_counts_each_path_once() -> None:
    (x, xt) = pair(A)
    seconds = []
    for lib, t in ((gg, x), (torch, xt)):
        d = squared_distance(lib, t, (t * 2.0).exp())
        (g,) = lib.autograd.grad(d.sum(), t, create_graph=True)
        seconds.append((g, lib.autograd.grad(g.sum(), t)[0]))
    close(seconds[0][0], seconds[1][0])
    close(seconds[0][1], seconds[1][1])


def test_fused_op_without_reference_refuses_create_graph() -> None:
    x, _ = pair(A)
    d = SquaredDistanceWithoutReference.apply(x, x * 2.0, 1.0)
    with pytest.raises(RuntimeError, match="SquaredDistanceWithoutReference has no double backward.*reference"):
        gg.autograd.grad(d.sum(), x, create_graph=True)
    (g,) = gg.autograd.grad(d.sum(), x)  # the first derivative alone is fine
    np.testing.assert_allclose(g.numpy(), 2 * (A - 2 * A) * (1 - 2))


def test_an_op_that_declares_its_backward_runs_on_tensors() -> None:
    class Cosh(gg.autograd.Op):
        """y = cosh x.   dy/dx = sinh x (written with namespace_of, so it runs on arrays and on tensors)"""

        tensor_backward = True

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.cosh(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            xp = gg.backend.namespace_of(x)
            return grad * (xp.exp(x) - xp.exp(-x)) * 0.5

    (x, xt) = pair(A)
    assert gradgradcheck(Cosh.apply, (x,))
    (g,) = gg.autograd.grad(Cosh.apply(x).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(xt.cosh().sum(), xt, create_graph=True)
    close(gg.autograd.grad(g.sum(), x)[0], torch.autograd.grad(gt.sum(), xt)[0])


def test_node_inputs_stay_after_a_retained_backward() -> None:
    x, _ = pair(A)
    d = SquaredDistance.apply(x, x.exp(), 1.0)
    node = d.grad_fn
    d.sum().backward(create_graph=True)
    assert node.inputs[0] is x and node.inputs[2] == 1.0 and not node.freed
    x.grad.sum().backward()  # goes through the reference, built from node.inputs


# ---- tensor-level Functions ------------------------------------------------------------------------------------


class Exp(gg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_y):
        (y,) = ctx.saved_tensors
        return grad_y * y


class Cube(gg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


@pytest.mark.parametrize("function, torch_fn", [(Exp, lambda t: t.exp()), (Cube, lambda t: t**3)],
                         ids=["saves_output", "saves_input"])
def test_function_backward_is_recorded_under_create_graph(function: type, torch_fn: Any) -> None:
    (x, xt) = pair(A)
    assert gradgradcheck(function.apply, (x,))
    results = []
    for lib, t, fn in ((gg, x, function.apply), (torch, xt, torch_fn)):
        (g,) = lib.autograd.grad(fn(t.sin()).sum(), t, create_graph=True)
        results.append((g, lib.autograd.grad((g * g).sum(), t)[0]))
    close(results[0][0], results[1][0])
    close(results[0][1], results[1][1])


# ---- autograd.grad runs only what it needs ---------------------------------------------------------------------


def test_autograd_grad_does_not_run_nodes_below_what_it_was_asked_for() -> None:
    calls = []

    class Counted(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * 2.0

    x, _ = pair(A)
    h = Counted.apply(x).tanh()
    (g,) = gg.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(g.numpy(), 2 * h.detach().numpy())
    assert calls == []
    gg.autograd.grad((h * h).sum(), x)
    assert calls == [1]


# ---- autograd.functional ---------------------------------------------------------------------------------------


def scalar_function(lib: Any) -> Any:
    return lambda x, w: ((x.tanh() @ w).sigmoid() ** 2).sum() + (x * x * x).mean()


@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hessian_vector_products_match_torch(name: str) -> None:
    inputs = (gg.tensor(A, dtype=gg.float64), gg.tensor(B, dtype=gg.float64))
    v = (RNG.standard_normal(A.shape), RNG.standard_normal(B.shape))
    output, products = getattr(gg.autograd.functional, name)(
        scalar_function(gg), inputs, tuple(gg.tensor(a, dtype=gg.float64) for a in v))
    output_t, products_t = getattr(torch.autograd.functional, name)(
        scalar_function(torch), (torch.tensor(A), torch.tensor(B)), tuple(torch.tensor(a) for a in v))
    close(output, output_t)
    assert isinstance(products, tuple) and len(products) == 2
    for ours, theirs in zip(products, products_t):
        assert not ours.requires_grad
        close(ours, theirs)


def test_hvp_of_a_single_input_and_its_options() -> None:
    x = gg.tensor(A, dtype=gg.float64, requires_grad=True)
    v = gg.tensor(B[:3, :1].repeat(4, 1), dtype=gg.float64)

    def f(t: Any) -> Any:
        return (t.exp() * t).sum()

    output, product = gg.autograd.functional.hvp(f, x, v, create_graph=True)
    _, product_t = torch.autograd.functional.hvp(
        lambda t: (t.exp() * t).sum(), torch.tensor(A), torch.tensor(v.numpy()))
    assert isinstance(product, gg.Tensor) and product.requires_grad
    close(product, product_t)
    # v may be left out only for a one-element input; a linear function has no Hessian (strict refuses).
    _, second = gg.autograd.functional.hvp(lambda t: (t * t * t).sum(), gg.tensor([2.0], dtype=gg.float64))
    np.testing.assert_allclose(second.numpy(), [12.0])
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        gg.autograd.functional.hvp(f, x)
    with pytest.raises(RuntimeError, match="single element"):
        gg.autograd.functional.hvp(lambda t: t * 2, x, v)
    with pytest.raises(RuntimeError, match="strict=True"):
        gg.autograd.functional.hvp(lambda t: (t * 3.0).sum(), x, v, strict=True)
    _, zeros = gg.autograd.functional.hvp(lambda t: (t * 3.0).sum(), x, v)
    np.testing.assert_array_equal(zeros.numpy(), np.zeros(A.shape))
