"""A fuzzed program: leaf values and steps over a pool of live tensors, printable as a reproducer.

A program is a list of `Step`s over a pool of live tensors. Leaf steps (`op == "leaf"`) add float tensors that
require grad; every other step applies one op of table.OPS to pool tensors and appends its result(s) to the
pool. runner.py runs it in both frameworks; strategies.py draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# ---- programs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A leaf's values: seeded normal numbers, optionally rounded to halves (ties) and with special values."""

    shape: tuple[int, ...]
    dtype: str
    seed: int
    ties: bool = False
    specials: tuple[tuple[int, float], ...] = ()  # (flat index, value)

    def values(self) -> np.ndarray:
        values = np.random.default_rng(self.seed).standard_normal(self.shape)
        if self.ties:
            values = np.round(values * 2) / 2
        flat = values.reshape(-1)
        for index, value in self.specials:
            if flat.size:
                flat[index % flat.size] = value
        return values.astype(self.dtype)


@dataclass(frozen=True)
class Step:
    op: str  # a name in OPS, or "leaf"
    args: tuple[int, ...] = ()  # pool indices of the tensor inputs
    params: dict = field(default_factory=dict)
    leaf: Leaf | None = None
    outputs: int = 1  # how many tensors the step adds to the pool (0: PyTorch refuses it)

    def __repr__(self) -> str:
        if self.leaf is not None:
            return f"leaf{self.leaf}"
        inputs = ", ".join(f"t{i}" for i in self.args)
        params = "".join(f", {name}={_short(value)}" for name, value in self.params.items())
        return f"{self.op}({inputs}{params})"


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


@dataclass(frozen=True)
class Program:
    steps: tuple[Step, ...]
    weight_seed: int = 0

    def __repr__(self) -> str:
        lines, count = [], 0
        for step in self.steps:
            names = ", ".join(f"t{count + k}" for k in range(step.outputs)) or "raises"
            lines.append(f"    {names} = {step!r}")
            count += step.outputs
        return "Program(\n" + "\n".join(lines) + f"\n    weight_seed={self.weight_seed})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis prints a falsifying example
        printer.text(repr(self))


