"""Optimizers with PyTorch's names, defaults and update rules: `glassgrad.optim`.

Each optimizer file holds one algorithm: its docstring states the update in math, and a module-level
function (`sgd_update`, `adam_update`, ...) applies it to one parameter's raw arrays in place, line by line.
`optimizer.py` holds what they share (parameter groups, state, state_dict in PyTorch's format).
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "LBFGS", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop", "SGD",
    "lr_scheduler",
]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.optim")  # "glassgrad does not implement torch.optim.X"
