"""Plots of a run, written as PNG files: learning curves, learning-rate schedule, confusion matrix,
misclassified examples, generated text. matplotlib draws them off-screen (the Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # off-screen: works on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path


def learning_curves(records: list[dict], out_dir: Path) -> list[Path]:
    """loss.png (train and validation), accuracy.png (if the model is a classifier) and lr.png."""
    plt = _pyplot()
    steps = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval" in r]
    written = []

    figure, axes = plt.subplots(figsize=(6, 4))
    marker = "." if len(steps) < 30 else None  # short runs: show the points, not only the lines between them
    axes.plot([r["step"] for r in steps], [r["loss"] for r in steps], marker=marker, label="train loss")
    if evals and "val_loss" in evals[0]["eval"]:
        axes.plot([r["step"] for r in evals], [r["eval"]["val_loss"] for r in evals], "o-", label="validation loss")
    axes.set(xlabel="step", ylabel="cross-entropy (nats)", title="Loss")
    axes.grid(alpha=0.3)
    axes.legend()
    written.append(_save(figure, out_dir / "loss.png"))

    if any("accuracy" in r for r in steps) or any("val_accuracy" in r["eval"] for r in evals):
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.plot(
            [r["step"] for r in steps if "accuracy" in r],
            [r["accuracy"] for r in steps if "accuracy" in r],
            marker=marker,
            label="train accuracy (batches)",
        )
        axes.plot(
            [r["step"] for r in evals],
            [r["eval"].get("val_accuracy", np.nan) for r in evals],
            "o-",
            label="test accuracy",
        )
        axes.set(xlabel="step", ylabel="accuracy", title="Accuracy")
        axes.grid(alpha=0.3)
        axes.legend()
        written.append(_save(figure, out_dir / "accuracy.png"))

    figure, axes = plt.subplots(figsize=(6, 3))
    axes.plot([r["step"] for r in steps], [r["lr"] for r in steps], marker=marker)
    axes.set(xlabel="step", ylabel="learning rate", title="Learning-rate schedule")
    axes.grid(alpha=0.3)
    written.append(_save(figure, out_dir / "lr.png"))
    return written


def confusion_matrix(predictions: np.ndarray, targets: np.ndarray, classes: list[str], path: Path) -> Path:
    """A heat map of counts: row = true class, column = predicted class."""
    plt = _pyplot()
    count = len(classes)
    matrix = np.zeros((count, count), dtype=np.int64)
    np.add.at(matrix, (targets, predictions), 1)
    figure, axes = plt.subplots(figsize=(5.5, 5))
    axes.imshow(matrix, cmap="Blues")
    for (row, col), value in np.ndenumerate(matrix):
        if value:
            color = "white" if value > matrix.max() / 2 else "black"
            axes.text(col, row, str(value), ha="center", va="center", fontsize=7, color=color)
    axes.set(
        xticks=range(count),
        yticks=range(count),
        xticklabels=classes,
        yticklabels=classes,
        xlabel="predicted",
        ylabel="true",
        title="Confusion matrix (test set)",
    )
    return _save(figure, path)


def misclassified_grid(
    images: np.ndarray, predictions: np.ndarray, targets: np.ndarray, classes: list[str], path: Path, limit: int = 32
) -> Path:
    """The first `limit` wrongly classified test images, each titled 'true → predicted'."""
    plt = _pyplot()
    wrong = np.flatnonzero(predictions != targets)[:limit]
    columns = 8
    rows = max(1, -(-len(wrong) // columns))
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.3), squeeze=False)
    for axes in grid.flat:
        axes.axis("off")
    for axes, index in zip(grid.flat, wrong):
        image = images[index]
        image = image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))  # (H, W) or (H, W, C)
        axes.imshow(image, cmap="gray" if image.ndim == 2 else None)
        axes.set_title(f"{classes[targets[index]]}→{classes[predictions[index]]}", fontsize=8, color="crimson")
    if not len(wrong):
        grid.flat[0].text(0, 0.5, "no misclassified images", fontsize=10)
    figure.suptitle("Misclassified test images (true → predicted)", fontsize=10)
    return _save(figure, path)


def text_sample(text: str, path: Path, title: str = "Generated sample") -> Path:
    """Generated text rendered as an image (the report also shows it as text)."""
    plt = _pyplot()
    lines = text.splitlines()[:30] or [""]
    figure = plt.figure(figsize=(7, 0.22 * len(lines) + 0.8))
    figure.text(0.02, 0.98, title, fontsize=10, weight="bold", va="top")
    figure.text(0.02, 0.9, "\n".join(lines), fontsize=8, family="monospace", va="top")
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
