"""`glassgrad explain RUN`: the explain page of a run directory, written to RUN/explain.html.

The run is rebuilt and its checkpoint loaded by train/run.py's load_run (which names a missing config.json or
checkpoint). The training history comes from RUN/health.jsonl and the findings from RUN/findings.json, which
`glassgrad train` writes; a run trained before they existed gets a page without them that says how to get them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..train.health import FINDINGS_NAME, HEALTH_NAME, read_findings
from ..train.jsonl import read_records

PAGE_NAME = "explain.html"


def _why_missing(run_dir: Path, name: str, what: str) -> str:
    return (f"{run_dir / name} is missing, so {what} cannot be shown: this run was trained by a glassgrad that "
            f"did not record it yet. Retrain with the current glassgrad (glassgrad train RECIPE) to get it.")


def explain_run(run_dir: str | Path) -> Path:
    """Write RUN/explain.html for the run in `run_dir` and return its path."""
    from ..train.run import load_run

    settings, experiment, state = load_run(Path(run_dir))
    return explain_experiment(Path(run_dir), settings, experiment, int(state["step"]))


def explain_experiment(run_dir: Path, settings: Any, experiment: Any, step: int) -> Path:
    """The explain page of a run whose experiment is already built and trained (what `glassgrad train` calls at
    the end, so the report can link to the page without loading the checkpoint again)."""
    from .explain import explain

    history = read_records(run_dir / HEALTH_NAME) or None
    findings = read_findings(run_dir / FINDINGS_NAME)
    missing = {}
    if not history:
        missing["history"] = _why_missing(run_dir, HEALTH_NAME, "the training health (activations, gradients, "
                                          "updates)")
    if findings is None:
        missing["findings"] = _why_missing(run_dir, FINDINGS_NAME, "the findings")
    batch = experiment.batches.batch(0)
    extra: dict = {}
    if experiment.kind == "classifier":
        predictions, _ = experiment.evaluate.predict(experiment.model)
        extra = dict(predictions=predictions, targets=experiment.evaluate.targets,
                     classes=experiment.extras.get("classes"))
    elif "decode" in experiment.extras:
        ids = batch[0][0].detach().numpy().reshape(-1).tolist()
        extra = dict(tokens=[experiment.extras["decode"]([i]) for i in ids])

    def loss(model, inputs, targets):
        return experiment.loss_fn(model, inputs, targets)[0]

    title = f"glassgrad explain: {settings.recipe} at step {step}"
    return explain(experiment.model, batch, run_dir / PAGE_NAME, history=history, findings=findings,
                   loss_fn=loss, title=title, missing=missing, **extra)
