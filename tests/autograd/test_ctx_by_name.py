"""Settings by name: no backward (or reference) outside autograd/ reads forward's arguments as `ctx.inputs[k]`.

Forward stores what backward needs as named attributes (`ctx.axes = axes`), so adding an argument to an op cannot
silently shift what its backward reads. `ctx.inputs` stays the graph's record of the inputs, which the autograd
internals (autograd/node.py, engine.py, views.py) walk: those are allowed to read it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import glassgrad

SOURCE = Path(glassgrad.__file__).parent

# The graph machinery itself: it reads a node's inputs to route gradients, not to recover settings.
AUTOGRAD_INTERNALS = {"autograd/node.py", "autograd/engine.py", "autograd/views.py"}



def reads_of_inputs(source: str) -> list[int]:
    """Line numbers where `ctx.inputs` is read (indexed, sliced, unpacked or iterated), where ctx is a name
    called `ctx` or the first parameter of any `forward`, `backward` or `reference`."""
    tree = ast.parse(source)
    contexts = {"ctx"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ("forward", "backward",
                                                                                       "reference"):
            if node.args.args:
                contexts.add(node.args.args[0].arg)
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "inputs"
        and isinstance(node.value, ast.Name)
        and node.value.id in contexts
    )


def test_the_scan_finds_positional_reads() -> None:
    """The scan itself: a positional read, a slice and an unpacking are found; named attributes are not."""
    source = (
        "class Scale(Op):\n"
        "    def forward(ctx, x, factor):\n"
        "        ctx.factor = factor\n"
        "        return x * factor\n"
        "    def backward(node, grad):\n"
        "        return grad * node.inputs[1], None\n"
        "def helper(ctx):\n"
        "    _, factor = ctx.inputs\n"
        "    return ctx.inputs[1:], ctx.factor\n"
    )
    assert reads_of_inputs(source) == [6, 8, 9]


def test_no_backward_reads_forward_arguments_by_position() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative in AUTOGRAD_INTERNALS:
            continue
        found += [f"{relative}:{line}" for line in reads_of_inputs(path.read_text(encoding="utf-8"))]
    assert not found, (
        "backward reads forward's arguments by position (ctx.inputs[k]); store them on ctx by name in forward "
        f"(ctx.axes = axes) and read ctx.axes: {found}"
    )
