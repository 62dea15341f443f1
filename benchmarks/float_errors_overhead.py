"""The cost of quiet float errors (backend/float_errors.py): Op.apply with NumPy's error state set per forward,
against no change at all, and against a plain `np.errstate` per forward (the obvious alternative).

The three variants run in one process, alternating in rounds, timed in CPU time (a noisy neighbour on a shared
machine then slows all alike); the median and minimum over rounds are printed, in µs per op for forwards of
tiny tensors (where a fixed cost shows most) and of 64 × 64 matrices, and per step of a small forward+backward.

    python benchmarks/float_errors_overhead.py             # 25 rounds
    python benchmarks/float_errors_overhead.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

import numpy as np

import glassgrad as gg
from glassgrad.backend import float_errors

IGNORED = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


def _enter_errstate() -> Any:
    state = np.errstate(**IGNORED)
    state.__enter__()
    return state


VARIANTS: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {
    "none": (lambda: None, lambda token: None),
    "context variable (glassgrad)": (float_errors.silence, float_errors.restore),
    "np.errstate": (_enter_errstate, lambda state: state.__exit__(None, None, None)),
}


def forward_loop(a: gg.Tensor, b: gg.Tensor, repeats: int) -> Callable[[], float]:
    def run() -> float:
        start = time.process_time()
        for _ in range(repeats):
            c = a + b
            c = c * a
            c = c.exp()
        return (time.process_time() - start) / (3 * repeats) * 1e6
    return run


def train_loop(repeats: int) -> Callable[[], float]:
    w = gg.randn(8, requires_grad=True)
    a, b = gg.randn(8), gg.randn(8)

    def run() -> float:
        start = time.process_time()
        for _ in range(repeats):
            (w * a + b).exp().sum().backward()
        return (time.process_time() - start) / repeats * 1e6
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=25)
    rounds = parser.parse_args().rounds
    gg.manual_seed(0)
    benches = {
        "forward, 8 elements (us/op)": forward_loop(gg.randn(8), gg.randn(8), 5000),
        "forward, 64x64 (us/op)": forward_loop(gg.randn(64, 64), gg.randn(64, 64), 1000),
        "4 ops forward+backward, 8 elements (us/step)": train_loop(1000),
    }
    real = (float_errors.silence, float_errors.restore)
    try:
        for bench_name, bench in benches.items():
            times: dict[str, list[float]] = {name: [] for name in VARIANTS}
            for round_index in range(rounds):
                order = list(VARIANTS) if round_index % 2 == 0 else list(reversed(VARIANTS))
                for name in order:
                    float_errors.silence, float_errors.restore = VARIANTS[name]
                    times[name].append(bench())
            print(bench_name)
            for name, values in times.items():
                print(f"  {name:30s} median {statistics.median(values):8.2f}   min {min(values):8.2f}")
    finally:
        float_errors.silence, float_errors.restore = real


if __name__ == "__main__":
    main()
