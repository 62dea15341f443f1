"""Sequential, ModuleList, ModuleDict: construction, indexing, mutation and registration."""

from __future__ import annotations

from collections import OrderedDict

import pytest

import glassgrad as gg
import glassgrad.nn as nn


def test_sequential_runs_in_order_and_indexes() -> None:
    a, b, c = nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    x = gg.randn(4, 2)
    assert model(x).shape == (4, 1)
    assert model[0] is a and model[-1] is c and len(model) == 3 and list(model) == [a, b, c]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b] and list(head._modules) == ["0", "1"]
    with pytest.raises(IndexError, match="out of range"):
        model[3]  # noqa: B018


def test_sequential_ordered_dict_names_and_mutation() -> None:
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Identity())]))
    assert list(model._modules) == ["fc", "act"] and model.fc is model[0]
    model.append(nn.Linear(2, 1))
    assert list(model._modules) == ["fc", "act", "2"]
    model[1] = nn.Flatten()
    assert isinstance(model.act, nn.Flatten)
    del model[0]
    assert list(model._modules) == ["0", "1"]  # renumbered, as torch
    model.insert(0, nn.Identity())
    assert isinstance(model[0], nn.Identity) and len(model) == 3
    popped = model.pop(0)
    assert isinstance(popped, nn.Identity) and len(model) == 2
    model.extend([nn.Identity()])
    assert len(model) == 3


def test_module_list() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and len(layers) == 3
    layers.append(nn.Identity())
    layers += [nn.Identity()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.Identity)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    layers.insert(1, nn.Flatten())
    assert isinstance(layers[1], nn.Flatten)
    layers[0] = nn.Dropout()
    assert isinstance(layers[0], nn.Dropout)
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(nn.Identity())
    with pytest.raises(TypeError, match="container"):
        layers(gg.zeros(1))


def test_module_dict() -> None:
    heads = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Identity()})
    assert list(heads) == ["a", "b"] and "a" in heads and len(heads) == 2
    heads["c"] = nn.Flatten()
    heads.update([("d", nn.Identity())])
    assert list(heads.keys()) == ["a", "b", "c", "d"]
    assert [name for name, _ in heads.named_parameters()] == ["a.weight", "a.bias"]
    assert isinstance(heads.pop("c"), nn.Flatten) and "c" not in heads
    assert [type(m).__name__ for m in heads.values()] == ["Linear", "Identity", "Identity"]
    heads.clear()
    assert len(heads) == 0


def test_module_list_repr_compresses_repeats_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Identity(), nn.Linear(2, 2)])
    theirs = torch.nn.ModuleList(
        [torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.Identity(), torch.nn.Linear(2, 2)]
    )
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
