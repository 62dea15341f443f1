"""Adadelta, Adamax, NAdam and RAdam against PyTorch: 20-step trajectories, state round trips, defaults."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

from .optim_parity import run_parity, run_resume

torch = pytest.importorskip("torch")

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adamax", {"maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),  # β₂ = 0.999: ρₜ ≤ 5 for the first steps, so the un-rectified branch runs
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1}),  # ρₜ > 5 from step 6: rectified
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.8), "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_torch(name, kwargs, dtype):
    # run_parity checks every step's parameters (rtol = atol = 1e-5 in float32, 1e-12 in float64) and the state
    run_parity(getattr(optim, name), getattr(torch.optim, name), kwargs, dtype=dtype)


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[1]])
def test_state_dict_round_trip_mid_trajectory(name, kwargs):
    run_resume(getattr(optim, name), getattr(torch.optim, name), kwargs)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam"])
def test_defaults_are_torchs(name):
    w = gg.tensor([1.0], requires_grad=True)
    theirs = getattr(torch.optim, name)([torch.tensor([1.0], requires_grad=True)]).defaults
    ours = getattr(optim, name)([w]).defaults
    assert ours == {key: theirs[key] for key in ours}
    assert set(theirs) - set(ours) <= {"foreach", "capturable", "differentiable"}


def test_bad_hyperparameters_name_themselves():
    w = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.NAdam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum_decay"):
        optim.NAdam([w], momentum_decay=-1.0)
