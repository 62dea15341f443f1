"""Every case of the op table computes the same values and gradients as PyTorch, in float32 and float64.

Gradients are compared through one scalar loss Σ sum(outᵢ · vᵢ) with fixed random vᵢ, so a single backward
checks the vector-Jacobian product of every output, as `.backward()` delivers it into the leaves.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

from .test_table import DEVICES, Case, as_outputs, case_params, inputs_for

TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()


def dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


def check_parity(
    fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    arrays: list[np.ndarray],
    device: str = "cpu",
    rtol: float = 1e-5,
) -> None:
    """Run fn on glassgrad and torch_fn on torch tensors made from `arrays`; compare outputs and grads."""
    torch = pytest.importorskip("torch")
    gg_inputs = [gg.tensor(a, device=device, requires_grad=True) for a in arrays]
    torch_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    gg_outputs = as_outputs(fn(gg, *gg_inputs))
    torch_outputs = as_outputs(torch_fn(torch, *torch_inputs))
    assert len(gg_outputs) == len(torch_outputs), "different numbers of outputs"

    for index, (ours, theirs) in enumerate(zip(gg_outputs, torch_outputs)):
        where = f"output {index}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: shape {ours.shape} vs {theirs.shape}"
        assert dtype_name(ours) == dtype_name(theirs), f"{where}: dtype {ours.dtype} vs {theirs.dtype}"
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=rtol, atol=rtol,
                                   err_msg=f"output {index} values")
        assert ours.device.type == device, f"{where}: on {ours.device}, expected {device}"

    rng = np.random.default_rng(1)
    projections = [rng.standard_normal(tuple(out.shape)).astype(dtype_name(out)) for out in torch_outputs]
    differentiable = [i for i, out in enumerate(torch_outputs) if out.requires_grad]
    ours_differentiable = [i for i, out in enumerate(gg_outputs) if out.requires_grad]
    assert differentiable == ours_differentiable, "requires_grad of the outputs differs"
    if not differentiable:
        return
    sum(((torch_outputs[i] * torch.tensor(projections[i])).sum() for i in differentiable)).backward()
    sum(((gg_outputs[i] * gg.tensor(projections[i], device=device)).sum() for i in differentiable)).backward()
    for index, (ours, theirs) in enumerate(zip(gg_inputs, torch_inputs)):
        if theirs.grad is None:
            assert ours.grad is None, f"input {index}: torch has no gradient, glassgrad has one"
            continue
        assert ours.grad is not None, f"input {index}: no gradient"
        assert dtype_name(ours.grad) == dtype_name(theirs.grad), f"input {index}: grad {ours.grad.dtype}"
        np.testing.assert_allclose(to_numpy(ours.grad), to_numpy(theirs.grad), rtol=rtol, atol=rtol,
                                   err_msg=f"gradient of input {index}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", case_params())
def test_parity(case: Case, device: str, dtype: str) -> None:
    rtol = max(TOLERANCE[dtype], case.rtol32) if dtype == "float32" else TOLERANCE[dtype]
    arrays = [a.astype(dtype) for a in inputs_for(case)]
    check_parity(case.fn, case.torch_side(), arrays, device, rtol)
