"""draw_graph: DOT of real graphs (op names, parameter names, gradient norms), rendering, the html page."""

import re
import shutil
import time

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.viz import draw_graph
from glassgrad.viz.graph import _VENDOR

HAS_RENDERER = shutil.which("dot") is not None or shutil.which("node") is not None


def mlp_loss():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    loss = (model(gg.randn(3, 4)) ** 2).sum()
    return model, loss


def labels_of(dot):
    return re.findall(r'label="([^"]*)"', dot)


def test_mlp_ops_counted_and_params_named():
    model, loss = mlp_loss()
    drawing = draw_graph(loss, params=dict(model.named_parameters()))
    names = [label.split("\\n")[0] for label in labels_of(drawing.dot)]
    assert names.count("LinearBackward") == 2
    assert names.count("ReluBackward") == 1
    assert names.count("PowBackward") == 1
    assert names.count("SumBackward") == 1
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= set(names)
    assert len(drawing.nodes) == 5 + 4  # 5 ops, 4 leaves
    assert "LinearBackward\n(3, 8) float32" in drawing.nodes
    assert "|g|" not in drawing.dot  # no gradient before backward


def test_unnamed_leaves_by_shape():
    _, loss = mlp_loss()
    drawing = draw_graph(loss)
    assert "(8, 4) float32" in drawing.nodes and "0.weight" not in drawing.dot


def test_grad_norms_after_backward_equal_real_norms():
    model, loss = mlp_loss()
    loss.backward()
    dot = draw_graph(loss, params=dict(model.named_parameters())).dot
    edges = dict(re.findall(r'(p\d+) -> n\d+ \[label="\|g\|=([^"]+)"\]', dot))
    leaf_ids = dict(re.findall(r'(p\d+) \[[^\]]*label="([^\\"]+)', dot))
    assert len(edges) == 4
    for pid, name in leaf_ids.items():
        real = float(np.linalg.norm(dict(model.named_parameters())[name].grad.numpy().astype(np.float64)))
        assert real > 0
        assert edges[pid] == f"{real:.4g}"


def test_tensor_without_graph_is_one_node():
    drawing = draw_graph(gg.ones(2, 3))
    assert len(drawing.nodes) == 1 and "no graph" in drawing.nodes[0] and "(2, 3)" in drawing.nodes[0]
    assert drawing.dot.count("shape=") == 1


def test_html_inlines_dot_and_vendored_script(tmp_path):
    _, loss = mlp_loss()
    drawing = draw_graph(loss)
    page = drawing.save(tmp_path / "g.html").read_text()
    assert "LinearBackward" in page and "Viz.js 3.31.0" in page and "<script src" not in page
    assert len(page) > len(_VENDOR.read_text()) // 2
    assert (tmp_path / "g.dot").exists() is False
    assert draw_graph(loss, path=tmp_path / "g", format="dot").dot == (tmp_path / "g.dot").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


@pytest.mark.skipif(not HAS_RENDERER, reason="neither dot nor node on PATH")
def test_svg_rendered_by_graphviz(tmp_path):
    _, loss = mlp_loss()
    drawing = draw_graph(loss)
    svg = drawing.svg()
    assert re.search(r"<svg\b", svg)
    assert svg.count('class="node"') == len(drawing.nodes) == 9
    assert drawing.save(tmp_path / "g.svg").read_text() == svg


def test_gpt_draws_fast():
    from glassgrad.bench.workloads.gpt import CONFIG
    from glassgrad.models.gpt import GPT, GPTConfig

    gg.manual_seed(0)
    model = GPT(GPTConfig(**CONFIG))
    idx = gg.tensor(np.random.default_rng(0).integers(0, CONFIG["vocab_size"], (2, 16)))
    out = model(idx, idx)
    loss = out[1] if isinstance(out, tuple) else out
    start = time.perf_counter()
    drawing = draw_graph(loss, params=dict(model.named_parameters()))
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert drawing.dot.count("LinearBackward") >= 4 * 4
    assert "transformer.h.3.mlp.c_fc.weight\n(512, 128) float32" in drawing.nodes


@pytest.mark.skipif(shutil.which("node") is None, reason="node not on PATH")
def test_svg_by_vendored_viz_js_under_node(monkeypatch):
    import glassgrad.viz.graph as graph

    which = shutil.which
    monkeypatch.setattr(graph.shutil, "which", lambda name: None if name == "dot" else which(name))
    _, loss = mlp_loss()
    drawing = draw_graph(loss)
    svg = drawing.svg()
    assert re.search(r"<svg\b", svg) and svg.count('class="node"') == 9


def test_no_renderer_is_a_clear_error(monkeypatch):
    import glassgrad.viz.graph as graph

    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="no Graphviz renderer"):
        draw_graph(gg.ones(2)).svg()


def test_drawing_leaves_graph_and_model_unchanged():
    model, loss = mlp_loss()
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    draw_graph(loss, params=dict(model.named_parameters()))
    loss.backward()  # the graph is still whole after drawing
    fresh_model, fresh = mlp_loss()  # same seed: the same model and data
    fresh.backward()
    for (name, p), (_, q) in zip(model.named_parameters(), fresh_model.named_parameters()):
        assert np.array_equal(p.detach().numpy(), before[name])
        assert np.allclose(p.grad.numpy(), q.grad.numpy())


def test_png_without_dot_is_a_clear_error_and_leaves_no_file(monkeypatch, tmp_path):
    import glassgrad.viz.graph as graph

    which = shutil.which
    monkeypatch.setattr(graph.shutil, "which", lambda name: None if name == "dot" else which(name))
    _, loss = mlp_loss()
    with pytest.raises(RuntimeError, match=r"PNG needs Graphviz's `dot`.*\.svg or \.html"):
        draw_graph(loss).save(tmp_path / "g.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_by_dot(tmp_path):
    _, loss = mlp_loss()
    data = draw_graph(loss).save(tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
