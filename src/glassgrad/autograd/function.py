"""Custom differentiable functions at the tensor level, as `torch.autograd.Function`.

```python
class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y
    @staticmethod
    def backward(ctx, grad_y):
        (y,) = ctx.saved_tensors
        return grad_y * y          # d/dx exp(x) = exp(x)
```

`forward` receives tensors and runs with grad mode off; `backward` receives and returns tensors, also with grad
mode off — unless the backward runs with `create_graph=True`: then, as in PyTorch, its ops are recorded and
`ctx.saved_tensors` are the tensors on the graph (a saved input is the input itself, a saved output is
connected to this node), so the gradient it returns can be differentiated again. Internally this is an `Op`
whose two adapters unwrap and wrap arrays.
"""

from __future__ import annotations

from typing import Any

from .grad_mode import no_grad
from .node import Node, Op
from .tensor_factory import is_tensor, make_tensor


class Function(Op):
    """Base class of user-defined differentiable functions working on tensors (see module docstring)."""

    on_tensors = True  # forward and backward see Tensors: Op.apply and the engine call the adapters below

    @classmethod
    def _run_forward(cls, ctx: Node, args: tuple, arrays: list, kwargs: dict) -> Any:
        detached = [value.detach() if is_tensor(value) else value for value in args]
        with no_grad():
            result = cls.forward(ctx, *detached, **kwargs)
        if isinstance(result, tuple):
            return tuple(_to_array(value, cls) for value in result)
        return _to_array(result, cls)

    @classmethod
    def _run_backward(cls, ctx: Node, grads: tuple) -> Any:
        with no_grad():
            result = cls.backward(ctx, *(make_tensor(g) for g in grads))
        if isinstance(result, tuple):
            return tuple(None if g is None else _to_array(g, cls) for g in result)
        return None if result is None else _to_array(result, cls)


def _to_array(value: Any, function: type) -> Any:
    if is_tensor(value):
        return value.array
    raise TypeError(
        f"{function.__name__}: forward and backward of an autograd.Function must return tensors, "
        f"got {type(value).__name__}"
    )
