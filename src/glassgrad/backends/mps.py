"""`torch.backends.mps`: Apple's GPU backend, which glassgrad does not have."""

from .. import _missing


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False


_missing.install(globals(), "torch.backends.mps")
