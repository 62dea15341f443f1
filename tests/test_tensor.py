"""tensor.py and tensor_format.py: attributes, conversions, printing, and Python protocol methods."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg


def test_attributes() -> None:
    x = gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and isinstance(x.shape, tuple)
    assert x.ndim == 2 and x.dim() == 2
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.size(0) == 2
    assert x.numel() == 6 and gg.numel(x) == 6
    assert x.dtype == gg.float32 and x.dtype == gg.float and x.dtype.is_floating_point
    assert x.device == gg.device("cpu") and x.device.type == "cpu" and str(x.device) == "cpu" and not x.is_cuda
    assert not x.requires_grad and x.grad is None and x.is_leaf and x.grad_fn is None
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.element_size() == 4 and x.is_floating_point() and x.is_contiguous()
    assert not x.T.is_contiguous() and x.T.contiguous().is_contiguous()
    assert len(x) == 2


def test_dtype_objects() -> None:
    assert gg.long == gg.int64 and gg.double == gg.float64 and gg.half == gg.float16 and gg.int == gg.int32
    assert gg.float32 == np.float32 and gg.float32 != gg.float64
    assert repr(gg.float64) == "glassgrad.float64"
    assert gg.bool.is_floating_point is False and gg.float16.itemsize == 2
    assert {gg.float32: 1}[gg.float] == 1


def test_numpy_item_tolist() -> None:
    x = gg.tensor([[1.5, 2.0]])
    array = x.numpy()
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    array[0, 0] = 7.0  # numpy() shares memory, as torch
    assert x.tolist() == [[7.0, 2.0]]
    assert gg.tensor([2.5]).item() == 2.5 and isinstance(gg.tensor([2.5]).item(), float)
    assert gg.tensor(3).item() == 3 and isinstance(gg.tensor(3).item(), int)
    assert gg.tensor(True).item() is True
    assert np.asarray(gg.tensor([1, 2])).tolist() == [1, 2]


def test_numpy_of_a_tensor_that_requires_grad_says_to_detach() -> None:
    with pytest.raises(RuntimeError, match="detach\\(\\).numpy\\(\\)"):
        gg.ones(2, requires_grad=True).numpy()
    assert gg.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "expression",
    [
        "m.tensor([1.7, -1.7]).long()", "m.tensor([1, 0]).bool()", "m.tensor([1, 2]).float()",
        "m.tensor([1., 2.]).double()", "m.tensor([1., 2.]).half()", "m.tensor([1.9, 2.]).int()",
        "m.tensor([1., 2.]).to(m.float64)", "m.tensor([1., 2.]).to('cpu')", "m.tensor([1., 2.]).to('cpu', m.int64)",
        "m.tensor([1., 2.]).to(dtype=m.int64)", "m.tensor([1, 2]).to(m.tensor([1.0], dtype=m.float64))",
        "m.tensor([1, 2]).type_as(m.tensor([1.0]))", "m.tensor([1., 2.]).cpu()", "m.tensor([[1., 2.]]).T.contiguous()",
        "m.tensor([1., 2.]).clone()", "m.tensor([1., 2.]).detach()",
        "m.tensor([1, 2]).to(float)",
        "m.tensor([1., 2.]).to(m.device('cpu'), dtype=m.float16)", "m.tensor([[1., 2.]]).view(m.float32)",
    ],
)
def test_conversions_match_torch(expression: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = eval(expression, {"m": gg}), eval(expression, {"m": torch})
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.tolist() == theirs.tolist()


def test_conversion_is_differentiable_and_clone_copies() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double().clone()
    assert y.dtype == gg.float64 and y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.dtype == gg.float32
    z = x.detach().clone()
    z.add_(1)
    assert x.tolist() == [1.0, 2.0]
    assert x.to(gg.float32) is x  # no-op conversions return the tensor itself, as torch
    assert x.to(gg.float32, copy=True) is not x


def test_python_number_protocols() -> None:
    assert float(gg.tensor([2.5])) == 2.5
    assert int(gg.tensor(3.7)) == 3
    assert bool(gg.tensor([0])) is False
    assert [10, 20, 30][gg.tensor(1)] == 20  # __index__
    assert f"{gg.tensor(0.123456):.2f}" == "0.12"
    assert [t.tolist() for t in gg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_item_bool_len_of_the_wrong_size_say_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted to a Python number; "
                                           "reduce it first"):
        gg.ones(3).item()
    with pytest.raises(RuntimeError, match="ambiguous; use .any\\(\\) or .all\\(\\)"):
        bool(gg.ones(2))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(gg.tensor(1.0))
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][gg.tensor(1.0)]


def test_requires_grad_flags() -> None:
    x = gg.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = gg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables.*detach"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients, got "
                                           "glassgrad.int64; convert with .float\\(\\) first"):
        gg.tensor([1]).requires_grad_()


def test_detach_and_data() -> None:
    x = gg.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.array)
    assert not x.data.requires_grad and np.shares_memory(x.data.numpy(), x.array)
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize(
    "expression",
    [
        "m.tensor([1., 2., 3.])", "m.tensor(3.5)", "m.tensor([1, 2])", "m.tensor([True, False])",
        "m.tensor([1.], requires_grad=True)", "m.tensor([1.], dtype=m.float64)", "m.tensor([1.5e-6, 2.0])",
        "m.tensor([1e9, 1.0])", "m.tensor([])", "m.zeros(0, 3)", "m.tensor([[1.25, -2.5], [3.0, 4.0]])",
        "m.tensor([1, 2], dtype=m.int32)", "m.tensor(float('nan'))", "m.tensor([0.1, 100.0])",
        "m.tensor([0.01, 100.5])", "m.tensor([1., 2000.])", "m.tensor([1.5], dtype=m.float16)", "m.arange(2000.)",
        "m.arange(12.).reshape(3, 4) / 7",
        "m.tensor([1, 2], dtype=m.uint8)",
    ],
)
def test_repr_matches_torch(expression: str) -> None:
    torch = pytest.importorskip("torch")
    ours = repr(eval(expression, {"m": gg}))
    theirs = repr(eval(expression, {"m": torch})).replace("torch.", "glassgrad.").replace("  ...", " ...")
    assert ours == theirs


def test_repr_names_the_graph_node() -> None:
    assert repr(gg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_contracted_tensor_methods_exist() -> None:
    # The Tensor section of shared/API.md.
    names = """shape ndim dtype device requires_grad grad is_leaf T size numel dim numpy item tolist detach clone to
    float long cpu cuda contiguous abs exp log log1p sqrt rsqrt sin cos tanh sigmoid relu pow clamp maximum minimum
    sum mean prod var std max min argmax argmin logsumexp all any reshape view permute transpose t unsqueeze squeeze
    flatten expand repeat split chunk gather masked_fill add_ mul_ zero_ fill_ copy_ backward requires_grad_
    retain_grad register_hook __getitem__ __add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__
    __rtruediv__ __floordiv__ __pow__ __rpow__ __matmul__ __neg__ __abs__ __eq__ __lt__ __le__ __gt__ __ge__
    __ne__""".split()
    missing = [name for name in names if not hasattr(gg.Tensor, name)]
    assert not missing
    functions = """cat stack where matmul exp log sqrt tanh sigmoid maximum minimum softmax log_softmax tril triu argmax
    multinomial clamp einsum no_grad enable_grad is_grad_enabled manual_seed tensor from_numpy zeros ones full empty
    arange linspace eye rand randn randint zeros_like ones_like full_like rand_like randn_like""".split()
    assert not [name for name in functions if not hasattr(gg, name)]
