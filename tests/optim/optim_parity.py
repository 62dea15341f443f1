"""Shared helper of the optimizer tests: run glassgrad and PyTorch side by side on the same problem.

The problem is a fixed quadratic plus a wiggle, f(θ) = Σ a (θ - c)² / 2 + Σ sin(θ) / 4, whose gradient
a (θ - c) + cos(θ) / 4 is computed in NumPy from each framework's own parameters, so the two runs see the same
gradients exactly as long as their parameters agree.

The two agree to a few float32 ulps per step, not bitwise: PyTorch's CPU kernels fuse multiply-adds (add
with alpha, addcmul, lerp) and, on AVX-512 builds, its float32 sqrt is not always correctly rounded. So rtol
is 1e-5 in float32 (after 20 steps) and 1e-12 in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import glassgrad as gg

SHAPES = [(3, 4), (5,), ()]


class Problem:
    """Initial parameters and the gradient function of the test objective, in one dtype."""

    def __init__(self, dtype: type = np.float32, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.initial = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
        self.curvature = [rng.uniform(0.5, 2.0, shape).astype(dtype) for shape in SHAPES]
        self.centre = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]

    def grad(self, index: int, theta: np.ndarray) -> np.ndarray:
        # np.asarray: NumPy turns 0-d results into scalars, and torch.from_numpy wants an array
        return np.asarray(self.curvature[index] * (theta - self.centre[index]) + np.cos(theta) / 4)

    def gg_params(self) -> list[gg.Tensor]:
        return [gg.tensor(a.copy(), requires_grad=True) for a in self.initial]

    def torch_params(self) -> list[Any]:
        import torch

        return [torch.tensor(a.copy(), requires_grad=True) for a in self.initial]

    def set_gg_grads(self, params: list[gg.Tensor]) -> None:
        for index, p in enumerate(params):
            p.grad = gg.tensor(self.grad(index, p.detach().numpy()))

    def set_torch_grads(self, params: list[Any]) -> None:
        import torch

        for index, p in enumerate(params):
            p.grad = torch.from_numpy(self.grad(index, p.detach().numpy()))


def groups(params: list[Any], group_options: list[dict] | None) -> list[Any]:
    """The params as one list, or split over groups: group i gets params[i::n] and group_options[i]."""
    if group_options is None:
        return list(params)
    n = len(group_options)
    return [{"params": params[i::n], **options} for i, options in enumerate(group_options)]


def run_parity(
    gg_class: type,
    torch_class: type,
    kwargs: dict,
    group_options: list[dict] | None = None,
    steps: int = 20,
    dtype: type = np.float32,
) -> float:
    """Step both optimizers `steps` times, checking the parameters after every step and the state at the end.

    Returns the largest relative difference seen.
    """
    problem = Problem(dtype)
    ours = problem.gg_params()
    theirs = problem.torch_params()
    gg_opt = gg_class(groups(ours, group_options), **kwargs)
    torch_opt = torch_class(groups(theirs, group_options), foreach=False, **kwargs)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    worst = 0.0
    for _ in range(steps):
        problem.set_gg_grads(ours)
        problem.set_torch_grads(theirs)
        gg_opt.step()
        torch_opt.step()
        for p, q in zip(ours, theirs):
            a, b = p.detach().numpy(), q.detach().numpy()
            assert a.dtype == b.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
            worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-6)).item()))
    assert_same_state(gg_opt.state_dict(), torch_opt.state_dict(), rtol)
    return worst


def assert_same_state(ours: dict, theirs: dict, rtol: float = 1e-5) -> None:
    """Same ids, same state names and values, and the same hyperparameters in each group."""
    assert list(ours["state"]) == list(theirs["state"])
    for key, state in ours["state"].items():
        assert sorted(state) == sorted(theirs["state"][key])
        for name, value in state.items():
            other = theirs["state"][key][name].detach().numpy()
            assert value.numpy().dtype == other.dtype, name
            np.testing.assert_allclose(value.numpy(), other, rtol=rtol, atol=rtol, err_msg=name)
    for group, other in zip(ours["param_groups"], theirs["param_groups"]):
        for name, value in group.items():
            assert other[name] == value, name


def torch_state_to_gg(state_dict: dict) -> dict:
    """A PyTorch optimizer state_dict with its tensors converted to glassgrad tensors."""
    return {
        "state": {
            key: {name: gg.tensor(value.detach().numpy().copy()) for name, value in state.items()}
            for key, state in state_dict["state"].items()
        },
        "param_groups": [dict(group) for group in state_dict["param_groups"]],
    }


def gg_state_to_torch(state_dict: dict) -> dict:
    """A glassgrad optimizer state_dict with its tensors converted to PyTorch tensors."""
    import torch

    return {
        "state": {
            key: {name: torch.tensor(value.numpy().copy()) for name, value in state.items()}
            for key, state in state_dict["state"].items()
        },
        "param_groups": [dict(group) for group in state_dict["param_groups"]],
    }


def run_resume(gg_class: type, torch_class: type, kwargs: dict, steps: int = 20, switch: int = 10) -> None:
    """Mid-trajectory state round trips, each compared with an uninterrupted run:

    1. glassgrad -> state_dict -> a fresh glassgrad optimizer: bit-identical to the uninterrupted run.
    2. PyTorch's state_dict -> a glassgrad optimizer, and glassgrad's -> a PyTorch one: both go on matching.
    """
    import torch

    problem = Problem()
    straight, resumed, ours_from_torch = problem.gg_params(), problem.gg_params(), problem.gg_params()
    theirs, theirs_from_gg = problem.torch_params(), problem.torch_params()
    straight_opt = gg_class(straight, **kwargs)
    resumed_opt = gg_class(resumed, **kwargs)
    from_torch_opt = gg_class(ours_from_torch, **kwargs)
    torch_opt = torch_class(theirs, foreach=False, **kwargs)
    from_gg_opt = torch_class(theirs_from_gg, foreach=False, **kwargs)
    for step in range(steps):
        if step == switch:
            fresh = gg_class(resumed, **kwargs)
            fresh.load_state_dict(resumed_opt.state_dict())
            resumed_opt = fresh
            for p, q in zip(ours_from_torch, theirs):
                p.array[...] = q.detach().numpy()
            from_torch_opt = gg_class(ours_from_torch, **kwargs)
            from_torch_opt.load_state_dict(torch_state_to_gg(torch_opt.state_dict()))
            from_gg_opt = torch_class(theirs_from_gg, foreach=False, **kwargs)
            from_gg_opt.load_state_dict(gg_state_to_torch(straight_opt.state_dict()))
            with torch.no_grad():
                for p, q in zip(theirs_from_gg, straight):
                    p.copy_(torch.from_numpy(q.detach().numpy()))
        for params in (straight, resumed, ours_from_torch):
            problem.set_gg_grads(params)
        for params in (theirs, theirs_from_gg):
            problem.set_torch_grads(params)
        for opt in (straight_opt, resumed_opt, from_torch_opt, torch_opt, from_gg_opt):
            opt.step()
    for a, b, c, d, e in zip(straight, resumed, ours_from_torch, theirs, theirs_from_gg):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        np.testing.assert_allclose(c.detach().numpy(), d.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(e.detach().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-5)
