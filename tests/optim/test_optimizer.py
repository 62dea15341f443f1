"""Optimizer base class: parameter groups, state, zero_grad, step(closure), state_dict format, errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim


def leaf(*values, dtype=None):
    return gg.tensor(list(values), dtype=dtype, requires_grad=True)


# ---- construction and parameter groups ------------------------------------------------------------------
def test_groups_take_missing_options_from_defaults():
    w, b = leaf(1.0), leaf(2.0)
    opt = optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"] == [b]  # a single tensor becomes a list
    options = ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"]
    assert list(opt.param_groups[0]) == ["params", *options]


def test_user_group_dict_is_not_modified():
    group = {"params": [leaf(1.0)], "lr": 0.5}
    optim.SGD([group], lr=0.1)
    assert sorted(group) == ["lr", "params"]


def test_generator_of_params_is_accepted():
    params = [leaf(1.0), leaf(2.0)]
    opt = optim.SGD((p for p in params), lr=0.1)
    assert opt.param_groups[0]["params"] == params


def test_named_params_keep_their_names():
    w, b = leaf(1.0), leaf(2.0)
    opt = optim.Adam([("layer.weight", w), ("layer.bias", b)])
    assert opt.param_groups[0]["param_names"] == ["layer.weight", "layer.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight", "layer.bias"]


def test_add_param_group_later_trains_the_new_params():
    w, v = leaf(1.0), leaf(1.0)
    opt = optim.SGD([w], lr=0.1)
    opt.add_param_group({"params": [v], "lr": 1.0})
    v.grad = gg.tensor([0.5])
    opt.step()
    assert v.detach().numpy().tolist() == [0.5]
    assert opt.param_groups[1]["momentum"] == 0


@pytest.mark.parametrize(
    "params, error, match",
    [
        ([], ValueError, "empty parameter list"),
        (gg.tensor([1.0], requires_grad=True), TypeError, "single Tensor"),
        ([1.0], TypeError, "optimizer can only optimize Tensors, but one of the params is float"),
        ([np.zeros(2)], TypeError, "one of the params is ndarray"),
        ({gg.tensor([1.0], requires_grad=True)}, TypeError, "ordered collections"),
        ([{"lr": 0.1}], ValueError, "needs a 'params' entry"),
        (
            [("w", gg.tensor([1.0], requires_grad=True)), gg.tensor([1.0], requires_grad=True)],
            ValueError,
            "some param names are missing",
        ),
    ],
)
def test_constructor_errors(params, error, match):
    with pytest.raises(error, match=match):
        optim.SGD(params, lr=0.1)


def test_non_leaf_tensor_is_refused():
    w = leaf(1.0)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)


def test_parameter_in_two_groups_is_refused():
    w = leaf(1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})


def test_add_param_group_needs_a_dict():
    with pytest.raises(TypeError, match="param_group must be a dict, but got list"):
        optim.SGD([leaf(1.0)], lr=0.1).add_param_group([leaf(1.0)])


def test_base_optimizer_without_rule_says_what_to_override():
    w = leaf(1.0)
    w.grad = gg.tensor([1.0])
    with pytest.raises(TypeError, match="defines no update rule"):
        optim.Optimizer([w], {"lr": 0.1}).step()


def test_repr_lists_group_options():
    text = repr(optim.SGD([leaf(1.0)], lr=0.1, momentum=0.9))
    assert (
        text.startswith("SGD (\nParameter Group 0\n")
        and "    lr: 0.1\n" in text
        and "    momentum: 0.9\n" in text
    )


# ---- zero_grad and step ----------------------------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default():
    w = leaf(1.0, 2.0)
    w.grad = gg.tensor([1.0, 1.0])
    optim.SGD([w], lr=0.1).zero_grad()
    assert w.grad is None


def test_zero_grad_in_place_keeps_the_grad_tensor():
    w = leaf(1.0, 2.0)
    grad = gg.tensor([1.0, 1.0])
    w.grad = grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad is grad and grad.tolist() == [0.0, 0.0]


def test_step_skips_params_without_grad():
    w, v = leaf(1.0), leaf(2.0)
    opt = optim.Adam([w, v], lr=0.1)
    w.grad = gg.tensor([1.0])
    opt.step()
    assert v.detach().numpy().tolist() == [2.0]
    assert list(opt.state_dict()["state"]) == [0]


def test_step_with_closure_returns_its_loss_and_enables_grad():
    w = leaf(3.0)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():  # the closure needs a graph even when step() is called under no_grad
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert w.detach().numpy().tolist() == [1.5]  # 3 - 0.25 · 6


def test_step_builds_no_graph():
    w = leaf(1.0)
    opt = optim.Adam([w], lr=0.1)
    w.grad = gg.tensor([1.0])
    opt.step()
    assert w.grad_fn is None and w.is_leaf and w.requires_grad


def test_float32_stays_float32_even_with_numpy_float64_hyperparameters():
    w = leaf(1.0, 2.0)
    opt = optim.Adam([w], lr=np.float64(0.1), weight_decay=np.float64(0.01))  # NumPy scalars would upcast
    w.grad = gg.tensor([1.0, 1.0])
    opt.step()
    assert w.dtype == gg.float32
    assert all(v.dtype == gg.float32 for v in opt.state[w].values())


# ---- state_dict ------------------------------------------------------------------------------------------
def test_state_dict_uses_torch_format_with_ids_across_groups():
    a, b, c = leaf(1.0), leaf(2.0), leaf(3.0)
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = gg.tensor([1.0])
    opt.step()
    state_dict = opt.state_dict()
    assert [g["params"] for g in state_dict["param_groups"]] == [[0], [1, 2]]
    assert list(state_dict["state"]) == [0, 2]
    assert state_dict["state"][2]["momentum_buffer"] is opt.state[c]["momentum_buffer"]  # live, as PyTorch
    assert state_dict["param_groups"][1]["lr"] == 0.5
    assert "params" in opt.param_groups[0] and opt.param_groups[0]["params"] == [
        a
    ]  # groups themselves intact


def test_load_state_dict_copies_and_casts_to_the_param_dtype():
    w32 = leaf(1.0, 2.0)
    opt = optim.Adam([w32], lr=0.1)
    w32.grad = gg.tensor([1.0, 1.0])
    opt.step()
    saved = opt.state_dict()
    w64 = leaf(1.0, 2.0, dtype=gg.float64)
    opt64 = optim.Adam([w64], lr=0.5)
    opt64.load_state_dict(saved)
    state = opt64.state[w64]
    assert state["exp_avg"].dtype == gg.float64
    assert state["step"].dtype == gg.float32  # step keeps its dtype, as in PyTorch
    assert state["exp_avg"] is not saved["state"][0]["exp_avg"]
    assert opt64.param_groups[0]["lr"] == 0.1  # hyperparameters come from the saved groups
    assert opt64.param_groups[0]["params"] == [w64]


def test_load_state_dict_fills_missing_group_keys_from_defaults():
    w = leaf(1.0)
    opt = optim.Adam([w])
    saved = opt.state_dict()
    del saved["param_groups"][0]["amsgrad"]
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["amsgrad"] is False


def test_load_state_dict_errors():
    w, v = leaf(1.0, 2.0), leaf(1.0, 2.0, 3.0)
    opt = optim.Adam([w, v])
    w.grad, v.grad = gg.tensor([1.0, 1.0]), gg.tensor([1.0, 1.0, 1.0])
    opt.step()
    with pytest.raises(ValueError, match="has 2 parameter groups, but the optimizer has 1"):
        optim.Adam([w]).load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
    with pytest.raises(ValueError, match=r"group sizes \[2\] \(saved\) vs \[1\]"):
        optim.Adam([w]).load_state_dict(opt.state_dict())
    with pytest.raises(
        ValueError, match=r"param 0 state 'exp_avg': saved shape \(2,\), parameter shape \(3,\)"
    ):
        optim.Adam([v, w]).load_state_dict(opt.state_dict())
