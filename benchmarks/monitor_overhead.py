"""The cost of watching: step time of the mlp and gpt bench workloads with and without Monitor(every=10).

Both variants run in one process on one model, alternating in rounds (the order flips every round), so a noisy
neighbour slows both alike; the median over rounds is reported. The budget (issue 15) is +5% per step.

    python benchmarks/monitor_overhead.py                  # both workloads, timed; JSON in runs/bench/
    python benchmarks/monitor_overhead.py gpt --rounds 10
    python benchmarks/monitor_overhead.py --smoke          # 2 steps each: it runs (CI); no timing claims
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import glassgrad as gg
from glassgrad.bench.workloads import gpt, mlp
from glassgrad.diagnostics import Monitor
from glassgrad.models import MLP
from glassgrad.models.gpt import GPT, GPTConfig
from glassgrad.nn.utils import clip_grad_norm_

BUDGET_PERCENT = 5.0


def mlp_case() -> tuple[Any, Any, Callable, float | None]:
    inputs = mlp.make_inputs(0)
    model = MLP(mlp.IN_FEATURES, mlp.HIDDEN, mlp.CLASSES)
    model.load_state_dict({k: gg.from_numpy(v) for k, v in inputs["state"].items()})
    optimizer = gg.optim.AdamW(model.parameters(), lr=mlp.LR)
    x, y = gg.from_numpy(inputs["x"]), gg.from_numpy(inputs["y"])
    return model, optimizer, lambda: gg.nn.functional.cross_entropy(model(x), y), None


def gpt_case() -> tuple[Any, Any, Callable, float | None]:
    inputs = gpt.make_inputs(0)
    model = GPT(GPTConfig(**gpt.CONFIG))
    model.load_state_dict({k: gg.from_numpy(v) for k, v in inputs["state"].items()})
    optimizer = model.configure_optimizers(gpt.WEIGHT_DECAY, gpt.LR, gpt.BETAS)
    x, y = gg.from_numpy(inputs["x"]), gg.from_numpy(inputs["y"])
    return model, optimizer, lambda: model(x, y)[1], gpt.GRAD_CLIP  # the workload clips: so does this step


CASES = {"mlp": (mlp_case, 30), "gpt": (gpt_case, 10)}  # name -> (builder, steps per timed block)


def measure(name: str, rounds: int, steps: int | None = None, warmup: int = 3) -> dict:
    """Median ms/step without and with the Monitor, alternating blocks of `steps` steps for `rounds` rounds."""
    build, default_steps = CASES[name]
    steps = steps or default_steps
    model, optimizer, loss_of, clip = build()
    params = list(model.parameters())

    def block(monitor: Monitor | None, count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            optimizer.zero_grad()
            loss = loss_of()
            loss.backward()
            norm = clip_grad_norm_(params, clip) if clip else None
            optimizer.step()
            if monitor is not None:
                monitor.step(loss, grad_norm=norm)
        return (time.perf_counter() - start) / max(count, 1) * 1e3

    block(None, warmup)
    times: dict[str, list[float]] = {"off": [], "on": []}
    inside: list[float] = []  # ms per step spent in the Monitor's own code (monitor.seconds)
    for r in range(rounds):
        for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
            monitor = Monitor(model, optimizer, every=10, clip_norm=clip) if mode == "on" else None
            times[mode].append(block(monitor, steps))
            if monitor is not None:
                inside.append(monitor.seconds / steps * 1e3)
                monitor.remove()
    off, on = statistics.median(times["off"]), statistics.median(times["on"])
    own = statistics.median(inside)
    return {"workload": name, "steps_per_block": steps, "rounds": rounds, "off_ms": off, "on_ms": on,
            "overhead_percent": 100 * (on / off - 1), "inside_monitor_ms": own, "inside_percent": 100 * own / off,
            "budget_percent": BUDGET_PERCENT, "times_ms": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=list(CASES), help=f"any of {list(CASES)} (default: both)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="steps per timed block (default: mlp 30, gpt 10)")
    parser.add_argument("--smoke", action="store_true", help="2 steps each, 1 round: it runs (no timing claims)")
    parser.add_argument("--out", default="runs/bench", help="folder for monitor-overhead.json (default runs/bench)")
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w not in CASES]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(CASES)}")
    records = []
    for name in args.workloads:
        record = measure(name, 1, 2, warmup=0) if args.smoke else measure(name, args.rounds, args.steps)
        records.append(record)
        if args.smoke:
            print(f"smoke monitor_overhead {name}: ok")
        else:
            print(f"{name}: without {record['off_ms']:.2f} ms/step, with Monitor(every=10) {record['on_ms']:.2f} "
                  f"ms/step: {record['overhead_percent']:+.1f}% (budget +{BUDGET_PERCENT:g}%); inside the Monitor's "
                  f"own code {record['inside_monitor_ms']:.2f} ms/step = {record['inside_percent']:.1f}%", flush=True)
    if not args.smoke:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "monitor-overhead.json"
        path.write_text(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": records}, indent=2))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
