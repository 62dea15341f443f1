"""roll, meshgrid and narrow (ops/rearrange.py): values against torch over many arguments, copies vs views, 0-d
and empty inputs, and the errors. Gradients, second derivatives and float parity are in the op table."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

X = np.arange(24).reshape(2, 3, 4)


@pytest.mark.parametrize(
    "shifts, dims",
    [(1, None), (-5, None), (25, None), (1, 0), (-1, 2), ((1, 2), (0, 1)), ((4, -7), (2, 1)), ((1, 1), (2, 2)),
     ([2], [1]), (0, 1), (3, -1)],
)
def test_roll_matches_torch(shifts: object, dims: object) -> None:
    torch = pytest.importorskip("torch")
    ours = gg.roll(gg.tensor(X), shifts, dims)
    theirs = torch.roll(torch.tensor(X), shifts, dims)
    assert ours.dtype == gg.int64
    assert ours.tolist() == theirs.tolist()


def test_roll_is_a_copy_even_when_it_moves_nothing() -> None:
    x = gg.arange(4.0)
    for rolled in (x.roll(0), x.roll(4, 0), x.roll(1)):
        rolled[0] = 100.0
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_roll_of_zero_d_and_empty_tensors() -> None:
    assert gg.roll(gg.tensor(3.0), 1).tolist() == 3.0
    assert gg.roll(gg.tensor(3.0), 2, 0).shape == ()
    assert gg.zeros(0, 3).roll(1, 0).shape == (0, 3)


def test_roll_errors() -> None:
    x = gg.zeros(2, 3)
    with pytest.raises(RuntimeError, match="roll: shifts and dimensions must align"):
        x.roll((1, 2))
    with pytest.raises(RuntimeError, match="2 shifts .* for 1 dims"):
        x.roll((1, 2), 0)
    with pytest.raises(IndexError, match="roll: dimension out of range"):
        x.roll(1, 2)
    with pytest.raises(TypeError, match="roll: shifts must be an int"):
        x.roll(1.5, 0)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch(indexing: str) -> None:
    torch = pytest.importorskip("torch")
    arrays = [np.array([1.0, 2.0]), np.array(7.0), np.array([3.0, 4.0, 5.0]), np.array([0.5, 0.25])]
    for count in (1, 2, 3, 4):
        ours = gg.meshgrid(*[gg.tensor(a) for a in arrays[:count]], indexing=indexing)
        theirs = torch.meshgrid(*[torch.tensor(a) for a in arrays[:count]], indexing=indexing)
        assert len(ours) == len(theirs) == count
        for a, b in zip(ours, theirs):
            assert a.shape == tuple(b.shape) and a.tolist() == b.tolist()


def test_meshgrid_takes_one_list_and_defaults_to_ij() -> None:
    x, y = gg.arange(2), gg.arange(3)
    from_list = gg.meshgrid([x, y])
    from_args = gg.meshgrid(x, y, indexing="ij")
    assert from_list[0].shape == (2, 3) and all(a.tolist() == b.tolist() for a, b in zip(from_list, from_args))
    assert gg.meshgrid((x, y), indexing="xy")[0].shape == (3, 2)


def test_meshgrid_errors() -> None:
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij"'):
        gg.meshgrid(gg.arange(2), indexing="ji")
    with pytest.raises(RuntimeError, match=r"expected 0-d or 1-d tensors, got shape \(2, 2\) at position 1"):
        gg.meshgrid(gg.arange(2), gg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        gg.meshgrid(gg.arange(2), gg.zeros(2))
    with pytest.raises(RuntimeError, match="non-empty"):
        gg.meshgrid([])


@pytest.mark.parametrize("dim, start, length", [(0, 0, 1), (1, -3, 2), (2, 4, 0), (-1, 1, 3), (1, -1, 1)])
def test_narrow_matches_torch(dim: int, start: int, length: int) -> None:
    torch = pytest.importorskip("torch")
    ours = gg.tensor(X).narrow(dim, start, length)
    theirs = torch.tensor(X).narrow(dim, start, length)
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    assert gg.narrow(gg.tensor(X), dim, start, length).tolist() == theirs.tolist()


def test_narrow_is_a_view_and_takes_a_tensor_start() -> None:
    x = gg.zeros(3, 4)
    part = x.narrow(1, gg.tensor(1), 2)
    part.fill_(5.0)  # writes through the view into x
    assert x.tolist() == [[0.0, 5.0, 5.0, 0.0]] * 3
    assert part._version == x._version


def test_narrow_errors_as_torch() -> None:
    x = gg.zeros(5)
    with pytest.raises(RuntimeError, match=r"start \(4\) \+ length \(2\) exceeds dimension size \(5\)"):
        x.narrow(0, 4, 2)
    with pytest.raises(IndexError, match=r"start out of range \(expected to be in range of \[-5, 5\], but got 6\)"):
        x.narrow(0, 6, 0)
    with pytest.raises(RuntimeError, match="length must be non-negative"):
        x.narrow(0, 1, -1)
    with pytest.raises(RuntimeError, match="0-dim"):
        gg.tensor(1.0).narrow(0, 0, 1)
