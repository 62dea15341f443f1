"""Tests and logic, as in torch: isnan, isinf, isfinite, isclose, logical_and/or/xor/not, bitwise_and/or/xor/not.

Every result is a constant (bool, or the integer dtype for bitwise ops): none is part of the graph.
"""

from __future__ import annotations

from typing import Any

from ..autograd.tensor_factory import is_tensor, make_tensor
from ..backend import namespace_of
from .arithmetic import check_broadcast, comparison
from .unary import tensor_input


def _test(name: str, x: Any) -> Any:
    tensor_input(name, x)
    xp = namespace_of(x.array)
    if x.array.dtype.kind != "f":  # integers and bools are always finite
        return make_tensor(xp.full(x.array.shape, name == "isfinite"))
    return make_tensor(getattr(xp, name)(x.array))


def isnan(input: Any) -> Any:
    """True where the element is NaN; a bool tensor."""
    return _test("isnan", input)


def isinf(input: Any) -> Any:
    """True where the element is +inf or −inf; a bool tensor."""
    return _test("isinf", input)


def isfinite(input: Any) -> Any:
    """True where the element is neither ±inf nor NaN; a bool tensor."""
    return _test("isfinite", input)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """|input − other| ≤ atol + rtol · |other| elementwise (equal infinities are close; NaN only with equal_nan)."""
    tensor_input("isclose", input)
    tensor_input("isclose", other)
    if input.array.dtype != other.array.dtype:
        raise TypeError(
            f"isclose: input ({input.array.dtype}) and other ({other.array.dtype}) must have the same dtype"
        )
    check_broadcast("isclose", input.array.shape, other.array.shape)
    xp = namespace_of(input.array)
    return make_tensor(xp.isclose(input.array, other.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _logical(name: str, a: Any, b: Any) -> Any:
    tensor_input(name, a)
    b_array = b.array if is_tensor(b) else b
    if is_tensor(b):
        check_broadcast(name, a.array.shape, b.array.shape)
    return make_tensor(getattr(namespace_of(a.array), name)(a.array, b_array))


def logical_and(input: Any, other: Any) -> Any:
    """Elementwise (a ≠ 0) and (b ≠ 0), as a bool tensor."""
    return _logical("logical_and", input, other)


def logical_or(input: Any, other: Any) -> Any:
    """Elementwise (a ≠ 0) or (b ≠ 0), as a bool tensor."""
    return _logical("logical_or", input, other)


def logical_xor(input: Any, other: Any) -> Any:
    """Elementwise (a ≠ 0) xor (b ≠ 0), as a bool tensor."""
    return _logical("logical_xor", input, other)


def logical_not(input: Any) -> Any:
    """Elementwise a == 0, as a bool tensor."""
    tensor_input("logical_not", input)
    return make_tensor(namespace_of(input.array).logical_not(input.array))


def bitwise_and(input: Any, other: Any) -> Any:
    """Elementwise a & b of integer or bool tensors."""
    return comparison("bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Any:
    """Elementwise a | b of integer or bool tensors."""
    return comparison("bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Any:
    """Elementwise a ^ b of integer or bool tensors."""
    return comparison("bitwise_xor", input, other)


def bitwise_not(input: Any) -> Any:
    """Elementwise ~a of an integer or bool tensor."""
    tensor_input("bitwise_not", input)
    if input.array.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only defined for bool and integer tensors, got {input.array.dtype}")
    return make_tensor(~input.array)

