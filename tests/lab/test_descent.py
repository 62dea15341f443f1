from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_optimizers_rates_schedules_and_decay_behave_as_the_lab_says(tmp_path: Path) -> None:
    result, claims = run_and_check_files("descent", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    # the learning-rate limit on 5 x^2 is 2/10: just below converges, just above blows up
    assert result.numbers["bowl_lr_0.19"] < 0.1 and result.numbers["bowl_lr_0.21"] > 10
    norms = result.numbers["weight_norms"]
    assert norms["AdamW (decoupled)"] < norms["no decay"] and norms["Adam + L2"] < norms["no decay"]
    assert result.seconds < 30
