"""The lab: every idea of how networks compute and learn as a runnable experiment with a picture and a measured
claim (one short module each, in the order a reader meets the ideas), and the lab book that collects them.

    glassgrad.lab.names()            the experiments, in order
    glassgrad.lab.run("neuron")      run one; returns its Result (claims, figures), shown inline in Jupyter
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from .experiment import Bench, Claim, Result

# The order of the ideas: from one neuron to the Transformer, then what these models cannot do.
EXPERIMENTS = [
    "neuron", "layers", "activations", "collapse", "forward", "losses", "backprop", "descent",
    "convolution", "memory", "attention", "vit", "limits",
]  # fmt: skip


def names() -> list[str]:
    return list(EXPERIMENTS)


def module(name: str):
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown lab experiment {name!r}; the experiments are: {', '.join(EXPERIMENTS)}")
    return importlib.import_module(f"glassgrad.lab.{name}")


def run(name: str, out_dir: str | Path = "lab", full: bool = False, seed: int = 0) -> Result:
    """Run one experiment; its pictures and results.json go to out_dir/name/."""
    experiment = module(name)
    folder = Path(out_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    bench = Bench(name, experiment.TITLE, folder, full=full, seed=seed)
    started = time.perf_counter()
    experiment.run(bench)
    bench.result.seconds = time.perf_counter() - started
    bench.result.save(folder)
    return bench.result


__all__ = ["Bench", "Claim", "EXPERIMENTS", "Result", "module", "names", "run"]
