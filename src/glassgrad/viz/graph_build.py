"""The graph as data, and its DOT source for one folding state.

`describe(roots, names, owners, modules)` walks the autograd graph back from the root tensors into a JSON-able
description: nodes (id, label, shape, fill, owner module path), edges (source, target, label) and the modules that
can be folded. `to_dot(description, open_modules)` turns it into Graphviz source: a module not in `open_modules`
is one box, an open module a `subgraph cluster_…` around its nodes. The HTML page runs the same algorithm in
JavaScript (graph_page.py), so keep the two in step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassgrad.autograd.tensor_factory import is_tensor

PARAM_FILL = "#d8ecff"
ROOT_FILL = "#ffe8b0"
BLOCK_FILL = "#e6f4e6"


def meta(shape: Any, dtype: Any) -> str:
    """'(3, 8) float32': a tensor's shape and dtype as drawn."""
    if dtype is None:
        return str(tuple(shape))
    try:
        name = np.dtype(dtype).name
    except TypeError:  # a glassgrad dtype prints as glassgrad.float32
        name = str(dtype).removeprefix("glassgrad.")
    return f"{tuple(shape)} {name}"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def grad_norm(leaf: Any) -> float:
    """The L2 norm of a leaf's gradient, as drawn on its edge."""
    grad = leaf.grad
    array = grad.detach().numpy() if is_tensor(grad) else grad
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def describe(roots: list, names: dict, owners: dict | None = None, modules: dict | None = None) -> dict:
    """Walk from the root tensors' grad_fns to the leaves. `names`: id(leaf) -> name; `owners`: id(node or leaf)
    -> module path ('' is the model itself); `modules`: path -> {'label', 'title'} of the modules that can fold."""
    owners = owners or {}
    nodes: list[dict] = []
    edges: list[list] = []
    ids: dict[int, str] = {}
    leaves: dict[int, str] = {}
    # Output shape/dtype per node: its output_meta when recorded, else read off the tensors that consume it.
    seen_out: dict[int, dict[int, str]] = {}
    stack = []
    for tensor in roots:
        node = tensor.grad_fn
        seen_out.setdefault(id(node), {})[getattr(tensor, "output_nr", 0)] = meta(tensor.shape, tensor.dtype)
        if id(node) not in ids:
            ids[id(node)] = f"n{len(ids)}"
            stack.append(node)
    root_ids = {ids[id(t.grad_fn)] for t in roots}
    while stack:
        node = stack.pop()
        nid = ids[id(node)]
        if node.output_meta:
            text = "\n".join(meta(s, d) for s, d in node.output_meta)
        else:
            text = "\n".join(t for _, t in sorted(seen_out.get(id(node), {}).items()))
        label = f"{node.name()}\n{text}" if text else node.name()
        nodes.append({"id": nid, "label": label, "shape": "box", "fill": ROOT_FILL if nid in root_ids else None,
                      "owner": owners.get(id(node), "")})
        for value, edge in zip(node.inputs, node.edges):
            if edge is None:
                continue
            producer, index = edge
            if producer is not None:
                if is_tensor(value):
                    seen_out.setdefault(id(producer), {})[index] = meta(value.shape, value.dtype)
                if id(producer) not in ids:
                    ids[id(producer)] = f"n{len(ids)}"
                    stack.append(producer)
                edges.append([ids[id(producer)], nid, None])
            elif is_tensor(value):
                lid = leaves.get(id(value))
                if lid is None:
                    lid = leaves[id(value)] = f"p{len(leaves)}"
                    name = names.get(id(value))
                    text = meta(value.shape, value.dtype)
                    nodes.append({"id": lid, "label": f"{name}\n{text}" if name else text, "shape": "ellipse",
                                  "fill": PARAM_FILL, "owner": owners.get(id(value), "")})
                grad = f"|g|={grad_norm(value):.4g}" if value.grad is not None else None
                edges.append([lid, nid, grad])
    # "order" keeps the modules' order in JSON: JavaScript lists integer-like keys ("0", "1") first.
    return {"nodes": nodes, "edges": edges, "modules": modules or {}, "order": list(modules or {})}


def lonely(tensor: Any) -> dict:
    """The description of a tensor with no graph: one note saying so."""
    shape = meta(tensor.shape, getattr(tensor, "dtype", None)) if is_tensor(tensor) else type(tensor).__name__
    label = f"tensor {shape}\n(no graph: not the result of ops on tensors that require grad)"
    return {"nodes": [{"id": "t0", "label": label, "shape": "note", "fill": None, "owner": ""}], "edges": [],
            "modules": {}, "order": []}


def _prefixes(path: str) -> list[str]:
    """'' first, then 'a', 'a.b', ... up to the path itself."""
    parts = path.split(".") if path else []
    return [""] + [".".join(parts[: i + 1]) for i in range(len(parts))]


def placement(owner: str, modules: dict, open_modules: set) -> tuple[str | None, list[str]]:
    """Where a node with this owner is drawn: (the folded module it disappears into, or None) and the open
    modules whose clusters hold it (outermost first; the model itself, '', has no cluster)."""
    chain = []
    for prefix in _prefixes(owner):
        if prefix not in modules:  # a container that was never called (ModuleList): no box of its own
            continue
        if prefix not in open_modules:
            return prefix, chain
        if prefix:
            chain.append(prefix)
    return None, chain


def to_dot(description: dict, open_modules: set) -> tuple[str, list[str]]:
    """The DOT source and the labels of the nodes it draws, with every module not in `open_modules` folded."""
    modules = description["modules"]
    module_ids = {path: f"m{i}" for i, path in enumerate(modules)}
    tree: dict = {"items": [], "children": {}}  # cluster nesting: open module path -> subtree
    display: dict[str, str] = {}
    labels: list[str] = []
    drawn_blocks: set[str] = set()

    def subtree(chain: list[str]) -> dict:
        node = tree
        for path in chain:
            node = node["children"].setdefault(path, {"items": [], "children": {}})
        return node

    for item in description["nodes"]:
        block, chain = placement(item["owner"], modules, open_modules)
        if block is None:
            display[item["id"]] = item["id"]
            fill = f', style=filled, fillcolor="{item["fill"]}"' if item["fill"] else ""
            text = f'{item["id"]} [shape={item["shape"]}{fill}, label={quote(item["label"])}];'
            subtree(chain)["items"].append(text)
            labels.append(item["label"])
        else:
            bid = module_ids[block]
            display[item["id"]] = bid
            if block not in drawn_blocks:
                drawn_blocks.add(block)
                label = modules[block]["label"]
                subtree(chain)["items"].append(
                    f'{bid} [shape=box3d, style=filled, fillcolor="{BLOCK_FILL}", id={quote("block:" + block)}, '
                    f"label={quote(label)}];")
                labels.append(label)
    lines = ["digraph glassgrad {", '  rankdir=BT; fontname="Helvetica"; node [fontname="Helvetica", fontsize=10];']

    def emit(node: dict, indent: str) -> None:
        lines.extend(indent + text for text in node["items"])
        for path, child in node["children"].items():
            lines.append(f"{indent}subgraph cluster_{module_ids[path]} {{")
            lines.append(f'{indent}  label={quote(modules[path]["title"])}; style=rounded; color="#888888";')
            emit(child, indent + "  ")
            lines.append(indent + "}")

    emit(tree, "  ")
    seen = set()
    for source, target, label in description["edges"]:
        a, b = display[source], display[target]
        folded = a != source or b != target
        if a == b or (folded and (a, b) in seen):
            continue
        seen.add((a, b))
        attr = f" [label={quote(label)}]" if label and not folded else ""
        lines.append(f"  {a} -> {b}{attr};")
    lines.append("}")
    return "\n".join(lines) + "\n", labels
