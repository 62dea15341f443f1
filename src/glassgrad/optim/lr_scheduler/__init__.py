"""Learning-rate schedulers with PyTorch's names and semantics: `glassgrad.optim.lr_scheduler`.

Call `scheduler.step()` once per epoch (or per batch for OneCycleLR), after `optimizer.step()`.
A typical transformer schedule, linear warmup then cosine decay, is `SequentialLR` of `LinearLR` and
`CosineAnnealingLR` (see `SequentialLR`'s example).

Files: `scheduler.py` (the base class), `decay.py` (the per-step schedules), `sequential.py`, `one_cycle.py`,
`plateau.py`.
"""

from .decay import CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, StepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler
from .sequential import SequentialLR

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

from ... import _missing  # noqa: E402

_missing.install(globals(), "torch.optim.lr_scheduler")  # "glassgrad does not implement torch.optim.lr_scheduler.X"
