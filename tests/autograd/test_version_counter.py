"""Version counters: every in-place write bumps them, and a backward that saved the old values refuses to run.

The counts are PyTorch's (one per in-place op, per index assignment, per optimizer step), checked against torch
where it counts the same write.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

IN_PLACE_WRITES = {
    "add_": lambda lib, t: t.add_(1),
    "sub_": lambda lib, t: t.sub_(lib.ones(3), alpha=2),
    "mul_": lambda lib, t: t.mul_(2),
    "div_": lambda lib, t: t.div_(2),
    "iadd": lambda lib, t: t.__iadd__(1),
    "clamp_": lambda lib, t: t.clamp_(0.0, 1.0),
    "masked_fill_": lambda lib, t: t.masked_fill_(t > 0.5, 0.0),
    "zero_": lambda lib, t: t.zero_(),
    "fill_": lambda lib, t: t.fill_(3.0),
    "copy_": lambda lib, t: t.copy_(lib.ones(3)),
    "uniform_": lambda lib, t: t.uniform_(),
    "normal_": lambda lib, t: t.normal_(),
    "setitem": lambda lib, t: t.__setitem__(slice(0, 2), 5.0),
    "setitem_through_a_view": lambda lib, t: t[1:].__setitem__(0, 5.0),
    "mul_through_a_view": lambda lib, t: t[1:].mul_(2),
}


@pytest.mark.parametrize("write", IN_PLACE_WRITES.values(), ids=IN_PLACE_WRITES.keys())
@pytest.mark.parametrize("grad_mode", [True, False], ids=["grad", "no_grad"])
def test_each_in_place_write_bumps_the_version_once_as_torch(write, grad_mode) -> None:
    versions = []
    for lib in (gg, torch):
        t = lib.ones(3)
        view = t[0:2]
        with lib.set_grad_enabled(grad_mode):
            write(lib, t)
            write(lib, t)
        versions.append((t._version, view._version))
    assert versions[0] == versions[1] == (2, 2)


@pytest.mark.parametrize("write", IN_PLACE_WRITES.values(), ids=IN_PLACE_WRITES.keys())
def test_writing_a_tensor_a_backward_saved_raises_with_shape_and_versions(write) -> None:
    x = gg.tensor([0.2, 0.4, 0.9], requires_grad=True)
    h = x * 1
    z = (h * h).sum()  # MulBackward saves h
    write(gg, h)
    with pytest.raises(
        RuntimeError,
        match=r"modified by an inplace operation: a tensor of shape \(3,\) saved by MulBackward is at version 1, "
        r"expected version 0",
    ):
        z.backward()


def test_data_and_detach_writes_share_the_counter() -> None:
    x = gg.ones(3, requires_grad=True)
    x.data.mul_(2)  # counted, unlike torch (whose .data has a counter of its own): a stale graph is refused
    x.detach().add_(1)
    assert x._version == 2 and x.tolist() == [3.0, 3.0, 3.0]


def test_assigning_data_counts_as_a_write() -> None:
    # torch does not count `x.data = ...`; glassgrad does, so a graph that saved the old values refuses to
    # mix them with the new ones (the issue asks for every write to be counted).
    w = gg.ones(3, requires_grad=True)
    z = (w * w).sum()
    w.data = gg.zeros(3)
    assert w._version == 1 and w.tolist() == [0.0, 0.0, 0.0] and w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match=r"shape \(3,\) saved by MulBackward is at version 1, expected version 0"):
        z.backward()


OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _two_layer_step(lib, name):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    optimizer = getattr(lib.optim, name)(net.parameters(), lr=0.1)
    loss = net(lib.ones(5, 3)).pow(2).sum()
    loss.backward(retain_graph=True)
    before = net[2].weight._version
    optimizer.step()
    return net, loss, before


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_step_bumps_each_parameter_once(name) -> None:
    net, _, before = _two_layer_step(gg, name)
    assert net[2].weight._version == before + 1
    assert all(p._version == before + 1 for p in net.parameters())


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_backward_through_a_graph_built_before_the_step_raises(name) -> None:
    # The first layer's gradient needs the second layer's old weight, which the step has overwritten.
    _, loss, _ = _two_layer_step(torch, name)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    _, loss, before = _two_layer_step(gg, name)
    with pytest.raises(
        RuntimeError,
        match=rf"a tensor of shape \(2, 4\) saved by LinearBackward is at version {before + 1}, "
        rf"expected version {before}",
    ):
        loss.backward()


def test_a_step_before_the_forward_is_fine() -> None:
    net, _, _ = _two_layer_step(gg, "SGD")
    loss = net(gg.ones(5, 3)).pow(2).sum()
    loss.backward()  # a graph built after the step saved the current versions
    assert net[0].weight.grad is not None


def test_a_parameter_without_a_grad_is_not_written_and_not_bumped() -> None:
    used = gg.nn.Parameter(gg.ones(2))
    unused = gg.nn.Parameter(gg.ones(2))
    optimizer = gg.optim.SGD([used, unused], lr=0.1)
    (used * 2).sum().backward()
    optimizer.step()
    assert (used._version, unused._version) == (1, 0)


@pytest.mark.parametrize(
    "init",
    [
        lambda t: gg.nn.init.uniform_(t),
        lambda t: gg.nn.init.normal_(t),
        lambda t: gg.nn.init.trunc_normal_(t),
        lambda t: gg.nn.init.constant_(t, 0.5),
        lambda t: gg.nn.init.zeros_(t),
        lambda t: gg.nn.init.ones_(t),
        lambda t: gg.nn.init.eye_(t),
        lambda t: gg.nn.init.xavier_uniform_(t),
        lambda t: gg.nn.init.kaiming_normal_(t),
        lambda t: gg.nn.init.orthogonal_(t),
    ],
)
def test_init_functions_bump_the_version_of_a_parameter(init) -> None:
    weight = gg.nn.Parameter(gg.zeros(3, 4))
    z = (weight * weight).sum()
    assert init(weight) is weight
    assert weight._version == 1 and weight.requires_grad and weight.is_leaf
    with pytest.raises(RuntimeError, match="is at version 1, expected version 0"):
        z.backward()


def test_init_fills_an_expanded_tensor_as_torch() -> None:
    base = gg.zeros(4)
    gg.nn.init.ones_(base.expand(3, 4))  # fill_: every element gets one value, as torch allows
    assert base.sum().item() == 4.0


def test_load_state_dict_bumps_the_version() -> None:
    layer = gg.nn.Linear(2, 3)
    before = layer.weight._version
    layer.load_state_dict({"weight": gg.tensor(np.ones((3, 2), dtype=np.float32)), "bias": gg.zeros(3)})
    assert layer.weight._version == before + 1 and layer.weight.sum().item() == 6.0


def test_a_view_made_before_an_optimizer_step_reads_the_new_weights() -> None:
    results = []
    for lib in (gg, torch):
        w = lib.nn.Parameter(lib.tensor([1.0, 2.0, 3.0]))
        row = w[0:2]
        (w * w).sum().backward()
        lib.optim.SGD([w], lr=0.25).step()  # w = w - 0.25 · 2w = w / 2
        w.grad = None
        (row * row).sum().backward()  # row was taken before the step
        results.append((row.tolist(), w.grad.tolist()))
    assert results[0] == results[1] == ([0.5, 1.0], [1.0, 2.0, 0.0])
