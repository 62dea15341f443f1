"""`glassgrad.utils`: PyTorch's `torch.utils` import paths.

`glassgrad.utils.data` is not a copy of `glassgrad.data` but the very same module object, registered under
the second name, so `from glassgrad.utils.data import DataLoader` and `gg.data.DataLoader` are one class
(isinstance checks and monkeypatching agree). Its submodules get their PyTorch paths the same way:
`glassgrad.utils.data.dataloader` / `.dataset` / `.sampler` / `.distributed` are `glassgrad.data.loader` /
`.dataset` / `.sampler` / `.distributed`.
"""

import sys

from .. import data
from ..data import dataset as _dataset
from ..data import distributed as _distributed
from ..data import loader as _loader
from ..data import sampler as _sampler

# Without these entries `import glassgrad.utils.data` would look for a utils/data/ directory and find none.
sys.modules[__name__ + ".data"] = data
sys.modules[__name__ + ".data.dataloader"] = _loader
sys.modules[__name__ + ".data.dataset"] = _dataset
sys.modules[__name__ + ".data.distributed"] = _distributed  # DistributedSampler's torch path
sys.modules[__name__ + ".data.sampler"] = _sampler

__all__ = ["data"]

from .. import _missing  # noqa: E402

_missing.install(globals(), "torch.utils")  # "glassgrad does not implement torch.utils.X"
