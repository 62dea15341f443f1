"""draw_graph(model, input=..., depth=...): nodes tagged by module, folded boxes, clusters, hooks removed, speed."""

import re
import shutil
import time

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.viz import draw_graph


class Residual(nn.Module):
    """x + mlp(norm(x)): a block whose own op (the add) lies behind its children's nodes."""

    def __init__(self, width):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, width))

    def forward(self, x):
        return x + self.mlp(self.norm(x))


def nested():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), Residual(4), nn.Linear(4, 2)), gg.randn(5, 3)


def clusters_of(dot):
    """cluster title -> the first words of the labels of nodes directly inside it (not nested deeper)."""
    found, stack = {}, []
    for line in dot.splitlines():
        line = line.strip()
        if line.startswith("subgraph cluster_"):
            stack.append(None)
        elif line.startswith("label=") and stack and stack[-1] is None:
            stack[-1] = re.match(r'label="([^"]*)"', line).group(1)
            found[stack[-1]] = []
        elif line == "}" and stack:
            stack.pop()
        elif stack and "[shape=" in line:
            found[stack[-1]].append(re.search(r'label="([^"\\]*)', line).group(1))
    return found


def test_full_depth_puts_each_op_in_its_module_cluster():
    model, x = nested()
    drawing = draw_graph(model, input=x)
    found = clusters_of(drawing.dot)
    assert found["0 (Linear)"] == ["LinearBackward", "0.weight", "0.bias"]
    assert found["1 (Residual)"] == ["AddBackward"]  # the residual add belongs to the block, not to its mlp
    assert found["1.norm (LayerNorm)"] == ["LayerNormBackward", "1.norm.weight", "1.norm.bias"]
    assert found["1.mlp.1 (ReLU)"] == ["ReluBackward"]
    assert sorted(found["1.mlp.0 (Linear)"]) == ["1.mlp.0.bias", "1.mlp.0.weight", "LinearBackward"]
    assert found["2 (Linear)"] == ["LinearBackward", "2.weight", "2.bias"]
    # nesting: 1.mlp's cluster sits inside 1's
    dot = drawing.dot
    assert dot.index('label="1 (Residual)"') < dot.index('label="1.mlp (Sequential)"')
    assert len(drawing.nodes) == 7 + 10  # 7 ops (4 Linear, LayerNorm, ReLU, the add) and 10 parameters
    names = [n.split("\n")[0] for n in drawing.nodes]
    assert names.count("LinearBackward") == 4 and names.count("AddBackward") == 1


def test_depth_one_draws_each_top_module_as_one_box():
    model, x = nested()
    drawing = draw_graph(model, input=x, depth=1)
    assert sorted(drawing.nodes) == [
        "0\nLinear\n(5, 4) float32\n16 params",
        "1\nResidual\n(5, 4) float32\n84 params",  # LN 8 + Linear 4·8+8 = 40 + Linear 8·4+4 = 36
        "2\nLinear\n(5, 2) float32\n10 params",
    ]
    assert drawing.dot.count("->") == 2 and "cluster" not in drawing.dot
    assert 'id="block:1"' in drawing.dot


def test_depth_two_opens_the_top_level_only():
    model, x = nested()
    drawing = draw_graph(model, input=x, depth=2)
    firsts = [n.split("\n")[0] for n in drawing.nodes]
    # depth 2: 1.norm and 1.mlp are boxes; 0, 1 and 2 (depth 1) are open, so their own ops show
    assert sorted(firsts) == sorted(["LinearBackward", "0.weight", "0.bias", "1.norm", "1.mlp", "AddBackward",
                                     "LinearBackward", "2.weight", "2.bias"])
    assert "1 (Residual)" in clusters_of(drawing.dot) and "1.mlp (Sequential)" not in clusters_of(drawing.dot)
    assert draw_graph(model, input=x, depth=0).nodes[0].startswith("(model)\nSequential\n(5, 2) float32\n110 params")


def test_model_unchanged_and_hooks_removed():
    model, x = nested()
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    drawing = draw_graph(model, input=x, depth=1)
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
    assert all(np.array_equal(p.detach().numpy(), before[n]) for n, p in model.named_parameters())
    assert np.array_equal(drawing.output.detach().numpy(), model(x).detach().numpy())
    drawing.output.sum().backward()  # the graph is still there for a backward
    assert model[0].weight.grad is not None


def test_bad_calls_are_clear_errors():
    model, x = nested()
    with pytest.raises(ValueError, match="needs an input"):
        draw_graph(model)
    with pytest.raises(ValueError, match=r"draw_graph\(model, input=x, depth=1\)"):
        draw_graph(model(x).sum(), model=model, depth=1)


def test_model_names_parameters_from_a_tensor():
    model, x = nested()
    drawing = draw_graph(model(x).sum(), model=model)
    assert "1.mlp.2.weight\n(4, 8) float32" in drawing.nodes


def test_html_page_carries_the_description():
    model, x = nested()
    page = draw_graph(model, input=x, depth=1).html()
    assert '"1.mlp.0"' in page and 'const OPEN = ["", "1.mlp"' not in page and "toDot" in page


def gpt_and_tokens():
    from glassgrad.models.gpt import GPT, GPTConfig

    gg.manual_seed(0)
    model = GPT(GPTConfig(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65))
    idx = gg.tensor(np.random.default_rng(0).integers(0, 65, (2, 64)))
    return model, idx


def test_gpt_depth_one_blocks():
    model, idx = gpt_and_tokens()
    drawing = draw_graph(model, input=(idx, idx), depth=1)
    blocks = {n.split("\n")[0] for n in drawing.nodes if "params" in n}
    want = {"transformer.wte", "transformer.wpe", "transformer.ln_f", "lm_head"}
    assert blocks == want | {f"transformer.h.{i}" for i in range(4)}
    block0 = next(n for n in drawing.nodes if n.startswith("transformer.h.0\n"))
    params = sum(p.numel() for p in model.transformer.h[0].parameters())
    assert block0 == f"transformer.h.0\nBlock\n(2, 64, 128) float32\n{params:,} params"


@pytest.mark.skipif(shutil.which("dot") is None and shutil.which("node") is None, reason="no Graphviz renderer")
def test_gpt_full_graph_draws_fast():
    model, idx = gpt_and_tokens()
    _, loss = model(idx, idx)
    start = time.perf_counter()
    drawing = draw_graph(model, input=(idx, idx))  # a forward, tagging, DOT with clusters
    svg = drawing.svg()  # the layout by Graphviz (viz.js under node here)
    elapsed = time.perf_counter() - start
    assert svg.count('class="node"') == len(drawing.nodes) > 100
    assert svg.count('class="cluster"') == drawing.dot.count("subgraph cluster_") > 40
    assert elapsed < 6.0, f"drawing a 4-layer GPT took {elapsed:.2f} s"  # measured about 0.4 s; generous for CI
