"""The benchmark harness: glassgrad against PyTorch eager on the same training step, in one process.

    python benchmarks/run.py mlp              # timed run, prints a table and writes runs/bench/mlp.json
    python benchmarks/run.py --smoke          # every workload, a few steps, no timing claims (CI)

How a timed run goes:
1. Set NumPy's BLAS, glassgrad's fused kernels and PyTorch to the same number of threads (NumPy's own
   elementwise ops stay on one).
2. Build both twins from the same initial weights and batch (`Workload.make_inputs`), then warm up each.
3. Alternate rounds: each round times `steps` consecutive steps of one framework, then of the other, and the
   order flips every round, so slow drifts of the machine (clock, caches, other load) hit both alike.
4. Report the median ms/step of each over all timed steps, the ratio glassgrad/PyTorch, whether both reached
   the same loss (they did the same computation), and the peak resident memory (RSS) of each, measured in a
   fresh process that runs only that framework's steps.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, kernels
from .threads import default_threads, set_threads
from .workload import Step, Workload
from .workloads import WORKLOADS


def _as_float(loss: Any) -> float:
    return float(loss.item() if hasattr(loss, "item") else loss)


def _time_steps(step: Step, count: int) -> tuple[list[float], Any]:
    """Run `count` steps, timing each; returns (ms per step, the last loss)."""
    times = []
    loss = None
    for _ in range(count):
        start = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - start) * 1e3)
    return times, loss


# ---- peak memory: each framework's steps in a process of their own, so neither's memory counts for the other ---
_MEMORY_CHILD = """
from glassgrad.bench.harness import peak_rss_mb_of_this_process
from glassgrad.bench.threads import set_threads
from glassgrad.bench.workloads import WORKLOADS
set_threads({threads})
workload = WORKLOADS[{name!r}]
inputs = workload.make_inputs({seed})
if {framework!r} == "torch":
    import torch
    torch.set_num_threads({threads})
step = getattr(workload, {framework!r} + "_step")(inputs)
for _ in range({steps}):
    step()
print("PEAK", peak_rss_mb_of_this_process())
"""


def peak_rss_mb_of_this_process() -> float:
    """This process's peak RSS in MB: Linux's VmHWM (it restarts at exec, while ru_maxrss keeps the peak of the
    process that forked us, here the benchmark itself), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_rss_mb(workload: Workload, framework: str, steps: int, threads: int, seed: int = 0) -> float | None:
    """Peak resident memory (MB) of a fresh Python process that runs `steps` steps of one framework's twin.

    It includes the interpreter and the imports (glassgrad's in both: it builds the shared inputs), so compare
    the two numbers with each other. None where it cannot be measured (the child failed or timed out).
    """
    code = _MEMORY_CHILD.format(threads=threads, name=workload.name, seed=seed, framework=framework, steps=steps)
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = [line for line in done.stdout.splitlines() if line.startswith("PEAK ")]
    return float(lines[-1].split()[1]) if done.returncode == 0 and lines else None


def _import_torch(threads: int) -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def run_workload(
    workload: Workload,
    rounds: int = 5,
    steps: int | None = None,
    warmup: int = 3,
    threads: int | None = None,
    seed: int = 0,
    with_torch: bool = True,
    measure_memory: bool = True,
) -> dict[str, Any]:
    """Time `workload` in glassgrad and (if installed and `with_torch`) PyTorch; returns the result record."""
    steps = workload.steps_per_round if steps is None else steps
    threads = threads or default_threads()
    threads_set = set_threads(threads)
    torch = _import_torch(threads) if with_torch else None

    inputs = workload.make_inputs(seed)
    builders = {"glassgrad": workload.glassgrad_step}
    if torch is not None:
        builders["torch"] = workload.torch_step
    step_functions = {name: build(inputs) for name, build in builders.items()}

    times: dict[str, list[float]] = {name: [] for name in step_functions}
    round_medians: dict[str, list[float]] = {name: [] for name in step_functions}
    losses: dict[str, float] = {}
    # The losses after warmup are compared: both twins did the same early steps (later, both approach 0).
    warmup_losses = {name: _as_float(_time_steps(step, warmup)[1]) for name, step in step_functions.items()}
    for round_index in range(rounds):
        order = list(step_functions) if round_index % 2 == 0 else list(reversed(step_functions))
        for name in order:
            round_times, loss = _time_steps(step_functions[name], steps)
            times[name].extend(round_times)
            round_medians[name].append(statistics.median(round_times))
            losses[name] = _as_float(loss)

    frameworks = {
        name: {
            "median_ms": statistics.median(times[name]),
            "min_ms": min(times[name]),
            "round_median_ms": round_medians[name],
            "peak_rss_mb": peak_rss_mb(workload, name, warmup + steps, threads, seed) if measure_memory else None,
            "warmup_loss": warmup_losses[name],
            "final_loss": losses[name],
        }
        for name in step_functions
    }
    record: dict[str, Any] = {
        "workload": workload.name,
        "description": workload.description,
        "device": "cpu",
        "threads": threads,
        "blas_threads_set": threads_set["blas"],
        "kernel_threads": kernels.threads() if threads_set["kernels"] else None,
        "rounds": rounds,
        "steps_per_round": steps,
        "warmup_steps": warmup,
        "seed": seed,
        "frameworks": frameworks,
        "versions": {
            "glassgrad": __version__,
            "numpy": np.__version__,
            "torch": getattr(torch, "__version__", None),
            "python": platform.python_version(),
        },
        "machine": platform.platform(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if "torch" in frameworks:
        record["ratio"] = frameworks["glassgrad"]["median_ms"] / frameworks["torch"]["median_ms"]
        difference = abs(warmup_losses["glassgrad"] - warmup_losses["torch"])
        record["losses_agree"] = difference <= workload.loss_rtol * abs(warmup_losses["torch"])
    return record


def format_report(record: dict[str, Any]) -> str:
    """The human-readable table of one run."""
    lines = [
        f"workload {record['workload']}: {record['description']}",
        f"threads: {record['threads']} (NumPy BLAS{'' if record['blas_threads_set'] else ' (not settable)'}, "
        f"kernels {record['kernel_threads'] or 'off (no Numba)'} and torch.set_num_threads); "
        f"{record['rounds']} alternating rounds x {record['steps_per_round']} steps "
        f"after {record['warmup_steps']} warmup",
        f"{'':12}{'median ms/step':>16}{'min ms':>10}{'peak RSS MB':>14}{'warmup loss':>14}",
    ]
    for name, stats in record["frameworks"].items():
        peak = "n/a" if stats["peak_rss_mb"] is None else f"{stats['peak_rss_mb']:.0f}"
        lines.append(
            f"{name:12}{stats['median_ms']:16.2f}{stats['min_ms']:10.2f}{peak:>14}{stats['warmup_loss']:14.6f}"
        )
    if "ratio" in record:
        lines.append(f"ratio glassgrad/torch: {record['ratio']:.2f}x")
        lines.append(f"losses after warmup agree: {'yes' if record['losses_agree'] else 'NO'}")
    return "\n".join(lines)


def smoke(workload: Workload, with_torch: bool = True) -> dict[str, Any]:
    """A few steps of each twin: everything builds and runs, and the losses agree. No timing claims."""
    return run_workload(workload, rounds=1, steps=2, warmup=1, threads=1, with_torch=with_torch, measure_memory=False)


# Where a profiled function's own time goes, by the folder of its file: array work (BLAS and NumPy calls made by
# ops, fused kernels, the optimizer's update) or the framework around it (graph building and walking, modules,
# tensors, Python glue). cProfile charges a NumPy call made with an operator (a @ b) to the function using it.
_ARRAY_WORK = ("/functional/", "/ops/", "/kernels/", "/optim/")


def time_split(stats: pstats.Stats) -> dict[str, float]:
    """Seconds of own time in array work, in the framework, and in C functions (NumPy methods, builtins)."""
    split = {"array work": 0.0, "framework": 0.0, "C functions": 0.0}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":
            split["C functions"] += own
        elif any(part in filename for part in _ARRAY_WORK):
            split["array work"] += own
        else:
            split["framework"] += own
    return split


def profile_glassgrad(workload: Workload, steps: int = 50, top: int = 25, seed: int = 0) -> str:
    """cProfile of `steps` glassgrad steps, sorted by total time per function (after one warmup step), and the
    split of the time between array work and framework overhead."""
    step = workload.glassgrad_step(workload.make_inputs(seed))
    for _ in range(3):  # compiles the kernels, fills the allocator
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    import io

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    split = time_split(stats)
    total = sum(split.values())
    out.write(f"time split over {steps} steps ({1e3 * total / steps:.2f} ms/step under the profiler): "
              + ", ".join(f"{name} {1e3 * seconds / steps:.2f} ms/step ({100 * seconds / total:.0f}%)"
                          for name, seconds in split.items()) + "\n")  # fmt: skip
    return out.getvalue()


END_TO_END = "gpt-e2e"
CHAR_LSTM_END_TO_END = "char-lstm-e2e"  # the char-LSTM example and its PyTorch twin, 1500 iterations


def _end_to_end(args: argparse.Namespace, name: str) -> int:
    """Run benchmarks/end_to_end.py (it trains the examples, which live in the repository, not the package)."""
    script = Path(__file__).resolve().parents[3] / "benchmarks" / "end_to_end.py"
    if not script.exists():
        print(f"{END_TO_END} needs glassgrad's source checkout (benchmarks/ and examples/); {script} is missing")
        return 2
    argv = ["--run", name] + (["--smoke"] if args.smoke else ["--rounds", str(args.rounds or 1), "--out", args.out])
    if args.threads:
        argv += ["--threads", str(args.threads)]
    import runpy

    module = runpy.run_path(str(script))
    return int(module["main"](argv))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="glassgrad vs PyTorch eager, same training step, one process")
    parser.add_argument("workloads", nargs="*", help=f"workloads to run (default: all of {sorted(WORKLOADS)}); "
                        f"'{END_TO_END}' trains the GPT example and its PyTorch twin for 2000 iterations each, "
                        f"'{CHAR_LSTM_END_TO_END}' the char-LSTM example for 1500")
    parser.add_argument("--smoke", action="store_true", help="a few steps each, no timing claims (for CI)")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"alternating timed rounds (default 5; 1 for {END_TO_END}, whose runs take minutes)")
    parser.add_argument("--steps", type=int, default=None, help="steps per round (default: the workload's)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="threads for both (default: NumPy's BLAS)")
    parser.add_argument("--no-torch", action="store_true", help="run glassgrad only")
    parser.add_argument("--out", default="runs/bench", help="folder for the JSON results (default runs/bench)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of glassgrad's step instead")
    args = parser.parse_args(argv)

    names = args.workloads or sorted(WORKLOADS)
    for name in (END_TO_END, CHAR_LSTM_END_TO_END):  # whole training runs: benchmarks/end_to_end.py (a checkout)
        if name in names:
            return _end_to_end(args, name)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; known: {sorted(WORKLOADS) + [END_TO_END, CHAR_LSTM_END_TO_END]}")
    failed = False
    for name in names:
        workload = WORKLOADS[name]
        if args.profile:
            set_threads(args.threads or default_threads())
            print(profile_glassgrad(workload))
            continue
        if args.smoke:
            record = smoke(workload, with_torch=not args.no_torch)
            agree = record.get("losses_agree", True)
            failed = failed or not agree
            print(f"smoke {name}: ok, loss {record['frameworks']['glassgrad']['warmup_loss']:.4f}"
                  + ("" if "losses_agree" not in record else f", matches torch: {'yes' if agree else 'NO'}"))
            continue
        record = run_workload(workload, args.rounds or 5, args.steps, args.warmup, args.threads,
                              with_torch=not args.no_torch)
        print(format_report(record))
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {path}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
