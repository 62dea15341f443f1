"""Mismatches of the view and in-place family the fuzzer found (run with --inplace), shrunk to plain tests.

Each test writes the same program in glassgrad and PyTorch with explicit inputs and compares what the program
observes: values, gradients, which tensor is which object, and which framework raises.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

from .test_regressions import assert_matches_torch

torch = pytest.importorskip("torch")


def _raises(fn: Callable[[Any], Any], lib: Any) -> bool:
    try:
        fn(lib)
    except (RuntimeError, ValueError, IndexError, TypeError):
        return True
    return False


def assert_same_refusal(fn: Callable[[Any], Any]) -> None:
    """fn(lib) raises in glassgrad exactly when it raises in PyTorch."""
    assert _raises(fn, gg) == _raises(fn, torch), f"torch raises: {_raises(fn, torch)}"


# ---- no-op views are new view tensors, as in PyTorch (ops/shape.py) --------------------------------------

IDENTITY_CASES = {  # name -> (input shape, op): PyTorch returns a new tensor unless noted
    "t_of_1d": ((3,), lambda x: x.t()),
    "t_of_0d": ((), lambda x: x.t()),
    "split_of_an_empty_dim": ((0, 2), lambda x: x.split(2)[0]),
    "chunk_into_one": ((3,), lambda x: x.chunk(1)[0]),
    "flatten_of_one_dim": ((3,), lambda x: x.flatten(0, 0)),  # PyTorch returns x itself here
    "flatten_start_equals_end": ((2, 3), lambda x: x.flatten(1, 1)),  # x itself too
}


@pytest.mark.parametrize("name", sorted(IDENTITY_CASES))
def test_view_is_its_input_exactly_when_pytorch_s_is(name: str) -> None:
    shape, op = IDENTITY_CASES[name]
    same = []
    for lib in (gg, torch):
        x = lib.zeros(shape)
        same.append(op(x) is x)
    assert same[0] == same[1]


def test_split_and_chunk_of_an_empty_dim_give_pytorch_s_pieces() -> None:
    for split in (lambda x: x.split(2), lambda x: x.chunk(3), lambda x: x.chunk(1)):
        ours = [tuple(p.shape) for p in split(gg.zeros(0, 2))]
        theirs = [tuple(p.shape) for p in split(torch.zeros(0, 2))]
        assert ours == theirs


def test_transpose_of_a_zero_dim_tensor_checks_its_dims() -> None:
    assert_same_refusal(lambda m: m.zeros(()).transpose(0, 1))
    assert_same_refusal(lambda m: m.zeros(()).transpose(-1, 0))


def test_in_place_write_into_a_one_piece_split_is_refused() -> None:
    # split into one piece is still a multi-output view in PyTorch: writing into it is refused
    assert_same_refusal(lambda m: (m.ones(3, requires_grad=True) * 1.0).split(3)[0].mul_(2.0))
