from __future__ import annotations

from pathlib import Path

from tests.lab._check import run_and_check_files


def test_the_lstm_recalls_the_first_token_where_the_rnn_guesses(tmp_path: Path) -> None:
    result, claims = run_and_check_files("memory", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    assert claims["LSTM accuracy recalling the first token after 50 steps"].measured >= 0.90
    assert abs(claims["RNN accuracy on the same task (chance 0.25)"].measured - 0.25) <= 0.10
    assert claims["untrained LSTM / RNN gradient size at the first token (49 steps back)"].measured >= 100
    # The RNN's gradient falls with distance: 49 steps back it is far below the last step's.
    rnn = result.numbers["gradient_by_distance"]["RNN untrained"]
    assert len(rnn) == 50 and rnn[49] < 1e-6 * rnn[0]
    assert result.seconds < 30
