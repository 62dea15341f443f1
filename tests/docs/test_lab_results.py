"""The tutorials' lab results (docs/lab/): one per written experiment, each stamped with the SHA-256 of the module
that made it; the build reuses a result whose stamp matches and reruns the experiment when its module changed."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from glassgrad import lab

from .conftest import DOCS

sys.path.insert(0, str(DOCS / "_ext"))
gg_lab = pytest.importorskip("gg_lab", reason="Sphinx is not installed")


def test_every_written_experiment_has_current_results() -> None:
    for name in lab.present():
        stamp = DOCS / "lab" / name / ".source-sha256"
        assert stamp.is_file(), f"docs/lab/{name} is missing: build the docs once and commit docs/lab/{name}/"
        assert stamp.read_text() == gg_lab.source_hash(lab.module(name)), (
            f"docs/lab/{name} was made by an older {name}.py: build the docs (it reruns it) and commit the result")


def test_a_current_result_is_reused_and_a_stale_one_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(DOCS / "lab" / "neuron", tmp_path / "neuron")
    runs: list[str] = []
    real_run = lab.run
    monkeypatch.setattr(lab, "run", lambda name, *args, **kwargs: runs.append(name) or real_run(name, *args, **kwargs))
    assert gg_lab.results_for("neuron", tmp_path)["name"] == "neuron" and runs == []
    (tmp_path / "neuron" / ".source-sha256").write_text("an older module")
    results = gg_lab.results_for("neuron", tmp_path)
    assert runs == ["neuron"] and results["claims"]
    assert (tmp_path / "neuron" / ".source-sha256").read_text() == gg_lab.source_hash(lab.module("neuron"))
