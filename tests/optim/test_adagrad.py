"""Adagrad against PyTorch: 20-step trajectories, state round trips, constructor errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

from .optim_parity import run_parity, run_resume

torch = pytest.importorskip("torch")

CONFIGS = [
    {},
    {"lr": 0.1},
    {"lr": 0.1, "lr_decay": 0.05},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "eps": 1e-3},
    {"lr": 0.1, "maximize": True},
    {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "maximize": True},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", CONFIGS)
def test_adagrad_matches_torch(kwargs, dtype):
    run_parity(optim.Adagrad, torch.optim.Adagrad, kwargs, dtype=dtype)


def test_adagrad_per_group_options_match_torch():
    groups = [{"lr": 0.2, "lr_decay": 0.1}, {"weight_decay": 0.3, "eps": 1e-5}]
    run_parity(optim.Adagrad, torch.optim.Adagrad, {"lr": 0.05}, group_options=groups)


def test_adagrad_state_dict_round_trip_mid_trajectory():
    run_resume(optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1})


def test_adagrad_state_exists_before_the_first_step():
    # As in PyTorch, Adagrad creates its accumulators at construction.
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"][0]
    assert state["step"].item() == 0.0
    assert state["sum"].tolist() == [0.25, 0.25]
    assert state["sum"].dtype == gg.float32


def test_adagrad_param_added_later_gets_state_on_first_step():
    w = gg.tensor([1.0], requires_grad=True)
    v = gg.tensor([1.0], requires_grad=True)
    opt = optim.Adagrad([w], lr=0.1)
    opt.add_param_group({"params": [v], "initial_accumulator_value": 1.0})
    v.grad = gg.tensor([1.0])
    opt.step()
    assert opt.state[v]["sum"].tolist() == [2.0]


def test_adagrad_defaults_are_torchs():
    w = gg.tensor([1.0], requires_grad=True)
    assert optim.Adagrad([w]).defaults == {
        "lr": 1e-2,
        "lr_decay": 0,
        "eps": 1e-10,
        "weight_decay": 0,
        "initial_accumulator_value": 0,
        "maximize": False,
    }


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lr": -0.1}, ValueError, "Invalid learning rate: -0.1"),
        ({"lr_decay": -0.5}, ValueError, "Invalid lr_decay value: -0.5"),
        ({"weight_decay": -0.5}, ValueError, "Invalid weight_decay value: -0.5"),
        ({"initial_accumulator_value": -1.0}, ValueError, "Invalid initial_accumulator_value value: -1.0"),
        ({"eps": -1e-10}, ValueError, "Invalid epsilon value: -1e-10"),
        ({"eps": True}, TypeError, "epsilon value must be a real number, but got bool"),
    ],
)
def test_adagrad_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        optim.Adagrad([gg.tensor([1.0], requires_grad=True)], **kwargs)
