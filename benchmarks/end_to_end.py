"""End to end: a whole training run in glassgrad and in PyTorch eager, side by side. Two runs:

    gpt-e2e        nanoGPT's Shakespeare-character run (examples/gpt_shakespeare.py), 2000 iterations
    char-lstm-e2e  the character-level LSTM (examples/char_lstm.py: Embedding(65,64)-LSTM(64,256)-Linear),
                   1500 iterations

Each run is the example's `train` or its PyTorch twin's (examples/reference/), in a fresh
process of its own, so each framework's peak memory (RSS) is its own and no thread pool of one lingers in the
other. Both read the same batches in the same order (see the examples' docstrings). Runs alternate between the
frameworks, and the order flips every round. Reported: training seconds (steps only; evaluation apart), the
loss on the whole validation split after the last step, and peak RSS.

    python benchmarks/end_to_end.py                     # gpt-e2e: 1 round each, 2 threads, 2000 iterations
    python benchmarks/end_to_end.py --rounds 2 --threads 1
    python benchmarks/end_to_end.py --run char-lstm-e2e # the char-LSTM, 1500 iterations
    python benchmarks/end_to_end.py --smoke             # a few iterations: it runs (CI); no timing claims
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Per run: the two scripts (module names in examples/ and examples/reference/), the settings passed to their
# TrainConfig (with {iters}), the default iterations, and a description.
RUNS = {
    "gpt-e2e": {
        "scripts": {"glassgrad": "gpt_shakespeare", "torch": "gpt_shakespeare_torch"},
        "config": "max_iters={iters}, lr_decay_iters={iters}, warmup_iters=min(100, {iters} // 2), sample_tokens=0",
        "iters": 2000,
        "description": "nanoGPT Shakespeare-char CPU config, {iters} iterations, whole-split validation loss",
    },
    "char-lstm-e2e": {
        "scripts": {"glassgrad": "char_lstm", "torch": "char_lstm_torch"},
        "config": "max_iters={iters}, warmup_iters=min(100, {iters} // 2), sample_chars=0, eval_interval=10**9",
        "iters": 1500,
        "description": "char-LSTM Embedding(65,64)-LSTM(64,256)-Linear(256,65), batch 32x64, {iters} iterations, "
        "whole-split validation loss",
    },
}

# Runs in the child process: train, then print one JSON line with the result and the process's peak RSS.
CHILD = """
import json, sys
sys.path[:0] = [{examples!r}, {reference!r}]
from {config_module} import TrainConfig
import {module} as script
result = script.train(TrainConfig(threads={threads}, {config}))
from glassgrad.bench.harness import peak_rss_mb_of_this_process
result["peak_rss_mb"] = peak_rss_mb_of_this_process()
result.pop("sample", None)
print("RESULT " + json.dumps(result))
"""


def run_once(framework: str, threads: int, iters: int, name: str = "gpt-e2e") -> dict:
    """One training run of `framework` in a child process; returns train()'s dict plus peak_rss_mb."""
    spec = RUNS[name]
    code = CHILD.format(examples=str(ROOT / "examples"), reference=str(ROOT / "examples" / "reference"),
                        config_module=spec["scripts"]["glassgrad"], module=spec["scripts"][framework],
                        threads=threads, config=spec["config"].format(iters=iters))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"the {framework} run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def run(rounds: int = 1, threads: int = 2, iters: int | None = None, workload: str = "gpt-e2e") -> dict:
    spec = RUNS[workload]
    iters = iters or spec["iters"]
    frameworks = list(spec["scripts"])
    runs: dict[str, list[dict]] = {name: [] for name in frameworks}
    for round_index in range(rounds):
        order = frameworks if round_index % 2 == 0 else list(reversed(frameworks))
        for name in order:
            result = run_once(name, threads, iters, workload)
            print(f"round {round_index + 1} {name}: training {result['train_seconds']:.1f} s, whole-split val loss "
                  f"{result['val_loss']:.4f}, peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
            runs[name].append(result)
    summary = {
        name: {
            "train_seconds_median": statistics.median(r["train_seconds"] for r in results),
            "val_loss_median": statistics.median(r["val_loss"] for r in results),
            "val_loss_estimate_median": statistics.median(r.get("val_loss_estimate", r["val_loss"]) for r in results),
            "peak_rss_mb_max": max(r["peak_rss_mb"] for r in results),
            "runs": results,
        }
        for name, results in runs.items()
    }
    return {
        "workload": workload,
        "description": spec["description"].format(iters=iters),
        "threads": threads,
        "rounds": rounds,
        "iters": iters,
        "frameworks": summary,
        "ratio": summary["glassgrad"]["train_seconds_median"] / summary["torch"]["train_seconds_median"],
        "val_loss_difference": summary["glassgrad"]["val_loss_median"] - summary["torch"]["val_loss_median"],
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def format_report(record: dict) -> str:
    lines = [f"workload {record['workload']}: {record['description']}",
             f"threads: {record['threads']}; {record['rounds']} round(s), alternating, each run in its own process",
             f"{'':12}{'train s':>10}{'val loss':>11}{'estimate':>11}{'peak RSS MB':>14}"]  # fmt: skip
    for name, s in record["frameworks"].items():
        lines.append(f"{name:12}{s['train_seconds_median']:10.1f}{s['val_loss_median']:11.4f}"
                     f"{s['val_loss_estimate_median']:11.4f}{s['peak_rss_mb_max']:14.0f}")  # fmt: skip
    lines.append(f"ratio glassgrad/torch (training time): {record['ratio']:.2f}x; val loss difference "
                 f"{record['val_loss_difference']:+.4f}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--run", choices=sorted(RUNS), default="gpt-e2e", help="which training run (default gpt-e2e)")
    parser.add_argument("--iters", type=int, default=None, help="iterations (default: the run's, 2000 or 1500)")
    parser.add_argument("--smoke", action="store_true", help="5 iterations, 1 thread: it runs (no timing claims)")
    parser.add_argument("--out", default="runs/bench", help="folder for <run>.json (default runs/bench)")
    args = parser.parse_args(argv)
    record = run(1, 1, 5, args.run) if args.smoke else run(args.rounds, args.threads, args.iters, args.run)
    print(format_report(record))
    if not args.smoke:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.run}.json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {out / (args.run + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
