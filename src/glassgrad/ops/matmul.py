"""Matrix products: matmul (with PyTorch's 1-D and batch-broadcast rules) and einsum."""

from __future__ import annotations

import string
from typing import Any

from ..autograd.node import Op
from ..autograd.tensor_factory import is_tensor
from ..backend import namespace_of
from .shape import permute


class MatMulOp(Op):
    """Z = X @ Y (batched, broadcasting leading dims).   dZ/dX · G = G @ Yᵀ,  dZ/dY · G = Xᵀ @ G"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y if ctx.needs_input_grad[0] else None)
        ctx.x_is_vector, ctx.y_is_vector = x.ndim == 1, y.ndim == 1
        return x @ y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        xp = namespace_of(grad)
        # A 1-D operand acts as a row (x) or a column (y) vector whose extra dim is dropped from the result:
        # put the dim back into the gradient (and the vector), multiply, then drop it from the input's grad.
        x_is_vector, y_is_vector = ctx.x_is_vector, ctx.y_is_vector
        if y_is_vector:
            y = None if y is None else y[:, None]
            grad = grad[..., None]
        if x_is_vector:
            x = None if x is None else x[None, :]
            grad = grad[..., None, :]
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad @ xp.swapaxes(y, -1, -2)
            grad_x = grad_x[..., 0, :] if x_is_vector else grad_x  # (..., 1, n) -> (..., n)
        if ctx.needs_input_grad[1]:
            grad_y = xp.swapaxes(x, -1, -2) @ grad
            grad_y = grad_y[..., 0] if y_is_vector else grad_y  # (..., n, 1) -> (..., n)
        # The engine sums the broadcast batch dims away.
        return grad_x, grad_y


class EinsumOp(Op):
    """Z = einsum(equation, X₁, X₂, ...).   dZ/dXᵢ · G = einsum of G with the other operands into Xᵢ's subscripts"""

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return namespace_of(operands[0]).einsum(equation, *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subscripts = inputs.split(",")
        xp = namespace_of(grad)
        grads: list[Any] = [None]
        for i, operand in enumerate(operands):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subscripts) if j != i]
            available = set(output).union(*others)
            # Letters summed within operand i alone reach its gradient by broadcasting.
            target = "".join(c for c in subscripts[i] if c in available)
            parts = ",".join([output, *others])
            partial = xp.einsum(f"{parts}->{target}", grad, *(operands[j] for j in range(len(operands)) if j != i))
            shape = [operand.shape[k] if c in available else 1 for k, c in enumerate(subscripts[i])]
            grads.append(xp.broadcast_to(partial.reshape(shape), operand.shape))
        return tuple(grads)


def matmul(a: Any, b: Any) -> Any:
    for operand in (a, b):
        if not is_tensor(operand):
            raise TypeError(f"matmul: expected tensors, got {type(operand).__name__}")
        if operand.array.dtype.kind == "b":
            raise TypeError("matmul: not defined for bool tensors; convert with .float() first")
    _check_matmul_shapes(a.array.shape, b.array.shape)
    dtype_a, dtype_b = a.array.dtype, b.array.dtype
    if dtype_a != dtype_b:
        # PyTorch refuses rather than promotes here ("expected m1 and m2 to have the same dtype"): a silent
        # float64 copy of a float32 weight would double the cost of every step.
        raise TypeError(
            f"matmul: expected both operands to have the same dtype, got {dtype_a} (shape {a.array.shape}) and "
            f"{dtype_b} (shape {b.array.shape}); convert one, e.g. b.to(a.dtype)"
        )
    return MatMulOp.apply(a, b)


def _check_matmul_shapes(shape_a: tuple, shape_b: tuple) -> None:
    """PyTorch's rules: the inner dims must agree and the batch dims (all but the last two) must broadcast."""
    if not shape_a or not shape_b:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes {shape_a} and {shape_b}")
    inner_a = shape_a[-1]
    inner_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {shape_a} and {shape_b} cannot be multiplied ({inner_a} != {inner_b}): the last dim "
            "of the first must equal the second-to-last dim of the second"
        )
    batch_a, batch_b = shape_a[:-2], shape_b[:-2]  # empty for a 1-D operand
    for size_a, size_b in zip(reversed(batch_a), reversed(batch_b)):
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise ValueError(
                f"matmul: batch dims {batch_a} and {batch_b} of shapes {shape_a} and {shape_b} cannot be broadcast "
                f"together: sizes {size_a} and {size_b} differ and neither is 1. Make them equal, or 1 to share "
                "one matrix across the batch"
            )


def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation over tensors, e.g. einsum('bij,bjk->bik', x, y); '...' is supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for position, operand in enumerate(operands):
        if not is_tensor(operand):
            raise TypeError(f"einsum: expected tensors, got {type(operand).__name__} at position {position}")
    equation = _explicit(equation.replace(" ", ""), operands)
    inputs = equation.split("->")[0].split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: equation {equation!r} names {len(inputs)} operands, got {len(operands)}")
    for subscript, operand in zip(inputs, operands):
        if len(subscript) != operand.array.ndim:
            raise ValueError(
                f"einsum: subscript {subscript!r} has {len(subscript)} letters for an operand of shape {operand.shape}"
            )
        if len(set(subscript)) != len(subscript):
            raise ValueError(f"einsum: repeated subscripts within one operand ({subscript!r}) are not supported")
    _check_subscript_sizes(equation, inputs, operands)
    dtypes = [str(o.array.dtype) for o in operands]
    if len(set(dtypes)) > 1:  # PyTorch refuses too, as for matmul
        raise TypeError(
            f"einsum: expected all operands to have the same dtype, got {', '.join(dtypes)}; convert them, "
            "e.g. b.to(a.dtype)"
        )
    output = equation.split("->")[1]
    if len(operands) == 1 and sorted(output) == sorted(inputs[0]):
        # Only a reordering of the axes ('ij->ji'): NumPy and PyTorch both return a view of the operand, so it is
        # made as one (a permute), and an in-place write through it reaches the operand and its graph.
        return permute(operands[0], tuple(inputs[0].index(letter) for letter in output))
    return EinsumOp.apply(equation, *operands)


def _check_subscript_sizes(equation: str, subscripts: list[str], operands: tuple) -> None:
    """One letter, one size (a size of 1 broadcasts): otherwise NumPy's "remapped shapes" message leaks out."""
    seen: dict[str, tuple[int, int]] = {}
    for position, (subscript, operand) in enumerate(zip(subscripts, operands)):
        for letter, size in zip(subscript, operand.array.shape):
            first = seen.setdefault(letter, (size, position))
            if size != first[0] and 1 not in (size, first[0]):
                raise ValueError(
                    f"einsum: subscript {letter!r} has size {size} in operand {position} (shape {operand.shape}) "
                    f"but size {first[0]} in operand {first[1]} (shape {operands[first[1]].shape}); equation "
                    f"{equation!r}"
                )
            if first[0] == 1:
                seen[letter] = (size, position)


def _explicit(equation: str, operands: tuple) -> str:
    """Spell out '...' with unused letters and add the implicit output ('ij,jk' -> 'ij,jk->ik')."""
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    ellipsis_letters = ""
    if "..." in inputs:
        spare = [c for c in string.ascii_letters if c not in set(equation)]
        counts = [o.array.ndim - (len(t) - 3) if "..." in t else 0 for t, o in zip(terms, operands)]
        widest = max(counts)
        ellipsis_letters = "".join(spare[:widest])
        # Broadcast dims align from the right, so each operand takes the last `count` of those letters.
        terms = [t.replace("...", ellipsis_letters[widest - count :]) for t, count in zip(terms, counts)]
    if arrow:
        output = output.replace("...", ellipsis_letters)
    else:  # implicit output: the letters used once, in alphabetical order, after the broadcast dims
        letters = "".join(terms)
        once = sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis_letters)
        output = ellipsis_letters + "".join(once)
    return ",".join(terms) + "->" + output
