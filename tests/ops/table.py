"""The machinery of the op table (tests/ops/test_table.py): a `Case`, its inputs, and what running it builds.

A `Case` is one line: a name, the Op classes it names, a function written once for both frameworks
(`fn(lib, *inputs)` with `lib` = glassgrad or torch, the two APIs being the same), the input shapes and the
input domain. `torch_fn` overrides the torch side where the spelling must differ. Constants inside a case
(indices, masks) are made with `const(lib, like, array)` so they land on the device of the inputs.
test_gradcheck.py, test_parity.py and test_gradgradcheck.py run every case of `test_table.CASES`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not cuda_is_available(), reason="needs CuPy and a GPU")),
]


@dataclass(frozen=True)
class Case:
    name: str
    ops: tuple[type, ...]                  # the Op classes this case names (it covers all those it builds)
    fn: Callable[..., Any]                 # fn(lib, *inputs) -> tensor or tuple of tensors
    shapes: tuple[tuple[int, ...], ...]    # one shape per differentiable input
    domain: str | tuple[str, ...] = "real"  # see DOMAINS; one for all inputs or one per input
    torch_fn: Callable[..., Any] | None = None
    cuda_only: bool = False
    gradcheck_eps: float = 1e-6            # larger where the case rounds through float32 (casts)
    rtol32: float = 1e-5                   # float32 parity tolerance (relative and absolute)
    second_order: bool = True              # False for a case whose double backward is not checked (say why)

    def torch_side(self) -> Callable[..., Any]:
        return self.torch_fn or self.fn

    def domains(self) -> tuple[str, ...]:
        return (self.domain,) * len(self.shapes) if isinstance(self.domain, str) else self.domain


DOMAINS: dict[str, Callable[[np.random.Generator, tuple], np.ndarray]] = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    # Away from 0, for ops with a kink or pole there (abs, relu, 1/x): finite differences would straddle it.
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape),
    # Inside (0, 1) and away from its ends: probabilities, for the binary cross-entropy.
    "probability": lambda rng, shape: rng.uniform(0.1, 0.9, shape),
}


def inputs_for(case: Case) -> list[np.ndarray]:
    """The case's inputs as float64 NumPy arrays, the same on every run (seeded by the case name)."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    return [DOMAINS[domain](rng, shape) for shape, domain in zip(case.shapes, case.domains())]


def const(lib: Any, like: Any, array: Any) -> Any:
    """A constant (index, mask) tensor on the device of `like`, in either framework."""
    return lib.tensor(np.asarray(array), device=like.device)


def float_const(lib: Any, like: Any, array: Any) -> Any:
    """A constant float tensor (loss weights, running statistics) in the dtype and on the device of `like`."""
    return lib.tensor(np.asarray(array), dtype=like.dtype, device=like.device)


def as_outputs(result: Any) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def case_params(cases: list[Case]) -> list[Any]:
    """pytest params of the cases, ids by name; cuda-only cases skip without a GPU."""
    skip = pytest.mark.skipif(not cuda_is_available(), reason="needs CuPy and a GPU")
    return [pytest.param(case, id=case.name, marks=[skip] if case.cuda_only else []) for case in cases]


def ops_in_graph(outputs: tuple) -> set[type]:
    """The Op classes of every node reachable from the outputs."""
    roots = [out.grad_fn for out in outputs if out.grad_fn is not None]
    return {node.op for node in gg.autograd.topological_order(roots)}


def ops_built(case: Case) -> set[type]:
    """The Op classes in the graph that running the case builds (float64, cpu): what the case checks."""
    inputs = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in inputs_for(case)]
    return ops_in_graph(as_outputs(case.fn(gg, *inputs)))
