"""draw_graph(..., zoom=(node, index)): every drawn scalar is the tensor's own number, every edge its derivative."""

import re
import shutil

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.viz import draw_graph


def boxes(dot):
    """name -> (value text, grad text or None) of each value box, parsed from the DOT labels."""
    found = {}
    for label in re.findall(r'shape=box, [^\]]*label="([^"]*)"', dot):
        parts = label.split("\\n")
        grad = next((p.split("=", 1)[1] for p in parts[2:] if p.startswith("dL/d")), None)
        found[parts[0]] = (parts[1].removeprefix("value="), grad)
    return found


def mlp():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = gg.randn(3, 4)
    return model, x


def test_linear_neuron_values_and_gradients_are_the_tensors_numbers():
    model, x = mlp()
    hidden = model[0](x)
    loss = (model[2](model[1](hidden)) ** 2).sum()
    loss.backward()
    drawing = draw_graph(loss, zoom=(model[0], (1, 3)))
    drawn = boxes(drawing.dot)
    w, b, xs = model[0].weight, model[0].bias, x.numpy()[1]
    assert len([n for n in drawn if n.startswith("w[")]) == 4
    for k in range(4):
        value, grad = drawn[f"w[3,{k}]"]
        assert np.float32(value) == w.detach().numpy()[3, k]
        assert np.float32(grad) == w.grad.numpy()[3, k]  # dL/dw_jk is W.grad[j, k]
        assert np.float32(drawn[f"x[{k}]"][0]) == xs[k]
        assert np.float32(drawn[f"w{k}·x{k}"][0]) == np.float32(w.detach().numpy()[3, k] * xs[k])
    assert np.float32(drawn["b[3]"][0]) == b.detach().numpy()[3] and np.float32(drawn["b[3]"][1]) == b.grad.numpy()[3]
    z = hidden.detach().numpy()[1, 3]
    assert np.float32(drawn["z"][0]) == z
    assert np.float32(drawn["relu(z)"][0]) == max(z, 0)
    # the scalars list carries the same numbers for programs
    weights = [s for s in drawing.scalars if s["kind"] == "weight"]
    assert [s["value"] for s in weights] == [float(v) for v in w.detach().numpy()[3]]


def test_edges_carry_local_derivatives():
    model, x = mlp()
    drawing = draw_graph(model, input=x, zoom=(model[0], (0, 5)))
    dot, w, xs = drawing.dot, model[0].weight.detach().numpy()[5], x.numpy()[0]
    ids = dict((name.split("\\n")[0], sid) for sid, name in re.findall(r'(s\d+) \[[^\]]*label="([^"]*)"', dot))
    edge = dict(((a, b), v) for a, b, v in re.findall(r'(s\d+) -> (o\d+) \[label="∂=([^"]+)"\]', dot))
    for k in range(4):
        (w_op,) = [o for (a, o) in edge if a == ids[f"w[5,{k}]"]]
        assert np.float32(edge[(ids[f"w[5,{k}]"], w_op)]) == xs[k]  # ∂(w·x)/∂w = x
        assert np.float32(edge[(ids[f"x[{k}]"], w_op)]) == w[k]  # ∂(w·x)/∂x = w
    z = float(model[0](x).detach().numpy()[0, 5])
    (relu_edge,) = [v for (a, _), v in edge.items() if a == ids["z"]]
    assert float(relu_edge) == (1.0 if z > 0 else 0.0)
    assert "dL/d" not in "".join(drawing.nodes)  # no backward yet: no gradients drawn


def test_wide_neuron_caps_the_terms_and_says_so():
    gg.manual_seed(1)
    layer = nn.Linear(784, 4)
    x = gg.randn(2, 784)
    y = gg.tanh(layer(x))
    drawing = draw_graph(y, zoom=(layer, (0, 2)))
    drawn = boxes(drawing.dot)
    assert len([n for n in drawn if n.startswith("w[")]) == 16
    assert "+ 768 more terms" in drawn and "16 largest of 784 terms" in drawing.dot
    products = x.numpy()[0] * layer.weight.detach().numpy()[2]
    shown = [s for s in drawing.scalars if s["kind"] == "product"]
    assert min(abs(s["value"]) for s in shown) >= np.sort(np.abs(products))[-16]  # the largest terms
    total = sum(s["value"] for s in drawing.scalars if s["kind"] in ("product", "rest", "bias"))
    z = layer(x).detach().numpy()[0, 2]
    assert np.float32(drawn["z"][0]) == z and abs(total - z) < 1e-4
    assert np.float32(drawn["tanh(z)"][0]) == y.detach().numpy()[0, 2]


@pytest.mark.parametrize("fn", [F.gelu, gg.sigmoid, gg.tanh, F.relu, lambda t: F.gelu(t, approximate="tanh")])
def test_activation_slope_equals_autograd(fn):
    x = gg.tensor(np.array([-1.5, -0.2, 0.3, 2.0], dtype=np.float32), requires_grad=True)
    y = fn(x)
    y.sum().backward()
    for i in range(4):
        dot = draw_graph(y, zoom=(y.grad_fn, (i,))).dot
        (slope,) = re.findall(r'label="∂=([^"]+)"', dot)
        assert abs(float(slope) - float(x.grad.numpy()[i])) < 1e-6
        assert re.search(r"\(z\)\\nvalue=" + re.escape(str(y.detach().numpy()[i])) + '"', dot)


def test_activation_module_zoomed_through_the_model():
    model, x = mlp()
    drawing = draw_graph(model, input=x, zoom=(model[1], (2, 0)))
    z = model[0](x).detach().numpy()[2, 0]
    assert np.float32(boxes(drawing.dot)["z"][0]) == z and "ReluBackward output (2, 0)" in drawing.dot


def test_unsupported_op_and_bad_index_are_clear_errors():
    model, x = mlp()
    loss = (model(x) ** 2).sum()
    with pytest.raises(ValueError, match=r"cannot zoom into PowBackward: zoom supports Linear layers"):
        draw_graph(loss, zoom=(loss.grad_fn.next_functions[0][0], (0, 0)))
    with pytest.raises(ValueError, match=r"does not fit LinearBackward's output of shape \(3, 8\)"):
        draw_graph(loss, zoom=(model[0], (0, 8)))
    with pytest.raises(ValueError, match="cannot zoom into ReLU"):
        draw_graph(loss, zoom=(model[1], (0, 0)))  # from a tensor, a module without weights cannot be found


@pytest.mark.skipif(shutil.which("dot") is None and shutil.which("node") is None, reason="no Graphviz renderer")
def test_zoom_renders():
    model, x = mlp()
    drawing = draw_graph(model, input=x, zoom=(model[0], (0, 1)))
    svg = drawing.svg()
    assert svg.count('class="node"') == len(drawing.nodes) == 4 * 4 + 5  # 4 × (w, x, w·x, ×); b, +, z, relu, relu(z)
