"""How `Module.register_full_backward_hook` is done: identity ops around a module call's inputs and outputs.

    inputs ──HookInputsOp──> forward(...) ──HookOutputsOp──> outputs

Backward reaches `HookOutputsOp` first: its backward records grad_output. The gradient then flows through
the module's own graph to `HookInputsOp`, whose backward receives every input gradient at once (the engine
runs a node only when all of its output gradients have arrived), calls the hooks with (grad_input,
grad_output), and passes on their replacement if they return one. Both ops are identities, so the module
computes exactly what it did.
"""

from __future__ import annotations

from typing import Any

from ..autograd import grad_checks
from ..autograd.node import Op
from ..tensor import Tensor


class BackwardHookState:
    """The bookkeeping of one module call with full backward hooks."""

    def __init__(self, module: Any, n_args: int) -> None:
        self.module = module
        self.n_args = n_args
        self.input_positions: list[int] = []  # positional args routed through HookInputsOp
        self.grad_output: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        self.input_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not self.input_positions:
            return args
        wrapped = HookInputsOp.apply(self, *(args[i] for i in self.input_positions))
        args = list(args)
        for position, tensor in zip(self.input_positions, wrapped):
            args[position] = tensor
        return tuple(args)

    def wrap_outputs(self, output: Any) -> Any:
        single = isinstance(output, Tensor)
        outputs = (output,) if single else output
        if not isinstance(outputs, (tuple, list)) or not all(isinstance(o, Tensor) for o in outputs):
            raise TypeError(
                f"{self.module._get_name()}: full backward hooks need the output to be a Tensor or a "
                f"tuple/list of Tensors, got {type(output).__name__}; use Tensor.register_hook on the output"
            )
        if not any(o.requires_grad for o in outputs):
            return output
        wrapped = HookOutputsOp.apply(self, *outputs)
        return wrapped[0] if single else type(outputs)(wrapped)

    def call_hooks(self, grad_input: tuple) -> tuple | None:
        """Run the module's hooks in order; each sees the previous one's replacement of grad_input."""
        grad_output = tuple(_as_tensor(g) for g in self.grad_output or ())
        replaced = None
        for (hook,) in tuple(self.module._backward_hooks):
            result = hook(self.module, grad_input if replaced is None else replaced, grad_output)
            if result is not None:
                replaced = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(replaced) != len(grad_input):
                    raise ValueError(
                        f"{self.module._get_name()}: a backward hook returned {len(replaced)} gradients, "
                        f"expected {len(grad_input)} (one per positional input)"
                    )
                self._check_replacement(hook, replaced, grad_input)
        return replaced

    def _check_replacement(self, hook: Any, replaced: tuple, grad_input: tuple) -> None:
        """Each replaced gradient of an input that has one must fit it (shape, dtype, device)."""
        for position, (new, old) in enumerate(zip(replaced, grad_input)):
            if new is None or old is None:
                continue
            try:
                grad_checks.checked_hook_result(hook, new, old.array)
            except (TypeError, RuntimeError) as error:
                raise type(error)(f"{self.module._get_name()}: grad_input[{position}]: {error}") from None


class HookOutputsOp(Op):
    """y = x (identity on the module's outputs).   dy/dx = 1; backward records grad_output for the hooks"""

    # Its backward runs on Tensors as well, so create_graph=True runs it as it is (no reference): the hooks
    # fire in a double backward too and see gradients that carry a graph, as in PyTorch.
    tensor_backward = True

    @staticmethod
    def forward(ctx, state, *outputs):
        ctx.state = state
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        state.grad_output = grads
        if not state.input_positions:  # no input requires grad: the hooks run now, with all-None grad_input
            state.call_hooks((None,) * state.n_args)
        return (None, *grads)


class HookInputsOp(Op):
    """y = x (identity on the module's inputs).   dy/dx = 1; backward calls the hooks, which may replace dx"""

    tensor_backward = True  # as HookOutputsOp: a hook's replacement stays on the graph under create_graph=True

    @staticmethod
    def forward(ctx, state, *inputs):
        ctx.state = state
        return tuple(inputs)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grad_input: list[Any] = [None] * state.n_args
        for position, grad in zip(state.input_positions, grads):
            grad_input[position] = _as_tensor(grad)
        replaced = state.call_hooks(tuple(grad_input))
        if replaced is not None:
            on_graph = isinstance(grads[0], Tensor)  # create_graph=True: the gradients are tensors
            grads = tuple(replaced[p] if on_graph else _raw(replaced[p]) for p in state.input_positions)
        return (None, *grads)


def _raw(grad: Any) -> Any:
    return grad.array if isinstance(grad, Tensor) else grad


def _as_tensor(grad: Any) -> Any:
    """A gradient as hooks see it: a Tensor (already one under create_graph=True), or None."""
    return grad if grad is None or isinstance(grad, Tensor) else Tensor(grad)
