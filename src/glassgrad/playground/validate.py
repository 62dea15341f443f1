"""Every setting the page sends, checked on the server: one `PlaygroundConfig` or a `ParameterError` that names
the setting, the value received, the bounds, and the fix, in words the page shows as they are.

The bounds keep a session's work small (at most 6 hidden layers of 8 neurons, 2,000 points, batches of 256)
so one tab cannot make the server slow for the others; server.py caps the steps per second on top.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .datasets import NAMES as DATASETS

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")
ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid", "linear")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
INITS = ("default", "xavier", "kaiming", "small")
SCHEDULES = ("constant", "step", "cosine", "exponential")

MAX_LAYERS = 6
MAX_NEURONS = 8
# (low, high) for each number; both ends allowed
BOUNDS: dict[str, tuple[float, float]] = {
    "noise": (0, 50),  # percent, as Playground's slider
    "n_points": (50, 2000),
    "train_percent": (10, 90),
    "batch_size": (1, 256),
    "learning_rate": (1e-5, 10.0),
    "l1": (0.0, 1.0),
    "l2": (0.0, 1.0),
    "seed": (0, 2**31 - 1),
}
INTEGERS = {"n_points", "train_percent", "batch_size", "seed"}


class ParameterError(ValueError):
    """A setting from the page is out of bounds or of the wrong kind; `field` names it for the page."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class PlaygroundConfig:
    """One network, data set and training setup. Defaults: Playground's opening page (circle, 2 layers of 4, tanh)."""

    dataset: str = "circle"
    noise: float = 0.0
    n_points: int = 500
    train_percent: int = 50
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    init: str = "default"
    schedule: str = "constant"
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0

    def to_dict(self) -> dict:
        values = asdict(self)
        values["features"] = list(self.features)
        values["layers"] = list(self.layers)
        return values


_CHOICES = {
    "dataset": DATASETS,
    "activation": ACTIVATIONS,
    "optimizer": OPTIMIZERS,
    "init": INITS,
    "schedule": SCHEDULES,
}


def validate(values: object, base: PlaygroundConfig | None = None) -> PlaygroundConfig:
    """`values` (a dict from the page, some or all settings) over `base` (default: the defaults), checked."""
    if not isinstance(values, dict):
        raise ParameterError("config", f"the settings must be a JSON object, got {type(values).__name__}")
    base = base or PlaygroundConfig()
    known = set(base.to_dict())
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(unknown[0], f"unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(known))}")
    merged = base.to_dict() | values
    checked: dict = {}
    for name, choices in _CHOICES.items():
        checked[name] = _choice(name, merged[name], choices)
    for name in BOUNDS:
        checked[name] = _number(name, merged[name])
    checked["features"] = _features(merged["features"])
    checked["layers"] = _layers(merged["layers"])
    n_train = min(max(1, round(checked["n_points"] * checked["train_percent"] / 100)), checked["n_points"] - 1)
    if checked["batch_size"] > n_train:
        raise ParameterError(
            "batch_size",
            f"batch size {checked['batch_size']} is larger than the {n_train} training points; "
            f"choose at most {n_train}, or more points or a larger training share",
        )
    return PlaygroundConfig(**checked)


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ParameterError(name, f"{_label(name)} {value!r} is not one of: {', '.join(choices)}")
    return value  # type: ignore[return-value]


def _number(name: str, value: object) -> float | int:
    low, high = BOUNDS[name]
    integer = name in INTEGERS
    kind = "a whole number" if integer else "a number"
    # bool is an int in Python; a checkbox's true is no batch size
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(name, f"{_label(name)} must be {kind} from {low:g} to {high:g}, got {value!r}")
    if integer and value != int(value):
        raise ParameterError(name, f"{_label(name)} must be {kind} from {low:g} to {high:g}, got {value!r}")
    if not low <= value <= high:
        raise ParameterError(
            name, f"{_label(name)} {value:g} is out of bounds: choose {kind} from {low:g} to {high:g}"
        )
    return int(value) if integer else float(value)


def _features(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ParameterError("features", f"choose at least one input feature from: {', '.join(FEATURES)}")
    for name in value:
        if name not in FEATURES:
            raise ParameterError("features", f"input feature {name!r} is not one of: {', '.join(FEATURES)}")
    if len(set(value)) != len(value):
        raise ParameterError("features", f"each input feature may be chosen once, got {list(value)}")
    return tuple(name for name in FEATURES if name in value)  # a fixed order: the same network whatever the clicks


def _layers(value: object) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise ParameterError("layers", f"hidden layers must be a list of neuron counts, got {value!r}")
    if len(value) > MAX_LAYERS:
        raise ParameterError(
            "layers", f"{len(value)} hidden layers is out of bounds: at most {MAX_LAYERS}; remove a layer"
        )
    for index, width in enumerate(value):
        if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_NEURONS:
            raise ParameterError(
                "layers",
                f"hidden layer {index + 1} has {width!r} neurons, out of bounds: choose 1 to {MAX_NEURONS}",
            )
    return tuple(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


__all__ = ["FEATURES", "ParameterError", "PlaygroundConfig", "validate", "field"]
