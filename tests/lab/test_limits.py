"""The limits experiment on its quick budget: memorised random labels, answers on noise, an uncopied GPT sample.

Two of the issue's targets do not hold when measured (noise confidence >= 0.5; a fluent sample after the quick
budget's 250 steps): the experiment records them as not holding, with the true statement beside each, and this
test pins both."""

import json

import glassgrad.lab


def test_limits_quick(tmp_path):
    result = glassgrad.lab.run("limits", out_dir=tmp_path)
    claims = {c.name: c for c in result.claims}
    assert claims["train accuracy on random labels"].measured == 1.0
    assert claims["test accuracy of the random-label network"].measured <= 0.15
    confidence = claims["mean largest softmax probability on pure noise"]
    assert 0.3 <= confidence.measured < 0.5 and not confidence.holds  # measured: the 0.5 is not reached
    assert claims["the same, against chance (0.1)"].holds
    fluent = claims["share of the GPT sample's words that occur in the text"]
    assert fluent.measured < 0.5 and not fluent.holds  # 250 steps are too few for fluency
    assert claims["the same, minus the share for random letters"].measured > 0
    assert claims["share of the sample's three-word runs found in the text"].measured <= 0.2
    holding = [name for name, c in claims.items() if c.holds]
    assert len(holding) == len(claims) - 2
    assert len(result.numbers["gpt sample"]) > 300
    assert {f.name for f in result.figures} == {"random_labels", "noise_confidence", "gpt_sample"}
    for figure in result.figures:
        assert figure.path.is_file() and figure.path.stat().st_size > 0
    json.loads((tmp_path / "limits" / "results.json").read_text())
