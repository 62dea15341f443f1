"""Draw the autograd graph behind a tensor or a model: DOT source built here, layout always by Graphviz.

    draw_graph(loss, params=dict(model.named_parameters()))   # the graph behind a tensor
    draw_graph(model, input=x, depth=1)                       # a model's graph, folded into its top modules
    draw_graph(model, input=x, zoom=(model.fc1, (0, 3)))      # one neuron, scalar by scalar (micrograd style)
    draw_graph(loss, zoom=(model[0], (0, 3)))                 # the same from a tensor, after loss.backward()

From a tensor it walks `grad_fn` back to the leaves: one box per op node (its name and output shape/dtype), one
ellipse per leaf that requires grad (its module path when `params` or `model` names it, else its shape) and, once
backward has run, each leaf's gradient norm on its edge. A tensor with no graph draws as one note saying so.

From a model and an input it runs the forward once under temporary hooks (removed afterwards; the model is not
changed) that record which module made each node (graph_modules.py). `depth=k` draws every module k levels down
(or the first called module below it, where that one is a never-called container such as a ModuleList) as ONE
green 3-D box labelled with its path, class, output shape and parameter count; `depth=None` draws every op with a
cluster box around each module. `drawing.output` is what the forward returned, so you can still call backward.
Folding needs this model form: a tensor alone does not say which module made which op (`model=` only names its
parameters there).

`zoom=(node, index)` draws one output element of one op as its scalar graph (graph_zoom.py): for a Linear, each
weight times each input, the sum, the bias and the activation after it, with values and local derivatives.

Rendering is by the `dot` program when it is on PATH, else by the vendored WebAssembly Graphviz (@viz-js/viz)
run with `node`. `.html()` gives a self-contained page that lays the graph out in the browser with the same
vendored script; there a click on a folded box opens that module one level. `.save()` writes .svg, .dot, .html,
or .png (PNG needs Graphviz's `dot`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .graph_build import describe, grad_norm, lonely, to_dot
from .graph_modules import open_for_depth, run_tagged, tensors_in
from .graph_page import VENDOR as _VENDOR
from .graph_page import page

__all__ = ["GraphDrawing", "draw_graph", "grad_norm"]


class GraphDrawing:
    """A drawn graph: `.dot` (the Graphviz source), `.nodes` (the drawn node labels), `.svg()`, `.png()`,
    `.html()`, `.save()`; `.output` is the model's output when the drawing ran a forward."""

    def __init__(self, dot: str, nodes: list[str], description: dict | None = None,
                 open_modules: set | None = None, output: Any = None, scalars: list | None = None) -> None:
        self.dot = dot
        self.nodes = nodes
        self.description = description
        self.open_modules = set(open_modules or ())
        self.output = output
        self.scalars = scalars  # a zoom's scalars: dicts of name, value, grad (exact numbers for checks)

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

    def png(self) -> bytes:
        """The drawing as PNG bytes; needs Graphviz's `dot` (the vendored viz.js makes SVG, not PNG)."""
        if not shutil.which("dot"):
            raise RuntimeError("PNG needs Graphviz's `dot` program, which is not on PATH: install Graphviz, or "
                               "save as .svg or .html, which work without it")
        return subprocess.run(["dot", "-Tpng"], input=self.dot.encode(), capture_output=True, check=True).stdout

    def html(self) -> str:
        """A self-contained page (no network): viz.js lays the graph out in the browser; clicks open modules."""
        return page(self.description, self.open_modules, self.dot)

    def save(self, path: str | os.PathLike) -> Path:
        """Write .svg, .dot, .html or .png by the suffix, atomically (a temp file beside it, then os.replace)."""
        path = Path(path)
        suffix = path.suffix.lower()
        make = {".dot": lambda: self.dot, ".gv": lambda: self.dot, ".html": self.html, ".svg": self.svg,
                ".png": self.png}.get(suffix)
        if make is None:
            raise ValueError(f"cannot save a graph as {suffix!r}: use .svg, .dot, .html or .png")
        content = make()
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return path

    def _repr_svg_(self) -> str:  # notebooks
        return self.svg()


def _is_module(value: Any) -> bool:
    from glassgrad.nn import Module

    return isinstance(value, Module)


def draw_graph(tensor: Any, params: dict | None = None, path: str | os.PathLike | None = None,
               format: str = "svg", *, input: Any = None, model: Any = None, depth: int | None = None,  # noqa: A002
               zoom: tuple | None = None, max_terms: int = 16) -> GraphDrawing:
    """Draw the autograd graph that produced `tensor`, or the graph of `tensor(input)` when `tensor` is a Module.

    `params` (or `model`, whose named_parameters() are used) names the leaves. `input`: the model's input (a
    tensor, or a tuple of positional arguments). `depth`: fold modules at that depth into boxes (model form).
    `zoom=(node, index)`: draw one output element of a Linear or elementwise activation, scalar by scalar,
    showing at most `max_terms` weight·input terms. With `path`, also save it (`format` when path has no suffix).
    """
    owners: dict = {}
    modules: dict = {}
    output = None
    if _is_module(tensor):
        if input is None:
            raise ValueError(f"draw_graph({type(tensor).__name__}): a model needs an input to run, e.g. "
                             "draw_graph(model, input=x)")
        args = input if isinstance(input, tuple) else (input,)
        output, owners, modules, names = run_tagged(tensor, args, {})
        roots = [t for t in tensors_in(output) if t.grad_fn is not None]
    else:
        if depth is not None:
            raise ValueError("draw_graph(tensor, depth=...): folding learns which module made each node during a "
                             "forward, so draw the model instead, e.g. draw_graph(model, input=x, depth=1)")
        source = params if params is not None else (dict(model.named_parameters()) if model is not None else {})
        names = {id(p): name for name, p in source.items()}
        roots = [tensor] if getattr(tensor, "grad_fn", None) is not None else []
    if zoom is not None:
        from .graph_zoom import zoom_drawing

        paths = {id(m): p for p, m in tensor.named_modules()} if _is_module(tensor) else {}
        drawing = zoom_drawing(roots, zoom, owners, paths, max_terms)
        drawing.output = output
    else:
        if roots:
            description = describe(roots, names, owners, modules)
        else:
            description = lonely(tensor if output is None else (tensors_in(output) or [output])[0])
        opened = open_for_depth(modules, depth)
        dot, labels = to_dot(description, opened)
        drawing = GraphDrawing(dot, labels, description, opened, output)
    if path is not None:
        path = Path(path)
        drawing.save(path if path.suffix else path.with_suffix("." + format))
    return drawing
