"""`glassgrad` end to end on tiny budgets: every recipe trains a few steps and leaves a complete run directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glassgrad.cli import main
from glassgrad.train.recipes import RECIPES

AVAILABLE = sorted(name for name, recipe in RECIPES.items() if recipe.available())


def _run_dir(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    return run


@pytest.mark.parametrize("recipe", AVAILABLE)
def test_each_recipe_trains_and_writes_its_run_directory(recipe: str, tmp_path: Path, capsys) -> None:
    arguments = ["--steps", "4", "--eval-every", "4", "--log-every", "2", "--eval-limit", "64", "--out", str(tmp_path)]
    code = main(["train", recipe, *arguments])
    assert code == 0
    run = _run_dir(tmp_path)
    for name in ("config.json", "metrics.jsonl", "checkpoint.safetensors", "loss.png", "lr.png", "report.html"):
        assert (run / name).is_file(), name
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval" in r]
    assert [r["step"] for r in steps] == [2, 4]
    assert all({"loss", "lr", "grad_norm", "samples_per_s"} <= set(r) for r in steps)
    assert evals and evals[-1]["step"] == 4 and "val_loss" in evals[-1]["eval"]
    config = json.loads((run / "config.json").read_text())
    assert config["recipe"] == recipe and config["steps"] == 4
    if RECIPES[recipe].build_fn.__name__.startswith("build_cnn") or "digits" in recipe:
        assert (run / "confusion_matrix.png").is_file() and (run / "misclassified.png").is_file()
        assert "val_accuracy" in evals[-1]["eval"]
    output = capsys.readouterr().out
    assert "report:" in output and str(run) in output


def test_recipes_lists_every_recipe_with_its_expectation(capsys) -> None:
    assert main(["recipes"]) == 0
    output = capsys.readouterr().out
    for name in RECIPES:
        assert name in output
    assert "expected:" in output


def test_unknown_recipe_lists_the_valid_ones(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "no-such-recipe"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "no-such-recipe" in error and "cnn-digits" in error and "gpt-shakespeare" in error


def test_unknown_option_is_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "mlp-digits", "--learning-rate", "0.1"])
    assert "--learning-rate" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--lr", "-0.1"], "--lr must be positive, got -0.1"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--steps", "10", "--warmup", "10"], "--steps must be larger"),
        (["--steps", "5", "--epochs", "1"], "either --steps or --epochs"),
    ],
)
def test_bad_settings_fail_before_training(arguments: list, message: str, tmp_path: Path, capsys) -> None:
    assert main(["train", "mlp-digits", *arguments, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing was started


def test_missing_dataset_files_say_where_to_put_them(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no data/ folder here
    assert main(["train", "cnn-mnist", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz" in error and "data/MNIST/raw" in error


def test_eval_and_report_and_sample_commands(tmp_path: Path, capsys) -> None:
    main(["train", "mlp-digits", "--steps", "3", "--out", str(tmp_path)])
    run = _run_dir(tmp_path)
    (run / "report.html").unlink()
    capsys.readouterr()
    assert main(["eval", str(run)]) == 0
    assert "val_accuracy" in capsys.readouterr().out
    assert main(["report", str(run)]) == 0
    assert (run / "report.html").is_file()
    assert main(["sample", str(run), "--prompt", "x"]) == 2  # a classifier cannot sample text
    assert "needs a text model" in capsys.readouterr().err


def test_cnn_mnist_recipe_trains_on_mnist_files_in_data(tmp_path: Path, monkeypatch, capsys) -> None:
    from ..datasets.format_writers import mnist_arrays, write_idx

    raw = tmp_path / "data" / "MNIST" / "raw"
    for prefix, count, seed in (("train", 64, 0), ("t10k", 20, 1)):
        images, labels = mnist_arrays(count, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    monkeypatch.chdir(tmp_path)
    arguments = ["--steps", "3", "--batch-size", "16", "--eval-every", "3", "--out", str(tmp_path / "runs")]
    assert main(["train", "cnn-mnist", *arguments]) == 0
    run = _run_dir(tmp_path / "runs")
    assert (run / "confusion_matrix.png").is_file()
    assert "val_accuracy" in capsys.readouterr().out
