"""A hostile user's sweep of the public ops (issue #13): wrong dtypes, shapes and dims, empty and 0-d tensors.

Each case used to end in NumPy's or Python's own message (AxisError, "tuple index out of range", "operands could
not be broadcast", AttributeError...) or in a silently wrong result. One line per case: the call written once for
both libraries, glassgrad's error type and message, and a check that PyTorch 2.13 refuses the same call.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")


def ones(lib, *shape, dtype=None):
    return lib.ones(*shape, dtype=dtype)


# (id, call(lib), glassgrad's error, glassgrad's message). PyTorch must raise too (any error).
REFUSED = [
    # dims: out of range, of the wrong type, repeated, or a tuple where one int is taken
    ("flatten dim out of range", lambda m: ones(m, 2, 3).flatten(0, 5), IndexError,
     r"flatten: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    ("cat dim out of range", lambda m: m.cat([ones(m, 2, 3), ones(m, 2, 3)], dim=5), IndexError,
     r"cat: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
    ("stack dim out of range", lambda m: m.stack([ones(m, 2), ones(m, 2)], dim=3), IndexError,
     r"stack: dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    ("size dim out of range", lambda m: ones(m, 2).size(3), IndexError,
     r"size: dimension out of range \(expected to be in range of \[-1, 0\], but got 3\)"),
    ("sum float dim", lambda m: ones(m, 2, 3).sum(1.0), TypeError,
     r"sum: dim must be an int or a tuple of ints, got float 1.0"),
    ("max str dim", lambda m: ones(m, 2, 3).max("a"), TypeError, r"max: dim must be a single int, got str 'a'"),
    ("argmax tuple dim", lambda m: ones(m, 2, 3).argmax((0, 1)), TypeError,
     r"argmax: dim must be a single int, got tuple \(0, 1\)"),
    ("prod tuple dim", lambda m: ones(m, 2, 3).prod((0, 1)), TypeError,
     r"prod: dim must be a single int, got tuple \(0, 1\)"),
    ("softmax tuple dim", lambda m: ones(m, 2, 3).softmax((0, 1)), TypeError,
     r"softmax: dim must be a single int, got tuple \(0, 1\)"),
    ("split tuple dim", lambda m: ones(m, 4).split(2, (0,)), TypeError, r"split: dim must be a single int"),
    ("gather tuple dim", lambda m: ones(m, 2, 3).gather((0, 1), m.zeros(2, 3, dtype=m.int64)), TypeError,
     r"gather: dim must be a single int"),
    ("sum repeated dim", lambda m: ones(m, 2, 3).sum((1, -1)), ValueError,
     r"sum: dim 1 appears multiple times in the list of dims \(1, -1\)"),
    ("mean keepdim str", lambda m: ones(m, 2, 3).mean(0, "yes"), TypeError,
     r"mean: keepdim must be a bool, got str 'yes'"),
    ("max keepdim str", lambda m: ones(m, 2, 3).max(0, "yes"), TypeError, r"max: keepdim must be a bool"),
    ("var correction str", lambda m: ones(m, 3).var(correction="a"), TypeError,
     r"var: correction must be a number, got str 'a'"),
    # 0-d tensors where a dimension is needed
    ("split 0-d", lambda m: m.tensor(1.0).split(1), ValueError,
     r"split: expects at least a 1-dimensional tensor, got a 0-d one; unsqueeze\(0\) it first"),
    ("chunk 0-d", lambda m: m.tensor(1.0).chunk(1), ValueError, r"chunk: expects at least a 1-dimensional tensor"),
    ("cat 0-d", lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), ValueError,
     r"cat: zero-dimensional tensor \(at position 0\) cannot be concatenated; use stack"),
    ("tril of a float diagonal", lambda m: m.tril(ones(m, 3, 3), 1.5), TypeError,
     r"tril: diagonal must be an int, got float 1.5"),
    # shapes that do not broadcast
    ("where condition shape", lambda m: m.where(ones(m, 2, dtype=m.bool), ones(m, 3), ones(m, 3)), ValueError,
     r"where: shapes \(2,\) and \(3,\) cannot be broadcast together"),
    ("masked_fill mask shape", lambda m: ones(m, 3).masked_fill(ones(m, 4, dtype=m.bool), 0.0), ValueError,
     r"masked_fill: shapes \(3,\) and \(4,\) cannot be broadcast together"),
    ("allclose shapes", lambda m: m.allclose(ones(m, 2), ones(m, 3)), ValueError,
     r"allclose: shapes \(2,\) and \(3,\) cannot be broadcast together"),
    ("einsum subscript sizes", lambda m: m.einsum("ij,jk->ik", ones(m, 2, 3), ones(m, 4, 5)), ValueError,
     r"einsum: subscript 'j' has size 4 in operand 1 \(shape \(4, 5\)\) but size 3 in operand 0 "
     r"\(shape \(2, 3\)\)"),
    ("einsum ellipsis sizes", lambda m: m.einsum("...i,...i->...", ones(m, 2, 3), ones(m, 4, 3)), ValueError,
     r"einsum: subscript '\w' has size 4 in operand 1 \(shape \(4, 3\)\) but size 2 in operand 0"),
    # indices
    ("gather index out of range", lambda m: m.gather(ones(m, 2, 3), 1, m.tensor([[0, 5, 0], [0, 0, 0]])),
     IndexError, r"gather: index 5 is out of bounds for dimension 1 with size 3; indices must be in \[0, 3\)"),
    ("gather negative index", lambda m: m.gather(ones(m, 2, 3), 1, m.tensor([[-1, 0, 0], [0, 0, 0]])),
     IndexError, r"gather: index -1 is out of bounds for dimension 1 with size 3"),
    # arguments of the wrong kind
    ("exp of a list", lambda m: m.exp([1.0, 2.0]), TypeError,
     r"exp: expected a Tensor, got list; wrap the data with gg.tensor\(...\) first"),
    ("relu of a list", lambda m: m.relu([1.0, 2.0]), TypeError, r"relu: expected a Tensor, got list"),
    ("neg of a list", lambda m: m.neg([1.0, 2.0]), TypeError, r"neg: expected a Tensor, got list"),
    ("add None", lambda m: m.add(ones(m, 3), None), TypeError,
     r"add: expected a tensor or a Python number, got NoneType"),
    ("clamp to a string", lambda m: m.clamp(ones(m, 3), "a"), TypeError,
     r"clamp: min must be a number, a tensor or None, got str 'a'"),
    ("einsum of mixed dtypes", lambda m: m.einsum("ij,jk->ik", ones(m, 2, 3), ones(m, 3, 2, dtype=m.float64)),
     TypeError, r"einsum: expected all operands to have the same dtype, got float32, float64; convert them"),
    ("einsum of an array", lambda m: m.einsum("i,i->", ones(m, 3), np.ones(3, dtype=np.float32)), TypeError,
     r"einsum: expected tensors, got ndarray at position 1"),
    ("cat of one tensor", lambda m: m.cat(ones(m, 2, 3)), TypeError,
     r"cat: expected a list or tuple of tensors, got one Tensor; pass \[tensor, ...\]"),
    ("reshape to a string", lambda m: ones(m, 2, 3).reshape("a"), TypeError,
     r"reshape: sizes must be ints, got \('a',\)"),
    ("zeros_like of a list", lambda m: m.zeros_like([1.0]), TypeError, r"zeros_like: expected a Tensor, got list"),
    ("pad by a float", lambda m: m.nn.functional.pad(ones(m, 3), (1.5, 1)), TypeError,
     r"pad: the padding must be a tuple of ints, got \(1.5, 1\)"),
    ("hardtanh of bools", lambda m: m.nn.functional.hardtanh(ones(m, 3, dtype=m.bool)), TypeError,
     r"hardtanh: bool inputs are not supported \(as in PyTorch\); convert with .float\(\) first"),
    # integer arithmetic with no integer answer, and bit operations on floats
    ("integer floor division by zero", lambda m: m.ones(3, dtype=m.int64) // 0, RuntimeError,
     r"floor_divide: integer division by zero; convert to float for ±inf, or mask the zeros"),
    ("integer remainder by a zero tensor", lambda m: m.ones(3, dtype=m.int64) % m.zeros(3, dtype=m.int64),
     RuntimeError, r"remainder: integer division by zero"),
    ("bitwise and of floats", lambda m: ones(m, 3) & ones(m, 3), TypeError,
     r"bitwise_and: only defined for bool and integer tensors, got float32; compare first"),
    # sizes and counts that int() would truncate (2.5 -> 2) or reject with Python's message
    ("expand by a float", lambda m: ones(m, 1, 3).expand(2.5, 3), TypeError,
     r"expand: sizes must be ints, got \(2.5, 3\)"),
    ("repeat by a string", lambda m: ones(m, 3).repeat("a"), TypeError, r"repeat: sizes must be ints"),
    ("permute by floats", lambda m: ones(m, 2, 3).permute(1.0, 0), TypeError, r"permute: sizes must be ints"),
    ("split by a float", lambda m: ones(m, 4).split(1.5), TypeError,
     r"split: split_size_or_sections must be an int or a list of ints, got float 1.5"),
    ("split into float sections", lambda m: ones(m, 4).split([1.5, 2.5]), TypeError, r"split: sizes must be ints"),
    ("chunk by a float", lambda m: ones(m, 4).chunk(2.5), TypeError, r"chunk: chunks must be an int, got float 2.5"),
    ("linspace of 2.5 steps", lambda m: m.linspace(0, 1, 2.5), TypeError, r"linspace: steps must be an int"),
    ("eye of 2.5", lambda m: m.eye(2.5), TypeError, r"eye: n must be an int, got float 2.5"),
    ("multinomial of -1 samples", lambda m: m.multinomial(m.tensor([1.0, 1.0]), -1), ValueError,
     r"multinomial: num_samples must be a positive int, got -1"),
    ("inf to int64", lambda m: m.tensor([float("inf")], dtype=m.int64), ValueError,
     r"cannot convert inf or nan to the integer dtype glassgrad.int64"),
    ("normal_ into an int64 tensor", lambda m: m.nn.init.normal_(m.ones(2, dtype=m.int64)), TypeError,
     r"init.normal_: expected a floating-point tensor, got glassgrad.int64"),
    ("kaiming_uniform_ into an int64 tensor", lambda m: m.nn.init.kaiming_uniform_(m.ones(2, 2, dtype=m.int64)),
     TypeError, r"init.uniform_: expected a floating-point tensor"),
    ("batch_norm of float64 input, float32 stats",
     lambda m: m.nn.functional.batch_norm(m.ones(2, 3, dtype=m.float64), m.zeros(3), m.ones(3)), TypeError,
     r"batch_norm: running_mean has dtype glassgrad.float32 but the input has glassgrad.float64; convert"),
    ("group_norm of float64 input, float32 weight",
     lambda m: m.nn.functional.group_norm(m.ones(2, 6, 4, dtype=m.float64), 3, m.ones(6)), TypeError,
     r"group_norm: weight has dtype glassgrad.float32 but the input has glassgrad.float64"),
    # creation that would be silently wrong
    ("rand as int64", lambda m: m.rand(2, dtype=m.int64), TypeError,
     r"rand: dtype must be floating point, got glassgrad.int64; use randint"),
    ("randn as int64", lambda m: m.randn(2, dtype=m.int64), TypeError, r"randn: dtype must be floating point"),
    ("randperm of -1", lambda m: m.randperm(-1), ValueError, r"randperm: n must be a non-negative integer, got -1"),
    ("arange against its step", lambda m: m.arange(5, 0, 1), ValueError,
     r"arange: upper bound and lower bound inconsistent with step sign \(start=5, end=0, step=1\)"),
]


@pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_bad_call_names_the_op_as_pytorch_refuses(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call(gg)
    with pytest.raises(Exception):  # noqa: B017, PT011 - PyTorch's types vary (RuntimeError, IndexError, ...)
        call(torch)


def to_numpy(result):
    return result.detach().numpy() if hasattr(result, "detach") else np.asarray(result)


# (id, call(lib)): glassgrad used to refuse these with NumPy's message, or to answer differently from PyTorch.
MATCH_TORCH = [
    ("sum over dim=()", lambda m: m.arange(6.0).reshape(2, 3).sum(())),
    ("mean over dim=[]", lambda m: m.arange(6.0).reshape(2, 3).mean([])),
    ("var over dim=()", lambda m: m.arange(6.0).reshape(2, 3).var(())),
    ("all over dim=() reduces nothing", lambda m: m.arange(6.0).reshape(2, 3).all(())),
    ("0-d sum along dim 0", lambda m: m.tensor(2.0).sum(0)),
    ("0-d mean along (0,)", lambda m: m.tensor(2.0).mean((0,))),
    ("0-d logsumexp along dim 0", lambda m: m.tensor(2.0).logsumexp(0)),
    ("0-d any along dim 0", lambda m: m.tensor(2.0).any(0)),
    ("0-d max along dim 0", lambda m: m.tensor(3.0).max(0).values),
    ("0-d max along dim 0, keepdim", lambda m: m.tensor(3.0).max(0, keepdim=True).indices),
    ("0-d gather", lambda m: m.gather(m.tensor(2.0), 0, m.tensor(0))),
    ("mean of no elements", lambda m: m.ones(0, 3).mean(0)),
    ("mean of an empty tensor", lambda m: m.ones(0).mean()),
    ("logsumexp over an empty dim", lambda m: m.ones(0, 3).logsumexp(0)),
    ("softmax over an empty dim", lambda m: m.ones(0, 3).softmax(0)),
    ("log_softmax over an empty dim", lambda m: m.ones(0, 3).log_softmax(0)),
    ("arange of no steps", lambda m: m.arange(0, 0, 1)),
]


@pytest.mark.parametrize("call", [case[1] for case in MATCH_TORCH], ids=[case[0] for case in MATCH_TORCH])
def test_edge_cases_answer_as_pytorch_without_warnings(call) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's "Mean of empty slice" used to leak out
        ours = to_numpy(call(gg))
    theirs = to_numpy(call(torch))
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.filterwarnings("error")
def test_the_gradient_through_a_0d_max_and_an_empty_mean() -> None:
    x = gg.tensor(3.0, requires_grad=True)
    x.max(0).values.backward()
    assert x.grad.item() == 1.0
    empty = gg.ones(0, 3, requires_grad=True)
    empty.mean(0).sum().backward()
    assert empty.grad.shape == (0, 3)


def test_an_integer_tensor_to_negative_integer_powers_says_to_convert() -> None:
    # PyTorch computes these (2 ** -1 == 0 in integers); NumPy refuses, so glassgrad names the op and the fix.
    with pytest.raises(ValueError, match=r"pow: integers to negative integer powers are not supported \(exponent "
                                         r"tensor of dtype int64 holds negative values\); convert the base"):
        gg.tensor([1, 2]) ** gg.tensor([-1, 1])
    assert (gg.tensor([1.0, 2.0]) ** gg.tensor([-1, 1])).tolist() == [1.0, 2.0]
