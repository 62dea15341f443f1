"""The lab: every idea of how networks compute and learn as a runnable experiment with a picture and a measured
claim (one short module each, in the order a reader meets the ideas), and the lab book that collects them.

    glassgrad.lab.names()            the experiments, in order
    glassgrad.lab.run("neuron")      run one; returns its Result (claims, figures), shown inline in Jupyter
    glassgrad.lab.build_book("lab")  the lab book lab/index.html from the experiments found in lab/
"""

from __future__ import annotations

import importlib
import os
import tempfile
import time
from pathlib import Path

from ..train.errors import SettingError, UserError
from .experiment import Bench, Claim, Result

# The order of the ideas: from one neuron to the Transformer, then what these models cannot do.
EXPERIMENTS = [
    "neuron", "layers", "activations", "collapse", "forward", "losses", "backprop", "descent",
    "convolution", "memory", "attention", "vit", "limits",
]  # fmt: skip


class UnknownExperiment(SettingError):
    """A name that is not in EXPERIMENTS (a ValueError too, as before)."""


class MissingExperiment(UserError):
    """An experiment in EXPERIMENTS whose module is not written yet (the lab grows one module at a time)."""


class UnwritableFolder(UserError):
    """An output folder the lab cannot create or write into."""


def names() -> list[str]:
    """The experiments, in the order a reader meets the ideas (EXPERIMENTS; some may not be written yet)."""
    return list(EXPERIMENTS)


def module(name: str):
    """The experiment's module; a clear error for an unknown name or a listed module that does not exist yet."""
    if name not in EXPERIMENTS:
        raise UnknownExperiment(f"unknown lab experiment {name!r}; the experiments are: {', '.join(EXPERIMENTS)}")
    try:
        return importlib.import_module(f"glassgrad.lab.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"glassgrad.lab.{name}":  # the module exists but something it imports does not: a bug
            raise
        raise MissingExperiment(
            f"the lab experiment {name!r} is listed but not written yet (no glassgrad/lab/{name}.py); "
            f"the ones present are: {', '.join(present())}"
        ) from None


def present() -> list[str]:
    """The experiments whose module exists, in order."""
    folder = Path(__file__).parent
    return [name for name in EXPERIMENTS if (folder / f"{name}.py").is_file()]


def summary(name: str) -> str:
    """The first sentence of the experiment's explanation, for `glassgrad lab` (which lists them)."""
    doc = (module(name).__doc__ or "").strip()
    first = " ".join(doc.split("\n\n")[0].split())
    end = first.find(". ")
    return first if end < 0 else first[: end + 1]


def check_output_folder(out_dir: str | Path) -> Path:
    """Create out_dir and write a file into it, so that a folder that cannot be written fails before any work."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UnwritableFolder(
            f"cannot write the lab's output folder {str(folder)!r} ({reason}); choose another with --out DIR"
        ) from None
    return folder


def run(name: str, out_dir: str | Path = "lab", full: bool = False, seed: int = 0) -> Result:
    """Run one experiment; its pictures and results.json go to out_dir/name/."""
    experiment = module(name)
    folder = check_output_folder(Path(out_dir) / name)
    bench = Bench(name, experiment.TITLE, folder, full=full, seed=seed)
    started = time.perf_counter()
    experiment.run(bench)
    bench.result.seconds = time.perf_counter() - started
    bench.result.save(folder)
    return bench.result


def build_book(out_dir: str | Path = "lab") -> Path:
    """Write out_dir/index.html from the experiments whose results.json is in out_dir (see book.py)."""
    from .book import build

    return build(Path(out_dir))


__all__ = [
    "Bench", "Claim", "EXPERIMENTS", "MissingExperiment", "Result", "UnknownExperiment", "UnwritableFolder",
    "build_book", "check_output_folder", "module", "names", "present", "run", "summary",
]  # fmt: skip
