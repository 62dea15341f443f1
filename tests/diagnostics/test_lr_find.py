"""lr_find: the suggestion on a small MLP, the curve's shape, bit-exact restoration, early stop, the PNG, bad input."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.diagnostics import LRFinderResult, lr_find


def _classification(seed=0, n=256, batch=32):
    """Three overlapping Gaussian blobs in 8 dimensions, standardised, 10% of labels flipped (so the best loss is
    well above 0 and a too-high rate shows), as minibatches."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, size=(3, 8))
    y = rng.integers(0, 3, size=n)
    x = centres[y] + rng.normal(0, 1.0, size=(n, 8))
    flip = rng.random(n) < 0.1
    y[flip] = rng.integers(0, 3, size=int(flip.sum()))
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    return [(gg.tensor(x[i : i + batch]), gg.tensor(y[i : i + batch])) for i in range(0, n, batch)]


def _mlp(seed=0, dropout=0.0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 3))


def _snapshot(model, optimizer):
    params = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]
    state = {
        k: {n: (v.numpy().copy() if isinstance(v, gg.Tensor) else v) for n, v in entry.items()}
        for k, entry in optimizer.state_dict()["state"].items()
    }
    groups = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    modes = [m.training for m in model.modules()]
    return params, grads, state, groups, modes


def _assert_same(before, after):
    (p0, g0, s0, gr0, m0), (p1, g1, s1, gr1, m1) = before, after
    assert p0.keys() == p1.keys()
    for k in p0:
        np.testing.assert_array_equal(p0[k], p1[k], strict=True)
    assert len(g0) == len(g1)
    for a, b in zip(g0, g1):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b, strict=True)
    assert s0.keys() == s1.keys()
    for k in s0:
        assert s0[k].keys() == s1[k].keys()
        for n in s0[k]:
            np.testing.assert_array_equal(s0[k][n], s1[k][n], strict=True)
    assert gr0 == gr1
    assert m0 == m1


def test_suggestion_in_a_sane_range_and_curve_falls_then_rises():
    model = _mlp()
    result = lr_find(model, nn.CrossEntropyLoss(), _classification(), num_iter=100)
    assert isinstance(result, LRFinderResult)
    assert result.suggestion == result.lr_steep
    assert 1e-4 <= result.suggestion <= 1, result.suggestion
    assert 1e-4 <= result.lr_min <= 1, result.lr_min
    smoothed = np.array(result.smoothed)
    lowest = int(np.argmin(smoothed))
    assert 0 < lowest < len(smoothed) - 1
    assert smoothed[lowest] < 0.85 * smoothed[0]  # it falls...
    assert smoothed[-1] > 2 * smoothed[lowest] or not math.isfinite(smoothed[-1])  # ...then rises
    assert result.stopped_early  # up to lr=10 with momentum, this blows up before the end
    assert len(result.lrs) == len(result.losses) == len(result.smoothed) < 100
    # the sweep is exponential: constant ratio between consecutive rates, from start_lr
    assert result.lrs[0] == pytest.approx(1e-7)
    ratios = np.array(result.lrs[1:]) / np.array(result.lrs[:-1])
    np.testing.assert_allclose(ratios, (10 / 1e-7) ** (1 / 99), rtol=1e-9)


def test_regression_suggestion_with_adam():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 8)).astype(np.float32)
    y = x @ rng.normal(size=(8, 1)) + 0.1 * rng.normal(size=(256, 1))
    y = ((y - y.mean()) / y.std()).astype(np.float32)  # well scaled: unit variance
    batches = [(gg.tensor(x[i : i + 32]), gg.tensor(y[i : i + 32])) for i in range(0, 256, 32)]
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    result = lr_find(model, nn.MSELoss(), batches, optimizer=opt, start_lr=1e-6, end_lr=10, num_iter=80)
    assert 1e-4 <= result.suggestion <= 1, result.suggestion


def test_everything_restored_bit_exactly():
    model = _mlp(dropout=0.1)
    model[2].eval()  # a submodule in its own mode must keep it
    batches = _classification()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    for x, y in batches[:3]:  # real optimizer state (momentum buffers) and leftover grads to restore
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    loss_fn(model(batches[0][0]), batches[0][1]).backward()
    before = _snapshot(model, opt)
    seen = []  # the weights as the sweep sees them: they do move, so the restore below is a real one

    def watching(out, y):
        seen.append(model[0].weight.detach().numpy().copy())
        return loss_fn(out, y)

    result = lr_find(model, watching, batches, optimizer=opt, num_iter=50)
    assert len(result.lrs) > 10
    assert np.abs(seen[-1] - before[0]["0.weight"]).max() > 1e-3
    _assert_same(before, _snapshot(model, opt))
    assert opt.param_groups[0]["lr"] == 0.05
    # the optimizer still works and continues from the restored momentum exactly as an untouched twin would
    twin = _mlp(dropout=0.1)
    twin.load_state_dict(model.state_dict())
    twin_opt = optim.SGD(twin.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    twin_opt.load_state_dict(opt.state_dict())
    for p, q in zip(model.parameters(), twin.parameters()):
        q.grad = p.grad.clone()
    opt.step()
    twin_opt.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_restored_with_default_optimizer_and_eval_mode():
    model = _mlp()
    model.eval()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    lr_find(model, nn.CrossEntropyLoss(), _classification(), num_iter=30)
    assert not any(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(before[k], v.numpy(), strict=True)
    assert all(p.grad is None for p in model.parameters())


def test_restored_when_the_loss_raises():
    model = _mlp()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    calls = []

    def flaky(out, y):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return nn.functional.cross_entropy(out, y)

    with pytest.raises(RuntimeError, match="boom"):
        lr_find(model, flaky, _classification(), start_lr=1e-2, end_lr=1, num_iter=10)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(before[k], v.numpy(), strict=True)


def test_early_stop_on_divergence_and_none_on_a_gentle_sweep():
    batches = _classification()
    # from a high rate up: the loss blows up within a few steps
    wild = lr_find(_mlp(), nn.CrossEntropyLoss(), batches, start_lr=1.0, end_lr=1e4, num_iter=100)
    assert wild.stopped_early and len(wild.lrs) < 40
    last = wild.smoothed[-1]
    assert not math.isfinite(last) or last > 4.0 * min(wild.smoothed)
    # a gentle sweep never diverges, runs all steps (cycling the 8 batches) and says so
    gentle = lr_find(_mlp(), nn.CrossEntropyLoss(), batches, start_lr=1e-6, end_lr=1e-2, num_iter=30)
    assert not gentle.stopped_early and len(gentle.lrs) == 30
    assert max(gentle.smoothed) < 4.0 * min(gentle.smoothed)


def test_a_one_shot_generator_is_cycled():
    batches = _classification()[:2]
    result = lr_find(_mlp(), nn.CrossEntropyLoss(), (b for b in batches), start_lr=1e-6, end_lr=1e-3, num_iter=7)
    assert len(result.lrs) == 7


def test_smoothing_is_bias_corrected():
    result = lr_find(_mlp(), nn.CrossEntropyLoss(), _classification(), start_lr=1e-7, end_lr=1e-6, num_iter=5)
    assert result.smoothed[0] == pytest.approx(result.losses[0])
    average = 0.0
    for i, loss in enumerate(result.losses):
        average = 0.98 * average + 0.02 * loss
        assert result.smoothed[i] == pytest.approx(average / (1 - 0.98 ** (i + 1)))


def test_plot_writes_a_valid_png(tmp_path):
    result = lr_find(_mlp(), nn.CrossEntropyLoss(), _classification(), num_iter=60)
    path = result.plot(tmp_path / "sub" / "lr_find.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5000
    assert [p.name for p in path.parent.iterdir()] == ["lr_find.png"]  # no temporary left behind


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_iter": 1}, "num_iter must be an integer of at least 2"),
        ({"start_lr": 1.0, "end_lr": 1.0}, "end_lr must be finite and larger than start_lr"),
        ({"start_lr": 1.0, "end_lr": 0.1}, "end_lr must be finite and larger than start_lr"),
        ({"start_lr": 0.0}, "start_lr must be positive"),
        ({"smooth": 1.0}, r"smooth must be in \[0, 1\)"),
        ({"diverge": 1.0}, "diverge must be greater than 1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_find(_mlp(), nn.CrossEntropyLoss(), _classification(), **kwargs)


def test_empty_batches():
    model = _mlp()
    with pytest.raises(ValueError, match="batches is empty"):
        lr_find(model, nn.CrossEntropyLoss(), [])


def test_cli_lr_find_on_a_recipe(tmp_path, capsys):
    from glassgrad.cli import main

    assert main(["lr-find", "mlp-digits", "--num-iter", "40", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mlp-digits: suggested lr" in out and "plot:" in out
    suggested = float(out.split("suggested lr ")[1].split()[0])
    assert 1e-4 <= suggested <= 1  # the recipe itself trains at 1e-3
    data = (tmp_path / "lr-find-mlp-digits.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "lr-find-mlp-digits.png").stat().st_mode & 0o777 == 0o644


def test_cli_lr_find_bad_input(tmp_path, capsys):
    from glassgrad.cli import main

    assert main(["lr-find", "mlp-digits", "--num-iter", "1", "--out", str(tmp_path)]) == 2
    assert "--num-iter must be at least 2" in capsys.readouterr().err
    assert main(["lr-find", "mlp-digits", "--start-lr", "1", "--end-lr", "0.5", "--out", str(tmp_path)]) == 2
    assert "--start-lr must be positive and below --end-lr" in capsys.readouterr().err


def test_suggestions_on_a_known_curve():
    from glassgrad.diagnostics.lr_find import _suggest

    lrs = list(np.logspace(-6, 1, 100))
    x = np.log10(lrs)
    # falls fastest at 1e-2 (a logistic step), bottoms out at 1e-0.5, then rises
    curve = 2 - 1 / (1 + np.exp(-4 * (x + 2))) + np.where(x > -0.5, (x + 0.5) ** 2, 0)
    steep, lowest = _suggest(lrs, list(curve))
    assert steep == pytest.approx(1e-2, rel=0.25)
    assert lowest == pytest.approx(10**-0.5 / 10, rel=0.25)
    # a curve that only rises after the warm-up tenth: nothing to suggest as steepest
    assert _suggest(lrs, list(np.linspace(1, 5, 100)))[0] is None
    assert _suggest(lrs[:3], [1.0, float("nan"), float("inf")]) == (None, pytest.approx(1e-7))


def test_batchnorm_buffers_restored_and_adam_state_too():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    batches = _classification()
    opt = optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    opt.zero_grad()
    loss_fn(model(batches[0][0]), batches[0][1]).backward()
    opt.step()
    before = _snapshot(model, opt)
    assert any("running_mean" in k for k in before[0])
    lr_find(model, loss_fn, batches, optimizer=opt, num_iter=40)
    _assert_same(before, _snapshot(model, opt))


def test_the_global_random_state_is_restored():
    model = _mlp(dropout=0.5)  # dropout draws from the global generator during the sweep
    gg.manual_seed(123)
    expected = gg.rand(4).numpy()
    gg.manual_seed(123)
    lr_find(model, nn.CrossEntropyLoss(), _classification(), num_iter=20)
    np.testing.assert_array_equal(gg.rand(4).numpy(), expected)


def test_a_non_finite_loss_stops_the_sweep_at_once():
    calls = []

    def blows_up(out, y):
        calls.append(1)
        loss = nn.functional.cross_entropy(out, y)
        return loss * float("nan") if len(calls) == 3 else loss

    result = lr_find(_mlp(), blows_up, _classification(), num_iter=50)
    assert result.stopped_early and len(result.lrs) == 3 and len(calls) == 3
    assert math.isnan(result.losses[-1]) and math.isnan(result.smoothed[-1])
    assert result.suggestion is None  # two finite points: no curve to read
