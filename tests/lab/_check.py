"""What every experiment's test checks besides its own numbers: the files it wrote and its results.json."""

from __future__ import annotations

import json
from pathlib import Path

import glassgrad.lab as lab


def run_and_check_files(name: str, out_dir: Path) -> tuple[lab.Result, dict]:
    """Run the quick version; every figure file exists and is not empty; results.json parses and matches."""
    result = lab.run(name, out_dir=out_dir)
    folder = out_dir / name
    assert result.figures, f"{name} drew no picture"
    for figure in result.figures:
        assert figure.path.parent == folder and figure.path.stat().st_size > 1000, figure
    saved = json.loads((folder / "results.json").read_text())
    assert saved["name"] == name and saved["title"] == result.title
    assert [c["name"] for c in saved["claims"]] == [c.name for c in result.claims]
    assert [f["file"] for f in saved["figures"]] == [f.path.name for f in result.figures]
    return result, {c.name: c for c in result.claims}
