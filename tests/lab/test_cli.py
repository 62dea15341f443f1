"""`glassgrad lab`: the list, one experiment, all of them into the book, and the mistakes it must explain."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import glassgrad.lab as lab
from glassgrad.cli import main


def test_lab_without_a_name_lists_every_experiment_with_its_title(capsys, monkeypatch) -> None:
    monkeypatch.setattr(lab, "EXPERIMENTS", ["neuron", "collapse", "not_yet"])
    assert main(["lab"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("neuron") and "A neuron draws a straight line" in lines[0]
    assert lines[1].startswith("collapse") and "depth collapses" in lines[1]
    assert lines[2].startswith("not_yet") and "(not written yet)" in lines[2]


def test_an_unknown_name_is_one_line_listing_the_names(capsys, tmp_path: Path) -> None:
    assert main(["lab", "nueron", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "unknown lab experiment 'nueron'" in error
    assert all(name in error for name in lab.EXPERIMENTS)
    assert not (tmp_path / "out").exists()  # nothing was made


def test_a_listed_experiment_not_written_yet_fails_clearly(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "EXPERIMENTS", ["neuron", "not_yet"])
    assert main(["lab", "not_yet", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "'not_yet' is listed but not written yet" in error and "neuron" in error


def _no_run(*args, **kwargs):
    raise AssertionError("an experiment ran although the output folder cannot be written")


def test_an_output_folder_under_a_file_fails_before_any_work(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "run", _no_run)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for command in (["lab", "neuron"], ["lab", "all"]):
        assert main([*command, "--out", str(blocker / "lab")]) == 2
        error = capsys.readouterr().err
        assert "cannot write the lab's output folder" in error and str(blocker / "lab") in error and "--out" in error


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_fails_before_any_work(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "run", _no_run)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["lab", "all", "--out", str(locked)]) == 2
    finally:
        locked.chmod(0o700)
    assert "cannot write the lab's output folder" in capsys.readouterr().err


def test_lab_name_runs_one_and_prints_its_claims_and_files(capsys, tmp_path: Path) -> None:
    assert main(["lab", "neuron", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "accuracy on two separable clouds: measured 1, expected >= 0.99: holds" in out
    assert f"files: {tmp_path / 'neuron'}/" in out
    saved = json.loads((tmp_path / "neuron" / "results.json").read_text())
    assert saved["full"] is False and len(saved["claims"]) == 2
    assert (tmp_path / "neuron" / "decision_line.png").stat().st_size > 1000


def test_lab_all_skips_missing_experiments_and_builds_the_book(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "EXPERIMENTS", ["neuron", "not_yet", "activations"])
    assert main(["lab", "all", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "not_yet: skipped, not written yet" in captured.err
    assert f"lab book: {tmp_path / 'index.html'} (2 experiments)" in captured.out
    page = (tmp_path / "index.html").read_text()
    assert 'id="exp-neuron"' in page and 'id="exp-activations"' in page and 'id="exp-not_yet"' not in page
    assert page.index('id="exp-neuron"') < page.index('id="exp-activations"')
    assert page.count('class="claims"') == 2 and "not_yet (not run yet)" in page


def test_ctrl_c_during_lab_all_keeps_the_finished_experiments_in_the_book(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(lab, "EXPERIMENTS", ["neuron", "activations", "collapse"])
    real_run = lab.run

    def interrupted_on_the_second(name, *args, **kwargs):
        if name == "activations":
            raise KeyboardInterrupt
        return real_run(name, *args, **kwargs)

    monkeypatch.setattr(lab, "run", interrupted_on_the_second)
    assert main(["lab", "all", "--out", str(tmp_path)]) == 130
    assert "stopped; finished: neuron;" in capsys.readouterr().err
    page = (tmp_path / "index.html").read_text()
    assert 'id="exp-neuron"' in page and 'id="exp-activations"' not in page and 'id="exp-collapse"' not in page
    assert not list(tmp_path.glob(".index.html-*"))  # no half-written page left beside it


def test_a_broken_experiment_is_reported_and_the_others_still_run(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab, "EXPERIMENTS", ["neuron", "activations"])
    real_run = lab.run

    def broken_neuron(name, *args, **kwargs):
        if name == "neuron":
            raise RuntimeError("a bug in the neuron experiment")
        return real_run(name, *args, **kwargs)

    monkeypatch.setattr(lab, "run", broken_neuron)
    assert main(["lab", "all", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "RuntimeError: a bug in the neuron experiment" in captured.err and "failed: neuron" in captured.out
    assert 'id="exp-activations"' in (tmp_path / "index.html").read_text()
