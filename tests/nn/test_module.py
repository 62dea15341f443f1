"""nn.Module: registration, iteration, state_dict, hooks, modes, conversion and repr, against PyTorch's."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn


class Block(nn.Module):
    """A small module with a child, a parameter, a persistent and a non-persistent buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(gg.ones(4))
        self.register_buffer("running", gg.zeros(4))
        self.register_buffer("cache", gg.zeros(2), persistent=False)

    def forward(self, x: gg.Tensor) -> gg.Tensor:
        return self.fc(x) * self.scale + self.running


def test_assignment_registers_parameters_modules_and_buffers_in_order() -> None:
    block = Block()
    assert list(block._parameters) == ["scale"]
    assert list(block._modules) == ["fc"]
    assert list(block._buffers) == ["running", "cache"]
    assert [name for name, _ in block.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert [name for name, _ in block.named_buffers()] == ["running", "cache"]
    assert block.fc is block._modules["fc"] and "fc" not in block.__dict__


def test_setattr_refuses_wrong_types_and_early_assignment() -> None:
    block = Block()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        block.scale = gg.ones(4)
    block.scale = None  # None is allowed as a placeholder
    assert block.scale is None and "scale" in block._parameters
    with pytest.raises(TypeError, match="as buffer 'running'"):
        block.running = 3

    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(gg.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_reassigning_a_name_moves_it_between_registries() -> None:
    block = Block()
    block.fc = nn.Parameter(gg.zeros(1))
    assert "fc" in block._parameters and "fc" not in block._modules
    del block.fc
    assert "fc" not in block._parameters
    with pytest.raises(AttributeError):
        block.fc  # noqa: B018


def test_register_errors() -> None:
    block = Block()
    with pytest.raises(KeyError, match="contain"):
        block.register_buffer("a.b", gg.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        block.register_buffer("fc", gg.zeros(1))
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        block.register_parameter("w", gg.zeros(1))
    non_leaf = nn.Parameter(gg.zeros(1), requires_grad=False)
    non_leaf.add_(gg.ones(1, requires_grad=True))  # an in-place op with a grad input puts it in a graph
    with pytest.raises(ValueError, match="non-leaf"):
        block.register_parameter("w", non_leaf)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        block.add_module("x", 3)


def test_shared_parameters_and_modules_are_listed_once() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(list(model.parameters())) == 2
    assert [name for name, _ in model.named_modules()] == ["", "0"]
    assert len(list(model.children())) == 1
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4


def test_named_parameters_prefix_and_no_recursion() -> None:
    block = Block()
    assert [n for n, _ in block.named_parameters(prefix="m")] == ["m.scale", "m.fc.weight", "m.fc.bias"]
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["scale"]
    assert len(list(block.parameters(recurse=False))) == 1


def test_get_submodule() -> None:
    model = nn.Sequential(OrderedDict(block=Block()))
    assert model.get_submodule("block.fc") is model.block.fc
    assert model.get_submodule("") is model
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("block.nope")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        model.get_submodule("block.scale")


def test_state_dict_keys_exclude_non_persistent_buffers_and_share_memory() -> None:
    block = Block()
    state = block.state_dict()
    assert list(state) == ["scale", "running", "fc.weight", "fc.bias"]
    assert state["fc.weight"].requires_grad is False and state["fc.weight"].array is block.fc.weight.array
    assert isinstance(state, OrderedDict)


def test_state_dict_keys_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(4, 3), nn.Dropout(), nn.Sequential(nn.Linear(3, 2), nn.Flatten()))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 3),
        torch.nn.Dropout(),
        torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Flatten()),
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_load_state_dict_round_trip_keeps_parameter_identity() -> None:
    source, target = Block(), Block()
    source.running.array[...] = 5.0
    weight = target.fc.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert target.fc.weight is weight  # an optimizer holding it still updates the model
    np.testing.assert_array_equal(weight.detach().numpy(), source.fc.weight.detach().numpy())
    np.testing.assert_array_equal(target.running.numpy(), np.full(4, 5.0, np.float32))
    assert target.state_dict()["fc.weight"].array is not source.fc.weight.array  # copied, not aliased


def test_load_state_dict_from_torch_gives_torch_outputs() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    ours = nn.Sequential(nn.Linear(5, 4), nn.Identity(), nn.Linear(4, 3))
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    got = ours[2](ours[0](gg.tensor(x)).relu())
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_load_state_dict_strict_error_lists_every_key_and_shape() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    bad = {
        "0.weight": gg.zeros(4, 5),
        "0.bias": gg.zeros(4),
        "extra.weight": gg.zeros(1),
        "junk": gg.zeros(1),
    }
    before = model[0].bias.detach().numpy().copy()
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(bad)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "1.weight", "1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight", "junk".' in message
    assert (
        "size mismatch for 0.weight: copying a param with shape (4, 5) from checkpoint, the shape in "
        "current model is (4, 3)." in message
    )
    np.testing.assert_array_equal(model[0].bias.detach().numpy(), before)  # nothing loaded on error


def test_load_state_dict_non_strict_returns_keys_but_still_refuses_shape_mismatch() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = {"0.weight": gg.ones(4, 3), "other": gg.zeros(1)}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias", "1.weight", "1.bias"] and unexpected == ["other"]
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), np.ones((4, 3), np.float32))
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict({"0.weight": gg.ones(3, 3)}, strict=False)


def test_load_state_dict_error_text_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    with pytest.raises(RuntimeError) as expected:
        theirs.load_state_dict({"weight": torch.zeros(2, 4), "b": torch.zeros(1)})
    with pytest.raises(RuntimeError) as got:
        ours.load_state_dict({"weight": gg.zeros(2, 4), "b": gg.zeros(1)})
    assert str(got.value) == str(expected.value).replace("torch.Size([2, 4])", "(2, 4)").replace(
        "torch.Size([2, 3])", "(2, 3)"
    )


def test_forward_pre_hook_and_forward_hook_replace_args_and_output() -> None:
    layer = nn.Identity()
    seen = []
    pre = layer.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda module, args, output: seen.append(output.item()) or output + 1)
    assert layer(gg.tensor(1.0)).item() == 3.0 and seen == [2.0]
    pre.remove()
    post.remove()
    assert layer(gg.tensor(1.0)).item() == 1.0 and seen == [2.0]


def test_hook_options_prepend_with_kwargs_always_call() -> None:
    class Scale(nn.Module):
        def forward(self, x: gg.Tensor, factor: float = 1.0) -> gg.Tensor:
            if factor < 0:
                raise ValueError("negative factor")
            return x * factor

    layer = Scale()
    order = []
    layer.register_forward_hook(lambda m, a, o: order.append("second"))
    layer.register_forward_hook(lambda m, a, o: order.append("first"), prepend=True)
    layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    assert layer(gg.tensor(2.0)).item() == 6.0 and order == ["first", "second"]

    failing = Scale()
    calls = []
    failing.register_forward_hook(lambda m, a, o: calls.append(o), always_call=True)
    with pytest.raises(ValueError, match="negative"):
        failing(gg.tensor(1.0), factor=-1.0)
    assert calls == [None]


def test_same_hook_registered_twice_is_removed_once() -> None:
    layer = nn.Identity()
    calls = []

    def hook(module: nn.Module, args: tuple, output: gg.Tensor) -> None:
        calls.append(1)

    first = layer.register_forward_hook(hook)
    layer.register_forward_hook(hook)
    first.remove()
    layer(gg.tensor(0.0))
    assert calls == [1]


def test_full_backward_hook_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    g = rng.standard_normal((5, 2)).astype(np.float32)
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    records: dict[str, list] = {"ours": [], "theirs": []}

    def recorder(key: str):
        def hook(module, grad_input, grad_output):
            records[key].append(
                (
                    [gi.detach().numpy().copy() for gi in grad_input],
                    [go.detach().numpy().copy() for go in grad_output],
                )
            )
            return (grad_input[0] * 10,)  # replacing grad_input changes what reaches x

        return hook

    theirs.register_full_backward_hook(recorder("theirs"))
    ours.register_full_backward_hook(recorder("ours"))
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).backward(torch.tensor(g))
    xg = gg.tensor(x, requires_grad=True)
    ours(xg).backward(gg.tensor(g))
    (ours_in, ours_out), (theirs_in, theirs_out) = records["ours"][0], records["theirs"][0]
    np.testing.assert_allclose(ours_in[0], theirs_in[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_out[0], theirs_out[0])
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_full_backward_hook_without_input_grad_sees_none() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    seen = []
    handle = model[0].register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    model(gg.randn(5, 3)).sum().backward()
    assert seen == [((None,), (5, 4))]
    handle.remove()
    model(gg.randn(5, 3)).sum().backward()
    assert len(seen) == 1


def test_train_eval_recurse() -> None:
    model = nn.Sequential(nn.Dropout(), nn.Sequential(nn.Dropout()))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_dropout_follows_training_mode() -> None:
    model = nn.Sequential(nn.Dropout(0.5))
    x = gg.ones(1000)
    assert (model(x).numpy() == 0).any()
    model.eval()
    assert model(x) is x


def test_apply_visits_children_first_then_self() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "Linear", "Sequential", "Sequential"]

    def init_zero(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)

    model.apply(init_zero)
    assert all((m.weight.detach().numpy() == 0).all() for m in model.modules() if isinstance(m, nn.Linear))


def test_zero_grad_to_none_or_zeros() -> None:
    model = nn.Linear(3, 2)
    model(gg.randn(4, 3)).sum().backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and (grad.numpy() == 0).all()
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_to_dtype_converts_floats_in_place_and_keeps_identity() -> None:
    model = Block()
    model.register_buffer("steps", gg.tensor([3]))
    weight = model.fc.weight
    model(gg.randn(2, 3)).sum().backward()
    assert model.double() is model
    assert model.fc.weight is weight and weight.dtype == gg.float64 and weight.grad.dtype == gg.float64
    assert model.running.dtype == gg.float64 and model.steps.dtype == gg.int64  # integer buffers untouched
    out = model(gg.randn(2, 3, dtype=gg.float64))
    assert out.dtype == gg.float64
    assert model.to(gg.float32).fc.weight.dtype == gg.float32
    assert model.half().fc.weight.dtype == gg.float16
    assert model.to("cpu", dtype=gg.float32).fc.weight.dtype == gg.float32
    with pytest.raises(TypeError, match="floating point"):
        model.to(gg.int64)


def test_requires_grad_() -> None:
    model = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_missing_forward() -> None:
    with pytest.raises(TypeError, match='missing the required "forward"'):
        nn.Module()(gg.zeros(1))


def test_repr_matches_torch_exactly() -> None:
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    def build(lib):
        return lib.Sequential(
            OrderedDict(
                [
                    ("stem", lib.Linear(2, 3)),
                    ("drop", lib.Dropout(p=0.1)),
                    (
                        "body",
                        lib.ModuleList([lib.Linear(3, 3), lib.Linear(3, 3), lib.Linear(3, 3, bias=False)]),
                    ),
                    ("heads", lib.ModuleDict({"a": lib.Identity(), "b": lib.Flatten()})),
                    ("empty", lib.Sequential()),
                ]
            )
        )

    assert repr(build(nn)) == repr(build(tnn))
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"


def test_repr_multiline_extra_repr_layout() -> None:
    class Two(nn.Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    assert repr(Two()) == "Two(\n  a=1\n  b=2\n)"


def test_parameter() -> None:
    data = gg.zeros(2)
    p = nn.Parameter(data)
    assert p.array is data.array and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert type(p * 2) is gg.Tensor
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Parameter([1.0])


def test_deepcopy_copies_parameters_and_buffers() -> None:
    import copy

    model = Block()
    clone = copy.deepcopy(model)
    assert type(clone.fc.weight) is nn.Parameter and clone.fc.weight.array is not model.fc.weight.array
    np.testing.assert_array_equal(clone.fc.weight.detach().numpy(), model.fc.weight.detach().numpy())
    clone.running.array[...] = 1.0
    assert (model.running.numpy() == 0).all()


def test_nn_functional_reexports_glassgrad_functional() -> None:
    import importlib
    import inspect

    F = importlib.import_module("glassgrad.nn.functional")  # what `import glassgrad.nn.functional as F` does
    assert nn.functional is F
    public = {name for name, value in vars(gg.functional).items() if not name.startswith("_")
              and not inspect.ismodule(value)}
    assert public == set(gg.functional.__all__) == set(F.__all__), "a function missing from functional.__all__"
    assert all(getattr(F, name) is getattr(gg.functional, name) for name in public)
