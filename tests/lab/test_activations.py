from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_autograd_derivatives_match_the_closed_forms_in_float64(tmp_path: Path) -> None:
    result, claims = run_and_check_files("activations", tmp_path)
    names = [name.split(":")[0] for name in claims]
    assert names == ["ReLU", "GELU", "Sigmoid", "Tanh", "Softmax"]
    for claim in result.claims:
        assert claim.holds and 0.0 <= claim.measured <= 1e-6, claim
    assert result.seconds < 30
