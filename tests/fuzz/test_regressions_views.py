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


# ---- writes through views of 0-d tensors (ops/shape.py CopySlices, ops/index.py SetItem) -----------------


def test_write_through_a_view_of_a_zero_dim_tensor_used_twice() -> None:
    # fuzz: `zero_(square(t0), view=('getitem', ()))` and `add_scalar_(sub(t0, t1), view=('getitem', ()))`: the
    # summed 0-d gradient is a NumPy scalar, and CopySlices' backward wrote the zeros into a copy of it
    def zero_through_view(m: Any, x: Any) -> Any:
        y = x * x
        v = y[()]
        v.zero_()
        return y * 2.0 + v * 3.0

    def add_through_unsqueeze(m: Any, x: Any) -> Any:
        y = x * 3.0
        v = y.unsqueeze(0)
        v.add_(0.5)
        return y * 2.0 + v.sum() * 3.0

    assert_matches_torch(zero_through_view, np.array(0.7))
    assert_matches_torch(add_through_unsqueeze, np.array(0.7))


def test_setitem_of_a_zero_dim_tensor_with_a_one_element_value() -> None:
    # fuzz: `setitem(rpow_scalar(t0), t2 of shape (1,), key=())`: PyTorch drops the value's leading size-1 dims
    def fn(m: Any, x: Any, b: Any) -> Any:
        y = x * 2.0
        y[()] = b * 3.0
        return y * x

    assert_matches_torch(fn, np.array(0.5), np.array([2.0]))


# ---- what backward saves decides which in-place writes refuse it (PyTorch's saved tensors) ----------------

SAVED_WRITES = {  # name -> program writing into an input or output of one op, then backward
    "div_output": lambda m, x: (lambda z: (z.add_(1.0), z.sum())[1])(x / (x + 1.0)),
    "elu_output": lambda m, x: (lambda z: (z.zero_(), z.sum())[1])(m.nn.functional.elu(x * 1.0)),
    "elu_input": lambda m, x: (lambda h: (m.nn.functional.elu(h), h.add_(1.0))[0].sum())(x * 1.0),
    "silu_output": lambda m, x: (lambda z: (z.mul_(2.0), z.sum())[1])(m.nn.functional.silu(x * 1.0)),
    "silu_input": lambda m, x: (lambda h: (m.nn.functional.silu(h), h.add_(1.0))[0].sum())(x * 1.0),
    "pow_scalar_output": lambda m, x: (lambda z: (z.add_(1.0), z.sum())[1])((x * 1.0) ** 3),
    "pow_tensor_output": lambda m, x: (lambda z: (z.add_(1.0), z.sum())[1])(x.abs() ** x),
    "max_all_output": lambda m, x: (lambda z: (z.add_(1.0), z * 2.0)[1])(x.max()),
    "amax_output": lambda m, x: (lambda z: (z.add_(1.0), z.sum())[1])(x.amax(0)),
    "std_output": lambda m, x: (lambda z: (z.zero_(), z.sum())[1])(x.std(0)),
    "var_input": lambda m, x: (lambda h: (h.var(0), h.add_(1.0))[0].sum())(x * 1.0),
    "sigmoid_0d_output": lambda m, x: (lambda z: (z.mul_(2.0), z * 2.0)[1])(x.sum().sigmoid()),
    "softmax_0d_output": lambda m, x: (lambda z: (z.add_(1.0), z * 2.0)[1])(m.softmax(x.sum(), 0)),
    "logsumexp_0d_output": lambda m, x: (lambda z: (z.add_(1.0), z * 2.0)[1])(x.sum().logsumexp(0)),
}


@pytest.mark.parametrize("name", sorted(SAVED_WRITES))
def test_in_place_write_refuses_backward_exactly_where_pytorch_s_does(name: str) -> None:
    program = SAVED_WRITES[name]
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    assert_same_refusal(lambda m: program(m, m.tensor(x, requires_grad=True)).sum().backward())


def test_elu_and_silu_gradients_from_the_saved_input() -> None:
    x = [-2.0, -0.5, 0.0, 0.5, 3.0]
    assert_matches_torch(lambda m, t: m.nn.functional.elu(t, alpha=0.7), x)
    assert_matches_torch(lambda m, t: m.nn.functional.silu(t), x)
    assert_matches_torch(lambda m, t, u: t / u, [1.0, -2.0], [0.5, 3.0])


# ---- overlapping source and destination of an in-place op (tensor.py) -------------------------------------

OVERLAPS = {
    "add_into_unsqueeze_of_itself": lambda m, t: t.sum().unsqueeze(0).add_(t.sum()),
    "add_of_its_own_row": lambda m, t: t[0].add_(t[0, 0]),
    "add_of_itself": lambda m, t: t.add_(t),
    "copy_of_its_transpose": lambda m, t: t.copy_(t.t()),
    "setitem_shifted_slice": lambda m, t: t[0].__setitem__(slice(1, None), t[0, :-1]),
    "setitem_same_slice": lambda m, t: t.__setitem__(slice(None), t),
    "setitem_advanced_index_of_itself": lambda m, t: t[0].__setitem__(m.tensor([0, 1]), t[0]),
    "setitem_mask_with_one_element": lambda m, t: t[0, :1].__setitem__(m.tensor([True]), t[0, 0]),
    "zero_of_an_expanded_tensor": lambda m, t: t[:1].expand(3, 2).zero_(),
    "fill_of_an_expanded_tensor": lambda m, t: t[:1].expand(3, 2).fill_(2.0),
    "masked_fill_of_an_expanded_tensor": lambda m, t: t[:1].expand(3, 2).masked_fill_(m.tensor(True), 2.0),
    "mul_of_an_expanded_tensor": lambda m, t: t[:1].expand(3, 2).mul_(2.0),
    "mul_of_an_empty_expanded_tensor": lambda m, t: t[:0, :1].expand(0, 2).mul_(2.0),
    "masked_fill_of_an_empty_expanded_tensor": lambda m, t: t[:0, :1].expand(0, 2).masked_fill_(m.tensor(True), 1),
}


@pytest.mark.parametrize("name", sorted(OVERLAPS))
@pytest.mark.parametrize("grad", [False, True])
def test_in_place_write_with_overlapping_memory_is_refused_where_pytorch_s_is(name: str, grad: bool) -> None:
    write = OVERLAPS[name]
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    assert_same_refusal(lambda m: write(m, m.tensor(x, requires_grad=True) * 1.0 if grad else m.tensor(x)))


def _key_in(m: Any, key: Any) -> Any:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(m.tensor(part) if isinstance(part, np.ndarray) else part for part in parts)


SETITEM_DTYPES = {  # a float32 target, a float64 value: refused only where PyTorch runs index_put_
    "advanced_index": ((np.array([1]), slice(None)), np.ones(3)),
    "basic_index": ((0, slice(None)), np.ones(3)),
    "bool_mask_one_element": (np.array([True, False]), np.ones(())),
}


@pytest.mark.parametrize("name", sorted(SETITEM_DTYPES))
def test_setitem_with_an_advanced_index_needs_the_same_dtype(name: str) -> None:
    # fuzz: `setitem(t4 float32, t5 float64, key=(array([-2]), slice(None), array([-1])))`: index_put_ refuses
    key, value = SETITEM_DTYPES[name]

    def write(m: Any) -> None:
        target = m.zeros(2, 3)
        target[_key_in(m, key)] = m.tensor(value)

    assert_same_refusal(write)


MORE_SAVED_WRITES = {  # what PyTorch saves: the input of leaky_relu, softplus, mse_loss and nll_loss
    "leaky_relu_input": lambda m, h: (m.nn.functional.leaky_relu(h, 0.1), h.add_(1.0))[0],
    "softplus_input": lambda m, h: (m.nn.functional.softplus(h), h.add_(1.0))[0],
    "mse_loss_input": lambda m, h: (m.nn.functional.mse_loss(h, m.ones(2, 2)), h.add_(1.0))[0],
    "nll_loss_input": lambda m, h: (m.nn.functional.nll_loss(h, m.tensor(np.array([0, 1]))), h.add_(1.0))[0],
    "rdiv_input": lambda m, h: (2.0 / h, h.add_(1.0))[0],  # PyTorch: 2 · reciprocal(h), which saves its output
    "rdiv_output": lambda m, h: (2.0 / h).mul_(2.0),
}


@pytest.mark.parametrize("name", sorted(MORE_SAVED_WRITES))
def test_in_place_write_into_what_pytorch_saves(name: str) -> None:
    program = MORE_SAVED_WRITES[name]
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    assert_same_refusal(lambda m: program(m, m.tensor(x, requires_grad=True) * 1.0).sum().backward())


def test_number_divided_by_a_tensor_is_its_reciprocal_times_the_number() -> None:
    assert_matches_torch(lambda m, x: 3.0 / x, [0.5, -2.0, 7.0])
    assert_matches_torch(lambda m, x: 0.0 / x, [0.5, -2.0, 7.0])


SELF_OPERAND_WRITES = {  # fuzz: `mul_(neg(t0), t1 = the same tensor)`: PyTorch's saved `other` is stale
    "mul_of_itself": lambda h: h.mul_(h),
    "div_of_itself": lambda h: h.div_(h),
    "add_of_itself": lambda h: h.add_(h),  # add saves nothing: allowed
    "mul_of_a_number": lambda h: h.mul_(2.0),
    "clamp_": lambda h: h.clamp_(-1.0, 0.0),  # saves a copy of the original
}


@pytest.mark.parametrize("name", sorted(SELF_OPERAND_WRITES))
def test_in_place_op_whose_other_operand_is_the_written_tensor(name: str) -> None:
    write = SELF_OPERAND_WRITES[name]
    assert_same_refusal(lambda m: write(-m.tensor(np.array([0.5, -1.5]), requires_grad=True)).sum().backward())


def test_view_of_an_advanced_index_result() -> None:
    # fuzz: `view(index(silu(t0), key=(slice(None), array of shape (3, 4))), shape=(16, 3, -1, 1))`: NumPy's
    # result had strides (1, 16, 4), so view() refused what PyTorch's row-major result allows
    index = np.array([[0, -1, 0, 0], [0, 0, -1, -1], [-1, -1, -1, 0]])
    assert_matches_torch(lambda m, x: x[:, m.tensor(index)].view(16, 3, -1, 1), np.arange(4.0).reshape(4, 1))


def test_index_assignment_of_no_element_into_an_expanded_tensor() -> None:
    # fuzz: `setitem_scalar(expand(t1, (-1, 1, 3, 2)), view=('unsqueeze', 0), key=(slice(2, None), ...))`: the
    # key selects nothing, which PyTorch allows even where elements share memory
    def write(m: Any, x: Any) -> Any:
        y = (x + 0.5).expand(1, 3, 2)
        y.unsqueeze(0)[2:] = 1.5
        return y * 2.0

    assert_matches_torch(write, np.array([[0.25]]))
    assert_same_refusal(lambda m: m.zeros(1, 2).expand(3, 2).__setitem__(slice(3, None), 1.0))


SETITEM_SOURCES = {  # basic keys: PyTorch checks the overlap only of a source of the region's shape
    "zero_dim_source_is_a_fill": lambda m, t: t.sum().unsqueeze(0).__setitem__(slice(-2, None), t.sum()),
    "source_with_a_leading_one": lambda m, t: t[0].__setitem__(slice(1, None), t[0, :1].unsqueeze(0)),
    "broadcast_source": lambda m, t: t.__setitem__(slice(None), t[0]),
}


@pytest.mark.parametrize("name", sorted(SETITEM_SOURCES))
def test_setitem_overlap_is_checked_as_pytorch_s_copy_to(name: str) -> None:
    write = SETITEM_SOURCES[name]
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    assert_same_refusal(lambda m: write(m, m.tensor(x) * 1.0))


def test_setitem_of_an_empty_region_gives_the_value_an_empty_gradient() -> None:
    # fuzz: `setitem(stack(t0, t1), t3 of shape (0, 2), view=('getitem', (slice(None, -2, 2),)), key=())`
    def write(m: Any, x: Any, v: Any) -> Any:
        y = x * 2.0
        y[:0] = v
        return y

    assert_matches_torch(write, np.array([[0.5, 1.0]]), np.zeros((0, 2)))


def test_setitem_from_an_alias_broadcast_into_the_region_is_checked_by_layout() -> None:
    # fuzz (seed 2027, --inplace): `setitem(t1, chunk(t1, 1), key=(None, :, 0:))`. The value, its leading 1s
    # dropped and expanded to the region (PyTorch's copy_to), is a partial overlap only if it lays the shared
    # memory out differently; here both are the same one element, so the write is well defined. PyTorch compares
    # the strides of size-1 dims too and refuses; glassgrad allows it (not copied: those strides name no element).
    with pytest.raises(RuntimeError, match="single memory location"):
        t = -torch.tensor(np.ones((1, 1, 1)), requires_grad=True)
        t[None, :, 0:] = t.chunk(1, dim=-3)[0]
    t = -gg.tensor(np.ones((1, 1, 1)), requires_grad=True)
    t[None, :, 0:] = t.chunk(1, dim=-3)[0]
    assert t.tolist() == [[[-1.0]]]
    # A broadcast that shifts the shared memory is still refused, in both.
    for lib in (torch, gg):
        h = lib.tensor(np.arange(4.0)) * 1
        with pytest.raises(RuntimeError, match="single memory location"):
            h[1:3] = h[0:2]


def test_setitem_of_a_tensor_into_its_own_unsqueezed_view_is_allowed() -> None:
    # fuzz (seed 4042, --inplace): `u = t1.unsqueeze(0); u[...] = t1`: the value broadcast to the region is the
    # region itself, a full overlap, which PyTorch allows.
    for lib in (torch, gg):
        t1 = lib.tensor(np.arange(4.0).reshape(1, 1, 2, 2)).amax(dim=-4, keepdim=True)
        u = t1.unsqueeze(0)
        u[...] = t1
        assert t1.flatten().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_setitem_into_an_unsqueezed_alias_of_the_same_layout_is_allowed() -> None:
    # fuzz (seed 3032, --inplace): `u = t3.unsqueeze(0); u[-1, 0:1] = t3` with t3 a transposed (1, 1, 3): the
    # region is t3's own elements in t3's own layout, a full overlap, which PyTorch's copy_ allows. NumPy gives
    # the size-1 dims other strides than PyTorch does; those strides name no second element and are not compared.
    results = []
    for lib in (torch, gg):
        t3 = (lib.tensor(np.arange(3.0).reshape(3, 1, 1)) * 1).transpose(0, 2)
        u = t3.unsqueeze(0)
        u[-1, 0:1] = t3
        results.append(t3.numpy().copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_stack_and_cat_of_permuted_inputs_are_row_major_so_view_works() -> None:
    # fuzz (seed 3031): `view(stack(t1, t1, dim=1), (4, 2))` with t1 a permute: PyTorch's stack is row-major and
    # view works; NumPy's kept the inputs' order and glassgrad's view refused.
    for lib in (torch, gg):
        t1 = lib.tensor(np.arange(4.0).reshape(2, 1, 2, 1)).permute(3, 1, 2, 0)
        assert tuple(lib.stack([t1, t1], dim=1).view(4, 2).shape) == (4, 2)
        assert tuple(lib.cat([t1, t1], dim=1).view(-1).shape) == (8,)


@pytest.mark.parametrize("shape", [(3, 0, 1), (3,)])
def test_setitem_of_a_value_that_does_not_broadcast_to_an_empty_region_is_refused(shape: tuple) -> None:
    # fuzz (seed 5052, --inplace): a value of shape (3, 0, 1) written into an empty region (0, 1): PyTorch
    # refuses the shape mismatch; NumPy took it silently, since both hold no element.
    with pytest.raises(RuntimeError):  # its message depends on the shapes ("shape mismatch", "expand(...)")
        torch.zeros(2, 1)[0:0] = torch.zeros(shape)
    target = gg.zeros(2, 1)
    with pytest.raises(ValueError, match="shape mismatch: value tensor of shape"):
        target[0:0] = gg.zeros(shape)


def test_an_in_place_op_whose_source_is_the_same_elements_in_the_same_positions_is_allowed() -> None:
    # fuzz (seed 6062, --inplace): `v = t.transpose(0, 3); v.add_(t)` with t of shape (1, 1, 3, 1): v and t are
    # the same three elements in the same places, so the write is well defined (x.add_(x)); PyTorch refuses it
    # because the swapped size-1 dims have other strides (not copied, tests/fuzz/known.py). A real shift is refused.
    t = gg.tensor(np.arange(3.0).reshape(1, 1, 3, 1)) * 1
    t.transpose(0, 3).add_(t)
    assert t.flatten().tolist() == [0.0, 2.0, 4.0]
    h = gg.tensor(np.arange(4.0)) * 1
    with pytest.raises(RuntimeError, match="single memory location"):
        h[1:3].add_(h[0:2])


def test_setitem_into_an_empty_result_is_recorded_so_the_value_gets_a_zero_gradient() -> None:
    # fuzz (seed 6062, --inplace): `t1[()] = t2` with t1 an empty op result: NumPy gives it zero strides, which
    # looked like expanded memory, and the write was skipped unrecorded: t2.grad was None, PyTorch's 0.
    grads = []
    for lib in (torch, gg):
        t1 = lib.tensor(np.zeros((1, 0, 2, 1)), requires_grad=True) * 2
        t2 = lib.tensor(np.array(1.5), requires_grad=True)
        t1[()] = t2
        t1.sum().backward()
        grads.append(t2.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("value", [1.0, "tensor"])
def test_setitem_with_an_out_of_bounds_index_into_a_tensor_with_no_elements_is_refused(value: Any) -> None:
    # fuzz (--inplace, setitem_scalar): h of shape (2, 0), h[[7]] = 1.0. PyTorch's index_put_ skips its bounds
    # check when the tensor has no elements and writes nothing; index 7 of a dim of size 2 is out of bounds
    # whatever the other dims hold, so glassgrad refuses it (not copied), naming the index and the dim.
    t = torch.zeros(2, 0)
    t[torch.tensor([7])] = 1.0 if value == 1.0 else torch.zeros(0)
    assert tuple(t.shape) == (2, 0)
    h = gg.zeros(2, 0)
    with pytest.raises(IndexError, match="index 7 is out of bounds for axis 0 with size 2"):
        h[gg.tensor([7])] = 1.0 if value == 1.0 else gg.zeros(0)
    h[gg.tensor([1])] = 1.0  # an index in bounds writes nothing, as in PyTorch
    assert tuple(h.shape) == (2, 0)
