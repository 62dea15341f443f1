from __future__ import annotations

from pathlib import Path

import numpy as np

from glassgrad.lab import attention
from glassgrad.models.gpt import GPT, GPTConfig
from tests.lab._check import run_and_check_files


def test_attention_heads_differ_and_one_layer_reverses_a_sequence(tmp_path: Path) -> None:
    result, claims = run_and_check_files("attention", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    assert claims["recomputed shares @ values reproduce the attention output (max difference)"].measured <= 1e-5
    assert claims["trained heads' mean Jensen-Shannon divergence"].measured >= 0.1
    assert claims["token accuracy reversing 16 tokens with one attention layer"].measured >= 0.95
    assert result.numbers["gpt_training_loss"] < 3.0  # it learned something: a uniform guess over 65 is 4.17
    assert result.seconds < 30


def test_recomputed_weights_are_causal_rows_that_sum_to_one() -> None:
    model = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=2, n_embd=8))
    weights, error = attention.attention_weights(model, np.array([0, 1, 2, 3, 4, 0]))
    assert error <= 1e-5 and len(weights) == 1 and weights[0].shape == (2, 6, 6)
    np.testing.assert_allclose(weights[0].sum(-1), 1.0, atol=1e-6)
    assert np.all(weights[0][:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]] == 0)


def test_head_divergence_is_zero_for_equal_heads_and_one_for_disjoint_heads() -> None:
    same = np.full((2, 10, 10), 0.1)
    assert attention.head_divergence([same], skip=0) < 1e-9
    disjoint = np.zeros((2, 10, 10))
    disjoint[0, :, 0], disjoint[1, :, 1] = 1.0, 1.0
    assert abs(attention.head_divergence([disjoint], skip=0) - 1.0) < 1e-9
