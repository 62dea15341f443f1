"""Higher-order products of a scalar function, as torch.autograd.functional: hvp and vhp.

For f: inputs → a one-element tensor with gradient g(x) = ∇f(x) and Hessian H(x) = ∇²f(x),
    vhp(f, x, v) = vᵀH   is the backward of g, in the direction v:  autograd.grad(g, x, v)
    hvp(f, x, v) = H v   equals vᵀH because H is symmetric (f is twice differentiable),
so both cost two backward passes (the first with create_graph=True) and never form H.
"""

from __future__ import annotations

from typing import Any, Callable

from ..backend import namespace_of
from .grad_mode import enable_grad
from .tensor_factory import is_tensor, make_tensor


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(*inputs), vᵀ H) for a function returning one element; H is its Hessian at `inputs`.

    `inputs` is a tensor or a tuple of tensors, `v` the same structure (it may be omitted for a single
    one-element input). The results are detached unless `create_graph=True`. With `strict=True` an input that
    the output (or its gradient) does not depend on raises an error; otherwise its product is zeros.
    """
    return _second_order("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(*inputs), H v) for a function returning one element: the Hessian-vector product, as
    torch.autograd.functional.hvp (same arguments and results as `vhp`; H v = vᵀ H for a symmetric H)."""
    return _second_order("hvp", func, inputs, v, create_graph, strict)


def _second_order(name: str, func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool) -> tuple:
    from . import grad  # autograd/__init__ defines grad once this module is loaded

    single = is_tensor(inputs)
    inputs = _tensors(name, "inputs", (inputs,) if single else tuple(inputs))
    vectors = _vectors(name, inputs, v, single)
    # Fresh leaves, as torch does: the products are taken at these values, apart from any graph of the inputs.
    leaves = tuple(t.detach().requires_grad_(True) for t in inputs)
    with enable_grad():
        output = func(*leaves)
        if not is_tensor(output) or output.numel() != 1:
            shape = output.shape if is_tensor(output) else type(output).__name__
            raise RuntimeError(
                f"{name}: the function must return a tensor with a single element, got {shape}; "
                "reduce its output (e.g. .sum()) first"
            )
        if not output.requires_grad:
            _unused(name, strict, "the output does not depend on any input")
            return _result(output.detach(), tuple(_zeros_like(t) for t in leaves), single)
        gradients = grad(output, leaves, create_graph=True, allow_unused=True)
        used = [(g, w) for g, w in zip(gradients, vectors) if g is not None and g.requires_grad]
        if len(used) != len(leaves):
            _unused(name, strict, "the output is linear in (or independent of) some input")
        products = grad([g for g, _ in used], leaves, [w for _, w in used], create_graph=create_graph,
                        allow_unused=True) if used else (None,) * len(leaves)
    products = tuple(_zeros_like(t) if p is None else p for p, t in zip(products, leaves))
    if not create_graph:
        output = output.detach()
        products = tuple(p.detach() for p in products)
    return _result(output, products, single)


def _tensors(name: str, what: str, values: tuple) -> tuple:
    for value in values:
        if not is_tensor(value):
            raise TypeError(f"{name}: {what} must be a tensor or a tuple of tensors, got {type(value).__name__}")
    return values


def _vectors(name: str, inputs: tuple, v: Any, single: bool) -> tuple:
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(f"{name}: v can be omitted only for a single input with one element; pass v")
        array = inputs[0].array
        return (make_tensor(namespace_of(array).ones_like(array)),)
    vectors = _tensors(name, "v", (v,) if is_tensor(v) else tuple(v))
    for vector, tensor in zip(vectors, inputs):
        if vector.shape != tensor.shape:
            raise RuntimeError(
                f"{name}: v has shape {tuple(vector.shape)} where the input has shape {tuple(tensor.shape)}; "
                "give v one tensor per input, of the same shape"
            )
    if len(vectors) != len(inputs):
        raise RuntimeError(f"{name}: got {len(vectors)} tensors in v for {len(inputs)} inputs")
    return vectors


def _zeros_like(tensor: Any) -> Any:
    array = tensor.array
    return make_tensor(namespace_of(array).zeros_like(array))


def _unused(name: str, strict: bool, why: str) -> None:
    if strict:
        raise RuntimeError(f"{name}: {why}, so its product is zero; this is an error with strict=True")


def _result(output: Any, products: tuple, single: bool) -> tuple:
    return output, (products[0] if single else products)
