"""Calibration of the training-health findings on the recipes: train each with `glassgrad train` (its Monitor at
every=10) and print the table recipe -> findings. The issue's promise: every recipe trains with no warning.

    python scripts/calibrate_recipes.py                      # every available recipe, its full default steps
    python scripts/calibrate_recipes.py mlp-digits --steps 200
    python scripts/calibrate_recipes.py --out runs/calibration   # keep the run directories there

This trains for minutes per recipe at full length: run it on a quiet machine. Recipes whose data is not on
disk (cnn-mnist, cnn-fashion, cnn-cifar10 without their downloads) are listed as skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from glassgrad.train.config import TrainConfig
from glassgrad.train.health import FINDINGS_NAME, read_findings
from glassgrad.train.recipes import RECIPES
from glassgrad.train.run import train


def calibrate(name: str, steps: int | None, out_dir: Path) -> tuple[list[dict], float, int]:
    """Train `name` for `steps` (None: the recipe's default); returns (findings, seconds, steps run)."""
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        result = train(TrainConfig(recipe=name, steps=steps, out_dir=str(out_dir)), stream=quiet)
    return read_findings(result.run_dir / FINDINGS_NAME) or [], time.perf_counter() - started, result.steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", help=f"default: every available one of {sorted(RECIPES)}")
    parser.add_argument("--steps", type=int, default=None, help="steps per recipe (default: each recipe's own)")
    parser.add_argument("--out", default=None, help="keep the run directories here (default: a temporary folder)")
    args = parser.parse_args(argv)
    names = args.recipes or sorted(RECIPES)
    with tempfile.TemporaryDirectory() as scratch:
        out_dir = Path(args.out or scratch)
        print(f"{'recipe':18}{'steps':>7}{'seconds':>9}  findings")
        warnings = 0
        for name in names:
            recipe = RECIPES[name]
            if not recipe.available():
                print(f"{name:18}{'-':>7}{'-':>9}  skipped: {recipe.missing_hint()}")
                continue
            findings, seconds, steps = calibrate(name, args.steps, out_dir)
            shown = "; ".join(f"{f['severity']} {f['kind']} at {f['where']} ({f['headline']})" for f in findings)
            warnings += sum(f["severity"] == "warning" for f in findings)
            print(f"{name:18}{steps:7d}{seconds:9.1f}  {shown or 'none'}", flush=True)
    print(f"{warnings} warning finding(s) in all")
    return 1 if warnings else 0


if __name__ == "__main__":
    sys.exit(main())
