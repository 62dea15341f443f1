"""Scalar zoom: one output element of one op drawn scalar by scalar, as micrograd's draw_dot draws a Value graph.

For a Linear output y[i, j] = Σₖ W[j, k]·x[i, k] + b[j], it draws each weight and input, their product, the sum,
the bias and, when the op right after is an elementwise activation (ReLU, GELU, sigmoid, tanh), the activation.
Each value box shows the forward value (the tensor's own number, in its dtype) and, once backward has run, the
gradient of the loss the tensor holds (dL/dW[j, k] is W.grad[j, k], summed over the batch as backward sums it).
Each edge into an operation carries its local derivative: ∂(w·x)/∂w = x, ∂(w·x)/∂x = w, ∂(Σ + b)/∂term = 1,
∂act/∂z = act'(z). A neuron with more than `max_terms` inputs shows its largest |w·x| terms and one
"+ N more terms = value" box, so a 784-input neuron still draws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .graph_build import quote

ACTIVATIONS = {"ReluOp": "relu", "GeluOp": "gelu", "SigmoidOp": "sigmoid", "TanhOp": "tanh"}
SUPPORTED = ("zoom supports Linear layers (LinearBackward, with the activation after it) and elementwise "
             "activations (ReluBackward, GeluBackward, SigmoidBackward, TanhBackward)")


def _walk(roots: list) -> tuple[list, dict]:
    """Every node behind the roots, and per node the tensors its consumers read of it: id -> [(consumer, t)]."""
    nodes, seen, stack = [], set(), [t.grad_fn for t in roots]
    consumers: dict[int, list] = {}
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for value, edge in zip(node.inputs, node.edges):
            if edge is not None and edge[0] is not None and edge[1] == 0:
                consumers.setdefault(id(edge[0]), []).append((node, value))
                stack.append(edge[0])
    return nodes, consumers


def _find(target: Any, nodes: list, owners: dict, module_paths: dict) -> Any:
    """The autograd node to zoom: given as a node, or the node a module made (found by its weight, or by the
    forward's tags for a module without parameters)."""
    if hasattr(target, "edges") and hasattr(target, "op"):
        return target
    weight = getattr(target, "weight", None)
    if weight is not None:
        for node in nodes:
            if node.op.__name__ == "LinearOp" and node.inputs[1] is weight:
                return node
        raise ValueError(f"cannot zoom into {type(target).__name__}: no LinearBackward node reads its weight in "
                         f"this graph; {SUPPORTED}")
    path = module_paths.get(id(target))
    if path is not None:
        for node in reversed(nodes):  # the walk meets late ops first: reversed is closest to forward order
            if owners.get(id(node)) == path and node.op.__name__ in ACTIVATIONS:
                return node
    raise ValueError(f"cannot zoom into {type(target).__name__}: pass its autograd node, or draw the model "
                     f"(draw_graph(model, input=x, zoom=...)) so modules without weights can be found; {SUPPORTED}")


def _output(node: Any, roots: list, consumers: dict) -> Any:
    """The array a node produced: read off a consumer's input, the root tensor, or what forward kept."""
    for _, value in consumers.get(id(node), []):
        return value.array
    for root in roots:
        if root.grad_fn is node:
            return root.array
    if isinstance(node.forward_result, np.ndarray):
        return node.forward_result
    raise ValueError(f"cannot zoom into {node.name()}: its output is not reachable from the drawn tensor")


def _slope(kind: str, z: float, a: float, node: Any) -> float:
    """act'(z), from the same formulas as the ops' backward."""
    if kind == "relu":
        return 1.0 if z > 0 else 0.0
    if kind == "sigmoid":
        return a * (1 - a)
    if kind == "tanh":
        return 1 - a * a
    if getattr(node, "approximate", "none") == "tanh":
        u = math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)
        t = math.tanh(u)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * z * z)
    return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


class _Scalars:
    """Builds the DOT of value boxes and op circles, and the list of drawn scalars for checks."""

    def __init__(self, dtype: Any) -> None:
        self.type = np.dtype(dtype).type
        self.lines: list[str] = []
        self.scalars: list[dict] = []
        self.labels: list[str] = []

    def fmt(self, value: float) -> str:
        return str(self.type(value))  # the shortest text that reads back as the same number in this dtype

    def value(self, name: str, value: float, grad: float | None = None, kind: str = "value") -> str:
        sid = f"s{len(self.scalars)}"
        label = f"{name}\nvalue={self.fmt(value)}" + (f"\ndL/d{name}={self.fmt(grad)}" if grad is not None else "")
        fill = {"weight": "#d8ecff", "bias": "#d8ecff", "output": "#ffe8b0"}.get(kind, "#ffffff")
        self.lines.append(f'  {sid} [shape=box, style="rounded,filled", fillcolor="{fill}", label={quote(label)}];')
        self.scalars.append({"id": sid, "name": name, "kind": kind, "value": float(self.type(value)),
                             "grad": None if grad is None else float(self.type(grad))})
        self.labels.append(label)
        return sid

    def op(self, symbol: str, operands: list[tuple[str, float | None]], result: str) -> None:
        oid = f"o{len(self.labels)}"
        self.lines.append(f"  {oid} [shape=circle, label={quote(symbol)}];")
        self.labels.append(symbol)
        for sid, local in operands:
            attr = f" [label={quote('∂=' + self.fmt(local))}]" if local is not None else ""
            self.lines.append(f"  {sid} -> {oid}{attr};")
        self.lines.append(f"  {oid} -> {result};")


def _grad_at(tensor: Any, index: tuple) -> float | None:
    grad = getattr(tensor, "grad", None) if tensor is not None and tensor.grad_fn is None else None
    return None if grad is None else float(grad.numpy()[index])


def zoom_drawing(roots: list, zoom: tuple, owners: dict, module_paths: dict, max_terms: int = 16) -> Any:
    from .graph import GraphDrawing

    if not (isinstance(zoom, tuple) and len(zoom) == 2):
        raise ValueError(f"zoom must be (node or module, index), e.g. zoom=(model.fc1, (0, 3)); got {zoom!r}")
    if not roots:
        raise ValueError("cannot zoom: the tensor has no autograd graph")
    target, index = zoom
    index = (index,) if isinstance(index, int) else tuple(int(i) for i in index)
    nodes, consumers = _walk(roots)
    node = _find(target, nodes, owners, module_paths)
    kind = node.op.__name__
    if kind != "LinearOp" and kind not in ACTIVATIONS:
        raise ValueError(f"cannot zoom into {node.name()}: {SUPPORTED}")
    out = _output(node, roots, consumers)
    if len(index) != out.ndim or any(not -n <= i < n for i, n in zip(index, out.shape)):
        raise ValueError(f"zoom index {index} does not fit {node.name()}'s output of shape {tuple(out.shape)}")
    s = _Scalars(out.dtype)
    notes = []
    if kind == "LinearOp":
        x, weight, bias = node.inputs[:3]
        rows, j = index[:-1], index[-1]
        xs, ws = x.array[rows], weight.array[j]  # (in,) and (in,)
        products = xs * ws  # in the tensors' dtype: each product exactly as float math gives it
        keep = sorted(np.argsort(-np.abs(products.astype(np.float64)), kind="stable")[:max_terms])
        terms = []
        for k in keep:
            k = int(k)
            wid = s.value(f"w[{j},{k}]", ws[k], _grad_at(weight, (j, k)), "weight")
            xid = s.value(f"x[{k}]", xs[k], _grad_at(x, rows + (k,)), "input")
            pid = s.value(f"w{k}·x{k}", products[k], kind="product")
            s.op("×", [(wid, xs[k]), (xid, ws[k])], pid)
            terms.append((pid, 1.0))
        rest = len(products) - len(keep)
        if rest:
            others = np.delete(products.astype(np.float64), keep).sum()
            terms.append((s.value(f"+ {rest} more terms", others, kind="rest"), 1.0))
            notes.append(f"showing the {len(keep)} largest of {len(products)} terms w·x; the other {rest} are "
                         "summed in one box")
        if weight.grad is not None and math.prod(x.shape[:-1]) > 1:
            notes.append("dL/dw and dL/db sum over every sample of the batch, as backward sums them")
        if bias is not None:
            terms.append((s.value(f"b[{j}]", bias.array[j], _grad_at(bias, (j,)), "bias"), 1.0))
        z = float(out[index])
        zid = s.value("z", z, kind="sum")
        s.op("+", terms, zid)
        after = [c for c, value in consumers.get(id(node), []) if c.op.__name__ in ACTIVATIONS
                 and value.shape == out.shape]
        act_node = after[0] if len(after) == 1 else None
        if act_node is not None:
            _activation(s, act_node, zid, z, float(_output(act_node, roots, consumers)[index]))
    else:
        z = float(node.inputs[0].array[index])
        zid = s.value("z", z, kind="input")
        _activation(s, node, zid, z, float(out[index]))
    what = "a weighted sum plus a bias" if kind == "LinearOp" else "an activation"
    title = f"{node.name()} output {index}: {what}"
    caption = "\\n".join([title] + notes + ["edge labels: local derivatives; dL/d...: gradients after backward"])
    dot = ("digraph glassgrad_zoom {\n  rankdir=LR; fontname=\"Helvetica\"; node [fontname=\"Helvetica\", "
           "fontsize=10]; edge [fontname=\"Helvetica\", fontsize=9];\n"
           f"  labelloc=t; label=\"{caption}\";\n" + "\n".join(s.lines) + "\n}\n")
    return GraphDrawing(dot, s.labels, scalars=s.scalars)


def _activation(s: _Scalars, node: Any, zid: str, z: float, a: float) -> None:
    kind = ACTIVATIONS[node.op.__name__]
    aid = s.value(f"{kind}(z)", a, kind="output")
    s.op(kind, [(zid, _slope(kind, z, a, node))], aid)
