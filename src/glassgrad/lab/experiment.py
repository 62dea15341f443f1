"""What every lab experiment shares: its bench (`Bench`), the claims it measures (`Claim`) and its result (`Result`).

An experiment is one module in glassgrad/lab/, read beside its pictures, so it holds nothing but the idea:

    '''One neuron: a weighted sum plus a bias through a sigmoid draws a straight line between two classes.

    (The module docstring is the explanation the lab book shows, in plain words, before the picture.)
    '''
    TITLE = "A neuron"

    def run(bench):
        ...train something small with glassgrad's public API...
        bench.figure(fig, "decision_line", "The neuron's line after each epoch, with w and b")
        bench.claim("accuracy on separable points", accuracy, expected=">= 0.99", holds=accuracy >= 0.99)

`bench.full` is True for `glassgrad lab NAME --full` (a longer version); the quick default runs in at most 60 s on
two cores. `bench.rng` is a NumPy generator seeded per experiment, so every run draws the same data.
`glassgrad.lab.run(name)` runs one experiment and returns its `Result`, which writes `results.json` and the PNGs
into the experiment's folder and shows itself inline in a notebook.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Claim:
    """One measured statement: what was measured, its value, what the idea predicts, and whether it held."""

    name: str
    measured: float
    expected: str
    holds: bool
    unit: str = ""

    def shown(self) -> str:
        value = self.measured
        text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else str(value)
        return f"{text} {self.unit}".strip()


@dataclass
class Figure:
    name: str  # file stem: <name>.png (or .svg) in the experiment's folder
    caption: str
    path: Path


@dataclass
class Result:
    """The outcome of one experiment: its claims, its pictures, how long it took, and any extra numbers."""

    name: str
    title: str
    claims: list[Claim] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)  # other measurements worth keeping (curves, tables), JSON-able
    seconds: float = 0.0
    full: bool = False

    @property
    def all_hold(self) -> bool:
        return all(c.holds for c in self.claims)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "seconds": self.seconds,
            "full": self.full,
            "claims": [asdict(c) for c in self.claims],
            "figures": [{"name": f.name, "caption": f.caption, "file": f.path.name} for f in self.figures],
            "numbers": self.numbers,
        }

    def save(self, folder: Path) -> Path:
        """Write results.json atomically (a temporary file beside it, then a rename)."""
        text = json.dumps(self.to_dict(), indent=2, default=_plain)
        return write_text_atomically(Path(folder) / "results.json", text)

    def _repr_html_(self) -> str:  # Jupyter shows a result inline: its pictures and its claims
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.shown())}</td><td>{html.escape(c.expected)}</td>"
            f"<td>{'holds' if c.holds else 'does not hold'}</td></tr>"
            for c in self.claims
        )
        images = "".join(
            f"<figure>{_inline(f.path)}<figcaption>{html.escape(f.caption)}</figcaption></figure>"
            for f in self.figures
            if f.path.is_file()
        )
        return (
            f"<h3>{html.escape(self.title)}</h3>{images}<table><tr><th>claim</th><th>measured</th>"
            f"<th>expected</th><th></th></tr>{rows}</table><p>{self.seconds:.1f} s</p>"
        )


class Bench:
    """What an experiment's `run(bench)` works with: where pictures go, the seeded generator, quick or full."""

    def __init__(self, name: str, title: str, folder: Path, full: bool = False, seed: int = 0) -> None:
        self.folder = Path(folder)
        self.full = full
        self.rng = np.random.default_rng(seed)
        self.result = Result(name, title, full=full)

    def figure(self, fig: Any, name: str, caption: str) -> Path:
        """Save a matplotlib figure as <name>.png (atomically) and close it."""
        import matplotlib.pyplot as plt

        path = self.folder / f"{name}.png"
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}-", suffix=".png")
        os.close(descriptor)
        try:
            fig.savefig(temporary, dpi=100, bbox_inches="tight")
            os.replace(temporary, path)
        finally:
            plt.close(fig)
            if os.path.exists(temporary):
                os.unlink(temporary)
        self.result.figures.append(Figure(name, caption, path))
        return path

    def drawing(self, svg: str, name: str, caption: str) -> Path:
        """Save an SVG drawing (for example `glassgrad.viz.draw_graph(...).svg()`) as <name>.svg."""
        path = write_text_atomically(self.folder / f"{name}.svg", svg)
        self.result.figures.append(Figure(name, caption, path))
        return path

    def claim(self, name: str, measured: float, expected: str, holds: bool, unit: str = "") -> Claim:
        """Record a measured claim; `holds` is the test of `measured` against `expected`, computed by the caller."""
        claim = Claim(name, _plain(measured), expected, bool(holds), unit)
        self.result.claims.append(claim)
        return claim

    def number(self, name: str, value: Any) -> None:
        """Keep another measurement in results.json (a curve, a table)."""
        self.result.numbers[name] = _plain(value)


def _inline(path: Path) -> str:
    """A picture as HTML that needs no other file: SVG as is, PNG as a data URI."""
    if path.suffix == ".svg":
        return path.read_text(encoding="utf-8")
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" style="max-width:640px">'


def write_text_atomically(path: Path, text: str) -> Path:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
    return path


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays (and glassgrad tensors) as plain Python numbers and lists, for JSON."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
