"""SGD against PyTorch: 20-step trajectories, state round trips, constructor errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

from .optim_parity import Problem, run_parity, run_resume

torch = pytest.importorskip("torch")

CONFIGS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", CONFIGS)
def test_sgd_matches_torch(kwargs, dtype):
    run_parity(optim.SGD, torch.optim.SGD, kwargs, dtype=dtype)


def test_sgd_per_group_options_match_torch():
    groups = [{"lr": 0.1, "momentum": 0.9}, {"weight_decay": 0.2, "momentum": 0.5, "dampening": 0.1}]
    run_parity(optim.SGD, torch.optim.SGD, {"lr": 0.01}, group_options=groups)


@pytest.mark.parametrize("kwargs", [{"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}])
def test_sgd_state_dict_round_trip_mid_trajectory(kwargs):
    run_resume(optim.SGD, torch.optim.SGD, kwargs)


def test_sgd_without_momentum_keeps_no_state():
    problem = Problem()
    params = problem.gg_params()
    opt = optim.SGD(params, lr=0.1)
    problem.set_gg_grads(params)
    opt.step()
    assert opt.state_dict()["state"] == {}  # as PyTorch: plain SGD has nothing to save


def test_sgd_first_momentum_step_is_undampened():
    w = gg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0, momentum=0.9, dampening=0.5)
    w.grad = gg.tensor([2.0])
    opt.step()
    assert opt.state[w]["momentum_buffer"].tolist() == [2.0]  # b₁ = g₁, not (1 - τ) g₁
    assert w.detach().numpy().tolist() == [-1.0]


def test_sgd_defaults_are_torchs():
    w = gg.tensor([1.0], requires_grad=True)
    assert optim.SGD([w]).defaults == {
        "lr": 1e-3,
        "momentum": 0,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
        "maximize": False,
    }


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": -0.1}, ValueError, "Invalid learning rate: -0.1"),
        ({"momentum": -0.9}, ValueError, "Invalid momentum value: -0.9"),
        ({"weight_decay": -1}, ValueError, "Invalid weight_decay value: -1"),
        ({"nesterov": True}, ValueError, "Nesterov momentum requires a momentum and zero dampening"),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "dampening=0.1"),
        ({"lr": None}, TypeError, "learning rate must be a real number, but got NoneType"),
        ({"dampening": "0"}, TypeError, "dampening must be a real number"),
        ({"differentiable": True}, ValueError, "differentiable=True is not supported"),
    ],
)
def test_sgd_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        optim.SGD([gg.tensor([1.0], requires_grad=True)], **kwargs)
