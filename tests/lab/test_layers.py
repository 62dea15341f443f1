from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_two_hidden_layers_learn_the_spirals_and_a_line_does_not(tmp_path: Path) -> None:
    result, claims = run_and_check_files("layers", tmp_path)
    deep = claims["accuracy on spirals with two hidden layers"]
    shallow = claims["accuracy on spirals with no hidden layer"]
    assert deep.holds and deep.measured >= 0.98
    # The issue predicted <= 60% without a hidden layer; measured, a line gets about 70% of these spirals. The
    # claim is recorded honestly as not holding, and the gap (what is true) is claimed beside it.
    assert not shallow.holds and 0.5 <= shallow.measured <= 0.8
    gap = claims["two hidden layers beat no hidden layer by"]
    assert gap.holds and gap.measured >= 0.25
    assert {f.name for f in result.figures} == {"hidden_units", "decision_regions"}
    assert result.seconds < 30
