from __future__ import annotations

from pathlib import Path

import numpy as np

import glassgrad as gg
from glassgrad.lab import collapse
from tests.lab._check import run_and_check_files


def test_a_deep_linear_network_is_one_matrix_and_cannot_learn_xor(tmp_path: Path) -> None:
    result, claims = run_and_check_files("collapse", tmp_path)
    assert all(c.holds for c in result.claims), result.claims
    assert claims["10 linear layers vs the product of their matrices (largest output difference)"].measured <= 1e-5
    assert claims["10 linear layers on XOR (accuracy)"].measured <= 0.75
    assert claims["10 layers with ReLU on XOR (accuracy)"].measured == 1.0
    assert result.seconds < 30


def test_the_collapsed_matrix_is_the_product_of_the_layers() -> None:
    gg.manual_seed(1)
    network = collapse.deep_network(with_relu=False)
    weight, bias = collapse.collapse_to_one_layer(network)
    assert weight.shape == (1, 2) and bias.shape == (1,)
    points = np.array([[0.0, 0.0], [1.0, -2.0]], dtype=np.float32)
    with gg.no_grad():
        outputs = network(gg.tensor(points)).numpy()[:, 0]
    np.testing.assert_allclose(outputs, (points @ weight.T + bias)[:, 0], atol=1e-6)
    assert np.isclose(outputs[0], bias[0], atol=1e-6)  # at the origin only the bias is left
