"""Run one program in glassgrad and in PyTorch, and find the first place where the two disagree.

`execute` runs the steps in one framework and records a `Trace`: the outputs of each step, the error that ended
the program (if any), then the values of every pool tensor, and the gradients of the leaves (and, without
in-place writes, of every intermediate tensor through `retain_grad`) after `backward` of a weighted sum of all
outputs: loss = Σ_k Σ (w_k * t_k) with fixed random weights w_k, so each output gets its own gradient.

`compare` checks glassgrad's trace against PyTorch's. float64 programs must agree to about 1e-7 relative to
each array's scale. float32 programs are also run by PyTorch in float64 (every leaf upcast), and an element of
glassgrad passes when it is close to PyTorch's float32 result or no further from the float64 result than four
times PyTorch's own float32 error: reductions and cancellations in float32 differ in the last bits between
implementations, and chains of ops amplify that. A `Mismatch` has a signature (kind, op) that names the op
where it shows; for a gradient, each op's backward is rerun alone on PyTorch's inputs and upstream gradient to
find the one at fault ("engine:<consumers>" when none is wrong alone). Object identity is checked last: an op
that returns its input itself, where PyTorch returns a new tensor, is an "alias" mismatch.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .program import Program
from .table import GLASSGRAD, OPS, TORCH, Lib, dtype_name, run_step

RTOL64 = 1e-7
RTOL32 = 2e-4


@dataclass
class Trace:
    steps: list = field(default_factory=list)  # per op step: a list of (array, dtype, requires_grad)
    error: tuple | None = None  # (step index, exception) of the step that raised
    final: list = field(default_factory=list)  # every pool tensor after the program, as arrays
    grads: dict = field(default_factory=dict)  # pool index -> gradient array (None when not reached)
    backward_error: Exception | None = None
    aliased: set = field(default_factory=set)      # pool indices whose object sits at another index too


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "raises", "shape", "dtype", "requires_grad", "value", "grad", "backward raises"
    op: str  # the op where it shows (for a gradient: the op that consumed the tensor)
    detail: str

    def signature(self) -> tuple[str, str]:
        return self.kind, self.op


def execute(program: Program, L: Lib, upcast: bool = False) -> Trace:
    """Run `program` in framework `L` (every leaf as float64 when `upcast`)."""
    trace = Trace()
    pool: list = []
    leaf_indices: list[int] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in program.steps:
            if step.leaf is not None:
                values = step.leaf.values()
                leaf_indices.append(len(pool))
                pool.append(L.tensor(values.astype(np.float64) if upcast else values, requires_grad=True))
                continue
            inputs = [pool[i] for i in step.args]
            try:
                outputs = run_step(L, OPS[step.op], inputs, step.params)
            except Exception as error:  # noqa: BLE001 - any exception: the fuzzer compares raising, not types
                trace.error = (len(trace.steps), error)
                break
            pool.extend(outputs)
            trace.steps.append([_output_record(L, t, inputs) for t in outputs])
            if step.outputs and len(outputs) != step.outputs:  # later indices would be off; compare reports it
                break
        trace.final = [L.numpy(t) for t in pool]
        _backward(program, L, pool, leaf_indices, trace)
    return trace


def _output_record(L: Lib, t: Any, inputs: list) -> tuple:
    """(values, dtype, requires_grad, whether the op returned one of its inputs itself) of one output."""
    return L.numpy(t), dtype_name(t), bool(t.requires_grad), any(t is x for x in inputs)


def _backward(program: Program, L: Lib, pool: list, leaf_indices: list[int], trace: Trace) -> None:
    """Backward of Σ_k w_k t_k over the non-leaf pool tensors; gradients of leaves (and retained ones).

    Every pool index gets its own term, even where one object sits at two indices (an op that returned its
    input, an in-place op returning self), so the loss is the same function in both frameworks whatever the
    object identities; gradients are compared only at indices whose object is nowhere else in the pool.
    """
    inplace = _has_inplace(program)
    counts: dict[int, int] = {}
    for t in pool:
        counts[id(t)] = counts.get(id(t), 0) + 1
    trace.aliased = {index for index, t in enumerate(pool) if counts[id(t)] > 1}
    outputs = [(index, t) for index, t in enumerate(pool) if index not in leaf_indices and t.requires_grad]
    if not outputs:
        return
    if not inplace:
        for _, t in outputs:
            t.retain_grad()
    rng = np.random.default_rng(program.weight_seed)
    try:
        loss = sum((t * L.const(rng.standard_normal(t.shape), like=t)).sum() for _, t in outputs)
        loss.backward()
    except Exception as error:  # noqa: BLE001
        trace.backward_error = error
        return
    reported = leaf_indices + ([] if inplace else [index for index, _ in outputs])
    for index in reported:
        grad = pool[index].grad
        trace.grads[index] = None if grad is None else L.numpy(grad)


def run_both(program: Program) -> tuple[Trace, Trace, Trace | None]:
    """glassgrad's trace, PyTorch's, and PyTorch's float64 reference when the program has float32 leaves."""
    has_float32 = any(step.leaf is not None and step.leaf.dtype == "float32" for step in program.steps)
    reference = execute(program, TORCH, upcast=True) if has_float32 else None
    return execute(program, GLASSGRAD), execute(program, TORCH), reference


def compare(program: Program, ours: Trace, theirs: Trace, reference: Trace | None = None) -> Mismatch | None:
    """The first disagreement between glassgrad's trace (`ours`) and PyTorch's (`theirs`), or None."""
    op_steps = [step for step in program.steps if step.leaf is None]
    for number, (mine, torch_outputs) in enumerate(zip(ours.steps, theirs.steps)):
        reference_outputs = reference.steps[number] if reference and number < len(reference.steps) else None
        found = _compare_outputs(op_steps[number].op, mine, torch_outputs, reference_outputs)
        if found:
            return found
    if (ours.error is None) != (theirs.error is None) or len(ours.steps) != len(theirs.steps):
        return _raise_mismatch(program, ours, theirs)
    if ours.error is not None:
        return None  # both refused the same step: nothing more to compare
    for index, (mine, torch_value) in enumerate(zip(ours.final, theirs.final)):
        reference_value = reference.final[index] if reference else None
        if not _close(mine, torch_value, reference_value):
            return Mismatch("value after in-place", _producer(program, index), _describe(mine, torch_value))
    if (ours.backward_error is None) != (theirs.backward_error is None):
        raised = "glassgrad" if ours.backward_error is not None else "torch"
        error = ours.backward_error or theirs.backward_error
        return Mismatch("backward raises", raised, f"only {raised} raised in backward: {error!r}"[:300])
    return _compare_grads(program, ours, theirs, reference) or _compare_aliases(op_steps, ours, theirs)


def _compare_outputs(op: str, mine: list, theirs: list, reference: list | None) -> Mismatch | None:
    if len(mine) != len(theirs):
        return Mismatch("outputs", op, f"glassgrad gave {len(mine)} outputs, torch {len(theirs)}")
    for k, ((array, dtype, grad, _), (torch_array, torch_dtype, torch_grad, _)) in enumerate(zip(mine, theirs)):
        if array.shape != torch_array.shape:
            return Mismatch("shape", op, f"output {k}: glassgrad {array.shape}, torch {torch_array.shape}")
        if dtype != torch_dtype:
            return Mismatch("dtype", op, f"output {k}: glassgrad {dtype}, torch {torch_dtype}")
        if grad != torch_grad:
            return Mismatch("requires_grad", op, f"output {k}: glassgrad {grad}, torch {torch_grad}")
        if not _close(array, torch_array, reference[k][0] if reference else None):
            return Mismatch("value", op, f"output {k}: " + _describe(array, torch_array))
    return None


def _compare_aliases(op_steps: list, ours: Trace, theirs: Trace) -> Mismatch | None:
    """An op that returns its input object where PyTorch returns a new tensor (a no-op view): hooks,
    retain_grad and requires_grad_ on the result then act on the input. Checked last, so it hides nothing."""
    for step, mine, torch_outputs in zip(op_steps, ours.steps, theirs.steps):
        for k, (record, torch_record) in enumerate(zip(mine, torch_outputs)):
            if record[3] != torch_record[3]:
                return Mismatch(
                    "alias", step.op, f"output {k} is its input: glassgrad {record[3]}, torch {torch_record[3]}"
                )
    return None


def _raise_mismatch(program: Program, ours: Trace, theirs: Trace) -> Mismatch:
    """The first step where one framework raised and the other went on (both may raise, at different steps)."""
    op_steps = [step for step in program.steps if step.leaf is None]
    first = min(trace.error[0] for trace in (ours, theirs) if trace.error is not None)
    raised, trace = ("glassgrad", ours) if ours.error is not None and ours.error[0] == first else ("torch", theirs)
    number, error = trace.error
    return Mismatch("raises", op_steps[number].op, f"only {raised} raised: {error!r}"[:300])


def _compare_grads(program: Program, ours: Trace, theirs: Trace, reference: Trace | None) -> Mismatch | None:
    wrong = []
    for index, torch_grad in theirs.grads.items():
        if index in ours.aliased | theirs.aliased:
            continue
        mine = ours.grads.get(index)
        if (mine is None) != (torch_grad is None):
            wrong.append(
                (index, f"t{index}.grad: glassgrad {_none_or_shape(mine)}, torch {_none_or_shape(torch_grad)}")
            )
        elif mine is not None and (
            mine.shape != torch_grad.shape
            or not _close(
                mine,
                torch_grad,
                reference.grads.get(index) if reference else None,
                float32_path=_reaches_float32(program, theirs, index),
            )
        ):
            wrong.append((index, f"t{index}.grad: " + _describe(mine, torch_grad)))
    if not wrong:
        return None
    # Backward runs from the last tensor to the first: the latest tensor with a wrong gradient got it from
    # an op that consumed it, while everything after it was still right. Without in-place writes, each op's
    # own backward is also checked alone (`_culprit`), which names the op exactly.
    index, detail = max(wrong)
    culprit = None if _has_inplace(program) else _culprit(program, theirs)
    return Mismatch("grad", culprit or "engine:" + _consumers(program, index), detail)


def _reaches_float32(program: Program, theirs: Trace, index: int) -> bool:
    """Whether a tensor feeds an op with a float32 output: its gradient is then a float32 sum cast up (a float64
    0-d leaf minus a float32 tensor is float32 in PyTorch's promotion), so it carries float32 round-off."""
    first_output = 0
    for step in program.steps:
        count = 1 if step.leaf is not None else step.outputs
        if step.leaf is None and index in step.args:
            outputs = theirs.final[first_output : first_output + count]
            if any(getattr(out, "dtype", None) == np.float32 for out in outputs):
                return True
        first_output += count
    return False


def _has_inplace(program: Program) -> bool:
    return any(OPS[step.op].inplace for step in program.steps if step.leaf is None)


def _culprit(program: Program, theirs: Trace) -> str | None:
    """The last op whose backward alone disagrees with PyTorch's on the same inputs and upstream gradients.

    The inputs are PyTorch's values of the op's input tensors, the upstream gradients PyTorch's retained
    gradients of its outputs; both frameworks run the one op on fresh leaves holding those values."""
    first_output = 0
    steps = []
    for step in program.steps:
        steps.append((step, first_output))
        first_output += 1 if step.leaf is not None else step.outputs
    for step, first in reversed(steps):
        if step.leaf is not None or not step.outputs:
            continue
        inputs = [theirs.final[i] for i in step.args]
        upstream = [theirs.grads.get(first + k) for k in range(step.outputs)]
        if _local_backward_differs(step, inputs, upstream):
            return step.op
    return None


def _local_backward_differs(step: Any, inputs: list, upstream: list) -> bool:
    results = []
    for L, upcast in ((GLASSGRAD, False), (TORCH, False), (TORCH, True)):
        try:
            results.append(_local_grads(L, step, inputs, upstream, upcast))
        except Exception:  # noqa: BLE001 - glassgrad raising where PyTorch did not is a difference
            results.append(None)
    mine, theirs, reference = results
    if theirs is None or reference is None:
        return False
    if mine is None or len(mine) != len(theirs):
        return True
    for grad, torch_grad, reference_grad in zip(mine, theirs, reference):
        if (grad is None) != (torch_grad is None):
            return True
        if grad is not None and not _close(grad, torch_grad, reference_grad if grad.dtype == np.float32 else None):
            return True
    return False


def _local_grads(L: Lib, step: Any, inputs: list, upstream: list, upcast: bool) -> list:
    leaves = [L.tensor(a.astype(np.float64) if upcast else a, requires_grad=True) for a in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = run_step(L, OPS[step.op], leaves, step.params)
        terms = [(t * L.const(g, like=t)).sum() for t, g in zip(outputs, upstream) if g is not None]
        if terms:
            sum(terms).backward()
    return [None if t.grad is None else L.numpy(t.grad) for t in leaves]


def _none_or_shape(array: np.ndarray | None) -> str:
    return "None" if array is None else f"an array of shape {array.shape}"


def _positions(program: Program) -> list[tuple[int, str]]:
    """For each pool index, (step number, op name) of the step that produced it."""
    positions = []
    for number, step in enumerate(program.steps):
        positions.extend([(number, step.op if step.leaf is None else "leaf")] * (1 if step.leaf else step.outputs))
    return positions


def _producer(program: Program, index: int) -> str:
    return _positions(program)[index][1]


def _consumers(program: Program, index: int) -> str:
    ops = sorted({step.op for step in program.steps if step.leaf is None and index in step.args})
    return "+".join(ops) or "loss"


def _close(
    mine: np.ndarray, theirs: np.ndarray, reference: np.ndarray | None, float32_path: bool = False
) -> bool:
    """Equal non-finite values and close finite ones (see the module docstring for float32); `float32_path`
    holds a float64 array to float32's tolerance when it was computed in float32."""
    if mine.shape != theirs.shape:
        return False
    if mine.dtype == bool or mine.dtype.kind in "iu":
        return bool(np.array_equal(mine, theirs))
    with np.errstate(invalid="ignore"):  # inf − inf below is nan, which is "not close"
        dtype = np.dtype(np.float32) if float32_path else theirs.dtype
        return _close_floats(mine.astype(np.float64), theirs.astype(np.float64), dtype, reference)


def _close_floats(mine64: np.ndarray, theirs64: np.ndarray, dtype: np.dtype, reference: np.ndarray | None) -> bool:
    finite = np.isfinite(theirs64)
    scale = float(np.max(np.abs(theirs64[finite]), initial=1.0))
    rtol = RTOL32 if dtype == np.float32 else RTOL64
    close = np.isclose(mine64, theirs64, rtol=rtol, atol=rtol * scale, equal_nan=True)
    if reference is not None and reference.shape == mine64.shape:
        reference = reference.astype(np.float64)
        own_error = np.abs(theirs64 - reference)
        close |= np.abs(mine64 - reference) <= 4 * own_error + rtol * scale
        close |= ~finite & ~np.isfinite(mine64) & np.isfinite(reference)  # both overflow where float64 does not
    return bool(close.all())


def _describe(mine: np.ndarray, theirs: np.ndarray) -> str:
    with np.errstate(all="ignore"):
        difference = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
    worst = int(np.nanargmax(np.where(np.isnan(difference), np.inf, difference))) if difference.size else 0
    return (
        f"{mine.dtype} {mine.shape}: at flat index {worst} glassgrad {mine.reshape(-1)[worst]!r}, "
        f"torch {theirs.reshape(-1)[worst]!r}"
    )[:300]


def check(program: Program) -> Mismatch | None:
    """Run the program in both frameworks and return the first disagreement (None when they agree)."""
    return compare(program, *run_both(program))
