"""ops/matmul.py: matmul's 1-D rules when only one side needs a gradient, einsum spellings, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

SHAPES = [((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4,)), ((3,), (2, 3, 4)), ((2, 1, 1, 3), (4, 3, 2))]


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPES)
def test_matmul_gradient_when_only_one_operand_requires_it(shape_a, shape_b, which: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape_a), rng.standard_normal(shape_b)]
    grads = []
    for lib in (gg, torch):
        tensors = [lib.tensor(a, requires_grad=(i == which)) for i, a in enumerate(arrays)]
        (tensors[0] @ tensors[1]).sum().backward()
        grads.append(tensors[which].grad.numpy())
        assert tensors[1 - which].grad is None
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ij,jk", [(2, 3), (3, 4)]),  # implicit output: letters used once, in alphabetical order
        ("ba", [(2, 3)]),  # implicit output sorts, so this is a transpose
        ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
        ("...ij,jk", [(5, 2, 3), (3, 4)]),
        ("b...d,d->b...", [(2, 3, 4, 5), (5,)]),
        ("i,j->ij", [(3,), (2,)]),
        ("ij->", [(3, 3)]),
        ("bij , bjk -> bik", [(2, 2, 3), (2, 3, 2)]),  # spaces are ignored
    ],
)
def test_einsum_matches_torch(equation: str, shapes: list) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for lib in (gg, torch):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.einsum(equation, *tensors)
        (out * out).sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_einsum_with_a_repeated_letter_in_one_operand_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="repeated subscripts within one operand"):
        gg.einsum("ii->i", gg.eye(3))


def test_einsum_operand_count_and_rank_errors() -> None:
    with pytest.raises(ValueError, match="names 2 operands, got 1"):
        gg.einsum("ij,jk->ik", gg.ones(2, 2))
    with pytest.raises(ValueError, match="subscript 'ijk' has 3 letters for an operand of shape \\(2, 2\\)"):
        gg.einsum("ijk->i", gg.ones(2, 2))


def test_matmul_refuses_mixed_dtypes_as_pytorch() -> None:
    # PyTorch refuses too ("expected m1 and m2 to have the same dtype"); tests/test_errors.py pins the message.
    with pytest.raises(TypeError, match="matmul: expected both operands to have the same dtype"):
        gg.ones(2, 2) @ gg.ones(2, 2, dtype=gg.float64)


@pytest.mark.parametrize("equation", ["ij->ji", "ij->ij", "...ij->...ji"])
def test_einsum_that_only_reorders_axes_is_a_view_writes_reach(equation):
    # NumPy's einsum and PyTorch's return a view here: a write through it must reach the operand and its graph.
    torch = pytest.importorskip("torch")
    results = []
    for lib in (gg, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
        h = x * 1
        lib.einsum(equation, h)[0].mul_(3)
        (h * h).sum().backward()
        results.append((h.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
