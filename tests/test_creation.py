"""creation.py and backend/random.py: tensor(), from_numpy, factories, dtypes, seeding, multinomial."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def same_as_torch(expression: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = eval(expression, {"m": gg, "np": np}), eval(expression, {"m": torch, "np": np})
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], expression
    assert tuple(ours.shape) == tuple(theirs.shape), expression
    np.testing.assert_allclose(np.asarray(ours.tolist(), dtype=float), np.asarray(theirs.tolist(), dtype=float),
                               rtol=1e-6, err_msg=expression)


@pytest.mark.parametrize(
    "expression",
    [
        "m.tensor([1.0])",  # Python floats: float32
        "m.tensor(3.5)",
        "m.tensor([1, 2])",  # Python ints: int64
        "m.tensor(3)",
        "m.tensor([True, False])",
        "m.tensor([1, 2.5])",
        "m.tensor([])",
        "m.tensor(np.array([1.0, 2.0]))",  # NumPy keeps its dtype: float64 stays float64
        "m.tensor(np.array([1, 2], dtype=np.int32))",
        "m.tensor(np.float32(2.5))",
        "m.tensor([[1, 2], [3, 4]], dtype=m.float64)",
        "m.as_tensor([1, 2])",
        "m.as_tensor(np.array([1.0, 2.0]))",
    ],
)
def test_tensor_dtype_rules_match_torch(expression: str) -> None:
    same_as_torch(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2])", "m.ones(2, dtype=m.int64)", "m.ones(2, 1, dtype=m.bool)",
        "m.full((2,), 1.5)", "m.full((2,), 3)", "m.full((2,), True)", "m.full([1, 2], 7, dtype=m.float64)",
        "m.arange(5)", "m.arange(1, 4)", "m.arange(0, 1, 0.25)", "m.arange(5.0)", "m.arange(0, 5, 2, dtype=m.float32)",
        "m.arange(5, 0, -2)", "m.linspace(0, 1, 5)", "m.linspace(-1, 1, steps=3, dtype=m.float64)", "m.eye(2)",
        "m.eye(2, 3)", "m.eye(2, dtype=m.int64)", "m.zeros_like(m.tensor([1, 2]))",
        "m.ones_like(m.tensor([1.0], dtype=m.float64))", "m.full_like(m.tensor([1, 2]), 7)",
        "m.zeros_like(m.tensor([1, 2]), dtype=m.float32)", "m.empty(2, 3).fill_(1.0)",
        "m.empty_like(m.ones(2)).zero_()",
    ],
)
def test_factories_match_torch(expression: str) -> None:
    same_as_torch(expression)


@pytest.mark.parametrize(
    ("expression", "dtype", "shape"),
    [
        ("gg.rand(2, 3)", gg.float32, (2, 3)),
        ("gg.randn((4,), dtype=gg.float64)", gg.float64, (4,)),
        ("gg.randint(0, 10, (3,))", gg.int64, (3,)),
        ("gg.randint(5, (2, 2))", gg.int64, (2, 2)),
        ("gg.randperm(4)", gg.int64, (4,)),
        ("gg.rand_like(gg.ones(2, dtype=gg.float64))", gg.float64, (2,)),
        ("gg.randn_like(gg.ones(2, 3))", gg.float32, (2, 3)),
    ],
)
def test_random_factories_dtypes_and_shapes(expression: str, dtype, shape: tuple) -> None:
    t = eval(expression)
    assert t.dtype == dtype and t.shape == shape


def test_random_values_are_in_range() -> None:
    gg.manual_seed(0)
    assert 0.0 <= gg.rand(1000).min().item() and gg.rand(1000).max().item() < 1.0
    draws = gg.randint(3, 7, (1000,))
    assert draws.min().item() == 3 and draws.max().item() == 6
    assert sorted(gg.randperm(6).tolist()) == list(range(6))
    normal = gg.randn(20000, dtype=gg.float64)
    assert abs(normal.mean().item()) < 0.05 and abs(normal.std().item() - 1) < 0.05


def test_manual_seed_makes_every_draw_repeat() -> None:
    def draws():
        return [gg.rand(3).tolist(), gg.randn(2, 2).tolist(), gg.randint(0, 100, (4,)).tolist(),
                gg.randperm(5).tolist(), gg.multinomial(gg.tensor([0.2, 0.3, 0.5]), 4, replacement=True).tolist(),
                gg.empty(3).uniform_(-1, 1).tolist(), gg.empty(3).normal_(0, 2).tolist()]

    gg.manual_seed(123)
    first = draws()
    gg.manual_seed(123)
    assert draws() == first
    gg.manual_seed(124)
    assert draws() != first


def test_generator_objects_are_independent_and_reproducible() -> None:
    g1 = gg.Generator().manual_seed(7)
    a = gg.randn(5, generator=g1).tolist()
    gg.manual_seed(0)  # the global seed does not touch a Generator
    g2 = gg.Generator()
    g2.manual_seed(7)
    assert gg.randn(5, generator=g2).tolist() == a
    assert g2.initial_seed() == 7
    state = g2.get_state()
    b = gg.rand(3, generator=g2).tolist()
    g2.set_state(state)
    assert gg.rand(3, generator=g2).tolist() == b


def test_rng_state_round_trip() -> None:
    state = gg.get_rng_state()
    first = gg.randn(3).tolist()
    gg.set_rng_state(state)
    assert gg.randn(3).tolist() == first


def test_from_numpy_shares_memory_and_keeps_dtype() -> None:
    array = np.array([1.0, 2.0])
    t = gg.from_numpy(array)
    assert t.dtype == gg.float64
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    t.add_(1)
    assert array.tolist() == [6.0, 3.0]
    assert gg.from_numpy(np.array([1, 2], dtype=np.int32)).dtype == gg.int32


def test_tensor_copies_its_data() -> None:
    array = np.array([1.0, 2.0])
    t = gg.tensor(array)
    array[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    source = gg.ones(2)
    copy = gg.tensor(source)
    source.add_(1)
    assert copy.tolist() == [1.0, 1.0]


def test_unsupported_dtypes_and_sizes_are_refused() -> None:
    with pytest.raises(TypeError, match="does not support arrays of dtype complex128"):
        gg.from_numpy(np.array([1j]))
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        gg.from_numpy([1.0])
    with pytest.raises(ValueError, match="sizes must be non-negative integers"):
        gg.zeros(2, -1)
    with pytest.raises(ValueError, match="randint: expected low < high"):
        gg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="is not a dtype glassgrad knows"):
        gg.zeros(2, dtype="complex64")


def test_requires_grad_in_factories() -> None:
    assert gg.zeros(2, requires_grad=True).requires_grad
    assert gg.tensor([1.0], requires_grad=True).is_leaf
    with pytest.raises(RuntimeError, match=r"only Tensors of floating point dtype can require gradients.*\.float\(\)"):
        gg.tensor([1, 2], requires_grad=True)


# ---- multinomial --------------------------------------------------------------------------------------------


def test_multinomial_with_replacement_frequencies_match_the_probabilities() -> None:
    gg.manual_seed(0)
    probabilities = np.array([0.1, 0.2, 0.3, 0.4])
    samples = gg.multinomial(gg.tensor(probabilities * 5), 20000, replacement=True)  # unnormalised weights
    assert samples.shape == (20000,) and samples.dtype == gg.int64
    frequencies = np.bincount(samples.numpy(), minlength=4) / 20000
    np.testing.assert_allclose(frequencies, probabilities, atol=0.015)


def test_multinomial_without_replacement_draws_distinct_categories() -> None:
    gg.manual_seed(1)
    weights = gg.tensor([[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 1.0, 1.0, 0.0]])
    samples = gg.multinomial(weights, 4)
    assert samples.shape == (2, 4)
    for row, weight in zip(samples.tolist(), weights.tolist()):
        assert len(set(row)) == 4
        assert all(weight[i] > 0 for i in row)  # zero-weight categories are never drawn
    # the first draw without replacement follows the probabilities too
    firsts = gg.multinomial(gg.tensor([1.0, 3.0]).expand(4000, 2), 1).numpy()[:, 0]
    assert abs(firsts.mean() - 0.75) < 0.03


def test_multinomial_is_reproducible_with_a_seed_or_generator() -> None:
    weights = gg.tensor([0.2, 0.5, 0.3])
    gg.manual_seed(5)
    a = gg.multinomial(weights, 10, replacement=True).tolist()
    gg.manual_seed(5)
    assert gg.multinomial(weights, 10, replacement=True).tolist() == a
    g = gg.Generator().manual_seed(3)
    b = gg.multinomial(weights, 3, generator=g).tolist()
    assert gg.multinomial(weights, 3, generator=gg.Generator().manual_seed(3)).tolist() == b


def test_multinomial_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement.*replacement=True"):
        gg.multinomial(gg.tensor([1.0, 1.0, 0.0]), 3)
    with pytest.raises(ValueError, match="finite and non-negative"):
        gg.multinomial(gg.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="positive sum"):
        gg.multinomial(gg.tensor([0.0, 0.0]), 1)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        gg.multinomial(gg.ones(2, 2, 2), 1)
