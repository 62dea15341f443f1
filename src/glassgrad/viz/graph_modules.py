"""Which module made which autograd node: one forward under temporary hooks, for folding the graph by module.

A forward-pre hook notes the grad_fns of a module's inputs; its forward hook walks back from the module's
outputs and tags every node it reaches with the module's path, stopping at those input grad_fns, at leaves, and
at nodes already tagged by a module that is not inside this one (an earlier sibling's work). Children finish
before their parent, so a node keeps the deepest module that made it. Every hook is removed afterwards and the
model is not changed. Limit: a module that reads a tensor made outside it, other than through its arguments (a
cached buffer computed by its parent), may claim the parent's untagged nodes behind that tensor.
"""

from __future__ import annotations

from typing import Any

from glassgrad.autograd.tensor_factory import is_tensor

from .graph_build import meta


def tensors_in(value: Any) -> list:
    """The tensors inside an argument or an output (tuples, lists and dict values, nested)."""
    if is_tensor(value):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors_in(item)]
    return []


def _inside(owner: str, path: str) -> bool:
    return path == "" or owner == path or owner.startswith(path + ".")


def run_tagged(model: Any, args: tuple, kwargs: dict) -> tuple[Any, dict, dict, dict]:
    """Run `model(*args, **kwargs)` once and return (output, owners, modules, names): owners maps id(node or
    parameter) to a module path, modules maps each called module's path to its block label, names maps
    id(parameter) to its name from named_parameters()."""
    owners: dict[int, str] = {}
    keep: list = []  # the tagged nodes, so their ids stay theirs while we use them
    modules: dict[str, dict] = {}
    boundaries: dict[int, list[set]] = {}
    paths = dict(model.named_modules())

    def pre_hook(module: Any, a: tuple, kw: dict) -> None:
        inputs = tensors_in(a) + tensors_in(kw)
        boundaries.setdefault(id(module), []).append({id(t.grad_fn) for t in inputs if t.grad_fn is not None})

    def make_post(path: str):
        def post_hook(module: Any, a: tuple, kw: dict, output: Any) -> None:
            stop = boundaries[id(module)].pop()
            outs = tensors_in(output)
            stack = [t.grad_fn for t in outs if t.grad_fn is not None]
            seen: set[int] = set()
            while stack:
                node = stack.pop()
                if id(node) in seen or id(node) in stop:
                    continue
                seen.add(id(node))
                owner = owners.get(id(node))
                if owner is None:
                    owners[id(node)] = path
                    keep.append(node)
                elif not _inside(owner, path):
                    continue
                stack.extend(edge[0] for edge in node.edges if edge is not None and edge[0] is not None)
            shape = meta(outs[0].shape, outs[0].dtype) if outs else "no tensor output"
            count = sum(p.numel() for p in module.parameters())
            name = path or "(model)"
            cls = type(module).__name__
            modules[path] = {"label": f"{name}\n{cls}\n{shape}\n{count:,} params", "title": f"{name} ({cls})",
                             "depth": len(path.split(".")) if path else 0}
        return post_hook

    handles = []
    try:
        for path, module in paths.items():
            handles.append(module.register_forward_pre_hook(pre_hook, with_kwargs=True))
            handles.append(module.register_forward_hook(make_post(path), with_kwargs=True))
        output = model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    names = {}
    for name, param in model.named_parameters():
        names[id(param)] = name
        owners[id(param)] = name.rpartition(".")[0]
    # Modules in the order of named_modules (parents before children), so ids and the page are stable.
    ordered = {path: modules[path] for path in paths if path in modules}
    return output, owners, ordered, names


def open_for_depth(modules: dict, depth: int | None) -> set[str]:
    """The modules drawn open (as clusters) at this depth: all for None, else those with fewer components."""
    if depth is None:
        return set(modules)
    return {path for path, info in modules.items() if info["depth"] < depth}
