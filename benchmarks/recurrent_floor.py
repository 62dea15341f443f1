"""How fast can one LSTM layer's training step be, given the BLAS? The matrix products it cannot avoid, timed alone.

A training step of an LSTM layer of H units over T steps of a batch of B inputs of I features does these
products, whatever the framework (the other work, the gates' elementwise arithmetic, is a few percent):

    input projection   W_ih (4H, I) @ X (I, T·B)                        one product
    recurrence         W_hh (4H, H) @ h_{t-1} (H, B)                    T products, one after the other
    recurrence, back   W_hhᵀ (H, 4H) @ dgates_t (4H, B)                 T products, one after the other
    weight gradients   dgates (4H, T·B) @ [h_prev; X]ᵀ (T·B, H + I)     one product
    input gradient     W_ihᵀ (I, 4H) @ dgates (4H, T·B)                 one product

This script times each with NumPy's BLAS (OpenBLAS, what glassgrad calls, directly or from its compiled loops)
and sums them: the floor of glassgrad's layer step on this machine. Beside it, in the same rounds, it times
PyTorch's whole layer (oneDNN's fused LSTM, forward and backward) and glassgrad's whole layer. At `--threads 2`
the per-step products are timed on one thread and halved (a perfect split of each step's units between two
cores, which the compiled loops approach but cannot beat); the one-shot products run on two BLAS threads.

    python benchmarks/recurrent_floor.py --threads 1
    python benchmarks/recurrent_floor.py --threads 2 --rounds 9
    python benchmarks/recurrent_floor.py --smoke         # tiny shapes, a few rounds (CI)
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

import numpy as np

import glassgrad as gg
from glassgrad.bench.threads import set_threads

# The lstm workload's layer (glassgrad/bench/workloads/lstm.py): LSTM(64, 256) over batch 32 × 64 steps.
SHAPE = {"steps": 64, "batch": 32, "inputs": 64, "hidden": 256}
SMOKE_SHAPE = {"steps": 5, "batch": 3, "inputs": 4, "hidden": 8}


def _milliseconds(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def products(steps: int, batch: int, inputs: int, hidden: int, threads: int) -> dict[str, Callable[[], float]]:
    """Each unavoidable product as a function returning its time in ms (per-step ones already divided by
    `threads`: see the module docstring)."""
    rng = np.random.default_rng(0)

    def noise(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    width = 4 * hidden
    w_ih, w_hh, x = noise(width, inputs), noise(width, hidden), noise(inputs, steps * batch)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    h, dgates_t, dgates = noise(hidden, batch), noise(width, batch), noise(width, steps * batch)
    previous = noise(steps * batch, hidden + inputs)
    recurrent, dh = np.empty((width, batch), np.float32), np.empty((hidden, batch), np.float32)

    def per_step(weight: np.ndarray, operand: np.ndarray, out: np.ndarray) -> Callable[[], float]:
        def run() -> float:
            set_threads(1)
            try:
                elapsed = _milliseconds(lambda: [np.matmul(weight, operand, out=out) for _ in range(steps)])
            finally:
                set_threads(threads)
            return elapsed / threads
        return run

    return {
        "input projection": lambda: _milliseconds(lambda: w_ih @ x),
        "recurrence (forward)": per_step(w_hh, h, recurrent),
        "recurrence (backward)": per_step(w_hh_t, dgates_t, dh),
        "weight gradients": lambda: _milliseconds(lambda: dgates @ previous),
        "input gradient": lambda: _milliseconds(lambda: w_ih.T @ dgates),
    }


def layer_steps(steps: int, batch: int, inputs: int, hidden: int) -> dict[str, Callable[[], float]]:
    """glassgrad's and PyTorch's whole layer, forward and backward, batch first (as in the workload)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, steps, inputs)).astype(np.float32)
    grad = rng.standard_normal((batch, steps, hidden)).astype(np.float32)
    gg.manual_seed(0)
    ours = gg.nn.LSTM(inputs, hidden, batch_first=True)

    def glassgrad_layer() -> float:
        def step() -> None:
            out, _ = ours(gg.from_numpy(x).requires_grad_())
            out.backward(gg.from_numpy(grad))
        return _milliseconds(step)

    runs = {"glassgrad layer": glassgrad_layer}
    try:
        import torch
    except ImportError:
        return runs
    theirs = torch.nn.LSTM(inputs, hidden, batch_first=True)

    def torch_layer() -> float:
        def step() -> None:
            out, _ = theirs(torch.from_numpy(x).requires_grad_())
            out.backward(torch.from_numpy(grad))
        return _milliseconds(step)

    runs["torch layer"] = torch_layer
    return runs


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny shapes and 2 rounds: check that it runs")
    args = parser.parse_args(argv)
    shape, rounds = (SMOKE_SHAPE, 2) if args.smoke else (SHAPE, args.rounds)
    set_threads(args.threads)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    timed = {**products(**shape, threads=args.threads), **layer_steps(**shape)}
    for run in timed.values():  # warm up: compile the kernels, fault the pages in
        run()
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(rounds):
        for name, run in timed.items():
            samples[name].append(run())
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = sum(value for name, value in medians.items() if not name.endswith("layer"))
    medians["floor (sum of the products)"] = floor
    print(f"LSTM({shape['inputs']}, {shape['hidden']}) over {shape['batch']} x {shape['steps']} steps, "
          f"{args.threads} thread(s), medians of {rounds} rounds")
    for name, value in medians.items():
        print(f"  {name:<30} {value:8.2f} ms")
    if "torch layer" in medians:
        print(f"  floor / torch layer: {floor / medians['torch layer']:.2f}   "
              f"glassgrad layer / torch layer: {medians['glassgrad layer'] / medians['torch layer']:.2f}")
    return medians


if __name__ == "__main__":
    main()
