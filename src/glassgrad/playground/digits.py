"""The digits tab's model: a CNN from a `glassgrad train` run directory, read with train.run.load_run, and what
it makes of a digit drawn in the page (class probabilities, and feature maps after each conv stage).

Which run: `--digits-run RUN` when given, else the newest `runs/cnn-digits-*` with a checkpoint, else one
trained on the spot (QUICK_STEPS steps, about ten seconds on a laptop, ~94 % test accuracy) into `runs/`.
Loading or training runs in a thread when the server starts, so the page is usable meanwhile.

A drawing is prepared as MNIST's digits were (LeCun et al.): the ink's bounding box scaled to fit 20×20
pixels, placed in a 28×28 image so that its centre of mass sits at the centre, then normalised with the
bundled digits' training mean and standard deviation.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np

import glassgrad as gg
from glassgrad import nn

QUICK_STEPS = 300
MAPS_SHOWN = 8  # channels of each stage sent to the page


def newest_run(runs_dir: str | Path, recipe: str = "cnn-digits") -> Path | None:
    """The newest `{recipe}-*` directory under `runs_dir` that holds a config and a checkpoint, or None."""
    from glassgrad.train.run import CHECKPOINT_NAME, CONFIG_NAME

    folder = Path(runs_dir)
    if not folder.is_dir():
        return None
    runs = [p for p in folder.glob(f"{recipe}-*") if (p / CONFIG_NAME).is_file() and (p / CHECKPOINT_NAME).is_file()]
    return max(runs, key=lambda p: (p / CHECKPOINT_NAME).stat().st_mtime, default=None)


def train_quick(runs_dir: str | Path, steps: int = QUICK_STEPS) -> Path:
    """Train cnn-digits briefly into a new run directory under `runs_dir`; returns it."""
    from glassgrad.train.config import TrainConfig
    from glassgrad.train.run import train

    config = TrainConfig(recipe="cnn-digits", steps=steps, batch_size=32, warmup=20, eval_every=steps,
                         eval_limit=500, out_dir=str(runs_dir))  # fmt: skip
    return Path(train(config, stream=io.StringIO()).run_dir)


def centre(pixels: np.ndarray) -> np.ndarray:
    """A drawing (28, 28) in [0, 1] as MNIST prepared its digits: ink box scaled to 20×20, mass centred."""
    image = np.clip(np.asarray(pixels, dtype=np.float64).reshape(28, 28), 0.0, 1.0)
    rows, cols = np.nonzero(image > 0.05)
    if rows.size == 0:
        return np.zeros((28, 28))
    box = image[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]
    scale = 20.0 / max(box.shape)
    height, width = max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale))
    small = _resize(box, height, width)
    canvas = np.zeros((28, 28))
    top, left = (28 - height) // 2, (28 - width) // 2
    canvas[top: top + height, left: left + width] = small
    total = canvas.sum()
    ys, xs = np.indices(canvas.shape)
    shift_y = round(13.5 - (ys * canvas).sum() / total)
    shift_x = round(13.5 - (xs * canvas).sum() / total)
    return np.roll(canvas, (shift_y, shift_x), axis=(0, 1))


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resampling of a 2-D array to (height, width)."""
    ys = np.linspace(0, image.shape[0] - 1, height)
    xs = np.linspace(0, image.shape[1] - 1, width)
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1 = np.minimum(y0 + 1, image.shape[0] - 1)
    x1 = np.minimum(x0 + 1, image.shape[1] - 1)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[None, :]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


class DigitsModel:
    """A trained digits classifier in eval mode; `predict(pixels)` reads it through forward hooks only."""

    def __init__(self, run_dir: str | Path) -> None:
        from glassgrad.datasets.digits import MEAN, STD
        from glassgrad.train.run import load_run

        self.run_dir = Path(run_dir)
        settings, experiment, _ = load_run(self.run_dir)
        if experiment.kind != "classifier":
            raise ValueError(f"{run_dir} is a {settings.recipe} run, not a digits classifier; pass a cnn-digits run")
        self.recipe = settings.recipe
        self.model = experiment.model
        self.model.eval()  # batch norm's running statistics, no dropout
        self.mean = MEAN
        self.std = STD
        # the maps after each ReLU of the convolutional stages (ConvNet.features), when the model has them
        features = getattr(self.model, "features", None)
        self._stages = [m for m in features.children() if isinstance(m, nn.ReLU)] if features is not None else []

    def predict(self, pixels) -> dict:
        image = centre(np.asarray(pixels, dtype=np.float64))
        x = gg.tensor(((image - self.mean) / self.std).astype(np.float32).reshape(1, 1, 28, 28))
        maps: list = []
        handles = [stage.register_forward_hook(lambda module, args, out: maps.append(out.detach().numpy()[0]))
                   for stage in self._stages]  # fmt: skip
        try:
            with gg.no_grad():
                logits = self.model(x).numpy()[0].astype(np.float64)
        finally:
            for handle in handles:
                handle.remove()
        shifted = np.exp(logits - logits.max())  # max-shift: exp of large logits would overflow
        probabilities = shifted / shifted.sum()
        return {
            "probabilities": probabilities.tolist(),
            "prediction": int(probabilities.argmax()),
            "image": np.round(image, 3).ravel().tolist(),
            "maps": [_stage_maps(stage, k) for k, stage in enumerate(maps)],
            "run": str(self.run_dir),
        }


def _stage_maps(stage: np.ndarray, index: int) -> dict:
    """The first MAPS_SHOWN channels (C, H, W) of a stage, each scaled to [0, 1] for display."""
    shown = stage[:MAPS_SHOWN].astype(np.float64)
    tops = shown.reshape(len(shown), -1).max(axis=1)
    scaled = shown / np.where(tops > 0, tops, 1.0)[:, None, None]
    return {"stage": index + 1, "channels": int(stage.shape[0]), "size": int(stage.shape[1]),
            "values": [np.round(m, 2).ravel().tolist() for m in scaled]}  # fmt: skip


class DigitsProvider:
    """Loads (or trains, then loads) the digits model in a thread; `status()` says where that stands."""

    def __init__(self, run_dir: str | Path | None = None, runs_dir: str | Path = "runs", train: bool = True) -> None:
        self.run_dir = Path(run_dir) if run_dir else None
        self.runs_dir = Path(runs_dir)
        self.train = train
        self.model: DigitsModel | None = None
        self.state = "waiting"
        self.message = "the digits model is not loaded yet"
        self._thread: threading.Thread | None = None

    def start(self) -> DigitsProvider:
        self._thread = threading.Thread(target=self._load, name="playground-digits", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> DigitsProvider:
        if self._thread is not None:
            self._thread.join(timeout)
        return self

    def _load(self) -> None:
        try:
            run = self.run_dir or newest_run(self.runs_dir)
            if run is None:
                if not self.train:
                    self.state, self.message = "none", f"no cnn-digits run in {self.runs_dir}/; pass --digits-run RUN"
                    return
                self.state = "training"
                self.message = f"training a digits CNN on the spot ({QUICK_STEPS} steps) into {self.runs_dir}/ …"
                run = train_quick(self.runs_dir)
            self.state, self.message = "loading", f"loading {run} …"
            self.model = DigitsModel(run)
            self.state, self.message = "ready", f"{self.model.recipe} from {run}"
        except Exception as error:  # noqa: BLE001 - any failure is reported in the page; the playground runs on
            self.state, self.message = "failed", f"the digits model could not be loaded: {error}"

    def status(self) -> dict:
        return {"state": self.state, "message": self.message}
