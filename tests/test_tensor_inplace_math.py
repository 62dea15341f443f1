"""The in-place math family (exp_, pow_, addcmul_, lerp_, ...), random fills, and the memory facts (stride,
storage_offset, data_ptr, pin_memory) against PyTorch: values, gradients through the write, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available

torch = pytest.importorskip("torch")

UNARY = ["exp_", "log_", "log1p_", "sqrt_", "rsqrt_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "abs_",
         "neg_", "square_"]
CALLS = {
    "pow_": lambda t, lib: t.pow_(3),
    "addcmul_": lambda t, lib: t.addcmul_(lib.tensor([1.0, -2.0, 0.5], dtype=t.dtype),
                                          lib.tensor([0.5, 3.0, 2.0], dtype=t.dtype), value=0.25),
    "addcdiv_": lambda t, lib: t.addcdiv_(lib.tensor([1.0, -2.0, 0.5], dtype=t.dtype),
                                          lib.tensor([0.5, 3.0, 2.0], dtype=t.dtype), value=-1.5),
    "lerp_": lambda t, lib: t.lerp_(lib.tensor([2.0, -1.0, 0.0], dtype=t.dtype), 0.3),
    **{name: (lambda t, lib, name=name: getattr(t, name)()) for name in UNARY},
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_in_place_math_matches_torch_with_gradient(name):
    start = np.array([0.7, 1.3, 2.1])  # positive: inside every op's domain
    results = {}
    for label, lib in (("gg", gg), ("torch", torch)):
        leaf = lib.tensor(start, dtype=lib.float64, requires_grad=True)
        work = leaf * 1.0  # a non-leaf: PyTorch refuses in-place writes into a leaf that requires grad
        out = CALLS[name](work, lib)
        assert out is work
        (work * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        results[label] = (work.detach().numpy().copy(), leaf.grad.numpy().copy())
    np.testing.assert_allclose(results["gg"][0], results["torch"][0], rtol=1e-12)
    np.testing.assert_allclose(results["gg"][1], results["torch"][1], rtol=1e-12)


def test_in_place_into_a_leaf_that_requires_grad_is_refused():
    leaf = gg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.exp_()
    with pytest.raises(RuntimeError):
        torch.ones(2, requires_grad=True).exp_()


def test_where_method():
    x, y = np.array([1.0, -2.0, 3.0]), np.array([9.0, 8.0, 7.0])
    ours = gg.tensor(x).where(gg.tensor(x) > 0, gg.tensor(y))
    theirs = torch.tensor(x).where(torch.tensor(x) > 0, torch.tensor(y))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_random_fills_are_seeded_and_in_range():
    gg.manual_seed(3)
    first = gg.zeros(2000).bernoulli_(0.25)
    gg.manual_seed(3)
    np.testing.assert_array_equal(gg.zeros(2000).bernoulli_(0.25).numpy(), first.numpy())
    # 2000 draws of Bernoulli(0.25): standard error sqrt(0.25·0.75/2000) ≈ 0.0097; 5 standard errors
    assert abs(first.mean().item() - 0.25) < 5 * 0.0097
    assert set(np.unique(first.numpy())) <= {0.0, 1.0}
    ints = gg.zeros(1000, dtype=gg.int64).random_(3, 7)
    assert ints.dtype == gg.int64 and set(np.unique(ints.numpy())) == {3, 4, 5, 6}
    assert set(np.unique(gg.zeros(500, dtype=gg.int64).random_(4).numpy())) == {0, 1, 2, 3}
    e = gg.zeros(20000).exponential_(2.0)
    # Exp(λ=2): mean 0.5, standard deviation 0.5, so the mean of 20000 has standard error 0.0035
    assert (e.numpy() >= 0).all() and abs(e.mean().item() - 0.5) < 5 * 0.0035


@pytest.mark.parametrize("index", [(slice(None),), (slice(1, None), slice(None, None, 2)), (1,),
                                   (slice(None), 2), (Ellipsis, slice(1, 3))])
def test_stride_and_storage_offset_match_torch(index):
    array = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    ours, theirs = gg.tensor(array)[index], torch.tensor(array)[index]
    assert ours.stride() == theirs.stride()
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.ndimension() == theirs.ndimension()
    assert ours.transpose(0, -1).stride() == theirs.transpose(0, -1).stride() if ours.ndim > 1 else True


def test_data_ptr_moves_with_the_view():
    t = gg.arange(10, dtype=gg.float32)
    assert t[3:].data_ptr() - t.data_ptr() == 3 * 4


@pytest.mark.skipif(cuda_is_available(), reason="the refusal is for a machine without a GPU")
def test_pin_memory_without_a_gpu_is_refused_as_in_torch():
    with pytest.raises(RuntimeError, match="no GPU"):
        gg.ones(2).pin_memory()
    with pytest.raises(RuntimeError):
        torch.ones(2).pin_memory()
    assert gg.ones(2).is_pinned() is torch.ones(2).is_pinned() is False
