"""DLPack exchange (glassgrad/dlpack.py): zero-copy both ways with NumPy and PyTorch, CuPy on a GPU."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


def _sample(dtype) -> np.ndarray:
    return (np.arange(12).reshape(3, 4) % 3 == 0) if dtype is np.bool_ else np.arange(12, dtype=dtype).reshape(3, 4)


def _poke(array) -> None:
    """Write into element [0, 1] in place, whatever the dtype."""
    array[0, 1] = True if array.dtype == bool else 7


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_reads_a_tensor_without_a_copy(dtype):
    t = gg.from_numpy(_sample(dtype))
    a = np.from_dlpack(t)
    assert a.dtype == dtype and a.shape == (3, 4)
    assert np.shares_memory(a, t.numpy())
    _poke(a)
    assert t.numpy()[0, 1] == a[0, 1] and a[0, 1] != _sample(dtype)[0, 1]  # the write is seen by the tensor


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_tensor_reads_numpy_without_a_copy(dtype):
    a = _sample(dtype)
    t = gg.from_dlpack(a)
    assert t.dtype == gg.backend.from_numpy_dtype(np.dtype(dtype))
    t.array[0, 1] = True if dtype is np.bool_ else 7  # a write on the glassgrad side
    assert a[0, 1] == t.array[0, 1] and a[0, 1] != _sample(dtype)[0, 1]


def test_strided_and_zero_dimensional_tensors_keep_their_layout():
    base = gg.arange(24, dtype=gg.float32).reshape(4, 6)
    strided = base.t()[::2]  # (3, 4), a transposed view with a step: not contiguous
    a = np.from_dlpack(strided)
    assert not a.flags.c_contiguous and a.tolist() == strided.tolist()
    a[1, 2] = -1.0
    assert base.numpy()[2, 2] == -1.0  # strided[1, 2] is base[2, 2]: the same memory
    scalar = gg.tensor(3.5)
    assert np.from_dlpack(scalar).shape == () and float(np.from_dlpack(scalar)) == 3.5
    assert gg.from_dlpack(np.asarray(2.0)).shape == ()


def test_a_tensor_that_requires_grad_is_refused_as_pytorch_does():
    w = gg.randn(3, requires_grad=True)
    with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
        np.from_dlpack(w)
    assert np.shares_memory(np.from_dlpack(w.detach()), w.detach().numpy())


def test_device_and_errors():
    assert gg.ones(2).__dlpack_device__() == (1, 0)
    with pytest.raises(TypeError, match="from_dlpack: expected an object with __dlpack__"):
        gg.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="does not support arrays of dtype complex64"):
        gg.from_dlpack(np.ones(2, np.complex64))


torch_cases = pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])


@torch_cases
def test_pytorch_reads_a_tensor_without_a_copy(dtype):
    torch = pytest.importorskip("torch")
    t = gg.from_numpy(_sample(getattr(np, dtype if dtype != "bool" else "bool_")))
    p = torch.from_dlpack(t)
    assert p.dtype == getattr(torch, dtype) and tuple(p.shape) == (3, 4)
    p[0, 1] = True if dtype == "bool" else 7
    assert t.numpy()[0, 1] == p[0, 1].item()
    assert p.data_ptr() == t.numpy().ctypes.data


@torch_cases
def test_a_tensor_reads_pytorch_without_a_copy(dtype):
    torch = pytest.importorskip("torch")
    p = torch.from_numpy(_sample(getattr(np, dtype if dtype != "bool" else "bool_")).copy())
    t = gg.from_dlpack(p)
    t.array[0, 1] = True if dtype == "bool" else 7
    assert p[0, 1].item() == t.array[0, 1]
    assert t.numpy().ctypes.data == p.data_ptr()


def test_pytorch_strided_views_zero_d_and_its_legacy_capsule():
    torch = pytest.importorskip("torch")
    p = torch.arange(24.0).reshape(4, 6)
    view = p.t()[1:, ::2]  # (5, 2) with strides (1, 12): no copy either way
    t = gg.from_dlpack(view)
    assert t.tolist() == view.tolist()
    t.array[0, 0] = 100.0
    assert p[0, 1].item() == 100.0
    back = torch.from_dlpack(t)
    assert back.stride() == view.stride() and back.data_ptr() == view.data_ptr()
    assert gg.from_dlpack(torch.tensor(2.5)).item() == 2.5
    assert torch.from_dlpack(gg.tensor(4)).item() == 4
    capsule = torch.utils.dlpack.to_dlpack(p)
    assert gg.from_dlpack(capsule).numpy().ctypes.data == p.data_ptr()


def test_a_tensor_that_requires_grad_is_refused_with_pytorchs_error():
    torch = pytest.importorskip("torch")
    p = torch.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="Can't export tensors that require gradient, use tensor.detach"):
        p.__dlpack__()  # PyTorch's own refusal, which ours copies
    with pytest.raises(BufferError, match="Can't export tensors that require gradient, use tensor.detach"):
        torch.from_dlpack(gg.ones(2, requires_grad=True))


def test_cupy_on_a_gpu_without_a_copy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no CUDA device")
    t = gg.arange(6, dtype=gg.float32).to("cuda")
    c = cupy.from_dlpack(t)
    c[2] = -1.0
    assert float(t.array[2]) == -1.0 and c.data.ptr == t.array.data.ptr
    assert t.__dlpack_device__()[0] == 2
    back = gg.from_dlpack(c[::2])
    assert str(back.device).startswith("cuda") and back.array.data.ptr == c.data.ptr
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        assert torch.from_dlpack(t).data_ptr() == t.array.data.ptr
