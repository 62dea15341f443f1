"""`glassgrad explain RUN`: the explain page of a run directory, written to RUN/explain.html.

The run is rebuilt and its checkpoint loaded by train/run.py's load_run (which names a missing config.json or
checkpoint). The training history comes from RUN/health.jsonl and the findings from RUN/findings.json, which
`glassgrad train` writes; a run trained before they existed gets a page without them that says how to get them.
"""

from __future__ import annotations

import json
from pathlib import Path

HEALTH_NAME = "health.jsonl"
FINDINGS_NAME = "findings.json"
PAGE_NAME = "explain.html"


def read_health(path: Path) -> list[dict] | None:
    """The Monitor records of health.jsonl (None when the file is absent); a line cut short by a kill is skipped."""
    if not path.is_file():
        return None
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def read_findings(path: Path) -> list[dict] | None:
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def _why_missing(run_dir: Path, name: str, what: str) -> str:
    return (f"{run_dir / name} is missing, so {what} cannot be shown: this run was trained by a glassgrad that "
            f"did not record it yet. Retrain with the current glassgrad (glassgrad train RECIPE) to get it.")


def explain_run(run_dir: str | Path) -> Path:
    """Write RUN/explain.html for the run in `run_dir` and return its path."""
    from ..train.run import load_run
    from .explain import explain

    run_dir = Path(run_dir)
    settings, experiment, state = load_run(run_dir)
    history = read_health(run_dir / HEALTH_NAME)
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

    title = f"glassgrad explain: {settings.recipe} at step {int(state['step'])}"
    return explain(experiment.model, batch, run_dir / PAGE_NAME, history=history, findings=findings,
                   loss_fn=loss, title=title, missing=missing, **extra)
