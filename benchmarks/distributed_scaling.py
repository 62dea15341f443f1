"""Data-parallel scaling: training throughput at 1 and 2 processes (1 thread each) for the mlp, cnn and gpt
bench workloads (src/glassgrad/bench/workloads), and the scaling efficiency.

Weak scaling, as DDP is used: each rank steps on its own batch of the workload's size, so N ranks train a global
batch N times larger; samples/s counts the global batch. Efficiency = samples/s at N / (N × samples/s at 1).
The gradients are averaged by DDP's own bucketed reducer (nn/parallel/_reducer.py), attached to the workload's
parameters, so the all-reduces start from the backward hooks as in DistributedDataParallel.

    python benchmarks/distributed_scaling.py              # the three workloads, timed; JSON in runs/bench/
    python benchmarks/distributed_scaling.py gpt --steps 40
    python benchmarks/distributed_scaling.py --smoke      # 2 steps of mlp on 1 and 2 ranks: it runs (CI)

Each measurement starts `glassgrad launch --nproc N` with OMP/OPENBLAS/MKL/NUMBA threads = 1. The machine this
was measured on is shared (`uptime` is printed with the numbers): expect noise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORKLOADS = ("mlp", "cnn", "gpt")
STEPS = {"mlp": 60, "cnn": 20, "gpt": 20}  # timed steps per measurement: a few seconds each
WARMUP = 3
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}


def _optimizer_of(step: Any) -> Any:
    """The optimizer a workload's step function closes over (the workloads build model and optimizer inside)."""
    import glassgrad as gg

    for cell in step.__closure__ or ():
        if isinstance(cell.cell_contents, gg.optim.Optimizer):
            return cell.cell_contents
    raise RuntimeError("distributed_scaling: the workload's step closes over no optimizer, so its parameters "
                       "cannot be found to average their gradients")  # fmt: skip


def rank_main(name: str, steps: int, out: Path) -> None:
    """One rank: the workload's step, its gradients averaged across the ranks; rank 0 writes the timing."""
    import glassgrad.distributed as dist
    from glassgrad.bench.workloads import WORKLOADS as REGISTRY
    from glassgrad.distributed.process_group import default_group
    from glassgrad.nn.parallel._reducer import Reducer

    dist.init_process_group(backend="mpi")
    workload = REGISTRY[name]
    step = workload.glassgrad_step(workload.make_inputs(0))
    params = [p for group in _optimizer_of(step).param_groups for p in group["params"]]
    reducer = None
    if dist.get_world_size() > 1:  # one process trains alone: nothing to average
        reducer = Reducer([(f"p{i}", p) for i, p in enumerate(params)], default_group(), 25 * 2**20, False)

    def synced_step() -> None:
        if reducer is not None:
            reducer.prepare_for_backward()
        step()

    for _ in range(WARMUP):
        synced_step()
    dist.barrier()
    started = time.perf_counter()
    for _ in range(steps):
        synced_step()
    dist.barrier()
    seconds = time.perf_counter() - started
    batch = len(workload.make_inputs(0)["y"])
    gradient_bytes = sum(p.array.nbytes for p in params)
    transport = _allreduce_seconds(default_group().comm, gradient_bytes) if reducer is not None else {}
    if dist.get_rank() == 0:
        record = {"workload": name, "nproc": dist.get_world_size(), "steps": steps, "seconds": seconds,
                  "batch_per_rank": batch, "gradient_bytes": gradient_bytes,
                  "parameters": sum(p.array.size for p in params), **transport}  # fmt: skip
        out.write_text(json.dumps(record))


def _allreduce_seconds(comm: Any, gradient_bytes: int, repeats: int = 20) -> dict:
    """MPI's own Allreduce alone (the transport under the reducer): of one float32 (the latency) and of the
    workload's gradients in one buffer; the median of `repeats`."""
    import numpy as np
    from mpi4py import MPI

    timings = {}
    for key, size in (("allreduce_1_float_s", 1), ("allreduce_gradients_s", gradient_bytes // 4)):
        buffer = np.ones(size, dtype=np.float32)
        samples = []
        for _ in range(repeats):
            comm.Barrier()
            started = time.perf_counter()
            comm.Allreduce(MPI.IN_PLACE, buffer)
            samples.append(time.perf_counter() - started)
        timings[key] = float(np.median(samples))
    return timings


def measure(name: str, nproc: int, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, "-m", "glassgrad.cli", "launch", "--nproc", str(nproc), __file__,
                   "--rank", name, "--steps", str(steps), "--result", str(out)]  # fmt: skip
        done = subprocess.run(command, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"distributed_scaling: {name} on {nproc} ranks failed:\n{done.stdout}{done.stderr}")
        record = json.loads(out.read_text())
    record["samples_per_s"] = nproc * record["batch_per_rank"] * steps / record["seconds"]
    record["step_ms"] = 1000 * record["seconds"] / steps
    return record


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD", help=f"of {', '.join(WORKLOADS)} (default all)")
    parser.add_argument("--steps", type=int, help="timed steps per measurement (default: per workload)")
    parser.add_argument("--smoke", action="store_true", help="2 steps of mlp: it runs; no timing claims")
    parser.add_argument("--out", default="runs/bench/distributed_scaling.json")
    parser.add_argument("--rank", help=argparse.SUPPRESS)  # inside `glassgrad launch`: one rank's measurement
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank:
        return rank_main(args.rank, args.steps, Path(args.result))
    unknown = sorted(set(args.workloads) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}: choose from {', '.join(WORKLOADS)}")
    names = ["mlp"] if args.smoke else (args.workloads or list(WORKLOADS))
    print(f"uptime before: {uptime()}")
    rows = []
    for name in names:
        steps = 2 if args.smoke else (args.steps or STEPS[name])
        one, two = measure(name, 1, steps), measure(name, 2, steps)
        efficiency = two["samples_per_s"] / (2 * one["samples_per_s"])
        rows.append({"workload": name, "one": one, "two": two, "efficiency": efficiency})
        print(f"{name:4s} {one['parameters']:>9,} params ({one['gradient_bytes'] / 2**20:5.2f} MiB of gradients)  "
              f"1 rank: {one['samples_per_s']:8.1f} samples/s ({one['step_ms']:7.2f} ms/step)  "
              f"2 ranks: {two['samples_per_s']:8.1f} samples/s ({two['step_ms']:7.2f} ms/step)  "
              f"efficiency {100 * efficiency:5.1f}%  MPI Allreduce of the gradients alone "
              f"{1e3 * two['allreduce_gradients_s']:.2f} ms, of 1 float {1e6 * two['allreduce_1_float_s']:.0f} us",
              flush=True)  # fmt: skip
    after = uptime()
    print(f"uptime after: {after}")
    if not args.smoke:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"uptime_after": after, "rows": rows}, indent=2))
        print(f"written: {args.out}")


if __name__ == "__main__":
    main()
