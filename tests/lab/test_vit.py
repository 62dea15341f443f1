"""The vit experiment on its quick budget: the recomputed attention is the layer's, and the ViT reaches 95%."""

import json

import glassgrad.lab


def test_vit_quick(tmp_path):
    result = glassgrad.lab.run("vit", out_dir=tmp_path)
    claims = {c.name: c for c in result.claims}
    assert all(c.holds for c in result.claims), [(c.name, c.measured) for c in result.claims]
    assert claims["recomputed attention output against the layer's own"].measured <= 1e-5
    assert claims["ViT test accuracy"].measured >= 0.95
    attention = result.numbers["class token attention (heads, 4, 4)"]
    assert len(attention) == 4
    for head in attention:  # one softmax row over the 16 patches, less the class token's weight on itself
        assert 0 < sum(map(sum, head)) <= 1 + 1e-6
    assert {f.name for f in result.figures} == {"patches", "class_attention"}
    for figure in result.figures:
        assert figure.path.is_file() and figure.path.stat().st_size > 0
    saved = json.loads((tmp_path / "vit" / "results.json").read_text())
    assert [c["name"] for c in saved["claims"]] == list(claims)
