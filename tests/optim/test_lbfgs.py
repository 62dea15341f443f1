"""LBFGS against PyTorch on a small least-squares problem, stepped with a closure."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((12, 4)).astype(np.float32)
B = RNG.standard_normal((12, 1)).astype(np.float32)
X0 = RNG.standard_normal((4, 1)).astype(np.float32) * 0.1


def _run(lib, opt_class, steps, dtype=np.float32, **kwargs):
    x = lib.tensor(X0.astype(dtype), requires_grad=True)
    a, b = lib.tensor(A.astype(dtype)), lib.tensor(B.astype(dtype))
    opt = opt_class([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((a @ x - b) ** 2).mean()
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return x.detach().numpy(), losses, opt


# In float64 the trajectories agree to 1e-15. In float32 the parameters of the unconverged run drift apart by
# ~3e-5 (L-BFGS divides by yᵀs, which round-off dominates on a flat loss), so float32 compares the losses.
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.5, "max_iter": 5, "history_size": 3},
                                    {"line_search_fn": "strong_wolfe"},
                                    {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 2}])
def test_lbfgs_matches_torch_on_least_squares(kwargs, dtype):
    ours, our_losses, opt = _run(gg, optim.LBFGS, 4, dtype, **kwargs)
    theirs, their_losses, torch_opt = _run(torch, torch.optim.LBFGS, 4, dtype, **kwargs)
    if dtype == np.float64 or kwargs.get("max_iter", 20) == 20:  # the runs that converge agree in float32 too
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5 if dtype == np.float32 else 1e-12)
    if dtype == np.float32:
        return  # round-off can stop float32 a closure call earlier or later: the counts are compared in float64
    state, their_state = opt.state[opt._params[0]], torch_opt.state[torch_opt._params[0]]
    assert state["func_evals"] == their_state["func_evals"] and state["n_iter"] == their_state["n_iter"]
    assert len(state["old_dirs"]) == len(their_state["old_dirs"])


def test_lbfgs_reaches_the_least_squares_solution():
    solution = np.linalg.lstsq(A, B, rcond=None)[0]
    ours, losses, _ = _run(gg, optim.LBFGS, 3)
    np.testing.assert_allclose(ours, solution, atol=1e-4)
    assert losses[-1] < losses[0]


def test_lbfgs_state_dict_round_trip_continues_identically():
    _, _, opt = _run(gg, optim.LBFGS, 1, max_iter=3)
    x = opt._params[0]
    fresh = optim.LBFGS([x], max_iter=3)
    fresh.load_state_dict(opt.state_dict())
    a, b = gg.tensor(A), gg.tensor(B)

    def closure_for(o):
        def closure():
            o.zero_grad()
            loss = ((a @ x - b) ** 2).mean()
            loss.backward()
            return loss
        return closure

    start = x.detach().numpy().copy()
    opt.step(closure_for(opt))
    after_original = x.detach().numpy().copy()
    x.array[...] = start
    fresh.step(closure_for(fresh))
    np.testing.assert_array_equal(x.detach().numpy(), after_original)


def test_lbfgs_strong_wolfe_matches_torch_on_rosenbrock():
    def run(lib, opt_class):
        x = lib.tensor(np.array([-1.2, 1.0]), requires_grad=True)
        opt = opt_class([x], max_iter=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            return loss

        losses = [float(opt.step(closure).detach()) for _ in range(4)]
        return x.detach().numpy(), losses, opt.state[x]["func_evals"]

    ours, our_losses, our_evals = run(gg, optim.LBFGS)
    theirs, their_losses, their_evals = run(torch, torch.optim.LBFGS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-8, atol=1e-15)
    assert our_evals == their_evals
    assert our_losses[-1] < 1e-3 < our_losses[0]  # the line search carries it down Rosenbrock's valley


def test_lbfgs_unsupported_line_search_says_what_is_supported():
    w = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn=None .* and 'strong_wolfe'"):
        optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="closure"):
        optim.LBFGS([w]).step(None)
