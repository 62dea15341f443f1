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


def fit(rows: list[dict]) -> tuple[float, float]:
    """(α seconds, B bytes/s) of the 2-rank ring, t = G/B + 2α, from MPI's Allreduce timings: α from the
    Allreduce of 1 float (all latency), then B = G / (t - 2α) from the gradient-sized ones; medians over the rows
    (a least-squares fit of both on a loaded machine gave negative α: the noise is larger than α)."""
    alpha = float(np.median([r["two"]["allreduce_1_float_s"] for r in rows])) / 2
    bandwidths = [r["two"]["gradient_bytes"] / (r["two"]["allreduce_gradients_s"] - 2 * alpha) for r in rows]
    return alpha, float(np.median(bandwidths))


def step_seconds(record: dict) -> float:
    return record["seconds"] / record["steps"]


def comm_seconds(p: int, gradient_bytes: float, bandwidth: float, alpha: float) -> float:
    return 2 * (p - 1) / p * gradient_bytes / bandwidth + 2 * (p - 1) * alpha


def main() -> None:
    paths = sys.argv[1:] or ["runs/bench/distributed_scaling.json"]
    runs = [json.loads(Path(path).read_text()) for path in paths]
    rows = [row for run in runs for row in run["rows"]]  # several runs pooled: medians below
    for run in runs:
        print(f"measured on: {run['uptime_after']}")
    alpha, bandwidth = fit(rows)
    print(f"fitted, MPI Allreduce alone (shared memory, 2 ranks): α = {alpha * 1e6:.1f} us, B = "
          f"{bandwidth / 1e9:.2f} GB/s")  # fmt: skip
    for name in sorted({r["workload"] for r in rows}):
        mine = [r for r in rows if r["workload"] == name]
        t1 = float(np.median([step_seconds(r["one"]) for r in mine]))
        t2 = float(np.median([step_seconds(r["two"]) for r in mine]))
        ring = comm_seconds(2, mine[0]["one"]["gradient_bytes"], bandwidth, alpha)
        efficiency = [100 * r["efficiency"] for r in mine]
        print(f"  {name}: t1 {t1 * 1e3:.1f} ms, t2 {t2 * 1e3:.1f} ms (medians), ring model's t_comm "
              f"{ring * 1e3:.2f} ms, so t2 - t1 - t_comm = {(t2 - t1 - ring) * 1e3:.1f} ms of contention; "
              f"efficiency {min(efficiency):.0f}-{max(efficiency):.0f}%")  # fmt: skip
    gpts = [r for r in rows if r["workload"] == "gpt"]
    small_seconds = float(np.median([step_seconds(r["one"]) for r in gpts]))
    gpt = gpts[0]
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
