"""Monitor: records the right numbers, changes nothing, leaves no hooks behind."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import mlp, train  # noqa: E402

import glassgrad as gg  # noqa: E402
import glassgrad.nn as nn  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402
from glassgrad.diagnostics import Monitor  # noqa: E402


def test_records_every_and_hooks_removed(tmp_path):
    gg.manual_seed(0)
    model = mlp()
    monitor = train(model, steps=30, every=10)
    assert [r["step"] for r in monitor.history] == [1, 10, 20, 30]
    rec = monitor.history[-1]
    assert set(rec["layers"]["1"]) >= {"mean", "std", "hist", "dead_fraction"}
    assert sum(rec["layers"]["1"]["hist"]["counts"]) == 32 * 32
    assert -4 < rec["params"]["0.weight"]["log10_update_to_data"] < 0
    assert all(not m._forward_hooks for m in model.modules())
    monitor.save(tmp_path / "health.jsonl")
    lines = (tmp_path / "health.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 10, 20, 30]


def test_does_not_change_the_model():
    gg.manual_seed(0)
    model = mlp()
    x = gg.randn(8, 16)
    before = model(x).detach().numpy().copy()
    with Monitor(model, every=1) as monitor:
        after = model(x).detach().numpy()
        monitor.step(gg.tensor(1.0))
    np.testing.assert_array_equal(before, after)


def test_run_dir_writes_health_jsonl(tmp_path):
    model = mlp()
    with Monitor(model, every=1, run_dir=str(tmp_path)) as monitor:
        model(gg.randn(4, 16))
        monitor.step(gg.tensor(0.5))
        monitor.step(float("nan"))
    rows = [json.loads(line) for line in (tmp_path / "health.jsonl").read_text().splitlines()]
    assert [r["loss_finite"] for r in rows] == [True, False]
    assert monitor.diagnose()[0].kind == "divergence"


def test_no_parameters_names_the_model():
    with pytest.raises(ValueError, match="ReLU has no parameters"):
        Monitor(nn.ReLU())


def test_clip_fraction_counts_the_pre_clip_norms_over_the_threshold():
    model = mlp()
    norms = [0.5, 2.0, 3.0, 0.9, 1.5, 0.2, 0.3, 0.4, 5.0, 0.1]  # steps 2-5: 3 of 4 over 1.0; 6-10: 1 of 5
    with Monitor(model, every=5, clip_norm=1.0) as monitor:
        for norm in norms:
            model(gg.randn(4, 16))
            monitor.step(1.0, grad_norm=norm)
    assert [r["step"] for r in monitor.history] == [1, 5, 10]
    assert [r["clip_fraction"] for r in monitor.history] == [0.0, 0.75, 0.2]
    assert [r["total_grad_norm"] for r in monitor.history] == [0.5, 1.5, 0.1]


def test_clip_fraction_from_a_real_clipped_training():
    gg.manual_seed(0)
    monitor = train(mlp(), lr=0.1, clip=0.5)
    fractions = [r["clip_fraction"] for r in monitor.history]
    assert all(0.0 <= f <= 1.0 for f in fractions) and max(fractions) > 0.5  # 0.5 is tight for this model


def test_clip_norm_must_be_positive():
    with pytest.raises(ValueError, match="clip_norm .* got 0"):
        Monitor(mlp(), clip_norm=0)


def test_sampled_statistics_match_the_full_output():
    # a layer bigger than SAMPLE is read through a strided sample: its estimates must match the full values
    from glassgrad.diagnostics.monitor import SAMPLE

    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 1024), nn.Tanh())
    with gg.no_grad():
        model[0].weight.mul_(4.0)
    x = gg.randn(256, 16)
    full = model(x).detach().numpy().astype(np.float64)
    assert full.size > 10 * SAMPLE
    with Monitor(model, every=1) as monitor:
        model(x)
        stats = monitor.step(1.0)["layers"]["1"]
    assert sum(stats["hist"]["counts"]) <= SAMPLE
    assert abs(stats["mean"] - full.mean()) < 0.02 * full.std()
    assert abs(stats["std"] - full.std()) < 0.02 * full.std()
    assert abs(stats["saturated"] - (np.abs(full) > 0.97).mean()) < 0.02


def test_dead_fraction_is_exact_over_every_forward_of_the_window():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with gg.no_grad():
        model[0].weight.copy_(gg.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        model[0].bias.fill_(0.0)
    with Monitor(model, every=3) as monitor:
        monitor.step(1.0)  # step 1 recorded, with no forward
        model(gg.tensor([[1.0, -1.0]]))  # unit 0 fires
        monitor.step(1.0)
        model(gg.tensor([[-1.0, 1.0]]))  # unit 1 fires; unit 2 never does
        record = monitor.step(1.0)
    assert record["layers"]["1"]["dead_fraction"] == 1 / 3 and record["layers"]["1"]["units"] == 3


def test_evaluation_forwards_are_not_watched():
    model = mlp()
    with Monitor(model, every=1) as monitor:
        model.eval()
        model(gg.randn(4, 16))
        record = monitor.step(1.0)
    assert record["layers"] == {}


def test_histogram_matches_numpy():
    from glassgrad.diagnostics.monitor import _histogram

    rng = np.random.default_rng(0)
    for y in (rng.standard_normal(5000), rng.exponential(size=777), np.full(10, 3.0),
              np.array([1.0, np.nan, 2.0, np.inf, 3.0])):
        counts, edges = _histogram(y, 20)
        want_counts, want_edges = np.histogram(y[np.isfinite(y)], bins=20)
        np.testing.assert_allclose(edges, want_edges)
        assert np.abs(counts - want_counts).sum() <= 2 and counts.sum() == want_counts.sum()


@pytest.mark.parametrize("mean, spread", [(0.0, 0.03), (0.01, 1.0), (1.0, 1e-3), (-5.0, 1e-4)])
def test_norm_and_std_match_float64(mean, spread):
    # weights near 0, and LayerNorm-like weights near 1 with a tiny spread (the two-pass path)
    from glassgrad.diagnostics.monitor import _norm_std

    a = (mean + spread * np.random.default_rng(0).standard_normal((300, 700))).astype(np.float32)
    norm, std = _norm_std(a)
    a64 = a.astype(np.float64)
    assert norm == pytest.approx(np.linalg.norm(a64), rel=1e-5)
    assert std == pytest.approx(a64.std(), rel=1e-4)


def test_seconds_counts_the_time_spent_watching():
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    with Monitor(model, every=1) as monitor:
        assert monitor.seconds == 0.0
        model(gg.randn(8, 16))
        after_forward = monitor.seconds
        monitor.step(1.0)
    assert 0.0 < after_forward < monitor.seconds < 1.0


def test_parameter_ratios_from_samples_match_the_full_parameters():
    # the update and gradient spreads are read at SAMPLE positions: on a parameter far bigger than SAMPLE the log10
    # ratios must agree with the ones computed from every element
    from glassgrad.diagnostics.monitor import SAMPLE

    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 4))
    assert model[0].weight.numel() > 50 * SAMPLE
    optimizer = gg.optim.Adam(model.parameters(), lr=1e-3)
    x, y = gg.randn(64, 512), gg.randint(0, 4, (64,))
    with Monitor(model, optimizer, every=1) as monitor:
        before = model[0].weight.detach().numpy().astype(np.float64).copy()
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        stats = monitor.step(loss)["params"]["0.weight"]
    after = model[0].weight.detach().numpy().astype(np.float64)
    grad = model[0].weight.grad.numpy().astype(np.float64)
    assert stats["data_norm"] == pytest.approx(np.linalg.norm(after), rel=1e-5)
    assert stats["grad_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-5)
    assert abs(stats["log10_grad_to_data"] - np.log10(grad.std() / after.std())) < 0.02
    assert abs(stats["log10_update_to_data"] - np.log10((after - before).std() / after.std())) < 0.02
