"""Bad input, one test per kind of mistake: each error names the op, the shapes or dtypes, and the fix."""

from __future__ import annotations

import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gg.ones(2, 3) + gg.ones(4), r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast together"),
        (lambda: gg.ones(2, 3) * gg.ones(3, 2), r"mul: shapes \(2, 3\) and \(3, 2\) cannot be broadcast"),
        (lambda: gg.maximum(gg.ones(2), gg.ones(3)), r"maximum: shapes \(2,\) and \(3,\)"),
        (lambda: gg.where(gg.ones(2) > 0, gg.ones(2), gg.ones(3)), r"where: shapes \(2,\) and \(3,\)"),
    ],
)
def test_broadcast_mismatch_names_the_op_and_shapes(call, message: str) -> None:
    with pytest.raises(ValueError, match=message + ".*unsqueeze"):
        call()


def test_matmul_mismatch_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)"):
        gg.ones(2, 3) @ gg.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul: both arguments need at least 1 dimension"):
        gg.matmul(gg.tensor(1.0), gg.ones(2))


def test_cat_and_stack_mismatch_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"cat: sizes of tensors must match except in dimension 1: got shapes "
                                         r"\[\(2, 3\), \(3, 3\)\]"):
        gg.cat([gg.ones(2, 3), gg.ones(3, 3)], dim=1)
    with pytest.raises(ValueError, match=r"stack: expects each tensor to be equal size, got shapes \[\(2,\), \(3,\)\]"):
        gg.stack([gg.ones(2), gg.ones(3)])
    with pytest.raises(ValueError, match="cat: expected a non-empty list of tensors"):
        gg.cat([])


def test_reshape_mismatch_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"reshape: shape \(4, 4\) is invalid for input of size 6 "
                                         r"\(input shape \(2, 3\)\)"):
        gg.ones(2, 3).reshape(4, 4)
    with pytest.raises(ValueError, match=r"view: invalid shape \(-1, -1\)"):
        gg.ones(2, 3).view(-1, -1)


def test_float_tensor_as_index_names_op_and_dtype() -> None:
    with pytest.raises(TypeError, match="index: tensors used as indices must be long, int, byte or bool tensors, "
                                        "got float32"):
        gg.ones(3)[gg.tensor([0.0])]


def test_bool_tensor_to_matmul_names_op_and_dtype() -> None:
    with pytest.raises(TypeError, match=r"matmul: not defined for bool tensors; convert with \.float\(\) first"):
        gg.ones(2, 2).bool() @ gg.ones(2, 2)


def test_backward_on_a_non_scalar_without_gradient_says_what_to_do() -> None:
    x = gg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: grad can be implicitly created only for scalar outputs, but the "
                                           r"output has shape \(3,\); call \.sum\(\) first or pass gradient="):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"backward: gradient has shape \(2,\) but the output has shape \(3,\)"):
        (x * 2).backward(gg.ones(2))


def test_backward_on_a_tensor_outside_the_graph_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="does not require grad.*requires_grad=True"):
        gg.ones(2).sum().backward()


def test_requires_grad_on_an_int_tensor_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"only Tensors of floating point dtype can require gradients, got "
                                           r"glassgrad.int64; convert with \.float\(\) first"):
        gg.arange(3).requires_grad_()


def test_item_on_many_elements_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"a Tensor with 4 elements cannot be converted to a Python number; reduce "
                                           r"it first \(e.g. \.sum\(\) or \.mean\(\)\) or use \.tolist\(\)"):
        gg.ones(2, 2).item()


def test_dim_out_of_range_names_the_range() -> None:
    with pytest.raises(IndexError, match=r"softmax: dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)"):
        gg.ones(2, 3).softmax(2)


def test_mean_of_integers_says_what_to_do() -> None:
    with pytest.raises(TypeError, match="mean: input dtype must be floating point, got int64; use x.float"):
        gg.arange(3).mean()


@pytest.mark.skipif(not cuda_is_available(), reason="two devices need CuPy and a GPU")
def test_tensors_on_two_devices_name_the_op_and_devices() -> None:
    with pytest.raises(ValueError, match=r"Add: expected all tensors on one device, got tensors on cpu, cuda.*\.to\("):
        gg.ones(2) + gg.ones(2, device="cuda")
    with pytest.raises(ValueError, match=r"MatMul: expected all tensors on one device"):
        gg.ones(2, 2) @ gg.ones(2, 2).cuda()


def test_cuda_without_a_gpu_says_what_is_needed() -> None:
    if cuda_is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="device 'cuda' needs CuPy and an NVIDIA GPU"):
        gg.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="device 'cuda' needs CuPy"):
        gg.zeros(2, device="cuda")
