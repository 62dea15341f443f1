"""`glassgrad.nn.functional`: PyTorch's path to the functional API, for `import glassgrad.nn.functional as F`.

The functions live in glassgrad/functional/, a layer below nn/ (the layers call them); this module re-exports
every one of them (the names in `glassgrad.functional.__all__`), so `F.relu is glassgrad.functional.relu`.
A real module rather than a second name for that package in `sys.modules`: type checkers, editors and
`pkgutil` find it like any other module.
"""

from .. import _missing  # noqa: E402
from ..functional import *  # noqa: F403 - the whole public API, as listed by its __all__
from ..functional import __all__  # noqa: F401 - the same list: `from glassgrad.nn.functional import *`

_missing.install(globals(), "torch.nn.functional")  # "glassgrad does not implement torch.nn.functional.X"
