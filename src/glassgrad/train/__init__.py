"""Training: the loop (`fit`), callbacks, checkpoints, recipes and run directories behind `glassgrad train`."""

from .batches import ArrayBatches, TextBatches
from .callbacks import Callback, EarlyStopping, MetricsFile, Progress
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig, parse_dataclass
from .errors import BadFileError, MissingFileError, RunDirectoryLocked, SettingError, UserError
from .experiment import (
    Experiment,
    classifier_evaluation,
    classifier_experiment,
    language_model_evaluation,
    language_model_loss,
)
from .lock import RunLock, StaleLockWarning
from .loop import TrainingDiverged, fit

__all__ = [
    "ArrayBatches",
    "BadFileError",
    "Callback",
    "EarlyStopping",
    "Experiment",
    "MetricsFile",
    "MissingFileError",
    "Progress",
    "RunDirectoryLocked",
    "RunLock",
    "SettingError",
    "StaleLockWarning",
    "TextBatches",
    "TrainConfig",
    "TrainingDiverged",
    "UserError",
    "classifier_evaluation",
    "classifier_experiment",
    "fit",
    "language_model_evaluation",
    "language_model_loss",
    "load_checkpoint",
    "parse_dataclass",
    "save_checkpoint",
]
