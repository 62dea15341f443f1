"""`torch.backends.cudnn`: glassgrad has no cuDNN; the switches are kept and change nothing (see __init__)."""

from .. import _missing

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    return False


def version() -> None:
    return None


_missing.install(globals(), "torch.backends.cudnn")
