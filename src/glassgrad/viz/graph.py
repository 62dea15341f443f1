"""Draw the autograd graph behind a tensor: DOT source built here, layout always by Graphviz.

`draw_graph(loss, params=dict(model.named_parameters()))` walks `loss.grad_fn` back to the leaves: one box per op
node (its name and output shape/dtype), one ellipse per leaf that requires grad (its module path when `params`
names it, else its shape), and, once backward has run, each leaf's gradient norm on its edge. Rendering is by the
`dot` program when it is on PATH, else by the vendored WebAssembly Graphviz (@viz-js/viz) run with `node`; `.html()`
gives a self-contained page that renders the DOT in the browser with the same vendored script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from glassgrad.autograd.tensor_factory import is_tensor

_VENDOR = Path(__file__).parent / "_vendor" / "viz-standalone.js"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _meta(shape: Any, dtype: Any) -> str:
    if dtype is None:
        return str(tuple(shape))
    try:
        name = np.dtype(dtype).name
    except TypeError:  # a glassgrad dtype prints as glassgrad.float32
        name = str(dtype).removeprefix("glassgrad.")
    return f"{tuple(shape)} {name}"


class GraphDrawing:
    """A drawn graph: `.dot` (the Graphviz source), `.nodes` (the node labels), `.svg()`, `.html()`, `.save()`."""

    def __init__(self, dot: str, nodes: list[str]) -> None:
        self.dot = dot
        self.nodes = nodes

    def svg(self) -> str:
        """The drawing as SVG, laid out by Graphviz (`dot -Tsvg`, else the vendored viz.js under `node`)."""
        if shutil.which("dot"):
            done = subprocess.run(["dot", "-Tsvg"], input=self.dot, capture_output=True, text=True, check=True)
            return done.stdout
        node = shutil.which("node")
        if node:
            script = (
                f"const Viz = require({json.dumps(str(_VENDOR))});"
                "let s='';process.stdin.on('data',d=>s+=d);process.stdin.on('end',()=>"
                "Viz.instance().then(v=>process.stdout.write(v.renderString(s,{format:'svg'})))"
                ".catch(e=>{console.error(String(e));process.exit(1)}));"
            )
            done = subprocess.run([node, "-e", script], input=self.dot, capture_output=True, text=True, check=True)
            return done.stdout
        raise RuntimeError("no Graphviz renderer: install Graphviz (`dot`) or Node.js, or use .html() / save('x.dot')")

    def html(self) -> str:
        """A self-contained page (no network) that renders the DOT in the browser with the vendored viz.js."""
        script = _VENDOR.read_text(encoding="utf-8").replace("</script", "<\\/script")
        dot = json.dumps(self.dot).replace("</", "<\\/")
        return (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>glassgrad graph</title></head><body>\n"
            f"<div id=\"graph\"></div>\n<script>{script}</script>\n"
            f"<script>const DOT = {dot};\n"
            "Viz.instance().then(v => document.getElementById('graph').appendChild(v.renderSVGElement(DOT)));"
            "</script>\n</body></html>\n"
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write .svg, .dot or .html by the suffix, atomically (a temp file beside it, then os.replace)."""
        path = Path(path)
        suffix = path.suffix.lower()
        text = {".dot": lambda: self.dot, ".gv": lambda: self.dot, ".html": self.html, ".svg": self.svg}.get(suffix)
        if text is None:
            raise ValueError(f"cannot save a graph as {suffix!r}: use .svg, .dot or .html")
        content = text()
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(content)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return path

    def _repr_svg_(self) -> str:  # notebooks
        return self.svg()


def draw_graph(tensor: Any, params: dict | None = None, path: str | os.PathLike | None = None,
               format: str = "svg") -> GraphDrawing:
    """Draw the autograd graph that produced `tensor`; with `path`, also save it (`format` when path has no suffix)."""
    names = {id(p): name for name, p in (params or {}).items()}
    lines = ["digraph glassgrad {", '  rankdir=BT; node [fontname="Helvetica", fontsize=10];']
    labels: list[str] = []
    root = getattr(tensor, "grad_fn", None)
    if root is None:
        shape = _meta(tensor.shape, getattr(tensor, "dtype", None)) if is_tensor(tensor) else type(tensor).__name__
        label = f"tensor {shape}\n(no graph: not the result of ops on tensors that require grad)"
        lines.append(f"  t0 [shape=note, label={_quote(label)}];")
        labels.append(label)
    else:
        ids: dict[int, str] = {}
        leaves: dict[int, str] = {}
        stack, seen = [root], {id(root)}
        ids[id(root)] = "n0"
        # Output shape/dtype per node: its output_meta when recorded, else read off the tensors that consume it.
        root_meta = {getattr(tensor, "output_nr", 0): _meta(tensor.shape, tensor.dtype)}
        seen_out: dict[int, dict[int, str]] = {id(root): root_meta}
        while stack:
            node = stack.pop()
            nid = ids[id(node)]
            if node.output_meta:
                meta = "\n".join(_meta(s, d) for s, d in node.output_meta)
            else:
                meta = "\n".join(text for _, text in sorted(seen_out.get(id(node), {}).items()))
            label = f"{node.name()}\n{meta}" if meta else node.name()
            style = ', style=filled, fillcolor="#ffe8b0"' if node is root else ""
            lines.append(f"  {nid} [shape=box{style}, label={_quote(label)}];")
            labels.append(label)
            for value, edge in zip(node.inputs, node.edges):
                if edge is None:
                    continue
                producer, index = edge
                if producer is not None:
                    if is_tensor(value):
                        seen_out.setdefault(id(producer), {})[index] = _meta(value.shape, value.dtype)
                    if id(producer) not in seen:
                        seen.add(id(producer))
                        ids[id(producer)] = f"n{len(ids)}"
                        stack.append(producer)
                    lines.append(f"  {ids[id(producer)]} -> {nid};")
                elif is_tensor(value):
                    lid = leaves.get(id(value))
                    if lid is None:
                        lid = leaves[id(value)] = f"p{len(leaves)}"
                        name = names.get(id(value))
                        meta = _meta(value.shape, value.dtype)
                        leaf_label = f"{name}\n{meta}" if name else meta
                        lines.append(f'  {lid} [shape=ellipse, style=filled, fillcolor="#d8ecff", '
                                     f"label={_quote(leaf_label)}];")
                        labels.append(leaf_label)
                    grad = value.grad
                    attr = f" [label={_quote(f'|g|={grad_norm(value):.4g}')}]" if grad is not None else ""
                    lines.append(f"  {lid} -> {nid}{attr};")
    lines.append("}")
    drawing = GraphDrawing("\n".join(lines) + "\n", labels)
    if path is not None:
        path = Path(path)
        drawing.save(path if path.suffix else path.with_suffix("." + format))
    return drawing


def grad_norm(leaf: Any) -> float:
    """The L2 norm of a leaf's gradient, as drawn on its edge."""
    grad = leaf.grad
    array = grad.detach().numpy() if is_tensor(grad) else grad
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))
