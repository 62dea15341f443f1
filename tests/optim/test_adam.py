"""Adam and AdamW against PyTorch: 20-step trajectories, state round trips, constructor errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

from .optim_parity import Problem, run_parity, run_resume

torch = pytest.importorskip("torch")

ADAM_CONFIGS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.05, "betas": (0.0, 0.5)},
    {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True},
]
ADAMW_CONFIGS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.3},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.05, "weight_decay": 0.0},
    {"lr": 0.05, "maximize": True, "weight_decay": 0.1},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", ADAM_CONFIGS)
def test_adam_matches_torch(kwargs, dtype):
    run_parity(optim.Adam, torch.optim.Adam, kwargs, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", ADAMW_CONFIGS)
def test_adamw_matches_torch(kwargs, dtype):
    run_parity(optim.AdamW, torch.optim.AdamW, kwargs, dtype=dtype)


def test_adam_per_group_options_match_torch():
    groups = [{"lr": 0.1, "weight_decay": 0.2}, {"betas": (0.5, 0.9), "amsgrad": True}]
    run_parity(optim.Adam, torch.optim.Adam, {"lr": 0.01}, group_options=groups)
    run_parity(optim.AdamW, torch.optim.AdamW, {"lr": 0.01}, group_options=groups)


@pytest.mark.parametrize("kwargs", [{"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}])
def test_adam_state_dict_round_trip_mid_trajectory(kwargs):
    run_resume(optim.Adam, torch.optim.Adam, kwargs)
    run_resume(optim.AdamW, torch.optim.AdamW, kwargs)


def test_adam_defaults_are_torchs():
    w = gg.tensor([1.0], requires_grad=True)
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False}
    assert optim.Adam([w]).defaults == {**defaults, "maximize": False}
    assert optim.AdamW([w]).defaults["weight_decay"] == 1e-2  # AdamW's default decay differs from Adam's


def test_adam_state_layout_and_dtypes():
    problem = Problem()
    params = problem.gg_params()
    opt = optim.Adam(params, amsgrad=True)
    problem.set_gg_grads(params)
    opt.step()
    state = opt.state[params[0]]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert state["step"].dtype == gg.float32 and state["step"].shape == () and state["step"].item() == 1.0
    assert all(p.dtype == gg.float32 for p in params)
    assert state["exp_avg"].dtype == gg.float32


def test_adamw_with_zero_grad_only_decays():
    w = gg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = gg.zeros(2)
    opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), np.array([1.0, -2.0], np.float32) * np.float32(0.95))


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": -1.0}, ValueError, "Invalid learning rate: -1.0"),
        ({"lr": float("nan")}, ValueError, "Invalid learning rate: nan"),
        ({"eps": -1e-8}, ValueError, "Invalid epsilon value: -1e-08"),
        ({"betas": (1.0, 0.999)}, ValueError, "beta parameter at index 0: 1.0"),
        ({"betas": (0.9, -0.1)}, ValueError, "beta parameter at index 1: -0.1"),
        ({"betas": (0.9,)}, TypeError, r"betas must be a pair"),
        ({"weight_decay": -0.5}, ValueError, "Invalid weight_decay value: -0.5"),
        ({"lr": "0.1"}, TypeError, "learning rate must be a real number, but got str"),
        ({"differentiable": True}, ValueError, "differentiable=True is not supported"),
        ({"capturable": True}, ValueError, "capturable=True is not supported"),
    ],
)
def test_adam_constructor_errors(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls([gg.tensor([1.0], requires_grad=True)], **kwargs)


def test_adam_accepts_torchs_implementation_switches():
    w = gg.tensor([1.0], requires_grad=True)
    optim.AdamW([w], lr=1e-3, fused=True)  # nanoGPT passes fused=True on cuda; one implementation here
    optim.Adam([w], foreach=False)


@pytest.mark.parametrize(
    "cls, kwargs, fused",
    [
        (optim.Adam, {"weight_decay": 0.1}, True),
        (optim.AdamW, {}, True),
        (optim.AdamW, {"amsgrad": True}, False),  # vᵐᵃˣ has no fused kernel: the reference runs
    ],
)
def test_adam_step_takes_its_fast_path_at_the_seam(monkeypatch, cls, kwargs, fused):
    from glassgrad.kernels import ENABLED

    from ..kernels.test_fused_paths import spy_on_fast_paths

    if not ENABLED:
        pytest.skip("Numba not installed or disabled: only the reference runs")
    called: set = set()
    spy_on_fast_paths(monkeypatch, ["adam_update"], called)
    w = gg.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    opt = cls([w], lr=0.1, **kwargs)
    w.grad = gg.ones(3, 4)
    opt.step()
    assert called == ({"adam_update"} if fused else set())
