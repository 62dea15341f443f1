"""`torch.backends.cuda`: TF32 and attention-kernel switches. glassgrad never computes in TF32 (see __init__)."""

from .. import _missing
from ._flags import Flags

matmul = Flags("torch.backends.cuda.matmul", allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
               allow_bf16_reduced_precision_reduction=True)
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """Whether glassgrad can use a GPU at all: CuPy is installed (a GPU may still be absent)."""
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False
    return True


def flash_sdp_enabled() -> bool:
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    _sdp["math"] = bool(enabled)


_missing.install(globals(), "torch.backends.cuda")
