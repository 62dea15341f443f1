"""The classes a classifier mixes up most: the largest off-diagonal cells of its confusion matrix."""

from __future__ import annotations

from html import escape

import numpy as np

from .explain_figures import Section, data_uri, img, new_figure, note

TOP_PAIRS = 10


def confused_pairs(predictions: np.ndarray, targets: np.ndarray, top: int = TOP_PAIRS) -> list[tuple[int, int, int]]:
    """(true class, predicted class, count) of the most frequent mistakes, largest first (ties by class)."""
    predictions = np.asarray(predictions).reshape(-1).astype(int)
    targets = np.asarray(targets).reshape(-1).astype(int)
    wrong = predictions != targets
    pairs, counts = np.unique(np.stack([targets[wrong], predictions[wrong]], axis=1), axis=0, return_counts=True)
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], *pairs[i]))
    return [(int(pairs[i][0]), int(pairs[i][1]), int(counts[i])) for i in order[:top]]


def classes_section(predictions: np.ndarray, targets: np.ndarray, classes: list | None = None,
                    source: str = "the evaluation data") -> Section:
    text = (f"The mistakes the classifier makes most often on {source}: each bar is a pair 'true class → "
            "predicted class' and its length the number of examples it got wrong that way. Pairs that look alike "
            "to a person (a 4 and a 9) are expected; a pair that does not may point to label noise or a missing "
            "feature.")
    total = int(np.asarray(targets).size)
    pairs = confused_pairs(predictions, targets)
    name = (lambda c: str(classes[c]) if classes is not None and c < len(classes) else str(c))
    accuracy = float((np.asarray(predictions).reshape(-1) == np.asarray(targets).reshape(-1)).mean()) if total else 0
    summary = note(f"{total} examples, accuracy {accuracy:.2%}.")
    if not pairs:
        return Section("confused", "Most confused classes", text, summary + note("No mistakes: nothing to show."))
    figure = new_figure(6, 0.3 * len(pairs) + 1)
    axes = figure.add_subplot(1, 1, 1)
    labels = [f"{name(t)} → {name(p)}" for t, p, _ in pairs]
    axes.barh(range(len(pairs)), [n for *_, n in pairs], color="tab:red")
    axes.set_yticks(range(len(pairs)), labels)
    axes.invert_yaxis()
    axes.set(xlabel="examples", title="most confused pairs (true → predicted)")
    rows = "".join(f"<tr><td>{escape(name(t))}</td><td>{escape(name(p))}</td><td>{n}</td></tr>" for t, p, n in pairs)
    table = f'<table class="pairs"><tr><th>true</th><th>predicted</th><th>count</th></tr>{rows}</table>'
    return Section("confused", "Most confused classes", text, summary + img(data_uri(figure), "confused pairs") + table)
