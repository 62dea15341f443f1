"""`torch.backends.mkldnn`: oneDNN, which glassgrad does not use (its CPU kernels are NumPy, BLAS and Numba)."""

from .. import _missing

enabled = False


def is_available() -> bool:
    return False


_missing.install(globals(), "torch.backends.mkldnn")
