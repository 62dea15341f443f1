"""The ring all-reduce cost model of docs/distributed.md, fitted to benchmarks/distributed_scaling.py's JSON.

Per step and rank, a ring all-reduce of G bytes of gradients over p ranks sends and receives 2(p-1)/p · G bytes
in 2(p-1) messages, so (no overlap with compute assumed, the pessimistic case):

    t_comm(p) = 2(p-1)/p · G / B  +  2(p-1) · α          efficiency(p) = t_compute / (t_compute + t_comm(p))

Fitted here (measured): α and the effective B of this machine from the 2-rank step times: t2 - t1 = G/B + 2α
for each workload, by least squares over the workloads. Predicted (assumed inputs, printed): the efficiency at
8, 64 and 512 ranks of the recipe's GPT and of nanoGPT's 124M at 10, 100 and 400 Gb/s.

    python benchmarks/scaling_model.py [runs/bench/distributed_scaling.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

RANKS = (8, 64, 512)
NETWORK_GBIT = (10, 100, 400)
NETWORK_ALPHA = 10e-6  # assumed: seconds per message on a cluster network (not measured here)
GPT2_PARAMETERS = 124_475_904  # nanoGPT's GPT-2 124M: vocab padded to 50304, wte tied to lm_head, wpe included
GPT2_TOKENS = 12 * 1024  # nanoGPT's micro-batch: 12 windows of 1024 tokens
SMALL_TOKENS = 12 * 64  # the gpt workload's batch: 12 windows of 64 tokens
A100_SECONDS = 6 * GPT2_PARAMETERS * GPT2_TOKENS / 125e12  # assumed: 6·N·tokens FLOPs at 125 TFLOP/s (40% MFU)


def fit(sizes: list[float], seconds: list[float]) -> tuple[float, float]:
    """(α seconds, B bytes/s) of t = G/B + 2α (the 2-rank ring) by least squares over points (G, t)."""
    design = np.stack([np.array(sizes, dtype=float), np.full(len(sizes), 2.0)], axis=1)  # unknowns: 1/B, α
    (inverse_bandwidth, alpha), *_ = np.linalg.lstsq(design, np.array(seconds, dtype=float), rcond=None)
    return float(alpha), float(1 / inverse_bandwidth) if inverse_bandwidth > 0 else float("inf")


def step_seconds(record: dict) -> float:
    return record["seconds"] / record["steps"]


def comm_seconds(p: int, gradient_bytes: float, bandwidth: float, alpha: float) -> float:
    return 2 * (p - 1) / p * gradient_bytes / bandwidth + 2 * (p - 1) * alpha


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/bench/distributed_scaling.json")
    data = json.loads(path.read_text())
    rows = data["rows"]
    print(f"measured on: {data['uptime_after']}")
    # The transport alone: MPI's Allreduce of 1 float and of each workload's gradients, between the 2 ranks.
    sizes = [4.0] + [r["two"]["gradient_bytes"] for r in rows]
    times = [float(np.median([r["two"]["allreduce_1_float_s"] for r in rows]))]
    times += [r["two"]["allreduce_gradients_s"] for r in rows]
    alpha, bandwidth = fit(sizes, times)
    print(f"fitted, MPI Allreduce alone (shared memory): α = {alpha * 1e6:.1f} us, B = {bandwidth / 1e9:.2f} GB/s")
    # The whole step: what the second rank adds to a step, communication and contention for the cores together.
    step_alpha, step_bandwidth = fit([r["one"]["gradient_bytes"] for r in rows],
                                     [step_seconds(r["two"]) - step_seconds(r["one"]) for r in rows])  # fmt: skip
    print(f"fitted, step times (t2 - t1 = G/B + 2α): α = {step_alpha * 1e6:.0f} us, "
          f"effective B = {step_bandwidth / 1e9:.3f} GB/s")
    for r in rows:
        t1, t2 = step_seconds(r["one"]), step_seconds(r["two"])
        model = t1 + comm_seconds(2, r["one"]["gradient_bytes"], bandwidth, alpha)
        print(f"  {r['workload']}: t1 {t1 * 1e3:.2f} ms, t2 measured {t2 * 1e3:.2f} ms, t1 + ring model "
              f"{model * 1e3:.2f} ms, Allreduce alone {r['two']['allreduce_gradients_s'] * 1e3:.2f} ms")
    gpt = next(r for r in rows if r["workload"] == "gpt")
    small_seconds = gpt["one"]["seconds"] / gpt["one"]["steps"]
    small_params = gpt["one"]["parameters"]
    cpu_gpt2 = small_seconds * (GPT2_PARAMETERS * GPT2_TOKENS) / (small_params * SMALL_TOKENS)
    configs = [
        (f"recipe GPT ({small_params / 1e6:.2f}M, measured {small_seconds * 1e3:.0f} ms/step here)",
         gpt["one"]["gradient_bytes"], small_seconds),
        (f"GPT-2 124M on this CPU (assumed {cpu_gpt2:.0f} s/step, FLOPs-scaled)", 4 * GPT2_PARAMETERS, cpu_gpt2),
        (f"GPT-2 124M on an A100 (assumed {A100_SECONDS * 1e3:.0f} ms/step)", 4 * GPT2_PARAMETERS, A100_SECONDS),
    ]  # fmt: skip
    print(f"\npredicted efficiency (α = {NETWORK_ALPHA * 1e6:.0f} us assumed, fp32 gradients, no overlap)")
    print("| configuration | network | " + " | ".join(f"{p} ranks" for p in RANKS) + " |")
    print("|---|---|" + "---|" * len(RANKS))
    for name, gradient_bytes, compute in configs:
        for gbit in NETWORK_GBIT:
            speed = gbit * 1e9 / 8
            cells = [compute / (compute + comm_seconds(p, gradient_bytes, speed, NETWORK_ALPHA)) for p in RANKS]
            print(f"| {name} | {gbit} Gb/s | " + " | ".join(f"{100 * e:.1f}%" for e in cells) + " |")


if __name__ == "__main__":
    main()
