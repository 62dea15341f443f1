"""Shared helpers of the distribution tests: the same distribution in glassgrad and torch.distributions,
compared on a value and on the gradients of that value with respect to every floating parameter, and a
sampling-statistics bound computed from the number of draws.

Tolerances: float32 results are compared at rtol = atol = 2e-5 (a few ulps, after a handful of ops whose
rounding differs between the two libraries: PyTorch fuses some of them), float64 at 1e-11.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg

TOLERANCE = {"float32": 2e-5, "float64": 1e-11}
SIGMAS = 5.0  # a statistic must fall within 5 standard errors: a false failure has probability below 6e-7


def run_both(
    make: Callable[[Any, dict], Any],
    evaluate: Callable[[Any, Callable], Any],
    parameters: dict[str, np.ndarray],
    dtype: str = "float32",
    tolerance: float | None = None,
) -> Any:
    """Build `make(distributions_module, tensors)` in both libraries from the same parameter arrays, compare
    `evaluate(distribution, as_tensor)` and the gradients of its projection on a fixed random upstream with
    respect to each floating parameter. Returns glassgrad's output."""
    torch = pytest.importorskip("torch")
    results = []
    for library, distributions in ((gg, gg.distributions), (torch, torch.distributions)):
        def as_tensor(array: Any, library: Any = library) -> Any:
            array = np.asarray(array)
            return library.tensor(array.astype(dtype) if array.dtype.kind == "f" else array)

        tensors = {
            name: library.tensor(array.astype(dtype), requires_grad=True) if array.dtype.kind == "f"
            else library.tensor(array)
            for name, array in parameters.items()
        }
        output = evaluate(make(distributions, tensors), as_tensor)
        gradients = {}
        if output.requires_grad:
            upstream = np.random.default_rng(1).standard_normal(tuple(output.shape)).astype(dtype)
            output.backward(library.tensor(upstream))
            gradients = {name: tensor.grad for name, tensor in tensors.items() if tensor.requires_grad}
        results.append((output, gradients))
    (ours, our_gradients), (theirs, their_gradients) = results
    tolerance = tolerance or TOLERANCE[dtype]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=tolerance, atol=tolerance)
    assert our_gradients.keys() == their_gradients.keys()
    for name in their_gradients:
        if their_gradients[name] is None:
            assert our_gradients[name] is None or not np.any(_numpy(our_gradients[name])), name
            continue
        assert our_gradients[name] is not None, f"no gradient for {name}"
        np.testing.assert_allclose(_numpy(our_gradients[name]), _numpy(their_gradients[name]),
                                   rtol=tolerance, atol=tolerance, err_msg=f"gradient of {name}")
    return ours


def _numpy(tensor: Any) -> np.ndarray:
    return np.asarray(tensor.detach().cpu().numpy(), dtype=np.float64)


def assert_within_standard_errors(estimate: np.ndarray, truth: np.ndarray, standard_error: np.ndarray) -> None:
    """|estimate − truth| ≤ SIGMAS standard errors, elementwise (the standard error computed by the caller)."""
    deviation = np.abs(np.asarray(estimate, dtype=np.float64) - truth) / standard_error
    assert np.all(deviation <= SIGMAS), f"deviations in standard errors: {deviation}"
