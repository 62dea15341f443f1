"""One training run from start to report: settings → run directory → loop → plots → report.html.

runs/<recipe>-<time>/
    config.json        every setting, so `glassgrad train --resume` (or a new run) can reproduce it
    metrics.jsonl      one JSON object per logged step and per evaluation
    checkpoint.safetensors   model, optimizer, scheduler, random state and step (written atomically)
    train.lock         the pid, host and start time of the training using the directory (empty when none)
    health.jsonl, findings.json   the training-health Monitor's records and findings (health.py)
    *.png, report.html the plots and the page that shows them
    explain.html       the explain page (viz/explain.py): the model, its graph and its training health
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..backend import random as random_state
from .callbacks import EarlyStopping, MetricsFile, Progress
from .checkpoint import CHECKPOINT_NAME, load_checkpoint
from .config import TrainConfig
from .errors import BadFileError, MissingFileError
from .health import FINDINGS_NAME, HealthCallback, read_findings
from .jsonl import keep_records_until, read_records
from .lock import RunLock
from .loop import fit
from .ranks import Ranks, check_global_batch, current_ranks, trained_on_ranks
from .recipes import get_recipe

CONFIG_NAME = "config.json"
METRICS_NAME = "metrics.jsonl"


@dataclass
class RunResult:
    run_dir: Path
    steps: int
    metrics: dict
    train_seconds: float
    report: Path | None
    stop_reason: str | None


def train(config: TrainConfig, resume: str | Path | None = None, stream: TextIO | None = None) -> RunResult:
    """Train a recipe (or continue the run in `resume`) and write its run directory.

    The run directory is locked for the whole training (see lock.py): a second training on it raises
    RunDirectoryLocked naming the first, before it reads or changes anything there.

    In a rank of `glassgrad train --nproc N` (an initialized process group, ranks.py), every rank trains its
    shard of each global batch through DistributedDataParallel; rank 0 alone locks and writes the run directory
    (checkpoints, metrics, report) and prints. A resumed run may have another number of ranks than the first.
    """
    ranks = current_ranks()
    main = ranks is None or ranks.is_main
    stream = stream or sys.stdout
    with contextlib.ExitStack() as lock:
        if not main:  # progress, metrics and messages come from rank 0 only
            stream = lock.enter_context(open(os.devnull, "w", encoding="utf-8"))
        if resume is not None:
            run_dir = Path(resume)
            config = read_config(run_dir)
            if main:
                lock.enter_context(RunLock(run_dir))  # before the checkpoint is read or metrics.jsonl cut back
        recipe = get_recipe(config.recipe)
        settings = recipe.resolve(config)
        if ranks is not None:
            check_global_batch(settings.batch_size, ranks.world_size)
        random_state.manual_seed(config.seed)
        experiment = recipe.build(settings)

        start_step = 0
        if resume is not None:
            start_step = int(load_checkpoint(run_dir, experiment)["step"])
            if main:
                keep_records_until(run_dir / METRICS_NAME, start_step)
            stream.write(f"resuming {run_dir} at step {start_step}/{settings.steps}{_on_ranks(ranks, settings)}\n")
        elif main:
            run_dir = new_run_dir(Path(config.out_dir), config.recipe)
            lock.enter_context(RunLock(run_dir))
            write_json(run_dir / CONFIG_NAME, settings.to_dict())
            on_ranks = _on_ranks(ranks, settings)
            stream.write(f"training {config.recipe} for {settings.steps} steps{on_ranks} → {run_dir}\n")
        if not main:
            return _train_other_rank(recipe, settings, experiment, start_step, ranks)
        return _train_and_report(run_dir, recipe, settings, experiment, start_step, stream, ranks)


def _on_ranks(ranks: Ranks | None, settings: TrainConfig) -> str:
    if ranks is None:
        return ""
    share = settings.batch_size // ranks.world_size
    return f" on {ranks.world_size} processes (global batch {settings.batch_size} = {ranks.world_size} × {share})"


def _train_other_rank(recipe: Any, settings: TrainConfig, experiment: Any, start_step: int, ranks: Ranks) -> RunResult:
    """A rank other than 0: the same loop and the same stopping rules, writing nothing."""
    with trained_on_ranks(experiment, ranks) as trained:
        loop = fit(
            trained, settings.steps, None, [EarlyStopping(settings.patience)] if settings.patience else [],
            start_step=start_step, log_every=settings.log_every, eval_every=settings.eval_every,
            grad_clip=recipe.grad_clip, ranks=ranks,
        )  # fmt: skip
    return RunResult(Path(), loop.step, loop.last_eval, loop.train_seconds, None, loop.stop_reason)


def _train_and_report(
    run_dir: Path, recipe: Any, settings: TrainConfig, experiment: Any, start_step: int, stream: TextIO,
    ranks: Ranks | None = None,
) -> RunResult:
    from ..viz.summary import summary

    example_inputs, _ = experiment.batches.batch(start_step)  # a pure function of (seed, step): nothing moves
    stream.write(f"{summary(experiment.model, input=example_inputs)}\n")
    health = HealthCallback(run_dir, every=10, clip_norm=recipe.grad_clip)
    callbacks = [health, Progress(settings.steps, stream, health=health.headline), MetricsFile(run_dir / METRICS_NAME)]
    if settings.patience:
        callbacks.append(EarlyStopping(settings.patience))
    # The loop trains through DDP; the report (whose explain page runs the model's loss) sees the plain experiment.
    with trained_on_ranks(experiment, ranks) as trained:
        loop = fit(
            trained,
            settings.steps,
            run_dir,
            callbacks,
            start_step=start_step,
            log_every=settings.log_every,
            eval_every=settings.eval_every,
            checkpoint_every=settings.checkpoint_every,
            grad_clip=recipe.grad_clip,
            ranks=ranks,
        )

    if loop.stop_reason == "interrupted":
        stream.write(
            f"\ninterrupted at step {loop.step}: checkpoint saved. Resume with:\n"
            f"    glassgrad train --resume {run_dir}\n"
        )
        return RunResult(run_dir, loop.step, loop.last_eval, loop.train_seconds, None, loop.stop_reason)
    if loop.stop_reason:
        stream.write(f"stopped at step {loop.step}: {loop.stop_reason}\n")
    report = build_report(run_dir, experiment, settings)
    shown = "  ".join(f"{k} {v:.4f}" for k, v in loop.last_eval.items())
    stream.write(f"done in {loop.train_seconds:.1f} s of training: {shown}\nreport: {report}\n")
    return RunResult(run_dir, loop.step, loop.last_eval, loop.train_seconds, report, loop.stop_reason)


def load_run(run_dir: str | Path) -> tuple[TrainConfig, Any, dict]:
    """Rebuild a run's experiment from its directory and load its checkpoint: (settings, experiment, state)."""
    run_dir = Path(run_dir)
    settings = read_config(run_dir)
    recipe = get_recipe(settings.recipe)
    random_state.manual_seed(settings.seed)
    experiment = recipe.build(settings)
    state = load_checkpoint(run_dir, experiment)
    return settings, experiment, state


def read_config(run_dir: Path) -> TrainConfig:
    """The settings of a run directory (which must hold config.json and a checkpoint), or a UserError saying
    what is wrong with it."""
    if not run_dir.is_dir():
        raise MissingFileError(f"{run_dir} is not a run directory: there is no such directory")
    missing = [name for name in (CONFIG_NAME, CHECKPOINT_NAME) if not (run_dir / name).is_file()]
    if missing:
        raise MissingFileError(f"{run_dir} is not a run directory with a checkpoint: {' and '.join(missing)} missing")
    path = run_dir / CONFIG_NAME
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(values, dict):
            raise ValueError("not a JSON object")
        return TrainConfig.from_dict(values)
    except (UnicodeDecodeError, ValueError, TypeError) as error:  # not JSON, or values TrainConfig rejects
        raise BadFileError(f"{path} is not a valid run configuration ({error})") from error


def build_report(run_dir: Path, experiment: Any, settings: TrainConfig) -> Path:
    """Plots from metrics.jsonl and the trained model, the explain page (explain.html), then report.html."""
    from ..viz import plots
    from ..viz.explain_run import explain_experiment
    from ..viz.report import write_report

    records = read_records(run_dir / METRICS_NAME)
    images = plots.learning_curves(records, run_dir)
    evaluations = [r["eval"] for r in records if "eval" in r]
    final = dict(evaluations[-1]) if evaluations else {}
    final["steps"] = max((r["step"] for r in records), default=0)
    sample = None
    if experiment.kind == "classifier":
        predictions, _ = experiment.evaluate.predict(experiment.model)
        targets = experiment.evaluate.targets
        classes = experiment.extras["classes"]
        images.append(plots.confusion_matrix(predictions, targets, classes, run_dir / "confusion_matrix.png"))
        images.append(
            plots.misclassified_grid(
                experiment.extras["test_images"], predictions, targets, classes, run_dir / "misclassified.png"
            )
        )
    elif experiment.kind == "text":
        sample = experiment.extras["sample"](experiment.model, "\n", 300)
        images.append(plots.text_sample(sample, run_dir / "sample.png"))
    findings = read_findings(run_dir / FINDINGS_NAME)
    explain_page = explain_experiment(run_dir, settings, experiment, final["steps"])
    return write_report(
        run_dir, f"glassgrad run: {settings.recipe}", settings.to_dict(), final, images, sample, findings=findings,
        explain=explain_page.name,
    )


def new_run_dir(out_dir: Path, recipe: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        path = out_dir / (f"{recipe}-{stamp}" + (f"-{attempt}" if attempt else ""))
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a new run directory in {out_dir}")


def write_json(path: Path, value: dict) -> None:
    """Write JSON atomically: a temporary file in the same folder, then a rename."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
