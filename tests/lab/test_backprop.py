from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_the_chain_rule_by_hand_matches_autograd_and_finite_differences(tmp_path: Path) -> None:
    result, claims = run_and_check_files("backprop", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    rows = result.numbers["gradients"]
    assert len(rows) == 9  # 2x2 + 2 + 1x2 + 1 parameters
    for _, hand, autograd, numeric in rows:
        assert abs(float(hand) - float(autograd)) < 1e-7 and abs(float(hand) - float(numeric)) < 1e-7
    assert any(abs(float(hand)) > 0.01 for _, hand, _, _ in rows)  # real gradients, not zeros
    svg = (tmp_path / "backprop" / "neuron_zoom.svg").read_text()
    assert "<svg" in svg and "tanh" in svg
