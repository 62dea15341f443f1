"""`torch.backends.openmp`: glassgrad's threads are BLAS's and Numba's, not an OpenMP runtime of its own."""

from .. import _missing


def is_available() -> bool:
    return False


_missing.install(globals(), "torch.backends.openmp")
