"""The convolution experiment on its quick budget: its claims hold, with the measured numbers checked here."""

import json

import glassgrad.lab


def test_convolution_quick(tmp_path):
    result = glassgrad.lab.run("convolution", out_dir=tmp_path)
    claims = {c.name.split(" (")[0]: c for c in result.claims}
    assert all(c.holds for c in result.claims), [(c.name, c.measured) for c in result.claims]
    assert claims["conv2d against the sum written out at one pixel"].measured <= 1e-5
    assert claims["MLP 784-128-10 test accuracy"].measured >= 0.97
    assert claims["CNN parameters / MLP parameters"].measured < 0.5
    assert claims["CNN test accuracy minus the MLP's"].measured > 0
    assert result.numbers["accuracy"]["cnn"] >= 0.975
    for figure in result.figures:
        assert figure.path.is_file() and figure.path.stat().st_size > 0
    assert {f.name for f in result.figures} == {"sobel", "filters"}
    saved = json.loads((tmp_path / "convolution" / "results.json").read_text())
    assert len(saved["claims"]) == 4
