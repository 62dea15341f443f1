from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_one_neuron_separates_the_blobs_but_not_xor(tmp_path: Path) -> None:
    result, claims = run_and_check_files("neuron", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    assert claims["accuracy on two separable clouds"].measured >= 0.99
    assert claims["accuracy on XOR (no line separates it)"].measured <= 0.75
    # The line moved: the recorded weights at the first and last snapshot differ.
    line = result.numbers["line_during_training"]
    assert len(line) >= 3 and line[0]["w"] != line[-1]["w"]
    assert result.seconds < 30
