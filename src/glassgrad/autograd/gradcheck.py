"""Finite-difference checks of analytic gradients, in float64.

For a function f with output y and a fixed random projection v, backward gives the vector-Jacobian product
vᵀJ in one pass; central differences give the same quantity one input element at a time:
    (vᵀ f(x + ε·e_i) − vᵀ f(x − ε·e_i)) / 2ε  ≈  (vᵀJ)_i .

gradgradcheck checks second derivatives the same way: it runs gradcheck on the function
    (x, u) ↦ uᵀ ∂f/∂x   (autograd.grad with create_graph=True, u random grad_outputs),
whose backward is the double backward of f, against finite differences of the first backward.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..backend import namespace_of
from .engine import run_backward
from .grad_mode import enable_grad, no_grad
from .tensor_factory import is_tensor, make_tensor


class GradcheckError(RuntimeError):
    """The analytic and numerical gradients disagree."""


def gradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Compare the gradients of `fn(*inputs)` from backward with central finite differences.

    Inputs that require grad must be float64 (float32 differences are too coarse for these tolerances).
    Returns True when they agree; otherwise raises GradcheckError naming the input and the worst element
    (or returns False when `raise_exception=False`).
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [t for t in inputs if is_tensor(t) and t.requires_grad]
    for t in checked:
        if t.dtype.np != np.float64:
            raise ValueError(
                f"gradcheck: inputs that require grad must be float64 for finite differences, got {t.dtype} "
                f"of shape {t.shape}; pass x.double()"
            )
    outputs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed)
    projections = [rng.standard_normal(out.shape) for out in outputs]

    roots = [(out, _like(out, v)) for out, v in zip(outputs, projections) if out.requires_grad]
    analytic = run_backward(roots, capture=checked) if roots else [None] * len(checked)

    def projected() -> float:
        with no_grad():
            values = _as_tuple(fn(*inputs))
        return float(sum(np.sum(_to_numpy(out.array) * v) for out, v in zip(values, projections)))

    for index, tensor in enumerate(checked):
        # Perturb the input's own memory element by element (a reshape(-1) of a non-contiguous input would be
        # a copy that fn never sees); row-major order, as the analytic gradient is flattened below.
        array = tensor.array
        numerical = np.zeros(array.size)
        for i, position in enumerate(np.ndindex(array.shape)):
            original = array[position].item()
            array[position] = original + eps
            plus = projected()
            array[position] = original - eps
            minus = projected()
            array[position] = original
            numerical[i] = (plus - minus) / (2 * eps)
        got = analytic[index]
        got = np.zeros(array.size) if got is None else _to_numpy(got).reshape(-1)
        if not np.allclose(got, numerical, atol=atol, rtol=rtol):
            worst = int(np.argmax(np.abs(got - numerical) - rtol * np.abs(numerical)))
            message = (
                f"gradcheck: gradient of input {index} (shape {tensor.shape}) disagrees with finite differences: "
                f"at flat index {worst} analytic {got[worst]:.6g} vs numerical {numerical[worst]:.6g} "
                f"(atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    func: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check the second derivatives of `func(*inputs)` (its double backward) with finite differences of its
    first derivatives, as torch.autograd.gradgradcheck.

    `grad_outputs` (one per output) are the vectors u of the first backward; by default they are random, and
    require grad, so the derivative of uᵀ ∂f/∂x with respect to u is checked too. Inputs that require grad and
    the grad_outputs must be float64.
    """
    from . import grad  # autograd/__init__ defines grad with this module already loaded

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    differentiable = [t for t in inputs if is_tensor(t) and t.requires_grad]
    outputs = [out for out in _as_tuple(func(*inputs)) if out.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)  # not gradcheck's projections, which are drawn from `seed`
        grad_outputs = [
            make_tensor(_like(out, rng.standard_normal(out.shape)), requires_grad=True) for out in outputs
        ]
    else:
        grad_outputs = list(_as_tuple(grad_outputs))
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"gradgradcheck: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs that require grad"
        )
    count = len(inputs)

    def first_derivatives(*values: Any) -> tuple:
        # gradcheck evaluates its function under no_grad for the finite differences: this one needs the graph.
        with enable_grad():
            given = values[:count]
            wanted = [t for t in given if is_tensor(t) and t.requires_grad]
            results = [out for out in _as_tuple(func(*given)) if out.requires_grad]
            grads = grad(results, wanted, values[count:], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not differentiable or not outputs:
        return True
    return gradcheck(first_derivatives, (*inputs, *grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed)


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _like(tensor: Any, values: np.ndarray) -> Any:
    return namespace_of(tensor.array).asarray(values.astype(tensor.array.dtype))


def _to_numpy(array: Any) -> np.ndarray:
    """A NumPy or CuPy array as a float64 NumPy array (out.numpy() refuses cuda tensors)."""
    return np.asarray(array.get() if hasattr(array, "get") else array, dtype=np.float64)
