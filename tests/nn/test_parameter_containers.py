"""nn.ParameterList and nn.ParameterDict against torch's: registration, state_dict names, order, iteration,
append/extend/update, the wrapping of plain tensors, repr, errors; and that a replaced parameter or child keeps
its place (Module.__setattr__), as in PyTorch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn


def _torch_repr_in_glassgrad(text: str) -> str:
    """torch's repr with glassgrad's spelling of a dtype (`torch.float32` -> `glassgrad.float32`)."""
    return text.replace("torch.FloatTensor", "glassgrad.float32").replace("torch.", "glassgrad.")


def build_list(lib):
    values = [lib.nn.Parameter(lib.zeros(3, 4)), lib.ones(2), "a note"]
    params = lib.nn.ParameterList(values)
    params.append(lib.nn.Parameter(lib.full((1,), 2.0)))
    params.extend([lib.zeros(5)])
    params += [lib.ones(1, 2)]
    return params


def build_dict(lib):
    params = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.zeros(2)), "a": lib.ones(3)})  # sorted: a, b
    params["c"] = lib.zeros(4)
    params.update(OrderedDict([("z", lib.ones(1)), ("y", lib.zeros(1))]))  # kept in the given order
    params.update([("x", lib.ones(2))])
    return params


def test_parameter_list_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = build_list(gg), build_list(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "3", "4", "5"]
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    assert len(ours) == len(theirs) == 6 and ours[2] == "a note" and ours[-1].shape == (1, 2)
    assert all(type(ours[i]) is nn.Parameter for i in (0, 1, 3, 4, 5))
    assert repr(ours) == _torch_repr_in_glassgrad(repr(theirs))
    assert repr(ours[1:3]) == _torch_repr_in_glassgrad(repr(theirs[1:3]))
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]


def test_parameter_list_wraps_a_tensor_sharing_its_memory_and_replaces_in_place() -> None:
    data = gg.zeros(3)
    params = nn.ParameterList([data, gg.ones(2)])
    assert params[0].requires_grad and isinstance(params[0], nn.Parameter)
    data.add_(1.0)
    assert params[0].tolist() == [1.0, 1.0, 1.0]  # Parameter(tensor) shares memory, as in PyTorch
    params[0] = gg.full((4,), 3.0)
    assert [name for name, _ in params.named_parameters()] == ["0", "1"]  # the replaced one keeps its place
    assert params[0].shape == (4,)


def test_parameter_list_trains_in_a_module() -> None:
    class Scales(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([nn.Parameter(gg.full((2,), float(i + 1))) for i in range(3)])

        def forward(self, x):
            for scale in self.scales:
                x = x * scale
            return x

    model = Scales()
    model(gg.ones(2)).sum().backward()
    assert list(model.state_dict()) == ["scales.0", "scales.1", "scales.2"]
    np.testing.assert_array_equal(model.scales[0].grad.numpy(), [6.0, 6.0])  # 2·3
    loaded = Scales()
    loaded.load_state_dict({key: gg.full((2,), 7.0) for key in model.state_dict()})
    assert loaded.scales[2].tolist() == [7.0, 7.0]


def test_parameter_dict_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = build_dict(gg), build_dict(torch)
    assert list(ours) == list(theirs) == ["a", "b", "c", "z", "y", "x"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    assert type(ours["a"]) is nn.Parameter and "c" in ours and "q" not in ours
    assert repr(ours) == _torch_repr_in_glassgrad(repr(theirs))
    assert ours.pop("z").shape == (1,) and theirs.pop("z").shape == (1,)
    assert ours.popitem()[0] == theirs.popitem()[0] == "x"
    assert ours.get("missing") is None and ours.setdefault("b") is ours["b"]
    del ours["a"]
    del theirs["a"]
    assert list(ours.keys()) == list(theirs.keys()) == ["b", "c", "y"]
    copied = ours.copy()
    assert list(copied) == list(ours) and copied["b"] is ours["b"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


@pytest.mark.parametrize("call,error,match", [
    (lambda: nn.ParameterList().extend(gg.zeros(3)), TypeError, "iterable, but got Tensor"),
    (lambda: nn.ParameterList([gg.zeros(1)])[3], IndexError, "out of range"),
    (lambda: nn.ParameterList()(1), RuntimeError, "should not be called"),
    (lambda: nn.ParameterDict().__setitem__(1, gg.zeros(1)), TypeError, "not a string"),
    (lambda: nn.ParameterDict()["missing"], AttributeError, "missing"),
    (lambda: nn.ParameterDict().update([("a", gg.zeros(1), 3)]), ValueError, "element #0 has length 3"),
    (lambda: nn.ParameterDict()(1), RuntimeError, "should not be called"),
])
def test_container_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_replaced_parameters_and_children_keep_their_place() -> None:
    torch = pytest.importorskip("torch")
    for lib in (gg, torch):
        layer = lib.nn.Linear(2, 3)
        layer.weight = lib.nn.Parameter(lib.zeros(3, 2))
        assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
        model = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())
        model[0] = lib.nn.GELU()
        assert [type(m).__name__ for m in model] == ["GELU", "Tanh", "Sigmoid"]
