"""What the export refuses, and how it says so."""

from __future__ import annotations

import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.autograd import Function
from glassgrad.models import GPT, MLP, GPTConfig

from .helpers import export_to_bytes


class Cube(Function):
    """y = x³, dy/dx = 3x²: a custom op that no ONNX converter knows."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class CubeLayer(nn.Module):
    def forward(self, x):
        return Cube.apply(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.odd = nn.Sequential(nn.ReLU(), CubeLayer())

    def forward(self, x):
        return self.odd(self.fc(x))


def test_an_op_without_mapping_is_named_with_the_module_that_ran_it_and_its_shapes():
    with pytest.raises(gg.onnx.UnsupportedOperatorError) as caught:
        export_to_bytes(Net(), (gg.randn(2, 4),))
    message = str(caught.value)
    assert "Cube (CubeBackward) has no ONNX mapping" in message
    assert "module 'odd.1' (CubeLayer)" in message
    assert "(2, 3) float32" in message


def test_an_op_outside_any_submodule_is_blamed_on_the_model():
    class Direct(nn.Module):
        def forward(self, x):
            return Cube.apply(x)

    with pytest.raises(gg.onnx.UnsupportedOperatorError, match=r"run by the model \(Direct\)"):
        export_to_bytes(Direct(), (gg.randn(3),))


def test_advanced_indexing_is_refused_with_the_index_it_met():
    class Pick(nn.Module):
        def forward(self, x):
            return x[gg.tensor([0, 2])]

    with pytest.raises(gg.onnx.UnsupportedOperatorError, match=r"indexing with tensors.*shape \(3, 4\)"):
        export_to_bytes(Pick(), (gg.randn(3, 4),))


def test_only_the_batch_axis_of_an_input_may_be_dynamic():
    model = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=4, dropout=0.0))
    with pytest.raises(ValueError, match=r"only the batch axis 0 can be dynamic"):
        export_to_bytes(model, (gg.randint(0, 5, (2, 3)),), dynamic_axes={"idx": {0: "batch", 1: "time"}})


def test_dynamic_axes_must_name_an_input_or_output():
    with pytest.raises(ValueError, match=r"dynamic_axes names 'images'.*\['x'\]"):
        export_to_bytes(MLP(4, [3], 2), (gg.randn(2, 4),), dynamic_axes={"images": [0]})


@pytest.mark.parametrize("opset", [11, 99])
def test_an_opset_out_of_range_is_refused_with_the_range(opset):
    with pytest.raises(ValueError, match=rf"opset_version {opset} is not supported; use 17 to \d+"):
        export_to_bytes(MLP(4, [3], 2), (gg.randn(2, 4),), opset_version=opset)


def test_the_count_of_names_must_match():
    with pytest.raises(ValueError, match="2 output_names given, but the model returns 1 tensors"):
        export_to_bytes(MLP(4, [3], 2), (gg.randn(2, 4),), output_names=["a", "b"])


def test_a_value_computed_by_unrecorded_ops_is_refused_not_baked_in():
    class Positive(nn.Module):
        def forward(self, x):
            return gg.where(x > 0, x, x * 2)  # the comparison is not recorded: its mask would be a constant

    with pytest.raises(gg.onnx.UnsupportedOperatorError, match=r"input 0 of WhereOp .* changes with the input"):
        export_to_bytes(Positive(), (gg.randn(3, 4),))


def test_a_forward_that_branches_on_its_input_is_refused():
    class Branch(nn.Module):
        def forward(self, x):
            return x.exp() if float(x.sum().item()) > 50 else -x

    # the twin trace's standard-normal values (a sum far below 50) take the other branch
    with pytest.raises(gg.onnx.UnsupportedOperatorError, match="runs other ops"):
        export_to_bytes(Branch(), (gg.full((2, 3), 10.0),))


def test_without_the_onnx_package_the_error_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    for name in [n for n in sys.modules if n.startswith("glassgrad.onnx.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"needs the onnx package .*pip install 'glassgrad\[onnx\]'"):
        gg.onnx.export(MLP(4, [3], 2), gg.randn(2, 4), "unused.onnx")
