"""ONNX for glassgrad's shape ops: reshape, permute, expand, repeat, cat, stack, split, clone, basic indexing.

Shapes are the traced ones, except the sizes that follow a dynamic batch axis (GraphBuilder's reshape_target
and broadcast_target say how).
"""

from __future__ import annotations

from glassgrad.autograd.node import Node
from glassgrad.ops import index, shape

from .builder import INT64_MAX, GraphBuilder
from .errors import UnsupportedOperatorError

INT64_MIN = -INT64_MAX - 1


def reshape(g: GraphBuilder, node: Node) -> str:
    return g.add("Reshape", [g.name(node.inputs[0]), g.ints(g.reshape_target(node))])


def permute(g: GraphBuilder, node: Node) -> str:
    return g.add("Transpose", [g.name(node.inputs[0])], perm=[int(a) for a in node.inputs[1]])


def expand(g: GraphBuilder, node: Node) -> str:
    return g.add("Expand", [g.name(node.inputs[0]), g.broadcast_target(node)])


def repeat(g: GraphBuilder, node: Node) -> str:
    """Tile; PyTorch's repeat puts new leading axes of size 1 first when `repeats` is longer than x's rank."""
    x, repeats = node.inputs[0], tuple(node.inputs[1])
    name = g.name(x)
    extra = len(repeats) - x.ndim
    if extra:
        name = g.add("Unsqueeze", [name, g.ints(range(extra))])
    return g.add("Tile", [name, g.ints(repeats)])


def concatenate(g: GraphBuilder, node: Node) -> str:
    axis, *xs = node.inputs
    return g.add("Concat", [g.name(x) for x in xs], axis=int(axis))


def stack(g: GraphBuilder, node: Node) -> str:
    """Each input unsqueezed at the new axis, then joined along it."""
    axis, *xs = node.inputs
    axes = g.ints([axis])
    return g.add("Concat", [g.add("Unsqueeze", [g.name(x), axes]) for x in xs], axis=int(axis))


def split(g: GraphBuilder, node: Node) -> list[str]:
    x, sizes, axis = node.inputs[:3]
    outputs = g.add("Split", [g.name(x), g.ints(sizes)], outputs=len(sizes), axis=int(axis))
    return outputs if len(sizes) > 1 else [outputs]


def clone(g: GraphBuilder, node: Node) -> str:
    return g.add("Identity", [g.name(node.inputs[0])])


def get_item(g: GraphBuilder, node: Node) -> str:
    """x[key] for a basic key (ints, slices, None, ...) as Slice, then Squeeze of the int axes, then Unsqueeze of
    the None axes. A slice keeps Python's meaning in ONNX (negative bounds count from the end), so a slice over a
    dynamic axis stays right at any size."""
    x, key, basic = node.inputs[:3]
    if not basic:
        raise UnsupportedOperatorError(
            f"onnx.export: indexing with tensors or arrays (x[{_describe(key)}] on shape {tuple(x.shape)}) has no "
            "ONNX mapping here; index with ints and slices, or use index_select/gather outside the exported model"
        )
    items = key if isinstance(key, tuple) else (key,)
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    starts, ends, axes, steps, squeezed, unsqueezed = [], [], [], [], [], []
    in_axis = out_axis = 0
    for item in items:
        if item is Ellipsis:
            in_axis += x.ndim - consumed
            out_axis += x.ndim - consumed
        elif item is None:
            unsqueezed.append(out_axis)
            out_axis += 1
        elif isinstance(item, slice):
            if item != slice(None):
                step = 1 if item.step is None else int(item.step)
                forward = step > 0
                starts.append((0 if forward else INT64_MAX) if item.start is None else int(item.start))
                ends.append((INT64_MAX if forward else INT64_MIN) if item.stop is None else int(item.stop))
                axes.append(in_axis)
                steps.append(step)
            in_axis += 1
            out_axis += 1
        else:  # an int: a slice of one, then squeezed away
            position = int(item)
            starts.append(position)
            ends.append(position + 1 if position != -1 else INT64_MAX)
            axes.append(in_axis)
            steps.append(1)
            squeezed.append(in_axis)
            in_axis += 1
    name = source = g.name(x)
    if axes:
        name = g.add("Slice", [name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeezed:
        name = g.add("Squeeze", [name, g.ints(squeezed)])
    if unsqueezed:
        name = g.add("Unsqueeze", [name, g.ints(unsqueezed)])
    return name if name != source else g.add("Identity", [name])  # x[...] or x[:]: a new value all the same


def _describe(key: object) -> str:
    items = key if isinstance(key, tuple) else (key,)
    return ", ".join(type(item).__name__ if hasattr(item, "shape") else repr(item) for item in items)


CONVERTERS = {
    shape.ReshapeOp: reshape,
    shape.PermuteOp: permute,
    shape.ExpandOp: expand,
    shape.RepeatOp: repeat,
    shape.ConcatenateOp: concatenate,
    shape.StackOp: stack,
    shape.SplitOp: split,
    shape.CloneOp: clone,
    index.GetItemOp: get_item,
}
