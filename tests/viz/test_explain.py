"""glassgrad.viz.explain on a small model: the page has every section, the model is left as it was; and
`glassgrad explain` on a directory that is not a run, or a run without a checkpoint."""

import json

import numpy as np

import glassgrad as gg
from glassgrad import functional as F
from glassgrad import optim
from glassgrad.cli import main
from glassgrad.diagnostics import Monitor
from glassgrad.models import ConvNet
from glassgrad.viz import explain


def trained_convnet():
    gg.manual_seed(0)
    model = ConvNet(1, 3, channels=(4,), hidden=8, image_size=8, batch_norm=True, dropout=0.5)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    x, y = gg.randn(6, 1, 8, 8), gg.tensor(np.array([0, 1, 2, 0, 1, 2]))
    with Monitor(model, optimizer, every=1) as monitor:
        for _ in range(3):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            monitor.step(loss)
    return model, (x, y), monitor


def test_page_has_every_section_and_the_model_is_unchanged(tmp_path):
    model, batch, monitor = trained_convnet()
    model.train()
    before = {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
    grads = {n: (p.grad, p.grad.numpy().copy()) for n, p in model.named_parameters()}
    running = [b.numpy().copy() for n, b in model.named_buffers()]
    path = explain(model, batch, tmp_path / "page.html", history=monitor.history, findings=monitor.diagnose())
    html = path.read_text(encoding="utf-8")
    for section in ("summary", "graph", "activations", "gradients", "updates", "dead", "findings-section", "conv",
                    "confused"):
        assert f'<section id="{section}">' in html, section
    assert '<ul id="findings">' in html and html.count("const GLASSGRAD_DOT") == 1
    assert html.count("Viz.instance()") == 1  # the renderer is inlined once
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html.split("<script>")[0]
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[name])
        assert p.grad is grads[name][0]
        np.testing.assert_array_equal(p.grad.numpy(), grads[name][1])
    for b, old in zip((b for _, b in model.named_buffers()), running):
        np.testing.assert_array_equal(b.numpy(), old)  # batch norm's statistics: the page runs in eval mode
    assert all(m.training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not list(tmp_path.glob(".page.html-*"))  # written atomically: no temporary left behind


def test_without_history_the_page_says_what_is_missing(tmp_path):
    model, batch, _ = trained_convnet()
    html = explain(model, batch, tmp_path / "p.html", missing={"history": "RUN/health.jsonl is missing"}).read_text()
    assert "RUN/health.jsonl is missing" in html and '<ul id="findings">' in html


def test_cli_on_a_directory_that_is_not_a_run(tmp_path, capsys):
    assert main(["explain", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "config.json" in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_on_a_run_without_a_checkpoint(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"recipe": "mlp-digits"}))
    assert main(["explain", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "checkpoint.safetensors missing" in err and "config.json" not in err and "Traceback" not in err
    assert main(["explain", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err
