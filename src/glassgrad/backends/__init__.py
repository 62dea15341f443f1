"""`torch.backends`: the switches scripts set for PyTorch's GPU and CPU libraries, accepted and truthful.

glassgrad uses none of those libraries (cuDNN, TF32 tensor cores, MPS, oneDNN): its float32 matmuls run at full
float32 precision through NumPy's BLAS (or CuPy's cuBLAS, where TF32 stays off). So the switches are kept as
plain settings a script can set and read back (`torch.backends.cudnn.benchmark = True`), they change no result,
and the `is_available()` questions answer for glassgrad: False.
"""

from .. import _missing
from . import cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]

_missing.install(globals(), "torch.backends")
