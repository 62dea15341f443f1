"""RMSprop against PyTorch: 20-step trajectories, state round trips, constructor errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

from .optim_parity import Problem, run_parity, run_resume

torch = pytest.importorskip("torch")

CONFIGS = [
    {},
    {"lr": 0.005, "alpha": 0.9},
    {"lr": 0.005, "centered": True},
    {"lr": 0.005, "momentum": 0.9},
    {"lr": 0.005, "momentum": 0.9, "centered": True},
    {"lr": 0.005, "weight_decay": 0.1, "eps": 1e-6},
    {"lr": 0.005, "maximize": True},
    {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", CONFIGS)
def test_rmsprop_matches_torch(kwargs, dtype):
    run_parity(optim.RMSprop, torch.optim.RMSprop, kwargs, dtype=dtype)


def test_rmsprop_per_group_options_match_torch():
    groups = [{"lr": 0.02, "centered": True}, {"momentum": 0.9, "alpha": 0.5}]
    run_parity(optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01}, group_options=groups)


def test_rmsprop_state_dict_round_trip_mid_trajectory():
    run_resume(optim.RMSprop, torch.optim.RMSprop, {"lr": 0.005, "momentum": 0.9, "centered": True})


def test_rmsprop_state_holds_only_the_buffers_in_use():
    problem = Problem()
    params = problem.gg_params()
    opt = optim.RMSprop(params)
    problem.set_gg_grads(params)
    opt.step()
    assert sorted(opt.state[params[0]]) == ["square_avg", "step"]


def test_rmsprop_defaults_are_torchs():
    w = gg.tensor([1.0], requires_grad=True)
    assert optim.RMSprop([w]).defaults == {
        "lr": 1e-2,
        "momentum": 0,
        "alpha": 0.99,
        "eps": 1e-8,
        "centered": False,
        "weight_decay": 0,
        "maximize": False,
    }


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": -0.1}, ValueError, "Invalid learning rate: -0.1"),
        ({"eps": -1.0}, ValueError, "Invalid epsilon value: -1.0"),
        ({"momentum": -0.5}, ValueError, "Invalid momentum value: -0.5"),
        ({"weight_decay": -0.5}, ValueError, "Invalid weight_decay value: -0.5"),
        ({"alpha": -0.99}, ValueError, "Invalid alpha value: -0.99"),
        ({"alpha": [0.9]}, TypeError, "alpha value must be a real number, but got list"),
        ({"capturable": True}, ValueError, "capturable=True is not supported"),
    ],
)
def test_rmsprop_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        optim.RMSprop([gg.tensor([1.0], requires_grad=True)], **kwargs)
