"""nn/padding.py: every padding layer against torch's (repr, attributes, values, gradients), int and tuple
paddings, batched and unbatched inputs, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn

LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 5)),
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
    ("ZeroPad2d", (1,), (4, 5)),  # constant padding takes any number of dims
    ("ConstantPad1d", ((0, 3), 3.5), (3, 5)),
    ("ConstantPad2d", (1, -1.0), (1, 2, 3, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 5)),
    ("ReflectionPad1d", ((3, 1),), (3, 5)),
    ("ReflectionPad2d", ((1, 1, 2, 0),), (2, 2, 4, 5)),
    ("ReplicationPad1d", ((1, 4),), (2, 3, 5)),
    ("ReplicationPad2d", (2,), (3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 5)),
    ("CircularPad2d", ((1, 2, 2, 1),), (1, 2, 4, 5)),
]


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_padding_layer_matches_torch(name, args, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding and getattr(ours, "value", None) == getattr(theirs, "value", None)
    values = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x_ours, x_theirs = gg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    upstream = np.random.default_rng(1).standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    y_ours.backward(gg.tensor(upstream))
    y_theirs.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(y_ours.detach().numpy(), y_theirs.detach().numpy())
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda: nn.ReflectionPad1d(1)(gg.zeros(2, 2, 2, 3)), r"ReflectionPad1d: expected a 2-d .* shape \(2, 2, 2, 3\)"),
    (lambda: nn.ReplicationPad2d(1)(gg.zeros(3)), r"ReplicationPad2d: expected a 3-d"),
    (lambda: nn.ZeroPad2d((1, 2)), r"ZeroPad2d: padding must be an int or 4 ints"),
    (lambda: nn.ReflectionPad1d(5)(gg.zeros(1, 3)), r"smaller than the dim"),
])
def test_padding_errors(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()
