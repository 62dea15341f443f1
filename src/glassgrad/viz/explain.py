"""`explain(model, batch, path)`: one self-contained HTML page about a model and its data, written to teach.

The page shows the model summary, the autograd graph of one loss, what training did to each layer (from a
Monitor's history), the findings, and per model family what its layers see: conv filters and feature maps,
attention maps per head, LSTM gates, the most confused classes. Every picture is a PNG data URI and the graph's
renderer (the vendored viz.js) is inlined once, so the page opens offline, from anywhere, as one file.

The model is left as it was: hooks are removed, every module's train/eval mode restored, the parameters are
only read, and each parameter's .grad is put back (the same tensor, the same values) after the one backward
pass the graph needs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from html import escape
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from .explain_attention import attention_section, capture_attention
from .explain_classes import classes_section
from .explain_conv import capture_conv, conv_section
from .explain_figures import Section, note
from .explain_lstm import capture_lstm, lstm_section
from .explain_page import findings_section, graph_section, page_html
from .explain_training import activation_section, dead_saturated_section, gradient_section, update_section

EXAMPLES = 8  # the examples of the batch the summary and graph read: a graph's size grows with the batch


def explain(model: Any, batch: tuple, path: str | os.PathLike, history: list[dict] | None = None,
            findings: list | None = None, loss_fn: Callable | None = None, classes: list | None = None,
            predictions: Any = None, targets: Any = None, tokens: list[str] | None = None,
            title: str = "glassgrad explain", missing: dict[str, str] | None = None) -> Path:
    """Write the explain page of `model` on `batch` = (inputs, targets) to `path` (atomically) and return it.

    Args:
        history: Monitor records (`monitor.history`, or the lines of RUN/health.jsonl); None: the training
            sections say the history is missing.
        findings: `Finding`s (or dicts with their fields), e.g. `monitor.diagnose()`.
        loss_fn: `(model, inputs, targets) -> loss` (or a tuple whose first item is the loss); default the
            cross-entropy of the model's output (its first item when it returns a tuple) for integer targets,
            else the mean squared error.
        classes, predictions, targets: for a classifier, the class names and its predictions and targets on
            held-out data; without them a classifier's mistakes are counted on `batch`.
        tokens: the first example's tokens as text, to label the attention and LSTM pictures.
        missing: {"history" or "findings": why it is missing and how to get it}, shown in their sections.
    """
    inputs, batch_targets = batch
    small = (inputs[:EXAMPLES], batch_targets[:EXAMPLES])
    one = (inputs[:1], batch_targets[:1])
    missing = missing or {}
    loss_fn = loss_fn or default_loss
    with _model_left_as_it_was(model):
        sections = [_summary_section(model, small[0]), graph_section(_loss_graph(model, loss_fn, small))]
        sections += _training_sections(history, missing.get("history"))
        sections.append(findings_section(findings, missing.get("findings")))
        sections += _family_sections(model, one, tokens)
        classifier = _classifier_section(model, inputs, batch_targets, predictions, targets, classes)
        sections += [classifier] if classifier else []
    return _write_atomically(Path(path), page_html(title, sections))


def default_loss(model: Any, inputs: Any, targets: Any) -> Any:
    """Cross-entropy of the logits for integer targets (any leading dims), else the mean squared error."""
    from .. import functional as F

    output = _first(model(inputs))
    if np.asarray(targets.detach().numpy()).dtype.kind in "iu":
        return F.cross_entropy(output.reshape(-1, output.shape[-1]), targets.reshape(-1))
    return F.mse_loss(output, targets)


def _first(output: Any) -> Any:
    return output[0] if isinstance(output, (tuple, list)) else output


@contextlib.contextmanager
def _model_left_as_it_was(model: Any) -> Iterator[None]:
    """Eval mode (no dropout, batch norm reads its running statistics) inside; on exit every module's mode is
    restored and each parameter's .grad is the tensor it was before (never written: see _loss_graph)."""
    modes = [(m, m.training) for m in model.modules()]
    grads = [(p, p.grad) for p in model.parameters()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
        for parameter, grad in grads:
            parameter.grad = grad  # the same tensor as before; the graph's backward wrote only fresh ones


def _summary_section(model: Any, inputs: Any) -> Section:
    from .summary import summary

    text = ("The layers of the model, as a tree: each row is a module, with the shape of what it outputs for "
            f"{len(inputs)} examples, how many numbers (parameters) it learns, and how many multiply-adds it "
            "costs. Most of the parameters usually sit in a few big layers.")
    try:
        table = str(summary(model, input=inputs))
    except Exception as error:  # noqa: BLE001 - the page still shows the rest; the note says why
        return Section("summary", "Model summary", text, note(f"The summary could not run: {error}"))
    return Section("summary", "Model summary", text, f"<pre>{escape(table)}</pre>")


def _loss_graph(model: Any, loss_fn: Callable, batch: tuple) -> Any:
    """The autograd graph of the loss, drawn after one backward so its edges carry gradient norms."""
    from .graph import draw_graph

    for parameter in model.parameters():
        parameter.grad = None  # the old gradients are put back on exit: this backward must not add to them
    loss = _first(loss_fn(model, *batch))
    loss.backward()
    # One call site for draw_graph: folding by module (depth=) can be passed here once draw_graph has it.
    return draw_graph(loss, params=dict(model.named_parameters()))


def _training_sections(history: list[dict] | None, why_missing: str | None) -> list[Section]:
    if not history:
        message = why_missing or "No training history was given (pass history=monitor.history)."
        return [Section("training", "Training health", "What training did to each layer: activations, gradients "
                        "and updates over the recorded steps.", note(message))]
    return [activation_section(history), gradient_section(history), update_section(history),
            dead_saturated_section(history)]


def _family_sections(model: Any, one: tuple, tokens: list[str] | None) -> list[Section]:
    """Sections for the kinds of layers the model has (found among its modules): conv, attention, LSTM."""
    from ..autograd import no_grad

    inputs = one[0]
    with no_grad():
        conv = capture_conv(model, lambda: model(inputs))
        lstm = capture_lstm(model, lambda: model(inputs))
        with capture_attention(model) as captured:
            model(inputs)
    return [s for s in (conv_section(conv), attention_section(captured, tokens), lstm_section(lstm, tokens)) if s]


def _classifier_section(model: Any, inputs: Any, batch_targets: Any, predictions: Any, targets: Any,
                        classes: list | None) -> Section | None:
    if predictions is not None and targets is not None:
        return classes_section(np.asarray(predictions), np.asarray(targets), classes)
    from ..autograd import no_grad

    y = np.asarray(batch_targets.detach().numpy())
    if y.ndim != 1 or y.dtype.kind not in "iu":
        return None
    with no_grad():
        output = _first(model(inputs))
    if output.ndim != 2:
        return None
    guesses = output.detach().numpy().argmax(axis=1)
    return classes_section(guesses, y, classes, source="this batch")


def _write_atomically(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the page is an ordinary file to share
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


__all__ = ["default_loss", "explain"]
