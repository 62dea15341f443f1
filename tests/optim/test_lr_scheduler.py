"""LR schedulers against PyTorch: the lr sequences (and cycled momenta) must be equal, float for float.

Each case is one line: a function building the scheduler from a lr_scheduler module and an optimizer, so the
same code builds glassgrad's and PyTorch's.
"""

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler

torch = pytest.importorskip("torch")


def make_optimizers(name="SGD", **kwargs):
    """The same two-group optimizer (lrs 0.1 and 0.05) in glassgrad and in PyTorch."""
    kwargs = {"lr": 0.1, **kwargs}
    ours = getattr(optim, name)(
        [
            {"params": [gg.tensor([1.0], requires_grad=True)]},
            {"params": [gg.tensor([1.0], requires_grad=True)], "lr": 0.05},
        ],
        **kwargs,
    )
    theirs = getattr(torch.optim, name)(
        [
            {"params": [torch.ones(1, requires_grad=True)]},
            {"params": [torch.ones(1, requires_grad=True)], "lr": 0.05},
        ],
        **kwargs,
    )
    return ours, theirs


def trace(opt, scheduler, steps, metrics=None):
    """What the scheduler sets at construction and after each step: lrs, and momentum or beta1 per group."""

    def snapshot():
        groups = opt.param_groups
        return (
            list(scheduler.get_last_lr()),
            [g["lr"] for g in groups],
            [g.get("momentum", g.get("betas", (None,))[0]) for g in groups],
        )

    seen = [snapshot()]
    for step in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[step])
        seen.append(snapshot())
    return seen


def assert_same_schedule(build, steps=30, optimizer="SGD", metrics=None, **opt_kwargs):
    ours_opt, theirs_opt = make_optimizers(optimizer, **opt_kwargs)
    ours = trace(ours_opt, build(lr_scheduler, ours_opt), steps, metrics)
    theirs = trace(theirs_opt, build(torch.optim.lr_scheduler, theirs_opt), steps, metrics)
    assert ours == theirs  # exactly: the same Python float operations in the same order
    return ours


CASES = {
    "lambda": lambda m, o: m.LambdaLR(o, lambda epoch: 0.95**epoch),
    "lambda_per_group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]),
    "step": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "step_default_gamma": lambda m, o: m.StepLR(o, step_size=7),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "cosine_eta_min_past_T_max": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "linear_default": lambda m, o: m.LinearLR(o),
    "linear_warmup": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8),
    "linear_decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=12),
    "sequential_warmup_cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.01, total_iters=5), m.CosineAnnealingLR(o, T_max=20)], milestones=[5]
    ),
    "sequential_three": lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, start_factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.8), m.StepLR(o, 3)],
        milestones=[3, 9],
    ),
    "sequential_lambda_then_multistep": lambda m, o: m.SequentialLR(
        o, [m.LambdaLR(o, lambda e: (e + 1) / 4), m.MultiStepLR(o, [2, 6])], milestones=[4]
    ),
    "onecycle_cos": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=31),
    "onecycle_linear": lambda m, o: m.OneCycleLR(
        o, max_lr=[1.0, 0.5], total_steps=31, anneal_strategy="linear"
    ),
    "onecycle_cos_three_phase": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=31, three_phase=True),
    "onecycle_linear_three_phase": lambda m, o: m.OneCycleLR(
        o,
        max_lr=2.0,
        epochs=5,
        steps_per_epoch=7,
        pct_start=0.4,
        anneal_strategy="linear",
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=[0.8, 0.7],
        max_momentum=0.99,
    ),
    "onecycle_no_momentum": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=31, cycle_momentum=False),
}


@pytest.mark.parametrize("name", CASES)
def test_schedule_matches_torch(name):
    assert_same_schedule(CASES[name], optimizer="SGD", momentum=0.9)


@pytest.mark.parametrize("name", ["onecycle_cos", "onecycle_linear_three_phase", "sequential_warmup_cosine"])
def test_schedule_with_adam_matches_torch(name):
    # OneCycleLR cycles beta1 for Adam-like optimizers
    seen = assert_same_schedule(CASES[name], optimizer="Adam")
    if name.startswith("onecycle"):
        assert len({beta1 for _, _, betas in seen for beta1 in betas}) > 5


def test_warmup_cosine_shape():
    lrs = [lrs[0] for lrs, _, _ in assert_same_schedule(CASES["sequential_warmup_cosine"], steps=25)]
    assert lrs[0] == pytest.approx(0.001) and lrs[5] == 0.1  # warmup from 1% to the base lr at the milestone
    assert lrs[25] == pytest.approx(0.0)  # the end of the cosine


def test_chained_schedulers_compose_like_torch():
    ours_opt, theirs_opt = make_optimizers()
    runs = []
    for m, opt in ((lr_scheduler, ours_opt), (torch.optim.lr_scheduler, theirs_opt)):
        first, second = m.StepLR(opt, step_size=3, gamma=0.5), m.ExponentialLR(opt, gamma=0.9)
        lrs = []
        for _ in range(12):
            opt.step()
            first.step()
            second.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        runs.append(lrs)
    assert runs[0] == runs[1]


PLATEAU_LOSSES = [
    5.0,
    4.0,
    4.0,
    4.1,
    3.99999,
    4.0,
    3.0,
    3.0,
    3.0,
    3.0,
    3.0,
    2.0,
    2.5,
    2.5,
    2.5,
    2.5,
    2.5,
    2.5,
    1.0,
]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 1},
        {"patience": 0, "factor": 0.5, "cooldown": 2},
        {"patience": 1, "threshold": 0.1, "threshold_mode": "abs"},
        {"mode": "max", "patience": 1, "factor": 0.5},
        {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.5},
        {"patience": 0, "factor": 0.1, "min_lr": [0.002, 0.0001]},
        {"patience": 0, "factor": 0.5, "min_lr": 0.02, "eps": 1e-3},
    ],
)
def test_reduce_on_plateau_matches_torch(kwargs):
    build = lambda m, o: m.ReduceLROnPlateau(o, **kwargs)  # noqa: E731
    seen = assert_same_schedule(build, steps=len(PLATEAU_LOSSES), metrics=PLATEAU_LOSSES)
    if kwargs.get("patience", 10) <= 1:
        assert seen[-1][1] != seen[0][1]  # the lr was actually reduced


def test_reduce_on_plateau_accepts_a_tensor_metric():
    opt, _ = make_optimizers()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(gg.tensor(2.0))
    scheduler.step(gg.tensor(3.0))
    assert scheduler.get_last_lr() == [pytest.approx(0.01), pytest.approx(0.005)]


# ---- resuming ---------------------------------------------------------------------------------------------
def resumable_cases():
    return [
        "lambda",
        "step",
        "multistep",
        "exponential",
        "cosine_eta_min_past_T_max",
        "linear_warmup",
        "sequential_warmup_cosine",
        "onecycle_cos",
        "onecycle_linear_three_phase",
    ]


@pytest.mark.parametrize("name", resumable_cases())
def test_state_dict_round_trip_mid_schedule(name):
    build = CASES[name]
    straight_opt, _ = make_optimizers(momentum=0.9)
    straight = build(lr_scheduler, straight_opt)
    expected = trace(straight_opt, straight, 25)

    opt, _ = make_optimizers(momentum=0.9)
    scheduler = build(lr_scheduler, opt)
    first = trace(opt, scheduler, 10)
    saved_scheduler = scheduler.state_dict()
    saved_optimizer = opt.state_dict()
    resumed_opt, _ = make_optimizers(momentum=0.9)
    resumed = build(lr_scheduler, resumed_opt)  # create the scheduler first: it resets the lrs ...
    resumed_opt.load_state_dict(saved_optimizer)  # ... then load the optimizer, as PyTorch advises
    resumed.load_state_dict(saved_scheduler)
    rest = trace(resumed_opt, resumed, 15)
    assert first + rest[1:] == expected


def test_multistep_state_dict_milestones_become_a_counter_again():
    opt, _ = make_optimizers()
    scheduler = lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 4])
    state = scheduler.state_dict()
    scheduler.load_state_dict({**state, "milestones": dict(state["milestones"])})
    assert scheduler.milestones[2] == 2 and scheduler.milestones[3] == 0


@pytest.mark.parametrize("name", ["cosine", "exponential", "step", "linear_warmup"])
def test_last_epoch_resume_matches_torch(name):
    def build(m, o):
        for group in o.param_groups:
            group["initial_lr"] = group["lr"]
        return {
            "cosine": lambda: m.CosineAnnealingLR(o, T_max=10, last_epoch=4),
            "exponential": lambda: m.ExponentialLR(o, gamma=0.9, last_epoch=4),
            "step": lambda: m.StepLR(o, step_size=3, last_epoch=4),
            "linear_warmup": lambda: m.LinearLR(o, start_factor=0.1, total_iters=8, last_epoch=4),
        }[name]()

    assert_same_schedule(build, steps=15)


def test_step_with_epoch_uses_the_closed_form_like_torch():
    ours_opt, theirs_opt = make_optimizers()
    ours = lr_scheduler.CosineAnnealingLR(ours_opt, T_max=10)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, T_max=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_opt.step()
        for epoch in (3, 7, 2):
            with pytest.warns(UserWarning, match="deprecated"):
                ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()


def test_scheduler_sets_initial_lr_and_base_lrs():
    opt, _ = make_optimizers()
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert scheduler.base_lrs == [0.1, 0.05] and scheduler.last_epoch == 0


# ---- errors -----------------------------------------------------------------------------------------------
def other_optimizer():
    return optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1)


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda o: lr_scheduler.StepLR("sgd", step_size=2), TypeError, "str is not an Optimizer"),
        (
            lambda o: lr_scheduler.StepLR(o, step_size=0),
            ValueError,
            "step_size must be a positive int, but got 0",
        ),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "expected 2 lr_lambdas"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "start_factor=0.0"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "end_factor=1.5"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be a positive"),
        (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9, last_epoch=3), KeyError, "initial_lr"),
        (lambda o: lr_scheduler.SequentialLR(o, [], milestones=[]), ValueError, "at least one scheduler"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]),
            ValueError,
            "1 schedulers and 1 milestones",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(
                o, [lr_scheduler.StepLR(other_optimizer(), 2)], milestones=[]
            ),
            ValueError,
            "same optimizer",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], milestones=[]),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps OR"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=0),
            ValueError,
            "total_steps, but got 0",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=-1),
            ValueError,
            "steps_per_epoch, but got -1",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=9, pct_start=1.5),
            ValueError,
            "pct_start",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=9, anneal_strategy="exp"),
            ValueError,
            "'cos' or 'linear', but got 'exp'",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=9),
            ValueError,
            "max_lr has 1 values",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor should be < 1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode 'lowest' is unknown"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode 'x'"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
    ],
)
def test_constructor_errors(build, error, match):
    opt, _ = make_optimizers()
    with pytest.raises(error, match=match):
        build(opt)


def test_onecycle_needs_momentum_to_cycle():
    opt = optim.Adagrad([gg.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="no momentum or betas to cycle; pass cycle_momentum=False"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)


def test_onecycle_stepping_past_the_end_is_an_error():
    opt, _ = make_optimizers(momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="tried to step 4 times.*total steps is 3"):
        scheduler.step()


def test_lr_sequence_is_numeric_python_floats():
    opt, _ = make_optimizers()
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    scheduler.step()
    assert all(type(lr) is float for lr in scheduler.get_last_lr())
    assert np.isfinite(scheduler.get_last_lr()).all()
