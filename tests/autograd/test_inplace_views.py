"""In-place writes through views, matched against PyTorch (autograd/views.py, ops/shape.py CopySlices).

Each case runs the same function on glassgrad and on torch: x (3, 4) and y (4,) are leaves that require grad and
h = x * 1; the case writes into h (or returns what to read), and the loss weights the elements differently so
every position's gradient is visible. The result, x.grad and y.grad must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")


def run(lib, case, read_returned: bool):
    x = lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1.2, requires_grad=True)
    y = lib.tensor(np.linspace(-1, 1, 4, dtype=np.float32), requires_grad=True)
    h = x * 1
    returned = case(h, x, y)
    out = returned if read_returned else h
    weights = lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)) + 1)
    (out * weights).sum().backward()
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in (x, y)]
    return [out.detach().numpy().copy(), *grads]


def assert_matches_torch(case, read_returned: bool = False) -> None:
    """Run case(h, x, y) with h = x * 1 in both libraries; compare h (or what case returns), x.grad, y.grad."""
    ours = run(gg, case, read_returned)
    theirs = run(torch, case, read_returned)
    for name, a, b in zip(("result", "x.grad", "y.grad"), ours, theirs):
        assert (a is None) == (b is None), f"{name}: glassgrad {a}, torch {b}"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=name)


def library_of(t):
    return gg if isinstance(t, gg.Tensor) else torch


def _iadd_row(h, x, y):
    h[0] += y * x[1]  # Python runs h.__setitem__(0, h[0].__iadd__(y * x[1])): two writes, as in torch


WRITES_THROUGH_VIEWS = {  # each writes into h = x * 1 through a view; the test reads h
    # the hostile review's reproducers
    "row_mul_": lambda h, x, y: h[0].mul_(2),
    "flat_view_slice_mul_": lambda h, x, y: h.view(-1)[0:2].mul_(3),
    "transposed_row_zero_": lambda h, x, y: h.transpose(0, 1)[0].zero_(),
    "setitem_on_a_view": lambda h, x, y: h[1].__setitem__(2, 0.0),
    "copy_into_a_row": lambda h, x, y: h[2].copy_(y),
    "clamp_a_row": lambda h, x, y: h[1].clamp_(-0.4, 0.3),
    "masked_fill_a_row": lambda h, x, y: h[0].masked_fill_(y > 0, 0.0),
    "reshape_then_mul_": lambda h, x, y: h.reshape(12).mul_(2),
    "augmented_assignment_on_a_view": lambda h, x, y: h[0].__imul__(2),
    # more shapes of the same idea
    "view_chain_times_a_tensor": lambda h, x, y: h.t()[1:3].mul_(y[:3] * 2),
    "column_add_": lambda h, x, y: h[:, 1].add_(y[:3], alpha=2),
    "strided_slice_div_": lambda h, x, y: h[::2, 1::2].div_(4),
    "unsqueeze_squeeze_view": lambda h, x, y: h.unsqueeze(0)[0, 1].sub_(y),
    "permuted_3d_view": lambda h, x, y: h.view(3, 2, 2).permute(2, 0, 1)[1].mul_(5),
    "fill_a_row": lambda h, x, y: h[1].fill_(7.0),
    "two_writes_through_two_views": lambda h, x, y: (h[0].mul_(y), h[:, 0].add_(1)),
    "write_the_base_then_a_view": lambda h, x, y: (h.mul_(y), h[2].mul_(x[0])),
    "copy_from_an_overlapping_view_of_itself": lambda h, x, y: h[1:].copy_(h[:-1] * 2),
    "augmented_assignment_on_an_indexed_row": _iadd_row,
    "setitem_with_a_tensor_on_a_view": lambda h, x, y: h[1].__setitem__(slice(0, 2), y[2:]),
}


@pytest.mark.parametrize("write", WRITES_THROUGH_VIEWS.values(), ids=WRITES_THROUGH_VIEWS.keys())
def test_in_place_write_through_a_view_matches_torch(write) -> None:
    assert_matches_torch(write)


# Views taken before an in-place write on their base (or on another view) read the base's new graph.
def view_then_base_mul_(h, x, y):
    view = h[0]
    h.mul_(3)
    return view


def view_then_other_view_written(h, x, y):
    column = h[:, 1]
    h[1:].mul_(y)
    return column


def view_of_a_view_then_the_middle_view_written(h, x, y):
    row = h[0]
    part = row[1:3]
    row.mul_(2)
    return part


def view_then_setitem_on_the_base(h, x, y):
    row = h[0]
    h[0] = y
    return row


def transpose_then_base_copy_(h, x, y):
    transposed = h.t()
    h.copy_(y * 3)
    return transposed


def buffer_without_grad_becomes_part_of_the_graph(h, x, y):
    buffer = library_of(x).zeros(3, 4)
    buffer[1].copy_(y * 2)
    buffer[0].add_(x[0])
    return buffer


@pytest.mark.parametrize(
    "case",
    [
        view_then_base_mul_,
        view_then_other_view_written,
        view_of_a_view_then_the_middle_view_written,
        view_then_setitem_on_the_base,
        transpose_then_base_copy_,
        buffer_without_grad_becomes_part_of_the_graph,
    ],
)
def test_a_view_sees_writes_to_its_base_as_in_torch(case) -> None:
    assert_matches_torch(case, read_returned=True)


def test_the_written_view_and_its_base_read_the_new_graph() -> None:
    x = gg.ones(3, 4, requires_grad=True)
    h = x * 1
    v = h[0]
    v.mul_(2)
    assert h.grad_fn.name() == "CopySlicesBackward"
    assert v.grad_fn.name() == "GetItemBackward"  # a view of the rebased h, not the MulBackward of the write
    assert v.grad_fn.next_functions[0][0] is h.grad_fn
    assert v.tolist() == [2.0, 2.0, 2.0, 2.0] and h[0].tolist() == [2.0, 2.0, 2.0, 2.0]


def test_a_view_of_a_buffer_requires_grad_once_the_buffer_does() -> None:
    buffer = gg.zeros(2, 3)
    row = buffer[0]
    w = gg.ones(3, requires_grad=True)
    buffer[1].copy_(w)
    assert buffer.requires_grad and row.requires_grad  # as torch: row is rebuilt from the rebased buffer
    (row.sum() + buffer.sum()).backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


def test_a_saved_view_written_through_another_view_raises_at_backward() -> None:
    x = gg.ones(3, 4, requires_grad=True)
    h = x * 1
    z = (h[0] * h[0]).sum()  # saves the view h[0]
    h[:, 0].add_(1)  # overlaps h[0] in one element
    with pytest.raises(RuntimeError, match=r"shape \(4,\) saved by MulBackward is at version 1, expected version 0"):
        z.backward()


# ---- refused writes ---------------------------------------------------------------------------------------------
def torch_message(write) -> str:
    with pytest.raises(RuntimeError) as error:
        write(torch)
    return str(error.value)


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_refused() -> None:
    def write(lib):
        x = lib.ones(3, 4, requires_grad=True)
        x[0].mul_(2)

    assert "a view of a leaf Variable that requires grad" in torch_message(write)
    with pytest.raises(
        RuntimeError,
        match=r"mul_: a view \(shape \(4,\)\) of a leaf tensor that requires grad \(shape \(3, 4\)\) .*no_grad",
    ):
        write(gg)


@pytest.mark.parametrize(
    "write",
    [
        lambda x: x.view(-1)[0:2].zero_(),
        lambda x: x[0].__setitem__(1, 5.0),
        lambda x: x.t().copy_(gg.zeros(4, 3)),
        lambda x: x[1].uniform_(),
    ],
)
def test_every_in_place_op_on_a_view_of_a_leaf_is_refused(write) -> None:
    x = gg.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="of a leaf tensor that requires grad"):
        write(x)
    assert x.tolist() == [[1.0] * 4] * 3  # refused before anything was written


def test_in_place_on_a_view_of_a_leaf_under_no_grad_writes_and_bumps_the_version() -> None:
    x = gg.ones(3, 4, requires_grad=True)
    with gg.no_grad():
        x[0].mul_(2)
        x[1:, 2] = 5.0
    assert x.tolist() == [[2.0] * 4, [1.0, 1.0, 5.0, 1.0], [1.0, 1.0, 5.0, 1.0]]
    assert x._version == 2 and x.is_leaf


@pytest.mark.parametrize(
    ("make_views", "creator"),
    [
        (lambda h: h.split(2, dim=1), "Split"),
        (lambda h: h.chunk(3, dim=0), "Split"),
        (lambda h: h.unbind(0), "Split"),
        (lambda h: [v.reshape(-1) for v in h.split(1)], "Split"),  # a view of such a view, as torch
    ],
)
def test_in_place_on_outputs_of_split_chunk_unbind_is_refused(make_views, creator) -> None:
    def write(lib):
        x = lib.ones(3, 4, requires_grad=True)
        make_views(x * 1)[0].mul_(2)

    assert "is the output of a function that returns multiple views" in torch_message(write)
    with pytest.raises(
        RuntimeError, match=rf"mul_: the tensor being modified in place .* is an output of {creator} \(split, chunk"
    ):
        write(gg)


def test_outputs_of_split_refuse_to_rebuild_after_their_base_is_written() -> None:
    def write_and_read(lib):
        x = lib.ones(4, requires_grad=True)
        h = x * 1
        first, _ = h.split(2)
        h.mul_(2)
        return first * 1

    assert "its base or another view of its base has been modified inplace" in torch_message(write_and_read)
    with pytest.raises(RuntimeError, match=r"base or another view of its base was modified .* an output of Split"):
        write_and_read(gg)


def test_a_stale_output_of_split_refuses_every_use_but_answers_requires_grad() -> None:
    h = gg.ones(4, requires_grad=True) * 1
    first, _ = h.split(2)
    h.mul_(2)
    for _ in range(2):  # the refusal does not wear off after the first one
        assert first.requires_grad  # as torch
        with pytest.raises(RuntimeError, match="an output of Split"):
            first.sum()
    assert repr(first) == repr(_stale_split_output(torch)) == "tensor([2., 2.], grad_fn=<Invalid>)"


def _stale_split_output(lib):
    h = lib.ones(4, requires_grad=True) * 1
    first, _ = h.split(2)
    h.mul_(2)
    return first


def test_outputs_of_split_without_grad_can_be_written() -> None:
    for lib in (gg, torch):
        base = lib.zeros(4)
        base.split(2)[1].add_(1)
        assert base.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_a_view_made_under_no_grad_refuses_a_tracked_write() -> None:
    def write(lib):
        x = lib.ones(3, requires_grad=True)
        h = x * 1
        with lib.no_grad():
            v = h[0:2]
        v.mul_(2)

    assert "A view was created in no_grad mode" in torch_message(write)
    with pytest.raises(RuntimeError, match=r"mul_: the tensor being modified in place .* was made under no_grad"):
        write(gg)


@pytest.mark.parametrize(
    "write", [lambda lib, t: t.add_(1), lambda lib, t: t.copy_(lib.ones(2, 3)), lambda lib, t: t.uniform_()]
)
def test_in_place_on_an_expanded_tensor_gives_torch_s_meaning(write) -> None:
    assert "more than one element of the written-to tensor refers to a single memory location" in torch_message(
        lambda lib: write(lib, lib.zeros(3).expand(2, 3))
    )
    with pytest.raises(RuntimeError, match=r"more than one element of the written-to tensor \(shape \(2, 3\)"):
        write(gg, gg.zeros(3).expand(2, 3))
    with gg.no_grad(), pytest.raises(RuntimeError, match="clone"):
        write(gg, gg.zeros(3).expand(2, 3))


@pytest.mark.parametrize("write", [lambda t: t.zero_(), lambda t: t.fill_(1.0), lambda t: t.masked_fill_(t > -1, 1.0)])
def test_filling_an_expanded_tensor_is_allowed_as_in_torch(write) -> None:
    # every element gets one value, so torch allows these three
    results = []
    for lib in (gg, torch):
        base = lib.zeros(3)
        write(base.expand(2, 3))
        results.append(base.numpy())
    np.testing.assert_array_equal(*results)


def test_expand_that_only_adds_sizes_of_one_is_a_writable_view() -> None:
    for lib in (gg, torch):
        base = lib.zeros(3)
        base.expand(1, 3).add_(2)
        assert base.tolist() == [2.0, 2.0, 2.0]


def test_in_place_on_read_only_memory_is_refused_clearly() -> None:
    array = np.zeros(3, dtype=np.float32)
    array.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"add_: the tensor's memory \(shape \(3,\)\) is read-only.*clone"):
        gg.from_numpy(array).add_(1)


def test_detach_in_place_of_a_view_is_refused() -> None:
    h = gg.ones(3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"detach_: can't detach a view \(shape \(2,\)\) in place.*v.detach\(\)"):
        h[0:2].detach_()


# ---- view(): a view or an error ------------------------------------------------------------------------------
def test_view_refuses_strides_that_need_a_copy_and_points_to_reshape() -> None:
    with pytest.raises(RuntimeError, match=r"Use \.reshape"):
        torch.zeros(4, 3).t().view(12)
    with pytest.raises(
        RuntimeError,
        match=r"view: shape \(12,\) is not compatible with the input's shape \(3, 4\) and strides \(1, 3\) .*"
        r"Use \.reshape\(12\) instead",
    ):
        gg.zeros(4, 3).t().view(12)
    x = gg.zeros(4, 3)
    with pytest.raises(RuntimeError, match="view"):
        x.t().view(12)[0] = 5  # the silent-copy bug: x used to stay unchanged
    assert x.sum().item() == 0.0


def test_view_shares_memory_where_the_strides_allow() -> None:
    x = gg.zeros(4, 3)
    v = x.t().view(3, 2, 2)  # splits the last dim of a transposed tensor: allowed, as torch
    assert tuple(torch.zeros(4, 3).t().view(3, 2, 2).shape) == (3, 2, 2)
    v[1, 0, 1] = 5.0
    assert x[1, 1].item() == 5.0
    flat = x.view(-1)
    flat[11] = 2.0
    assert x[3, 2].item() == 2.0
    assert x.view_as(gg.zeros(2, 6))[1, 5].item() == 2.0


@pytest.mark.parametrize("dtype", ["int32", "float16", "float64", "int8", "float32"])
def test_view_as_a_dtype_reads_the_same_bytes_as_torch(dtype) -> None:
    values = np.array([[1.0, -2.5], [3.25, 1e-3]], dtype=np.float32)
    ours = gg.tensor(values, requires_grad=True).view(getattr(gg, dtype))
    theirs = torch.tensor(values, requires_grad=True).view(getattr(torch, dtype))
    assert tuple(ours.shape) == tuple(theirs.shape) and not ours.requires_grad and not theirs.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_view_as_a_dtype_shares_memory_and_version_and_refuses_strided_last_dims() -> None:
    x = gg.ones(3)
    bits = x.view(gg.int32)
    bits[0] = 0
    assert x.tolist() == [0.0, 1.0, 1.0] and x._version == 1  # one memory, one counter
    with pytest.raises(RuntimeError, match=r"stride\(-1\) must be 1"):
        torch.ones(2, 2).t().view(torch.float16)
    with pytest.raises(RuntimeError, match=r"view: viewing glassgrad.float32 as glassgrad.float16 .*contiguous"):
        gg.ones(2, 2).t().view(gg.float16)


def test_reshape_still_copies_when_it_must() -> None:
    x = gg.arange(12.0).reshape(4, 3)
    flat = x.t().reshape(12)
    np.testing.assert_array_equal(flat.numpy(), torch.arange(12.0).reshape(4, 3).t().reshape(12).numpy())
    flat[0] = 100.0
    assert x[0, 0].item() == 0.0  # a copy: not a view of x


# ---- fill_, zero_, copy_ -------------------------------------------------------------------------------------
def test_fill_and_zero_ignore_inf_and_nan() -> None:
    for lib in (gg, torch):
        assert lib.tensor([float("inf"), float("nan"), 1.0]).fill_(0).tolist() == [0.0, 0.0, 0.0]
        assert lib.tensor([float("-inf"), float("nan"), 1.0]).zero_().tolist() == [0.0, 0.0, 0.0]
        assert lib.tensor([float("nan"), 2.0]).copy_(lib.tensor([1.0, 3.0])).tolist() == [1.0, 3.0]


FILL_WRITES = {  # each writes into h = x * 1; the test reads h
    "fill_": lambda h, x, y: h.fill_(2.5),
    "zero_": lambda h, x, y: h.zero_(),
    "fill_with_a_0d_tensor": lambda h, x, y: h.fill_(y[1] * 3),
    "copy_broadcast_source": lambda h, x, y: h.copy_(y * 2),
    "copy_from_float64": lambda h, x, y: h.copy_(y.double().exp()),
    "copy_keeps_nothing_of_the_old_graph": lambda h, x, y: (h.copy_(y), h.mul_(y)),
}


@pytest.mark.parametrize("write", FILL_WRITES.values(), ids=FILL_WRITES.keys())
def test_fill_zero_copy_gradients_match_torch(write) -> None:
    assert_matches_torch(write)


def copy_into_float64(h, x, y):
    wide = x.double() * 1
    wide.copy_(y.exp())
    return wide


def uniform_cuts_the_old_graph(h, x, y):
    h.uniform_()
    return h - h.detach()  # random values differ between the libraries: 0 in both, with h's gradient path


def normal_on_a_view(h, x, y):
    h[0:2].normal_()
    return h - h.detach()


@pytest.mark.parametrize("case", [copy_into_float64, uniform_cuts_the_old_graph, normal_on_a_view])
def test_copy_and_random_fills_match_torch(case) -> None:
    assert_matches_torch(case, read_returned=True)


def test_fill_zero_copy_are_one_op_with_a_zero_gradient_to_the_old_values() -> None:
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.zero_()
    assert h.grad_fn.name() == "CopyBackward"
    h.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # torch gives zeros too (not None)


def test_copy_gradient_keeps_the_source_dtype() -> None:
    source = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    destination = gg.zeros(3, 2)
    destination.copy_(source)
    assert destination.dtype == gg.float32
    destination.sum().backward()
    assert source.grad.dtype == gg.float64 and source.grad.tolist() == [3.0, 3.0]


def test_fill_and_copy_refuse_mismatched_values() -> None:
    with pytest.raises(RuntimeError, match=r"fill_: the value must be a number or a 0-dimensional tensor.*\(2,\)"):
        gg.zeros(3).fill_(gg.ones(2))
    with pytest.raises(ValueError, match=r"copy_: the source of shape \(2,\) does not broadcast to .*\(3,\)"):
        gg.zeros(3).copy_(gg.ones(2))
    with pytest.raises(TypeError, match="copy_: source must be a Tensor, got float; use fill_"):
        gg.zeros(3).copy_(1.0)


# ---- every view op against every in-place op ---------------------------------------------------------------
VIEW_CHAINS = {
    "row": lambda h: h[1],
    "column": lambda h: h[:, 2],
    "strided_block": lambda h: h[0::2, 1:3],
    "transpose_row": lambda h: h.t()[3],
    "flat_slice": lambda h: h.view(-1)[2:9],
    "reshape_3d_permuted": lambda h: h.reshape(3, 2, 2).permute(1, 0, 2)[1],
    "unsqueezed_squeezed": lambda h: h.unsqueeze(1).squeeze(1)[2, 1:],
    "expand_of_nothing": lambda h: h.expand(1, 3, 4)[0, 0],
}
WRITES = {
    "mul_tensor": lambda v, y: v.mul_(_fit(y, v) + 2),
    "add_scaled": lambda v, y: v.add_(_fit(y, v), alpha=-3),
    "zero_": lambda v, y: v.zero_(),
    "copy_": lambda v, y: v.copy_(_fit(y, v).exp()),
    "setitem_first": lambda v, y: v.__setitem__((0,) * v.ndim, y.sum()),
    "clamp_": lambda v, y: v.clamp_(-0.3, 0.4),
}


def _fit(y, v):
    """y's first elements shaped as v (a value to write that depends on the leaf y)."""
    flat = library_of(y).cat([y, y, y])[: v.numel()]
    return flat.reshape(tuple(v.shape))


@pytest.mark.parametrize("read", ["base", "earlier_view"])
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("chain", VIEW_CHAINS.values(), ids=VIEW_CHAINS.keys())
def test_every_view_chain_and_write_matches_torch(chain, write, read) -> None:
    def case(h, x, y):
        earlier = h[:, 1:3]  # taken before the write: it must read the new graph
        write(chain(h), y)
        return h if read == "base" else earlier

    assert_matches_torch(case, read_returned=True)


def test_a_write_through_a_reshape_that_is_a_view_only_on_the_base_s_layout() -> None:
    # h is column-major (NumPy keeps x's layout), so h.t().reshape(12) is a view of h; on the row-major
    # gradient the same steps copy, and CopySlices' backward selects the region by flat positions instead.
    values = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
    grads = []
    # torch's h is row-major, where that reshape copies: it writes the same elements of h.t() as two row slices.
    writes = {
        gg: lambda h: h.t().reshape(12)[1:5].mul_(3),
        torch: lambda h: (h.t()[0, 1:3].mul_(3), h.t()[1, 0:2].mul_(3)),
    }
    leaves = (gg.from_numpy(np.asfortranarray(values)).requires_grad_(), torch.tensor(values, requires_grad=True))
    for lib, x in zip((gg, torch), leaves):
        h = x * 1
        writes[lib](h)
        (h * lib.arange(12.0).reshape(3, 4)).sum().backward()
        grads.append((h.detach().numpy().copy(), x.grad.numpy().copy()))
    assert not gg.from_numpy(np.asfortranarray(values)).t().reshape(12).array.flags.owndata  # the premise
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
