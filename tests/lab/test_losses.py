from __future__ import annotations

import math
from pathlib import Path

from tests.lab._check import run_and_check_files


def test_cross_entropy_pushes_where_squared_error_stalls_and_the_bigram_reaches_its_floor(tmp_path: Path) -> None:
    result, claims = run_and_check_files("losses", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    assert claims["|d loss/dz| of cross-entropy at z = -8 (label 1)"].measured > 0.99
    assert claims["|d loss/dz| of squared error through the sigmoid at z = -8"].measured < 1e-3
    floor = result.numbers["bigram_floor_nats"]
    assert 2.3 < floor < 2.6  # the "about 2.5 nats"
    losses = result.numbers["bigram_losses"]
    assert abs(losses[0] - math.log(65)) < 0.1 and losses[-1] < losses[0] - 1.0
    assert result.seconds < 30
